"""The PostgreSQL store (psycopg 3, async, a connection pool).

Several servers may share one database. What keeps them correct:

* Claims take the head of the queue with FOR UPDATE SKIP LOCKED: concurrent
  claims never wait for each other and never take the same process.
* Every change to a process is conditional on the state and attempt it was
  read in (see SqlStore), cron runs are compare-and-set on `nextrun`, and
  generator runs lock the generator row. So every server runs every loop
  (deadlines, crons, generators) and at most one of them wins each change:
  no leader election, and nothing to fail over.
* Nonces live in a shared table: a request replayed to another server is
  refused there too.
* Wake-ups travel between servers with LISTEN/NOTIFY (PgRelay).

When the database goes away, calls fail with StorageError (UNAVAILABLE) and
the pool reconnects with backoff on its own; nothing needs a restart.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from pycolonies_like.core.errors import PermissionDenied, ResourceExhausted, StorageError
from pycolonies_like.core.models import Executor, ExecutorState, Process, ProcessState
from pycolonies_like.core.rules import NS_PER_SECOND
from server.store import codec
from server.store.base import FinishResult
from server.store.migrations import load_migrations
from server.store.sql import SqlStore, UniqueViolation

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = ParamSpec("Params")

MIGRATION_LOCK = 7_461_726  # pg_advisory_lock key: one server migrates at a time
RETRIES = 5


class Retry(Exception):
    """A transaction lost a deadlock or serialization race; run it again."""


@functools.lru_cache(maxsize=1024)
def _pg(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (our SQL has no literal `?` or `%`)."""
    return sql.replace("?", "%s")


def _translate(err: Exception) -> Exception:
    if isinstance(err, pgerrors.UniqueViolation):
        return UniqueViolation(str(err))
    if isinstance(err, (pgerrors.DeadlockDetected, pgerrors.SerializationFailure)):
        return Retry(str(err))
    if isinstance(err, psycopg.OperationalError):
        return StorageError(f"the database is unavailable ({_first_line(err)}); try again shortly")
    return StorageError(f"database error: {_first_line(err)}")


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


class PgTx:
    __slots__ = ("_conn",)

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            cursor = await self._conn.execute(_pg(sql), params)
        except psycopg.Error as err:
            raise _translate(err) from None
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        try:
            async with self._conn.cursor() as cursor:
                await cursor.executemany(_pg(sql), rows)
        except psycopg.Error as err:
            raise _translate(err) from None

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        try:
            cursor = await self._conn.execute(_pg(sql), params)
            return await cursor.fetchone()
        except psycopg.Error as err:
            raise _translate(err) from None

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            cursor = await self._conn.execute(_pg(sql), params)
            return await cursor.fetchall()
        except psycopg.Error as err:
            raise _translate(err) from None


def _retrying(
    method: Callable[Params, Coroutine[Any, Any, T]],
) -> Callable[Params, Coroutine[Any, Any, T]]:
    @functools.wraps(method)
    async def run(*args: Params.args, **kwargs: Params.kwargs) -> T:
        for attempt in range(RETRIES):
            try:
                return await method(*args, **kwargs)
            except Retry:
                await asyncio.sleep(0.005 * 2**attempt)
        raise StorageError("the database kept aborting the transaction (contention); try again")

    return run


