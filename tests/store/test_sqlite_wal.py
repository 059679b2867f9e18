"""The SQLite store's WAL: checkpoints off the event loop, a bounded WAL, and
one server per database (a lock file)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pycolonies_like.core.errors import StorageError
from server.store import sqlite_wal
from server.store.sqlite import SqliteStore
from server.store.sqlite_wal import Checkpointer, wal_size

PAGE = 4096
ROW = b"x" * (4 * PAGE)  # a few pages of WAL per commit


async def write(store: SqliteStore, commits: int) -> list[int]:
    """`commits` commits of one row each; the WAL's size after each one."""
    sizes = []
    for _ in range(commits):
        async with store._tx() as tx:
            await tx.execute("INSERT INTO scratch (data) VALUES (?)", (ROW,))
        await store.durable()
        sizes.append(wal_size(store.path))
    return sizes


def wal_starts(path: str) -> int:
    """How many times the WAL started over (its header's checkpoint sequence,
    rewritten by the first write after it starts over): a read of the file
    that changes nothing."""
    with open(path + "-wal", "rb") as wal:
        return int.from_bytes(wal.read(16)[12:16], "big")


def wal_frames(path: str) -> int:
    """Frames in the WAL, as another connection sees them (by a PASSIVE
    checkpoint of its own, which copies them back too: not for tests of when
    the WAL starts over, see wal_starts)."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_autocheckpoint = 0")
        return int(db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0][1])


@pytest.fixture
async def scratch(tmp_path: Path) -> AsyncIterator[str]:
    path = str(tmp_path / "colonies.db")
    store = SqliteStore(path)
    await store.open()
    async with store._tx() as tx:
        await tx.execute("CREATE TABLE scratch (data BLOB)")
    await store.close()
    yield path


async def test_commits_on_the_loop_never_checkpoint(scratch: str) -> None:
    """SQLite's own checkpoint (every 1,000 pages, inside a COMMIT) is off:
    the WAL holds every frame written until a checkpoint of ours runs."""
    store = SqliteStore(scratch, checkpoints=False)
    await store.open()
    try:
        await write(store, 400)  # well over 1,000 pages
        assert store.forced_checkpoints == 0
        assert wal_frames(scratch) > 1500
    finally:
        await store.close()


async def test_the_checkpointer_copies_the_wal_back_and_it_starts_over(scratch: str) -> None:
    store = SqliteStore(scratch)
    await store.open()
    assert store.checkpointer is not None
    try:
        await write(store, 400)
        busy, frames, copied = store.checkpointer.checkpoint()
        assert busy == 0 and copied == frames  # nothing else reads: all of it
        await write(store, 10)  # the first write after that starts the WAL over
        assert wal_frames(scratch) < 100
        assert store.forced_checkpoints == 0
    finally:
        await store.close()


async def test_the_wal_stays_bounded_when_checkpoints_fall_behind(scratch: str) -> None:
    """With no checkpointer at all (the worst it can fall behind), the loop
    checkpoints the WAL itself whenever it outgrows max_wal_bytes."""
    limit = 64 * PAGE
    store = SqliteStore(scratch, checkpoints=False, max_wal_bytes=limit)
    await store.open()
    try:
        sizes = await write(store, 300)
        assert max(sizes) <= limit
        assert store.forced_checkpoints >= 300 * 4 // 64 // 2
    finally:
        await store.close()
    # ... and nothing written was lost to it.
    with sqlite3.connect(scratch) as db:
        assert db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 300


async def test_the_wal_stays_bounded_while_the_thread_checkpoints_too(scratch: str) -> None:
    """The loop's own checkpoint waits for one of the thread's to end rather
    than finding the WAL busy (and leaving it to grow)."""
    limit = 64 * PAGE
    store = SqliteStore(scratch, max_wal_bytes=limit)
    assert store.checkpointer is not None
    store.checkpointer.every = 1  # a checkpoint asked for after every commit
    await store.open()
    try:
        sizes = await write(store, 300)
        assert max(sizes) <= limit
        assert store.forced_checkpoints > 0 and store.checkpointer.checkpoints > 0
    finally:
        await store.close()


def modes(monkeypatch: pytest.MonkeyPatch, checkpointer: object) -> list[str]:
    """The checkpoints the thread runs, by mode."""
    seen: list[str] = []
    run_one = checkpointer._run_one  # type: ignore[attr-defined]

    def recorded(mode: str) -> tuple[int, int, int]:
        seen.append(mode)
        return run_one(mode)  # type: ignore[no-any-return]

    monkeypatch.setattr(checkpointer, "_run_one", recorded)
    return seen


async def handing_over(store: SqliteStore) -> threading.Thread:
    """The thread's checkpoint, once it waits for the loop to copy the tail."""
    checkpointer = store.checkpointer
    assert checkpointer is not None
    thread = threading.Thread(target=checkpointer.checkpoint)
    thread.start()
    deadline = time.monotonic() + 10
    while not checkpointer._tail_wanted:
        assert time.monotonic() < deadline and thread.is_alive()
        await asyncio.sleep(0.001)
    return thread


