"""The PostgreSQL store (psycopg 3, async, a connection pool).

Several servers may share one database. What keeps them correct:

* Claims take the head of the queue with FOR UPDATE SKIP LOCKED: concurrent
  claims never wait for each other and never take the same process. A claim
  that took a head locks its executor's row (FOR SHARE) before assigning, so
  a rejection or removal of the executor on another server either is seen by
  the claim or waits for it and takes the process back (pg_statements.CLAIM).
* Every change to a process is conditional on the state and attempt it was
  read in (see queue.py), cron runs are compare-and-set on `nextrun`, and
  generator runs lock the generator row. So every server runs every loop
  (deadlines, crons, generators) and at most one of them wins each change:
  no leader election, and nothing to fail over.
* Nonces live in a shared table: a request replayed to another server is
  refused there too.
* Wake-ups travel between servers with LISTEN/NOTIFY (PgRelay).

When the database goes away, calls fail with StorageError (UNAVAILABLE) and
the pool reconnects with backoff on its own; nothing needs a restart.

What is PostgreSQL's own here: the pool, migrations, the retry of
transactions that lose a deadlock race, and the hot statements (the claim;
the finish, whole or its first step: pg_statements.py), each built from
queue.py's fragments.
Statements go to the server with `$n` placeholders through raw cursors, so
psycopg never parses their text; each is prepared on its connection after a
few runs (psycopg's prepare_threshold).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import psycopg
from psycopg import errors as pgerrors
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolClosed, PoolTimeout

from pycolonies_like.core.errors import ResourceExhausted, StorageError
from pycolonies_like.core.models import Executor, Process, ProcessState
from server.hub import Hub
from server.store import concurrency, functions, queue, rows
from server.store import processes as procs
from server.store.base import FinishResult
from server.store.db import NAMED, Dialect, Params, Row, Tx, UniqueViolation
from server.store.migrations import load_migrations
from server.store.pg_claims import PgClaims
from server.store.pg_graphs import PgGraphs
from server.store.pg_nonces import NonceBatches, PgNonces
from server.store.pg_relay import PgRelay
from server.store.pg_retry import Retry, retrying
from server.store.pg_statements import (
    BEST,
    DB_NOW_NS,
    FINISH,
    FINISH_ALONE,
    FN,
    HEADS,
)
from server.store.sql import SqlStore
from server.store.staged import STAGE, StagedBatch

log = logging.getLogger(__name__)

T = TypeVar("T")
Args = ParamSpec("Args")

_OPEN = (TransactionStatus.INTRANS, TransactionStatus.INERROR)
MIGRATION_LOCK = 7_461_726  # pg_advisory_lock key: one server migrates at a time


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`?` and `:name` placeholders to PostgreSQL's own `$1`, `$2`, ...
    (our SQL has no literal `?` or `:name`, and mixes no two kinds), and the
    names in the order of their numbers (empty for `?`): a name used several
    times is one parameter. The statements then go to the server as they
    are (psycopg's raw cursors), with no parsing of their text by psycopg."""
    names: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    numbered = NAMED.sub(number, sql)
    if names:
        assert "?" not in numbered, "a statement mixes ? and :name placeholders"
        return numbered, tuple(names)
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql), ()


def _values(names: tuple[str, ...], params: Params) -> Sequence[Any]:
    if names:
        assert isinstance(params, Mapping), "named placeholders need a mapping"
        return [params[name] for name in names]
    assert not isinstance(params, Mapping), "? placeholders need a sequence"
    return params


class PostgresDialect(Dialect):
    name = "postgresql"
    lock_rows = " FOR UPDATE"

    def bind(self, sql: str, params: Params) -> tuple[str, Params]:
        numbered, names = _numbered(sql)
        return numbered, _values(names, params)

    def bind_many(self, sql: str, rows: Iterable[Params]) -> tuple[str, list[Params]]:
        numbered, names = _numbered(sql)
        return numbered, [_values(names, row) for row in rows]

    async def try_lock(self, tx: Tx, key: int) -> bool:
        row = await tx.fetchone("SELECT pg_try_advisory_xact_lock(?) AS ok", (key,))
        return bool(row and row["ok"])

    async def pick(self, tx: Tx, executor: Executor) -> str | None:
        row = await tx.fetchone(f"{HEADS} {BEST}", queue.claim_params(executor, 0))
        return row["processid"] if row else None