class PostgresStore(SqlStore):
    kind = "postgresql"
    shared = True
    _for_update = " FOR UPDATE"

    def __init__(self, url: str, pool_size: int = 10, hub: Any = None) -> None:
        super().__init__()
        self.url = url
        self.pool_size = pool_size
        self.hub = hub
        self.connect_timeout_s = 5.0
        self.busy_timeout_s = 20.0
        self.relay: Any = None
        self._pool: AsyncConnectionPool | None = None

    async def open(self) -> None:
        self._pool = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            open=False,
            kwargs={"autocommit": True},
            reconnect_timeout=0,  # never give up reconnecting
            name="colonies",
        )
        try:
            await self._pool.open(wait=True, timeout=10)
        except Exception as err:
            await self._pool.close()
            raise StorageError(f"cannot connect to PostgreSQL: {_first_line(err)}") from None
        await self._migrate()
        if self.hub is not None:
            from server.store.pg_relay import PgRelay

            self.relay = PgRelay(self.url, self.hub, self)
            await self.relay.start()
            self.hub.relay = self.relay

    async def _migrate(self) -> None:
        async with self._connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
                )
                cursor = await conn.execute("SELECT version FROM schema_migrations")
                applied = {row[0] for row in await cursor.fetchall()}
                for version, name, sql in load_migrations("postgres"):
                    if version in applied:
                        continue
                    log.info("applying migration %04d_%s", version, name)
                    async with conn.transaction():
                        await conn.execute(sql)  # type: ignore[arg-type]
                        await conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                            (version, name),
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    async def close(self) -> None:
        if self.relay is not None:
            await self.relay.stop()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._pool is None:
            raise StorageError("the store is not open")
        pool = self._pool
        conn = await self._getconn(pool)
        try:
            yield conn
        except psycopg.OperationalError as err:
            raise StorageError(
                f"the database is unavailable ({_first_line(err)}); try again shortly"
            ) from None
        finally:
            await pool.putconn(conn)

    async def _getconn(self, pool: AsyncConnectionPool) -> psycopg.AsyncConnection[Any]:
        """A connection from the pool. Waiting for one means one of two things:
        the database is away (the pool keeps reconnecting meanwhile), or every
        connection is busy, when the call waits on, up to `busy_timeout_s`."""
        waited = 0.0
        while True:
            try:
                return await pool.getconn(timeout=self.connect_timeout_s)
            except PoolTimeout as err:
                waited += self.connect_timeout_s
                stats = pool.get_stats()
                if stats.get("pool_size", 0) < pool.max_size or stats.get("pool_available", 0):
                    raise StorageError(
                        f"the database is unavailable ({_first_line(err)}); try again shortly"
                    ) from None
                if waited >= self.busy_timeout_s:
                    raise ResourceExhausted(
                        f"the server is busy: all {pool.max_size} database connections stayed "
                        f"in use for {waited:.0f} s; try again shortly"
                    ) from None

    async def ping(self) -> None:
        async with self._connection() as conn:
            try:
                await conn.execute("SELECT 1")
            except psycopg.Error as err:
                raise _translate(err) from None

    async def schema_version(self) -> int:
        async with self._connection() as conn:
            cursor = await conn.execute("SELECT MAX(version) FROM schema_migrations")
            row = await cursor.fetchone()
        return (row[0] if row else 0) or 0

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[PgTx]:
        async with self._connection() as conn:
            try:
                async with conn.transaction():
                    yield PgTx(conn)
            except psycopg.Error as err:
                raise _translate(err) from None

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[PgTx]:
        # Reads run in autocommit: each statement sees what is committed now,
        # without the round trips of BEGIN and COMMIT.
        async with self._connection() as conn:
            yield PgTx(conn)

    @asynccontextmanager
    async def _write1(self) -> AsyncIterator[PgTx]:
        # A single statement is atomic in autocommit: no BEGIN/COMMIT round trips.
        async with self._connection() as conn:
            yield PgTx(conn)

    # The two hot paths, each one statement (one round trip) on PostgreSQL.

    @_retrying
    async def claim_process(self, executor: Executor, now_ns: int) -> Process | None:
        e = executor
        async with self._write1() as tx:
            if now_ns - self._touched.get((e.colonyname, e.executorname), 0) >= NS_PER_SECOND:
                self._touched[(e.colonyname, e.executorname)] = now_ns
                await tx.execute(
                    "UPDATE executors SET lastheardfromtime = ? WHERE colonyname = ? "
                    "AND executorname = ?",
                    (now_ns, e.colonyname, e.executorname),
                )
            row = await tx.fetchone(
                _CLAIM, (e.colonyname, e.executorname, e.executorid, int(ExecutorState.APPROVED),
                         e.colonyname, e.executortype, e.executorname, e.colonyname,
                         e.executortype, e.executorid, e.executorname, now_ns, now_ns, now_ns),
            )  # fmt: skip
            assert row is not None
            if not row[0]:
                raise PermissionDenied(
                    f"Access denied, executor {e.executorname!r} is not an approved "
                    f"executor of colony {e.colonyname!r}"
                )
            if row[1] is None:
                return None
            return await self._load_process(tx, row[1:])

    @_retrying
    async def finish_process(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
    ) -> FinishResult | None:
        # A process outside any workflow ends in one statement; a workflow
        # process (or a refused call) takes the general path.
        async with self._write1() as tx:
            row = await tx.fetchone(
                _FINISH,
                (int(state), now_ns, int(output is not None), codec.dump_list(output or []),
                 codec.dump_list(errors), processid, attempt, attempt, executorid, executorid),
            )  # fmt: skip
            if row is not None:
                return FinishResult(await self._load_process(tx, row))
        return await super().finish_process(
            processid, attempt, state, now_ns, output=output, errors=errors, executorid=executorid
        )

    async def _next_in_queue(self, tx: Any, executor: Executor) -> str | None:
        row = await tx.fetchone(
            "SELECT processid FROM queue WHERE colonyname = ? AND executortype = ? "
            "AND executorname IN ('', ?) ORDER BY prioritytime LIMIT 1 FOR UPDATE SKIP LOCKED",
            (executor.colonyname, executor.executortype, executor.executorname),
        )
        return row[0] if row else None