def checkpointed_by_hand(
    scratch: str, monkeypatch: pytest.MonkeyPatch, handover_wait_s: float
) -> tuple[SqliteStore, Checkpointer]:
    """A store whose checkpoints run only when a test calls them (its thread
    stays out of it), waiting `handover_wait_s` for the loop's commit."""
    monkeypatch.setattr(sqlite_wal, "HANDOVER_WAIT_S", handover_wait_s)
    store = SqliteStore(scratch)
    checkpointer = store.checkpointer
    assert checkpointer is not None
    checkpointer.every, checkpointer.quiet_s = 10**9, 3600.0
    return store, checkpointer


@pytest.fixture
def small_wal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_wal, "WAL_KEEP_BYTES", 8 * PAGE)


async def test_the_wal_starts_over_between_two_of_the_loops_transactions(
    scratch: str, small_wal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past WAL_KEEP_BYTES the thread copies the WAL back and syncs the
    database, then hands the tail to the loop, which copies it as it commits:
    its next write starts the WAL over. No RESTART holds the write lock (the
    loop's busy timeout is off here: a BEGIN that met it would fail)."""
    store, checkpointer = checkpointed_by_hand(scratch, monkeypatch, 30.0)
    ran = modes(monkeypatch, checkpointer)
    synced: list[tuple[int, bool]] = []  # (inode, the tail asked for yet)
    fsync = os.fsync

    def recorded(fd: int) -> None:
        synced.append((os.fstat(fd).st_ino, bool(checkpointer._tail_wanted)))
        fsync(fd)

    monkeypatch.setattr(sqlite_wal.os, "fsync", recorded)
    await store.open()
    try:
        store._conn.execute("PRAGMA busy_timeout = 0")
        await write(store, 20)
        starts = wal_starts(scratch)
        # A transaction of the loop's stays open (nothing here lets its commit
        # run) while the thread copies: its frames are the tail left to the loop.
        async with store._tx() as tx:
            await tx.execute("INSERT INTO scratch (data) VALUES (?)", (ROW,))
            thread = threading.Thread(target=checkpointer.checkpoint)
            thread.start()
            deadline = time.monotonic() + 10
            while not checkpointer._tail_wanted:
                assert time.monotonic() < deadline and thread.is_alive()
                time.sleep(0.001)
        checkpointer.tail_copied(99, (0, 1, 1))  # an answer to another round: not taken
        time.sleep(0.05)
        assert thread.is_alive() and checkpointer.restarts == 1  # it waits for the loop
        # Meanwhile the loop's own checkpoint (past max_wal_bytes) need not wait.
        assert checkpointer._running.acquire(timeout=0.5)
        checkpointer._running.release()
        await store.durable()  # the commit: the loop copies the tail
        thread.join(5)
        assert not thread.is_alive()
        asked, (busy, frames, copied) = checkpointer._tail
        assert (asked, busy) == (1, 0) and copied == frames
        assert wal_starts(scratch) == starts  # that transaction began before
        await write(store, 1)
        assert wal_starts(scratch) == starts + 1
        assert "RESTART" not in ran
        assert synced[:1] == [(os.stat(scratch).st_ino, False)]  # the database, before asking
        assert store.forced_checkpoints == 0
    finally:
        await store.close()
    with sqlite3.connect(scratch) as db:
        assert db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 22


async def test_a_failed_sync_leaves_it_to_the_loops_copy(
    scratch: str, small_wal: None, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(sqlite_wal.os, "fsync", failing)
    store, checkpointer = checkpointed_by_hand(scratch, monkeypatch, 30.0)
    await store.open()
    try:
        await write(store, 20)
        thread = await handing_over(store)
        await write(store, 1)
        thread.join(5)
        assert not thread.is_alive() and checkpointer._tail[0] == 1
        assert "could not sync" in caplog.text and "Input/output error" in caplog.text
    finally:
        await store.close()


async def test_a_quiet_loops_wal_is_restarted_by_the_thread(
    scratch: str, small_wal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, checkpointer = checkpointed_by_hand(scratch, monkeypatch, 0.05)
    ran = modes(monkeypatch, checkpointer)
    await store.open()
    try:
        await write(store, 20)
        starts = wal_starts(scratch)
        busy, frames, copied = await asyncio.to_thread(checkpointer.checkpoint)
        assert (busy, checkpointer.restarts, ran[-1]) == (0, 1, "RESTART")
        assert copied == frames > 0 and not checkpointer._tail_wanted
        await write(store, 1)
        assert wal_starts(scratch) == starts + 1
    finally:
        await store.close()


async def test_a_reader_on_old_frames_leaves_the_restart_to_the_thread(
    scratch: str, small_wal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader (another connection) on frames of the WAL keeps the loop's
    copy short of the end: the thread's RESTART then waits for the reader
    (its busy timeout) and gives up, the loop's writes go on, and the WAL
    starts over once the reader is gone."""
    store, checkpointer = checkpointed_by_hand(scratch, monkeypatch, 30.0)
    ran = modes(monkeypatch, checkpointer)
    await store.open()
    try:
        await write(store, 20)
        starts = wal_starts(scratch)
        reader = sqlite3.connect(scratch, isolation_level=None, check_same_thread=False)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM scratch").fetchall()  # the 20 rows, in the WAL
        thread = await handing_over(store)
        await write(store, 3)  # the first commit's copy stops at the reader's frames
        thread.join(5)
        assert not thread.is_alive() and ran[-1] == "RESTART"
        asked, (busy, frames, copied) = checkpointer._tail
        assert asked == 1 and busy == 0 and copied < frames
        await write(store, 1)
        assert wal_starts(scratch) == starts  # not started over: the reader holds it
        reader.close()
        monkeypatch.setattr(sqlite_wal, "HANDOVER_WAIT_S", 0.05)  # a quiet loop: a RESTART
        await asyncio.to_thread(checkpointer.checkpoint)
        await write(store, 1)
        assert wal_starts(scratch) == starts + 1
    finally:
        await store.close()
    with sqlite3.connect(scratch) as db:
        assert db.execute("SELECT count(*) FROM scratch").fetchone()[0] == 25


async def test_a_hand_over_ends_when_the_store_closes(
    scratch: str, small_wal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, checkpointer = checkpointed_by_hand(scratch, monkeypatch, 30.0)
    ran = modes(monkeypatch, checkpointer)
    await store.open()
    await write(store, 20)
    thread = await handing_over(store)
    checkpointer.stop()
    thread.join(2)
    assert not thread.is_alive() and "RESTART" not in ran
    await store.close()


async def test_a_second_store_on_the_same_database_is_refused(scratch: str) -> None:
    first = SqliteStore(scratch)
    await first.open()
    try:
        second = SqliteStore(scratch)
        with pytest.raises(StorageError, match="in use by another server"):
            await second.open()
        await write(first, 3)  # the refused one disturbed nothing
        assert second.checkpointer is not None and second.checkpointer.checkpoints == 0
    finally:
        await first.close()
    # Closed, the database is free again (and the lock file stays private).
    again = SqliteStore(scratch)
    await again.open()
    try:
        assert os.stat(scratch + ".lock").st_mode & 0o777 == 0o600
        await write(again, 1)
    finally:
        await again.close()


async def test_a_second_store_through_another_path_to_the_database_is_refused(
    scratch: str, tmp_path: Path
) -> None:
    # The same file under another name (a symlink): one database, one lock.
    link = tmp_path / "other.db"
    link.symlink_to(scratch)
    first = SqliteStore(scratch)
    await first.open()
    try:
        second = SqliteStore(str(link))
        with pytest.raises(StorageError, match="in use by another server"):
            await second.open()
        await write(first, 1)
    finally:
        await first.close()