DIALECT = PostgresDialect()


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
    __slots__ = ("_conn", "_pipeline")
    dialect = DIALECT

    def __init__(
        self, conn: psycopg.AsyncConnection[Any], pipeline: psycopg.AsyncPipeline | None = None
    ) -> None:
        self._conn = conn
        self._pipeline = pipeline

    async def _run(self, sql: str, params: Params) -> psycopg.AsyncRawCursor[Any]:
        cursor = psycopg.AsyncRawCursor(self._conn)
        await cursor.execute(*self.dialect.bind(sql, params))
        return cursor

    async def execute(self, sql: str, params: Params = ()) -> int:
        try:
            cursor = await self._run(sql, params)
            if self._pipeline is not None:
                await self._pipeline.sync()  # the row count is known once the results are in
        except psycopg.Error as err:
            raise _translate(err) from None
        return cursor.rowcount

    async def send(self, sql: str, params: Params = ()) -> None:
        try:
            await self._run(sql, params)
        except psycopg.Error as err:
            raise _translate(err) from None

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        sql, rows = self.dialect.bind_many(sql, rows)
        if not rows:
            return
        try:
            async with psycopg.AsyncRawCursor(self._conn) as cursor:
                await cursor.executemany(sql, rows)
        except psycopg.Error as err:
            raise _translate(err) from None

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            cursor = await self._run(sql, params)
            row: Row | None = await cursor.fetchone()
            return row
        except psycopg.Error as err:
            raise _translate(err) from None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        try:
            cursor = await self._run(sql, params)
            return list(await cursor.fetchall())
        except psycopg.Error as err:
            raise _translate(err) from None


class _StagedBatch(StagedBatch):
    """Each step's transaction runs again when it loses a deadlock race; a
    staged row is timed by the database's clock (drop_staged), and aged by
    it, whatever the servers' own clocks say."""

    _stage_sql = STAGE.replace(":submissiontime", DB_NOW_NS)

    _insert = retrying(StagedBatch._insert)
    _publish = retrying(StagedBatch._publish)
    _unstage = retrying(StagedBatch._unstage)