_P = ", ".join(f"p.{c.strip()}" for c in codec.PROCESS_COLUMNS.split(","))

# Check approval, pick the head of the queue (skipping rows other servers
# hold), remove it from the queue and assign it: one statement. The later
# steps read `pick` and `upd` through scalar subqueries, which pins them to
# index lookups: a join there may be planned as a scan of the whole queue.
_CLAIM = f"""
WITH ok AS (
    SELECT 1 FROM executors WHERE colonyname = %s AND executorname = %s AND executorid = %s
    AND state = %s
), pick AS (
    SELECT processid, prioritytime FROM queue
    WHERE colonyname = %s AND executortype = %s AND executorname IN ('', %s)
    AND EXISTS (SELECT 1 FROM ok)
    ORDER BY prioritytime LIMIT 1 FOR UPDATE SKIP LOCKED
), taken AS (
    DELETE FROM queue q
    WHERE q.colonyname = %s AND q.executortype = %s
    AND q.prioritytime = (SELECT prioritytime FROM pick)
    AND q.processid = (SELECT processid FROM pick)
), upd AS (
    UPDATE processes p SET state = 1, assignedexecutorid = %s, assignedexecutorname = %s,
        attempt = p.attempt + 1, starttime = %s,
        execdeadline = CASE WHEN p.maxexectime > 0 THEN %s + p.maxexectime * 1000000000 ELSE 0 END
    WHERE p.processid = (SELECT processid FROM pick) AND p.state = 0
    RETURNING {_P}
), graph AS (
    UPDATE processgraphs SET state = 1, starttime = %s
    WHERE processgraphid = (SELECT processgraphid FROM upd) AND processgraphid <> ''
    AND state = 0
)
SELECT (SELECT count(*) FROM ok), upd.* FROM (SELECT 1) AS one LEFT JOIN upd ON true
"""

# End a process outside any workflow, and count it in its function's statistics.
_FINISH = f"""
WITH upd AS (
    UPDATE processes p SET state = %s, endtime = %s,
        output = CASE WHEN %s = 1 THEN %s ELSE p.output END, errors = %s
    WHERE p.processid = %s AND p.state = 1 AND (%s = 0 OR p.attempt = %s)
    AND (%s = '' OR p.assignedexecutorid = %s) AND p.processgraphid = ''
    RETURNING {_P}, p.colonyname, p.funcname,
        GREATEST(p.starttime - p.submissiontime, 0) / 1e9 AS wait,
        GREATEST(p.endtime - p.starttime, 0) / 1e9 AS run
), stats AS (
    UPDATE functions f SET
        minwaittime = CASE WHEN f.counter = 0 OR upd.wait < f.minwaittime THEN upd.wait
                      ELSE f.minwaittime END,
        maxwaittime = GREATEST(f.maxwaittime, upd.wait),
        minexectime = CASE WHEN f.counter = 0 OR upd.run < f.minexectime THEN upd.run
                      ELSE f.minexectime END,
        maxexectime = GREATEST(f.maxexectime, upd.run),
        avgwaittime = (f.avgwaittime * f.counter + upd.wait) / (f.counter + 1),
        avgexectime = (f.avgexectime * f.counter + upd.run) / (f.counter + 1),
        counter = f.counter + 1
    FROM upd WHERE upd.state = 2 AND f.colonyname = upd.colonyname
    AND f.executorname = upd.assignedexecutorname AND f.funcname = upd.funcname
)
SELECT {codec.PROCESS_COLUMNS} FROM upd
"""


def _wrap_writes(cls: type[PostgresStore]) -> None:
    """Every public store method retries when it loses a deadlock race."""
    for name in dir(SqlStore):
        if name.startswith("_"):
            continue
        method = getattr(SqlStore, name)
        if asyncio.iscoroutinefunction(method) and name not in vars(cls):
            setattr(cls, name, _retrying(method))


_wrap_writes(PostgresStore)
