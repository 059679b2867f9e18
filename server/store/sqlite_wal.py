"""What keeps the SQLite store's WAL small without stalling the event loop,
and what keeps a second server off its database.

SQLite's automatic checkpoint runs inside the COMMIT that fills the WAL past
its threshold: on the event loop, a few milliseconds every couple of hundred
commits, which is the slow tail of every request waiting on such a commit.
Here checkpoints run on a connection of their own in a thread: PASSIVE ones,
which never take the write lock, so the loop's commits do not wait for them.
Once a checkpoint has copied every frame back before the loop commits again,
the loop's next write starts the WAL over from its beginning (and
`journal_size_limit` cuts the file back); a checkpoint that ends behind (the
loop committed meanwhile) is followed by a few more, each shorter.

Under a steady stream of commits that may never happen. Past WAL_KEEP_BYTES
the thread then makes it happen between two of the loop's transactions. It
copies until what is left is what the loop commits in about half a
millisecond, syncs the database, copies what came meanwhile, then hands
over: the loop, as it next commits (`committed`), copies those last frames
itself (a PASSIVE checkpoint on its own connection), and its next write
starts the WAL over. (A RESTART checkpoint in the thread did the same
holding the write lock, sleeping 1, 2, 5 ms in SQLite's busy handler for the
loop's reads while the loop's next BEGIN slept in its own: 8-19 ms stalls,
four or five a second beside a flood.) A quiet loop's WAL is made to start
over by a RESTART in the thread. A reader of another connection on old
frames keeps the loop's copy short of the end; the RESTART tried then holds
the write lock up to RESTART_WAIT_MS waiting for it, and the WAL starts over
only once it is gone. Past `max_wal_bytes` (the WAL never started over, or
there is no thread) the loop checkpoints the WAL itself (TRUNCATE), after
what the thread copied: its size stays bounded whatever the load.

One server per database: the server holds an flock on `<database>.lock` for
as long as the store is open (the kernel lets go of it when the process dies,
however it dies).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator

from pycolonies_like.core.errors import StorageError

log = logging.getLogger(__name__)

# A checkpoint is asked for every this many commits, and after a second
# without one (a quiet server gets its WAL copied back and started over).
CHECKPOINT_EVERY = 100
QUIET_S = 1.0
# Catch-up rounds after a checkpoint that ended behind.
CATCH_UP = 4
RESTART_WAIT_MS = 20
# The thread waits this long for the loop to commit and copy the WAL's tail;
# a quiet loop's WAL is restarted by a RESTART after it.
HANDOVER_WAIT_S = 0.05
# ... and for its answer once it took the request.
TAKEN_WAIT_S = 1.0
# Before the tail is handed over, PASSIVE checkpoints run (at most CLOSE_IN,
# for at most CLOSE_IN_S) until one takes less than CLOSE_ENOUGH_S.
CLOSE_IN = 8
CLOSE_IN_S = 0.05
CLOSE_ENOUGH_S = 0.0005
# The WAL file is cut back to this size when it starts over; past it, the
# thread makes it start over (the hand-over, else a RESTART) ...
WAL_KEEP_BYTES = 16 * 1024 * 1024
# ... and never grows past this much (then the loop checkpoints it itself).
MAX_WAL_BYTES = 64 * 1024 * 1024


class InUse(StorageError):
    """Another server has the database open."""


class LockFile:
    """An exclusive flock on `<database>.lock`, held until `release`."""

    def __init__(self, database: str) -> None:
        # Next to the file itself, however it is named (a symlink, `..`): one
        # lock per database, not per spelling of its path.
        self.path = os.path.realpath(database) + ".lock"
        self._fd: int | None = None

    def acquire(self, database: str) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise InUse(
                f"the database {database} is in use by another server (it holds {self.path})"
            ) from None
        except OSError as err:
            os.close(fd)
            raise StorageError(f"cannot lock {self.path}: {err}") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file lets go of the flock
            self._fd = None


class Checkpointer:
    """PASSIVE checkpoints of one database, in a thread, when asked (`commit`
    counts the loop's commits) and when the server has been quiet a while."""

    def __init__(self, path: str, synchronous: str, *, every: int = CHECKPOINT_EVERY,
                 quiet_s: float = QUIET_S) -> None:  # fmt: skip
        self.path = path
        self.synchronous = synchronous
        self.every = every
        self.quiet_s = quiet_s
        self.checkpoints = 0  # completed, for tests and curiosity
        self.restarts = 0  # times it set out to make the WAL start over
        self._commits = 0  # since the last request
        self._dirty = False  # committed since the last checkpoint
        self._wake = threading.Event()
        self._running = threading.Lock()  # one checkpoint at a time on the connection
        self._stopping = False
        self._db: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        # The hand-over: the thread asks the loop for the WAL's tail (the
        # round in `_tail_wanted`; 0: none), the loop copies it as it next
        # commits and answers with the round and what its checkpoint said.
        self._handover = threading.Lock()
        self._round = 0
        self._tail_wanted = 0
        self._tail_copied = threading.Event()
        self._tail: tuple[int, tuple[int, int, int]] = (0, (1, -1, -1))
        self._handing_over = False  # a checkpoint waits for the loop's answer

    def start(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute(f"PRAGMA synchronous = {self.synchronous}")
            # A RESTART waits this long for the loop to let go of the write lock.
            db.execute(f"PRAGMA busy_timeout = {RESTART_WAIT_MS}")
        except sqlite3.Error as err:
            raise StorageError(f"cannot open {self.path} to checkpoint it: {err}") from None
        self._db = db
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        try:
            self._thread.start()
        except BaseException:
            self._db, self._thread = None, None
            db.close()
            raise

    def committed(self) -> int:
        """Called by the loop after each commit, before it begins another
        transaction (cheap: no lock, no syscall except every `every` commits
        and at a hand-over). Not 0: copy the WAL's tail now and answer
        `tail_copied` with this round (SqliteStore._copy_tail)."""
        self._dirty = True
        self._commits += 1
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()
        if self._tail_wanted:
            with self._handover:
                asked, self._tail_wanted = self._tail_wanted, 0
                return asked
        return 0

    def tail_copied(self, asked: int, result: tuple[int, int, int]) -> None:
        """The loop's checkpoint of the tail asked for in round `asked` ended:
        (busy, frames in the WAL, frames copied back)."""
        self._tail = (asked, result)
        self._tail_copied.set()

    def checkpoint(self) -> tuple[int, int, int]:
        """Copies the WAL back: (busy, frames in the WAL, frames copied) of the
        last checkpoint run. Past WAL_KEEP_BYTES, makes the WAL start over:
        copied here until little is left, the rest by the loop as it next
        commits; by a RESTART here if the loop commits nothing for
        HANDOVER_WAIT_S or its copy fell short (a reader holds old frames)."""
        with self._running:
            self._dirty = False
            busy, frames, copied = self._run_one("PASSIVE")
            for _ in range(CATCH_UP):
                if busy or copied >= frames:
                    break
                busy, frames, copied = self._run_one("PASSIVE")
            if wal_size(self.path) <= WAL_KEEP_BYTES or self._stopping or self._handing_over:
                return busy, frames, copied  # (one hand-over at a time)
            self.restarts += 1
            busy, frames, copied = self._close_in()
            asked = self._ask_for_tail()
            self._handing_over = True
        # Not held while the loop is waited for: the loop's own checkpoint
        # (past max_wal_bytes, in `pause`) must not wait for the hand-over.
        try:
            tail = self._tail_of(asked)
        finally:
            self._handing_over = False
        if tail is not None and not tail[0] and tail[2] >= tail[1]:
            return tail
        if self._stopping:
            return busy, frames, copied
        with self._running:
            return self._run_one("RESTART")

    def _close_in(self) -> tuple[int, int, int]:
        """PASSIVE checkpoints, each copying what the loop committed during
        the one before, until one is quick (CLOSE_ENOUGH_S) or CLOSE_IN_S is
        spent; then the database is synced, and what came meanwhile copied."""
        started = time.perf_counter()
        for _ in range(CLOSE_IN):
            began = time.perf_counter()
            busy, frames, copied = self._run_one("PASSIVE")
            now = time.perf_counter()
            if busy or copied < frames or now - began < CLOSE_ENOUGH_S:
                break
            if now - started >= CLOSE_IN_S:
                break
        # SQLite syncs the database only in a checkpoint that reaches the end
        # of the WAL, which these never do while the loop commits: synced
        # here, the loop's copy has only the pages of its tail to sync.
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:  # the loop's copy syncs it then
            log.warning("could not sync %s before the WAL starts over: %s", self.path, err)
        # What the loop committed during the sync (its pages synced by the loop's copy).
        return self._run_one("PASSIVE")

    def _ask_for_tail(self) -> int:
        self._round += 1
        self._tail_copied.clear()
        self._tail_wanted = self._round
        return self._round

    def _tail_of(self, asked: int) -> tuple[int, int, int] | None:
        """The loop's answer to round `asked`; None if it committed nothing in
        HANDOVER_WAIT_S (the request is withdrawn) or the store is closing."""
        deadline = time.monotonic() + HANDOVER_WAIT_S
        taken = False
        while True:
            self._tail_copied.clear()
            if self._stopping:
                return None
            answered, result = self._tail
            if answered == asked:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                if taken:
                    return None
                with self._handover:
                    if self._tail_wanted == asked:  # the loop was quiet
                        self._tail_wanted = 0
                        return None
                # Taken just now: the loop answers as soon as it has copied.
                taken, deadline = True, time.monotonic() + TAKEN_WAIT_S
                continue
            self._tail_copied.wait(left)

    @contextlib.contextmanager
    def pause(self) -> Iterator[None]:
        """No checkpoint of the thread runs in this block."""
        with self._running:
            yield

    def _run_one(self, mode: str) -> tuple[int, int, int]:
        assert self._db is not None
        # fetchall: a statement left unfinished would keep a read open on the WAL.
        ((busy, frames, copied),) = self._db.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        self.checkpoints += 1
        return busy, frames, copied

    def _run(self) -> None:
        while True:
            asked = self._wake.wait(self.quiet_s)
            self._wake.clear()
            if self._stopping:
                return
            if not asked and not self._dirty:
                continue  # nothing written since the last one
            try:
                self.checkpoint()
            except sqlite3.Error as err:
                log.warning("WAL checkpoint failed (tried again later): %s", err)
            except Exception:  # the thread goes on: the WAL must not grow unchecked
                log.exception("WAL checkpoint failed (tried again later)")

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._tail_copied.set()  # a hand-over waiting for the loop ends
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._db is not None:
            self._db.close()
            self._db = None


def wal_size(path: str) -> int:
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return 0