class PostgresStore(PgClaims, PgNonces, PgGraphs, SqlStore):
    kind = "postgresql"
    _staged_batch = _StagedBatch
    _staging_clock = DB_NOW_NS
    shared = True
    settle_after_commit = True

    def __init__(self, url: str, pool_size: int = 10) -> None:
        super().__init__()
        self.url = url
        self.pool_size = pool_size
        self.connect_timeout_s = 5.0
        self.busy_timeout_s = 20.0
        self._pool: AsyncConnectionPool | None = None
        self._nonces = NonceBatches(self._remember_nonces)

    async def open(self) -> None:
        self._pool = AsyncConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            open=False,
            kwargs={"autocommit": True, "row_factory": dict_row},
            reconnect_timeout=0,  # never give up reconnecting
            name="colonies",
        )
        last = await self._probe()
        try:
            await self._pool.open(wait=True, timeout=10)
        except Exception as err:
            await self._pool.close()
            why = _first_line(last) if last is not None else _first_line(err)
            raise StorageError(f"cannot connect to PostgreSQL: {why}") from None
        await self._migrate()

    async def _probe(self) -> Exception | None:
        """One connection before the pool's: a refusal that waiting will not cure (no such
        database or role, a bad password, a malformed URL) fails at once, in the server's
        words; an error that may pass (the server is starting) is returned for the pool's
        own wait to report if it persists."""
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, connect_timeout=5)
        except psycopg.ProgrammingError as err:
            raise StorageError(f"cannot connect to PostgreSQL: {_first_line(err)}") from None
        except psycopg.OperationalError as err:
            if "FATAL:" in str(err):  # the server answered, and said no
                raise StorageError(f"cannot connect to PostgreSQL: {_first_line(err)}") from None
            return err
        await conn.close()
        return None

    async def start_relay(self, hub: Hub) -> PgRelay:
        """LISTEN/NOTIFY between the servers sharing this database, feeding `hub`."""
        relay = PgRelay(self.url, hub, self)
        await relay.start()
        return relay

    async def _migrate(self) -> None:
        async with self._connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
                )
                cursor = await conn.execute("SELECT version FROM schema_migrations")
                applied = {row["version"] for row in await cursor.fetchall()}
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
            except PoolClosed:  # close() ran meanwhile: the server is stopping
                raise StorageError("the store is closed: the server is stopping") from None
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
            cursor = await conn.execute("SELECT MAX(version) AS version FROM schema_migrations")
            row = await cursor.fetchone()
        return (row["version"] if row else 0) or 0

    def pool_usage(self) -> tuple[int, int] | None:
        if self._pool is None:
            return None
        stats = self._pool.get_stats()
        return stats.get("pool_size", 0) - stats.get("pool_available", 0), self._pool.max_size

    @asynccontextmanager
    async def _tx(self, flush: bool = True) -> AsyncIterator[Tx]:
        # In pipeline mode, BEGIN travels with the first statement, writes
        # whose results nobody reads travel with the next one, and COMMIT with
        # the last: a transaction costs as many round trips as it has reads.
        commits = self.commits
        async with self._connection() as conn:
            started = time.perf_counter()
            try:
                try:
                    async with conn.pipeline() as pipeline:
                        await conn.execute("BEGIN")
                        if not flush:
                            await conn.execute("SET LOCAL synchronous_commit = off")
                        yield PgTx(conn, pipeline)
                        await conn.execute("COMMIT")
                finally:
                    if conn.info.transaction_status in _OPEN:
                        await conn.execute("ROLLBACK")
            except psycopg.Error as err:
                commits.failed += 1
                raise _translate(err) from None
            commits.seconds.observe(time.perf_counter() - started)
            commits.batch.observe(1)

    @asynccontextmanager
    async def _tx_unflushed(self) -> AsyncIterator[Tx]:
        async with self._tx(flush=False) as tx:
            yield tx

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[Tx]:
        # Reads run in autocommit: each statement sees what is committed now,
        # without the round trips of BEGIN and COMMIT.
        async with self._connection() as conn:
            yield PgTx(conn)

    @asynccontextmanager
    async def _write1(self) -> AsyncIterator[Tx]:
        # A single statement is atomic in autocommit: no BEGIN/COMMIT round trips.
        async with self._connection() as conn:
            yield PgTx(conn)

    # a batch of nonces and a purge may take rows in different orders
    _remember_nonces = retrying(PgNonces._remember_nonces)

    # -- The two hot paths, PostgreSQL's way.

    @retrying
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
        """queue.Queue.finish_process: FINISH_ALONE, or for a process with a
        concurrency key a transaction that starts with FINISH."""
        params = queue.finish_params(processid, attempt, state, now_ns, output, errors, executorid)
        # Most finishes are one statement in autocommit: one round trip, and
        # no BEGIN or COMMIT to wait for.
        async with self._write1() as tx:
            row = await tx.fetchone(FINISH_ALONE, params)
            if row is not None:
                process = await procs.load(tx, row, self._specs.take(row))
        if row is not None:
            return await self._moved_on(FinishResult(process), now_ns)
        return await self._finish_in_tx(params, now_ns)

    async def _finish_in_tx(self, params: Params, now_ns: int) -> FinishResult | None:
        """The end of a process FINISH_ALONE leaves (one with a concurrency
        key), or of none (not that running attempt): a transaction that
        starts with FINISH."""
        async with self._tx() as tx:
            row = await tx.fetchone(FINISH, params)
            if row is None:
                return None
            process = await procs.load(tx, row)
            if row[f"{FN}functionid"] is not None:
                function = {c: row[FN + c] for c in rows.FUNCTION}
                await functions.count_run(tx, process, function)
            unheld = await concurrency.stopped_running(tx, process)
            result = await self._moving_on(tx, process, now_ns)
        return concurrency.with_released(await self._moved_on(result, now_ns), unheld)

    async def finish_and_claim(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
        claimer: Executor,
        lease_ns: int = 0,
    ) -> tuple[FinishResult | None, Process | None]:
        """An executor session's end and its next claim in one transaction:
        the claim and FINISH_ALONE sent together in one pipeline, one round
        trip and one WAL flush where the two apart cost two of each.
        The claim goes first: it locks the executor's row before the end locks
        the process's, the order of lease renewal and of the executor's
        rejection (the other order deadlocked with them). An end FINISH_ALONE
        leaves (a concurrency key, or not that running attempt) is None here:
        the caller makes it with finish_process, after taking the claim. A
        claim that met a held head or a refusal claims nothing here (the
        session's next claim tries again, or says why). A head CLAIM_PLAIN
        left (gated by a key or a rate limit) is claimed right after the
        commit (_claim_gated)."""
        params = queue.finish_params(processid, attempt, state, now_ns, output, errors, executorid)
        ended, claimed, gated = await self._end_and_claim(params, claimer, now_ns, lease_ns)
        if gated:
            claimed = await self._claim_gated(claimer, now_ns, lease_ns)
        if ended is None:
            return None, claimed  # the caller ends it on its own (finish_process)
        return await self._moved_on(FinishResult(ended), now_ns), claimed

    @retrying
    async def _end_and_claim(
        self, params: Params, claimer: Executor, now_ns: int, lease_ns: int
    ) -> tuple[Process | None, Process | None, bool]:
        claim = self._claim_sql(claimer, now_ns)
        commits = self.commits
        async with self._connection() as conn:
            started = time.perf_counter()
            try:
                try:
                    # No BEGIN or COMMIT: what a pipeline sends before its Sync
                    # (sent at its end, and nothing here asks for one before:
                    # the pool's connections are in autocommit, so psycopg
                    # starts no transaction of its own) is one transaction,
                    # committed at the Sync; after an error the rest is
                    # skipped and the Sync rolls it all back.
                    async with conn.pipeline() as pipeline:
                        tx = PgTx(conn, pipeline)
                        try:
                            take = await tx._run(
                                claim, queue.claim_params(claimer, now_ns, lease_ns)
                            )
                            end = await tx._run(FINISH_ALONE, params)
                        except BaseException:
                            # The Sync at the pipeline's end would commit what
                            # went before: a ROLLBACK ahead of it undoes it.
                            with contextlib.suppress(Exception):
                                await conn.execute("ROLLBACK")
                            raise
                    # The pipeline's end sent all of it and read every result.
                    row = await end.fetchone()
                    head = await take.fetchone()
                finally:
                    if conn.info.transaction_status in _OPEN:
                        await conn.execute("ROLLBACK")
            except psycopg.Error as err:
                commits.failed += 1
                raise _translate(err) from None
            commits.seconds.observe(time.perf_counter() - started)
            commits.batch.observe(1)
            # Committed: what is left reads the rows' attributes, if any.
            tx = PgTx(conn)
            ended = await procs.load(tx, row, self._specs.take(row)) if row is not None else None
            taken = None
            gated = head is not None and bool(head["gated"])
            if head is not None and head["approved"] and head["processid"] is not None:
                taken = await self._load_claimed(tx, head)
            elif gated:
                self._gate(claimer, now_ns)
        return ended, taken, gated

    @retrying
    async def settle_process(self, process: Process, now_ns: int) -> FinishResult:
        return await PgGraphs.settle_process(self, process, now_ns)

    # Transactions that lock several rows can lose a deadlock race against
    # another server's; PostgreSQL then aborts one of them, which runs again.
    # Reads and one-row writes cannot deadlock and are not wrapped.
    save_nonces = retrying(SqlStore.save_nonces)
    remove_colony = retrying(SqlStore.remove_colony)
    set_executor_state = retrying(SqlStore.set_executor_state)
    remove_executor = retrying(SqlStore.remove_executor)
    add_processes = retrying(SqlStore.add_processes)
    remove_process = retrying(SqlStore.remove_process)
    remove_all_processes = retrying(SqlStore.remove_all_processes)
    requeue_process = retrying(SqlStore.requeue_process)
    acknowledge = retrying(SqlStore.acknowledge)
    rerun_process = retrying(SqlStore.rerun_process)
    renew_leases = retrying(SqlStore.renew_leases)
    fail_waiting = retrying(SqlStore.fail_waiting)
    add_attribute = retrying(SqlStore.add_attribute)
    add_graph = retrying(SqlStore.add_graph)
    remove_graph = retrying(SqlStore.remove_graph)
    remove_all_graphs = retrying(SqlStore.remove_all_graphs)
    add_child = retrying(SqlStore.add_child)
    cancel_process = retrying(SqlStore.cancel_process)
    cancel_graph = retrying(SqlStore.cancel_graph)
    start_cron_run = retrying(SqlStore.start_cron_run)
    remove_generator = retrying(SqlStore.remove_generator)
    pack_generator = retrying(SqlStore.pack_generator)
    start_generator_run = retrying(SqlStore.start_generator_run)
    purge_finished = retrying(SqlStore.purge_finished)
    release_held = retrying(SqlStore.release_held)
