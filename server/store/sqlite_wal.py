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
the thread then runs a RESTART checkpoint once it has caught up nearly all
the way: it holds the write lock while it copies the last few frames and
syncs the database, and the WAL starts over. It runs between two of the
loop's transactions, handed over by the loop as it commits (`committed`), and
the loop's next transaction waits for it to end (`wait_for_restart`): on an
event the thread sets, not in SQLite's busy handler, whose sleeps of 1, 2 and
5 ms turned a 4 ms RESTART into an 8 ms stall of the loop. Past
`max_wal_bytes` (the loop never let go of the write lock long enough, or there
is no thread) the loop checkpoints the WAL itself (TRUNCATE), after what the
thread copied: its size stays bounded whatever the load.

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
# A RESTART waits this long for the loop to commit (and hand it the moment
# between two transactions); a quiet loop's WAL is restarted after it anyway.
HANDOVER_WAIT_S = 0.05
# The loop waits at most this long for a RESTART it handed over to end.
RESTART_END_WAIT_S = 1.0
# The WAL file is cut back to this size when it starts over; past it, the
# thread makes it start over (RESTART) ...
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
        self.restarts = 0  # RESTART checkpoints (the WAL did not start over by itself)
        self._commits = 0  # since the last request
        self._dirty = False  # committed since the last checkpoint
        self._wake = threading.Event()
        self._running = threading.Lock()  # one checkpoint at a time on the connection
        self._stopping = False
        self._db: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        # The RESTART's hand-over: the thread wants one (`_restart_wanted`),
        # the loop hands it the moment after a commit (`_handed_over`), and
        # `_restart_done` is clear from then until the RESTART ended.
        self._handover = threading.Lock()
        self._restart_wanted = False
        self._handed_over = threading.Event()
        self._restart_done = threading.Event()
        self._restart_done.set()

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

    def committed(self) -> None:
        """Called by the loop after each commit, before it begins another
        transaction (cheap: no lock, no syscall except every `every` commits
        and when a RESTART waits for this moment: it is handed over)."""
        self._dirty = True
        self._commits += 1
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()
        if self._restart_wanted:
            with self._handover:
                if self._restart_wanted:
                    self._restart_wanted = False
                    self._restart_done.clear()
                    self._handed_over.set()

    def wait_for_restart(self) -> None:
        """Called by the loop before it begins a transaction: returns when no
        RESTART it handed over is running (at once, nearly always)."""
        if not self._restart_done.is_set():
            self._restart_done.wait(RESTART_END_WAIT_S)

    def checkpoint(self) -> tuple[int, int, int]:
        """Copies the WAL back: (busy, frames in the WAL, frames copied) of the
        last checkpoint run."""
        with self._running:
            self._dirty = False
            busy, frames, copied = self._run_one("PASSIVE")
            for _ in range(CATCH_UP):
                if busy or copied >= frames:
                    break
                busy, frames, copied = self._run_one("PASSIVE")
            if wal_size(self.path) > WAL_KEEP_BYTES:
                self.restarts += 1
                busy, frames, copied = self._restart()
            return busy, frames, copied

    def _restart(self) -> tuple[int, int, int]:
        """A RESTART between two of the loop's transactions (handed over at
        its next commit), or after HANDOVER_WAIT_S if it commits nothing."""
        self._handed_over.clear()
        self._restart_wanted = True
        if not self._handed_over.wait(HANDOVER_WAIT_S):
            with self._handover:
                # Not handed over (the loop was quiet), unless just now.
                self._restart_wanted = False
        try:
            return self._run_one("RESTART")
        finally:
            self._restart_done.set()

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

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._handed_over.set()  # a RESTART waiting for the loop goes on
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
