"""A batch stored a slice at a time (store/processes.py, StagedBatch): what is
staged is seen by no claim, list, count or statistics until the batch is
published, then all of it at once; a batch abandoned before it is published
leaves nothing, and what a stopped server staged is removed (on SQLite when
the store opens, and by the sweep once it is older than a live batch can be)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import time
from collections.abc import Sequence

import psycopg
import pytest

from pycolonies_like.core import fairness
from pycolonies_like.core.errors import FailedPrecondition
from pycolonies_like.core.models import ChannelEntry, Executor, Process, ProcessState
from server.store.base import Staging, Store
from server.store.postgres import PostgresStore
from server.store.sql import SqlStore
from server.store.sqlite import SqliteStore
from tests.server.test_store import NOW, S, add_colony, add_executor, ident, make, put

HOUR = 3600 * S


async def stage(store: Store, batch: Staging, processes: Sequence[Process]) -> None:
    for start in range(0, len(processes), 25):
        part = processes[start : start + 25]
        await batch.stage(part, store.process_rows(part))
    await store.durable()  # SQLite: the slices are committed, staged


async def rows_in(store: SqlStore) -> int:
    """Every row of the processes table, whatever its state."""
    async with store._read() as tx:
        row = await tx.fetchone("SELECT COUNT(*) AS n FROM processes")
    return row["n"] if row else 0


async def nothing_seen(store: Store, executor: Executor) -> None:
    assert await store.claim_process(executor, NOW + 10 * S) is None
    for state in ProcessState:
        assert await store.list_processes("dev", state, 100) == []
    assert await store.waiting_summary() == []
    for stats in (await store.colony_statistics("dev"), await store.statistics()):
        assert stats.waitingprocesses == stats.runningprocesses == 0
        assert stats.successfulprocesses == stats.failedprocesses == 0


async def test_nothing_staged_is_seen_until_the_batch_is_published(store: SqlStore) -> None:
    await add_colony(store)
    e = await add_executor(store)
    processes = [make(at=0) for _ in range(60)]
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, processes[:30])
        await nothing_seen(store, e)
        await stage(store, batch, processes[30:])
        await nothing_seen(store, e)
        await batch.publish(NOW)
    await store.durable()
    batch.time(processes)
    stats = await store.colony_statistics("dev")
    assert stats.waitingprocesses == 60
    # The keys and times of the rows are those given to the processes.
    step = fairness.step(fairness.DEFAULT_WEIGHT)
    for i, p in enumerate(processes):
        assert p.submissiontime == NOW and p.prioritytime == NOW + i * step
        stored = await store.get_process(p.processid)
        assert stored is not None and stored.state == ProcessState.WAITING
        assert (stored.submissiontime, stored.prioritytime) == (NOW, p.prioritytime)
        assert stored.waitdeadline == p.waitdeadline
    claimed = await store.claim_process(e, NOW + S)
    assert claimed is not None and claimed.processid == processes[0].processid


async def test_a_claim_beside_a_staged_batch_gets_only_what_was_published(
    store: SqlStore,
) -> None:
    await add_colony(store)
    e = await add_executor(store)
    batch_of = [make(at=0) for _ in range(50)]
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, batch_of[:25])
        # Another submitter's process, stored between two slices of the batch.
        (single,) = await put(store, dataclasses.replace(make(at=NOW), initiatorid=ident(2)))
        await stage(store, batch, batch_of[25:])
        claimed = await store.claim_process(e, NOW + S)
        assert claimed is not None and claimed.processid == single.processid
        assert await store.claim_process(e, NOW + S) is None
        assert (await store.colony_statistics("dev")).waitingprocesses == 0
        await batch.publish(NOW + S)
    await store.durable()
    stats = await store.colony_statistics("dev")
    assert (stats.waitingprocesses, stats.runningprocesses) == (50, 1)
    assert await rows_in(store) == 51


async def test_a_batch_left_before_it_is_published_leaves_nothing(store: SqlStore) -> None:
    await add_colony(store)
    e = await add_executor(store)
    with pytest.raises(RuntimeError):
        async with store.staged_batch(NOW) as batch:
            await stage(store, batch, [make(at=0) for _ in range(60)])
            raise RuntimeError("the request went away")
    await store.durable()
    assert await rows_in(store) == 0
    await nothing_seen(store, e)


async def test_removing_every_process_spares_a_batch_being_staged(store: SqlStore) -> None:
    await add_colony(store)
    await put(store, make())
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, [make(at=0) for _ in range(30)])
        assert await store.remove_all_processes("dev", None) == 1
        await batch.publish(NOW)
    await store.durable()
    assert (await store.colony_statistics("dev")).waitingprocesses == 30


async def test_a_batch_whose_colony_was_removed_is_refused_whole(store: SqlStore) -> None:
    await add_colony(store)
    with pytest.raises(FailedPrecondition, match="none of it was submitted"):
        async with store.staged_batch(NOW) as batch:
            await stage(store, batch, [make(at=0) for _ in range(30)])
            await store.remove_colony("dev")
            await add_colony(store)
            await batch.publish(NOW)
    await store.durable()
    assert await rows_in(store) == 0


@pytest.mark.parametrize("when", ["staging", "publishing"])
async def test_a_batch_whose_colony_is_gone_is_refused_naming_it(
    store: SqlStore, when: str
) -> None:
    await add_colony(store)
    with pytest.raises(FailedPrecondition, match="colony 'dev' was removed while the batch"):
        async with store.staged_batch(NOW) as batch:
            await stage(store, batch, [make(at=0) for _ in range(30)])
            await store.remove_colony("dev")
            if when == "staging":
                await stage(store, batch, [make(at=0) for _ in range(30)])
            await batch.publish(NOW)
    await store.durable()
    assert await rows_in(store) == 0


async def test_what_a_stopped_server_staged_is_removed_when_the_store_opens() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "colonies.db")
        first = SqliteStore(path)
        await first.open()
        await add_colony(first)
        async with first.staged_batch(NOW) as batch:
            await stage(first, batch, [make(at=0) for _ in range(60)])
            # The server stops here: its slices are committed, the batch
            # never published (nor its request answered).
            await first.close()
        second = SqliteStore(path)
        await second.open()
        try:
            assert await rows_in(second) == 0
            e = await add_executor(second)
            await nothing_seen(second, e)
        finally:
            await second.close()


async def test_what_a_stopped_server_staged_is_dropped_once_it_is_old(store: SqlStore) -> None:
    await add_colony(store)
    with pytest.raises(FailedPrecondition):
        async with store.staged_batch(NOW) as batch:
            await stage(store, batch, [make(at=0) for _ in range(60)])
            assert await store.drop_staged(NOW, HOUR) == 0  # not an hour old
            assert await store.drop_staged(NOW + 1, 0, limit=50) == 50
            assert await store.drop_staged(NOW + 1, 0) == 10
            await batch.publish(NOW + S)  # what it staged is gone: refused whole
    assert await rows_in(store) == 0


async def test_a_staged_process_is_not_found_by_its_id(store: SqlStore) -> None:
    await add_colony(store)
    processes = [make(at=0) for _ in range(30)]
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, processes)
        for p in processes[:2]:
            assert await store.get_process(p.processid) is None
            assert await store.get_process_brief(p.processid) is None
            assert not await store.remove_process(p.processid)
            entry = ChannelEntry(sequence=1, senderid=ident(1), payload=b"x")
            assert await store.append_channel_entry(p.processid, "c", entry, 10) is None
        await batch.publish(NOW)
    await store.durable()
    assert (await store.colony_statistics("dev")).waitingprocesses == 30
    found = await store.get_process(processes[0].processid)
    assert found is not None and found.state == ProcessState.WAITING


async def keep_processes(store: SqlStore) -> None:
    """From now on no process row can be deleted (a trigger refuses it)."""
    async with store._tx() as tx:
        if store.kind == "sqlite":
            await tx.execute(
                "CREATE TRIGGER keep BEFORE DELETE ON processes "
                "BEGIN SELECT RAISE(ABORT, 'kept'); END"
            )
        else:
            await tx.execute(
                "CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'kept'; END $$"
            )
            await tx.execute(
                "CREATE TRIGGER keep BEFORE DELETE ON processes "
                "FOR EACH ROW EXECUTE FUNCTION keep()"
            )
    await store.durable()


async def test_a_batch_that_fails_to_remove_what_it_staged_raises_its_own_error(
    store: SqlStore,
) -> None:
    await add_colony(store)
    await keep_processes(store)
    with pytest.raises(RuntimeError, match="the request went away"):
        async with store.staged_batch(NOW) as batch:
            await stage(store, batch, [make(at=0) for _ in range(30)])
            raise RuntimeError("the request went away")
    # Left staged (seen by nothing) for the sweep.
    assert await rows_in(store) == 30
    assert (await store.colony_statistics("dev")).waitingprocesses == 0


async def test_a_publish_that_loses_a_deadlock_runs_again(postgres_store: PostgresStore) -> None:
    """PostgreSQL: another server's transaction holds a staged row and then
    waits for the submitter's fair share row, which the publish holds: the
    publish is aborted to break the deadlock, and runs again."""
    store = postgres_store
    await add_colony(store)
    await put(store, make())  # the submitter's fair share row exists
    processes = [make(at=0) for _ in range(30)]
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, processes)
        other = await psycopg.AsyncConnection.connect(store.url)
        try:
            await other.execute("SET deadlock_timeout = '60s'")  # the publish loses
            await other.execute(
                "SELECT 1 FROM processes WHERE processid = %s FOR UPDATE",
                (processes[0].processid,),
            )
            publish = asyncio.create_task(batch.publish(NOW + S))
            while not await waiting_for_a_lock(store):
                await asyncio.sleep(0.01)
            await other.execute("UPDATE fairshares SET vtime = vtime WHERE colonyname = 'dev'")
            await other.commit()
            await publish
        finally:
            await other.close()
    await store.durable()
    assert (await store.colony_statistics("dev")).waitingprocesses == 31


async def waiting_for_a_lock(store: PostgresStore) -> bool:
    async with store._read() as tx:
        row = await tx.fetchone(
            "SELECT COUNT(*) AS n FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    return bool(row and row["n"])


async def test_a_server_whose_clock_is_ahead_drops_no_live_batch(store: SqlStore) -> None:
    """The sweep of a server whose clock runs two hours ahead of the one that
    staged a batch (PostgreSQL: servers share the database): the age of a
    staged row is read on the clock it was staged by."""
    await add_colony(store)
    staged_at = NOW if store.kind == "sqlite" else time.time_ns()
    async with store.staged_batch(staged_at) as batch:
        await stage(store, batch, [make(at=0) for _ in range(30)])
        if store.kind == "postgresql":
            assert await store.drop_staged(time.time_ns() + 2 * HOUR, HOUR) == 0
        assert await store.drop_staged(staged_at, HOUR) == 0
        await batch.publish(NOW + S)
    await store.durable()
    assert (await store.colony_statistics("dev")).waitingprocesses == 30


async def test_the_claim_of_a_process_submitted_here_parses_no_spec(store: SqlStore) -> None:
    """The spec kept as it was written serves its claim, and its end (the
    same object); a spec changed in between is read from its row."""
    await add_colony(store)
    e = await add_executor(store)
    batch_processes = [make(at=0) for _ in range(3)]
    async with store.staged_batch(NOW) as batch:
        await stage(store, batch, batch_processes)
        await batch.publish(NOW)
    await store.durable()
    (single,) = await store.add_processes([make(at=10)])
    submitted = {p.processid: p.spec for p in [*batch_processes, single]}
    async with store._write1() as tx:  # another text for the second: it is parsed again
        await tx.execute(
            "UPDATE processes SET spec = replace(spec, '\"funcname\"', '\"funcname\" ') "
            "WHERE processid = ?", (batch_processes[1].processid,),
        )  # fmt: skip
    claimed = [await store.claim_process(e, NOW + S) for _ in range(4)]
    assert [c.processid for c in claimed if c] == [*submitted]
    same = [c.spec is submitted[c.processid] for c in claimed if c]
    assert same == [True, False, True, True]
    assert claimed[1] is not None and claimed[1].spec == submitted[claimed[1].processid]
    result = await store.finish_process(
        claimed[0].processid, claimed[0].attempt, ProcessState.SUCCESSFUL, NOW + 2 * S
    )
    assert result is not None and result.process.spec is submitted[claimed[0].processid]
