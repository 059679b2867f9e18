"""The embedded SQLite store (stdlib sqlite3, WAL).

Durability: WAL with synchronous=NORMAL writes every commit to the WAL file
before the call returns, so an acknowledged change survives the server being
killed (kill -9). Surviving a power cut as well needs synchronous=FULL, an
fsync per commit (`--sqlite-sync full`).

Statements run on the event loop thread itself: they take microseconds, and a
thread hop would cost more than the work. WAL checkpoints run in a thread of
their own (sqlite_wal.py); the loop copies back only the last few frames when
the WAL is made to start over. The server holds a lock file next to
the database, so a second server cannot open the same data directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, cast

from pycolonies_like.core.errors import StorageError
from pycolonies_like.core.models import Executor
from server.store import queue
from server.store.db import NAMED, Dialect, Params, Row, Tx, UniqueViolation
from server.store.migrations import load_migrations
from server.store.nonces import UPSERT as NONCE_UPSERT
from server.store.processes import STAGED
from server.store.sql import SqlStore
from server.store.sqlite_wal import (
    MAX_WAL_BYTES,
    WAL_KEEP_BYTES,
    Checkpointer,
    LockFile,
    wal_size,
)

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1024)
def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    return NAMED.sub("?", sql), tuple(NAMED.findall(sql))


class SqliteDialect(Dialect):
    name = "sqlite"
    lock_rows = ""  # one connection, one writer: nothing to lock against

    # sqlite3 binds parameters by position several times faster than by name.
    def bind(self, sql: str, params: Params) -> tuple[str, Params]:
        if isinstance(params, dict):
            text, names = _positional(sql)
            return text, tuple([params[n] for n in names])
        return sql, params

    def bind_many(self, sql: str, rows: Iterable[Params]) -> tuple[str, list[Params]]:
        rows = list(rows)
        if rows and isinstance(rows[0], dict):
            text, names = _positional(sql)
            named = cast(list[dict[str, Any]], rows)
            return text, [tuple([r[n] for n in names]) for r in named]
        return sql, rows

    async def pick(self, tx: Tx, executor: Executor) -> str | None:
        # The queue's key starts (colonyname, executortype, executorname, shape,
        # prioritytime): the head of each range an executor may take from (any
        # executor of its type, or it by name; each shape of needs it fits) is
        # one lookup. Shapes it does not fit are never read.
        params = queue.claim_params(executor, 0)
        shapes = [""] + [r["shape"] for r in await tx.fetchall(queue.FITTING_SHAPES, params)]
        best: tuple[int, str] | None = None
        for name in ("", executor.executorname):
            for shape in shapes:
                row = await tx.fetchone(
                    "SELECT prioritytime, processid FROM queue WHERE colonyname = ? "
                    "AND executortype = ? AND executorname = ? AND shape = ? "
                    "ORDER BY prioritytime LIMIT 1",
                    (executor.colonyname, executor.executortype, name, shape),
                )
                if row is not None and (best is None or row["prioritytime"] < best[0]):
                    best = (row["prioritytime"], row["processid"])
        return best[1] if best else None


DIALECT = SqliteDialect()


class SqliteTx:
    __slots__ = ("_db",)
    dialect = DIALECT

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            return self._db.execute(*self.dialect.bind(sql, params)).rowcount
        except sqlite3.IntegrityError as err:
            raise _integrity(err) from None
        except sqlite3.Error as err:
            raise StorageError(f"database error: {err}") from None

    async def send(self, sql: str, params: Params = ()) -> None:
        await self.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            self._db.executemany(*self.dialect.bind_many(sql, rows))
        except sqlite3.IntegrityError as err:
            raise _integrity(err) from None
        except sqlite3.Error as err:
            raise StorageError(f"database error: {err}") from None

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            cursor = self._db.execute(*self.dialect.bind(sql, params))
            row = cursor.fetchone()
            if row is not None and sql.lstrip()[:6].upper() != "SELECT":
                cursor.fetchall()  # finish INSERT/UPDATE ... RETURNING statements
            return row
        except sqlite3.IntegrityError as err:
            raise _integrity(err) from None
        except sqlite3.Error as err:
            raise StorageError(f"database error: {err}") from None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            return self._db.execute(*self.dialect.bind(sql, params)).fetchall()
        except sqlite3.IntegrityError as err:
            raise _integrity(err) from None
        except sqlite3.Error as err:
            raise StorageError(f"database error: {err}") from None


def _integrity(err: sqlite3.IntegrityError) -> Exception:
    if "UNIQUE" in str(err) or "PRIMARY KEY" in str(err):
        return UniqueViolation(str(err))
    return StorageError(f"database constraint failed: {err}")


class SqliteStore(SqlStore):
    kind = "sqlite"
    shared = False  # one server per database file (a lock file says whose)

    def __init__(
        self, path: str, synchronous: str = "NORMAL", *, max_wal_bytes: int = MAX_WAL_BYTES,
        checkpoints: bool = True,
    ) -> None:  # fmt: skip
        """`max_wal_bytes`: past it the loop checkpoints the WAL itself;
        `checkpoints`: False leaves that bound alone to do the work (tests)."""
        if synchronous.upper() not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be NORMAL or FULL")
        super().__init__()
        self.path = path
        self.synchronous = synchronous.upper()
        self.max_wal_bytes = max_wal_bytes
        self._memory = path == ":memory:"
        self._lock = None if self._memory else LockFile(path)
        self.checkpointer = (
            Checkpointer(path, self.synchronous) if checkpoints and not self._memory else None
        )
        self.forced_checkpoints = 0  # WAL past max_wal_bytes, checkpointed on the loop
        self._wal_stuck = False
        self._db: sqlite3.Connection | None = None
        self._batch: asyncio.Future[None] | None = None
        self._batch_size = 0  # changes in the open batch
        self._nonces: list[tuple[str, int]] = []  # written just before the batch's COMMIT

    async def open(self) -> None:
        if self._lock is not None:
            _private_directory(Path(self.path).parent)
            self._lock.acquire(self.path)  # before anything touches the database
        try:
            self._open()
            if self.checkpointer is not None:
                self.checkpointer.start()
        except BaseException:
            if self._db is not None:
                self._db.close()
                self._db = None
            if self._lock is not None:
                self._lock.release()
            raise

    def _open(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            raise StorageError(f"cannot open {self.path}: {err}") from None
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal" and self.path != ":memory:":
                raise StorageError(f"cannot switch {self.path} to WAL mode (got {mode})")
            db.execute(f"PRAGMA synchronous = {self.synchronous}")
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 2000")
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA cache_size = -65536")
            # Checkpoints are the checkpointer's (or, past max_wal_bytes, _bound_wal's).
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute(f"PRAGMA journal_size_limit = {min(WAL_KEEP_BYTES, self.max_wal_bytes)}")
            db.row_factory = sqlite3.Row
        except BaseException as err:
            db.close()  # a connection that is not the store's is not left open
            if isinstance(err, sqlite3.Error):
                raise StorageError(f"cannot open {self.path}: {err}") from None
            raise
        self._db = db
        self._migrate()
        # What a stopped server staged of a batch it never published (its
        # request was never answered): removed before anything reads.
        try:
            dropped = db.execute(f"DELETE FROM processes WHERE state = {STAGED}").rowcount
        except sqlite3.Error as err:  # (open() closes the connection)
            raise StorageError(f"cannot open {self.path}: {err}") from None
        if dropped:
            log.info("removed %d processes of batches left unpublished", dropped)
        if self.path != ":memory:":
            for path in (self.path, self.path + "-wal", self.path + "-shm"):
                if os.path.exists(path):
                    os.chmod(path, 0o600)

    def _migrate(self) -> None:
        db = self._conn
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
        )
        applied = {r["version"] for r in db.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in load_migrations("sqlite"):
            if version in applied:
                continue
            log.info("applying migration %04d_%s", version, name)
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", (version, name)
                )
                db.execute("COMMIT")
            except Exception:
                db.execute("ROLLBACK")
                raise

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StorageError("the store is not open")
        return self._db

    async def close(self) -> None:
        self._commit()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self._db is not None:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
            self._db.close()
            self._db = None
        if self._lock is not None:
            self._lock.release()

    async def ping(self) -> None:
        try:
            self._conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as err:
            raise StorageError(f"database error: {err}") from None

    async def schema_version(self) -> int:
        row = self._conn.execute("SELECT MAX(version) AS version FROM schema_migrations").fetchone()
        return row["version"] or 0

    # Group commit. The writes of every request handled in one turn of the
    # event loop share one transaction, each inside its own savepoint (a
    # failing request undoes only its own changes), committed on the next turn.
    # Store calls return before that commit; transports call `durable()` before
    # anything leaves the server (replies, events), so nothing is acknowledged
    # or shown before it is committed. If a commit fails, every request of the
    # batch fails with StorageError and none of its changes remain.

    def _begin(self) -> None:
        """Opens the loop turn's batch, if it is not open yet; notes it as one
        the current task's request wrote to (durable())."""
        batch = self._batch
        if batch is None:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as err:
                raise StorageError(f"database error: {err}") from None
            loop = asyncio.get_running_loop()
            self._batch = batch = loop.create_future()
            loop.call_soon(self._commit)
            self._batch_size = 0
        task = asyncio.current_task()
        held = _WRITTEN.get()
        if held is None or held[0] is not task:
            _WRITTEN.set((task, [batch]))
        elif not held[1] or held[1][-1] is not batch:
            _note(held[1], batch)

    def _tx(self) -> _Savepoint:
        return _Savepoint(self)

    def _commit(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None:
            return
        commits = self.commits
        started = time.perf_counter()
        nonces, self._nonces = self._nonces, []
        try:
            if nonces:
                self._conn.executemany(NONCE_UPSERT, nonces)
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            commits.failed += 1
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            log.error("commit failed, the last batch of changes is lost: %s", err)
            batch.set_exception(StorageError(f"database error: {err}"))
            batch.exception()  # retrieved: a batch nobody waits for must not warn
            return
        commits.seconds.observe(time.perf_counter() - started)
        commits.batch.observe(self._batch_size)
        try:
            if self.checkpointer is not None:
                asked = self.checkpointer.committed()
                if asked:
                    self._copy_tail(self.checkpointer, asked)
            if not self._memory and wal_size(self.path) > self.max_wal_bytes:
                self._bound_wal()
        finally:
            batch.set_result(None)  # committed, whatever the WAL's upkeep did

    def _copy_tail(self, checkpointer: Checkpointer, asked: int) -> None:
        """Copies back the WAL's last frames, between two transactions (the
        checkpointer copied the rest): the next write starts the WAL over."""
        try:
            ((busy, frames, copied),) = self._conn.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchall()
        except sqlite3.Error:
            busy, frames, copied = 1, -1, -1
        checkpointer.tail_copied(asked, (busy, frames, copied))

    def _bound_wal(self) -> None:
        """The WAL outgrew max_wal_bytes (checkpoints in the thread fell behind,
        or there are none): checkpointed and cut back here, on the loop."""
        self.forced_checkpoints += 1
        size = wal_size(self.path)
        try:
            # The thread's checkpoint, if one runs, ends first: two at once
            # would leave this one BUSY, and the WAL growing.
            with self.checkpointer.pause() if self.checkpointer else contextlib.nullcontext():
                ((busy, _, _),) = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.Error as err:
            busy, reason = 1, str(err)
        else:
            reason = "a reader of the database holds it"
        if busy and not self._wal_stuck:
            log.warning("could not checkpoint the WAL (%d bytes): %s", size, reason)
        self._wal_stuck = bool(busy)  # said once until it works again

    async def save_nonces(self, nonces: Sequence[tuple[str, int]]) -> None:
        # One statement per commit for every request's nonce, in the commit
        # that its request's changes are in (and its reply waits for).
        if nonces:
            self._begin()
            self._nonces.extend(nonces)

    async def durable(self) -> None:
        # The current batch, and every earlier one this task's request wrote
        # to: a request that goes on over several turns of the loop (a big
        # batch, a submit's decisions) is answered with the error of a failed
        # commit of any of them, not with success on a later one's.
        held = _WRITTEN.get()
        if held is not None and held[0] is asyncio.current_task() and held[1]:
            pending = list(held[1])
            held[1].clear()
            for earlier in pending:
                await asyncio.shield(earlier)
        batch = self._batch
        if batch is not None:
            await asyncio.shield(batch)

    def _read(self) -> _Reading:
        # One connection, one thread, no awaits inside a store method: nothing
        # writes between our statements, so reads need no transaction.
        return _Reading(self._conn)


# The two contexts of the store's methods, as plain classes: a generator-based
# context manager costs several times as much, on every claim and end.


class _Savepoint:
    """One request's writes in the loop turn's batch, in a savepoint of their
    own: undone alone when the request fails."""

    __slots__ = ("_db", "_store")

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def __aenter__(self) -> Tx:
        store = self._store
        db = self._db = store._conn
        store._begin()
        store._batch_size += 1
        db.execute("SAVEPOINT op")
        return SqliteTx(db)

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._db.execute("ROLLBACK TO op")
        self._db.execute("RELEASE op")


class _Reading:
    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def __aenter__(self) -> Tx:
        return SqliteTx(self._db)

    async def __aexit__(self, *_: object) -> None:
        return None


# The batches the current task (a request's handler) wrote to since its last
# durable() that have not committed yet, or failed; with the task, so that a
# task started by one that wrote, which inherits the variable, keeps its own.
_WRITTEN: contextvars.ContextVar[
    tuple[asyncio.Task[Any] | None, list[asyncio.Future[None]]] | None
] = contextvars.ContextVar("colonies_sqlite_written", default=None)


def _note(written: list[asyncio.Future[None]], batch: asyncio.Future[None]) -> None:
    """Adds `batch`, dropping the batches that committed: a long-lived task
    that never awaits durable() keeps only those still open and any failed."""
    written[:] = [b for b in written if not b.done() or b.exception() is not None]
    written.append(batch)


def _private_directory(directory: Path) -> None:
    """Makes the data directory, or makes an existing one of ours private (0700)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.stat()
    if info.st_uid == os.geteuid() and info.st_mode & 0o077:
        log.warning("making the data directory %s private (it was %o)", directory,
                    info.st_mode & 0o777)  # fmt: skip
        os.chmod(directory, 0o700)


def _statements(sql: str) -> list[str]:
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
