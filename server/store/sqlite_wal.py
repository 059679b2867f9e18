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
the thread then tries a RESTART checkpoint once it has caught up nearly all
the way: it takes the write lock between two of the loop's commits (waiting
for one briefly), copies the last few frames, and the WAL starts over. Past
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
        """Called by the loop after each commit (cheap: no lock, no syscall
        except every `every` commits)."""
        self._dirty = True
        self._commits += 1
        if self._commits >= self.every:
            self._commits = 0
            self._wake.set()

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
                busy, frames, copied = self._run_one("RESTART")
            return busy, frames, copied

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
