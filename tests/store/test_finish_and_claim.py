"""An executor session's end and its next claim (Store.finish_and_claim), on
both stores: the end is applied as finish_process would, and the claim is
made for the session's executor whatever the end's outcome; a claim that is
refused takes nothing and leaves the end standing."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from pycolonies_like.core.errors import StorageError
from pycolonies_like.core.models import (
    Colony,
    Concurrency,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
    ProcessState,
)
from server.store import postgres as pg
from server.store.postgres import PostgresStore
from server.store.sql import SqlStore
from tests.pg import waiting_on_locks

S = 1_000_000_000
NOW = 1_800_000_000 * S


def ident(n: int) -> str:
    return f"{n:064x}"


def process(n: int, **spec: object) -> Process:
    funcspec = FuncSpec(
        funcname="f", conditions=Conditions(colonyname="dev", executortype="t"), **spec
    )
    return Process(processid=ident(n), spec=funcspec, prioritytime=n, submissiontime=NOW)


async def _setup(store: SqlStore) -> Executor:
    await store.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(e1)
    return e1


async def _state(store: SqlStore, n: int) -> ProcessState:
    p = await store.get_process(ident(n))
    assert p is not None
    return p.state


async def test_the_end_applies_and_the_next_process_is_claimed(store: SqlStore) -> None:
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S, output=["ok"],
        executorid=e1.executorid, claimer=e1, lease_ns=NOW + 5 * S,
    )  # fmt: skip
    assert result is not None and result.process.state == ProcessState.SUCCESSFUL
    assert result.process.output == ["ok"]
    assert claimed is not None and claimed.processid == ident(11)
    assert claimed.state == ProcessState.RUNNING and claimed.assignedexecutorid == e1.executorid
    async with store._read() as tx:  # unconfirmed until the lease's deadline
        row = await tx.fetchone("SELECT leasedeadline FROM processes WHERE processid = ?",
                                (claimed.processid,))  # fmt: skip
    assert row is not None and row["leasedeadline"] == NOW + 5 * S
    assert await _state(store, 10) == ProcessState.SUCCESSFUL
    assert await _state(store, 11) == ProcessState.RUNNING


async def test_an_empty_queue_claims_nothing(store: SqlStore) -> None:
    e1 = await _setup(store)
    await store.add_processes([process(10)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert result is not None and claimed is None
    assert await _state(store, 10) == ProcessState.SUCCESSFUL


async def test_a_stale_end_changes_nothing_but_the_claim_still_runs(store: SqlStore) -> None:
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt + 1, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert result is None
    assert await _state(store, 10) == ProcessState.RUNNING
    assert claimed is not None and claimed.processid == ident(11)


async def test_a_refused_claim_takes_nothing_and_the_end_stands(store: SqlStore) -> None:
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    # Rejected meanwhile (on another server, say): its work goes back to the
    # queue, but this end is still its own to record.
    rejected = Executor(ident(3), "t", "e2", "dev", ExecutorState.APPROVED)
    await store.add_executor(rejected)
    await store.set_executor_state("dev", "e2", ExecutorState.REJECTED, NOW)
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=rejected,
    )  # fmt: skip
    assert result is not None and claimed is None
    assert await _state(store, 10) == ProcessState.SUCCESSFUL
    assert await _state(store, 11) == ProcessState.WAITING


async def test_a_keyed_process_is_ended_with_the_claim_or_left_for_finish_process(
    store: SqlStore,
) -> None:
    e1 = await _setup(store)
    limit = Concurrency(key="k", limit=1)
    await store.add_processes([process(10, concurrency=limit), process(11, concurrency=limit)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    if result is None:  # PostgreSQL: a key's slot is freed by a transaction of its own
        assert await _state(store, 10) == ProcessState.RUNNING
        result = await store.finish_process(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
            executorid=e1.executorid,
        )  # fmt: skip
    assert result is not None and result.process.state == ProcessState.SUCCESSFUL
    # Whether this claim or the next takes the second, at most one runs at a time.
    running = await store.list_processes("dev", ProcessState.RUNNING, 10)
    assert len(running) <= 1
    if claimed is None:
        claimed = await store.claim_process(e1, NOW + 2 * S)
    assert claimed is not None and claimed.processid == ident(11)


async def test_the_end_and_claim_wait_for_lease_renewal_without_deadlock(
    postgres_store: PostgresStore,
) -> None:
    """Renewing an executor's leases locks its row, then its running processes
    (so does rejecting it): the end and claim take them in the same order, so
    they wait for each other instead of deadlocking (which PostgreSQL breaks
    only after a second, aborting one)."""
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    renewal = await psycopg.AsyncConnection.connect(store.url, autocommit=True)
    admin = await psycopg.AsyncConnection.connect(store.url, autocommit=True)
    try:
        await renewal.execute("BEGIN")
        await renewal.execute(
            "UPDATE executors SET lastheardfromtime = 1 WHERE executorid = %s", (e1.executorid,)
        )
        both = asyncio.ensure_future(store.finish_and_claim(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
            executorid=e1.executorid, claimer=e1,
        ))  # fmt: skip
        while not await waiting_on_locks(admin):  # it waits for the executor's row
            await asyncio.sleep(0.01)
        await renewal.execute(
            "UPDATE processes SET leasedeadline = 5 WHERE assignedexecutorid = %s AND state = 1",
            (e1.executorid,),
        )
        await renewal.execute("COMMIT")
        result, claimed = await both
    finally:
        await renewal.close()
        await admin.close()
    assert store.commits.failed == 0  # not aborted as a deadlock's victim
    assert result is not None and claimed is not None and claimed.processid == ident(11)


async def _refuse(store: PostgresStore, n: int, state: ProcessState) -> None:
    """The database refuses to move process `n` into `state` (a trigger)."""
    async with await psycopg.AsyncConnection.connect(store.url, autocommit=True) as conn:
        await conn.execute(f"""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused by a trigger'; END $$;
            CREATE TRIGGER refuse BEFORE UPDATE ON processes FOR EACH ROW
            WHEN (NEW.processid = '{ident(n)}' AND NEW.state = {int(state)})
            EXECUTE FUNCTION refuse();
        """)


async def test_an_end_the_database_refuses_undoes_the_claim_sent_with_it(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    await _refuse(store, 10, ProcessState.SUCCESSFUL)
    with pytest.raises(StorageError, match="refused by a trigger"):
        await store.finish_and_claim(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
            executorid=e1.executorid, claimer=e1,
        )  # fmt: skip
    assert await _state(store, 10) == ProcessState.RUNNING
    assert await _state(store, 11) == ProcessState.WAITING  # the claim went with it
    again = await store.claim_process(e1, NOW + 2 * S)
    assert again is not None and again.processid == ident(11)


async def test_a_claim_the_database_refuses_undoes_the_end_sent_with_it(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    await _refuse(store, 11, ProcessState.RUNNING)
    with pytest.raises(StorageError, match="refused by a trigger"):
        await store.finish_and_claim(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
            executorid=e1.executorid, claimer=e1,
        )  # fmt: skip
    assert await _state(store, 10) == ProcessState.RUNNING  # the end went with it
    assert await _state(store, 11) == ProcessState.WAITING


async def test_an_end_that_never_went_out_undoes_the_claim_before_it(
    postgres_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raised on our side after the claim was sent (a cancellation at shutdown,
    a value that cannot be sent): the pipeline's Sync must not commit it."""
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    original = pg.PgTx._run

    async def run(self: pg.PgTx, sql: str, params: Any) -> Any:
        if sql == pg.FINISH_ALONE:
            raise asyncio.CancelledError()
        return await original(self, sql, params)

    monkeypatch.setattr(pg.PgTx, "_run", run)
    with pytest.raises(asyncio.CancelledError):
        await store.finish_and_claim(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
            executorid=e1.executorid, claimer=e1,
        )  # fmt: skip
    monkeypatch.setattr(pg.PgTx, "_run", original)
    assert await _state(store, 10) == ProcessState.RUNNING
    assert await _state(store, 11) == ProcessState.WAITING


async def test_an_end_and_claim_that_loses_a_deadlock_runs_again_on_clean_connections(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    async with await psycopg.AsyncConnection.connect(store.url, autocommit=True) as conn:
        await conn.execute(f"""
            CREATE SEQUENCE tries;
            CREATE FUNCTION deadlocked() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF nextval('tries') <= 2 THEN
              RAISE EXCEPTION 'a deadlock' USING ERRCODE = 'deadlock_detected';
            END IF; RETURN NEW; END $$;
            CREATE TRIGGER deadlocked BEFORE UPDATE ON processes FOR EACH ROW
            WHEN (NEW.processid = '{ident(10)}' AND NEW.state = {int(ProcessState.SUCCESSFUL)})
            EXECUTE FUNCTION deadlocked();
        """)
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert result is not None and claimed is not None and claimed.processid == ident(11)
    assert await _state(store, 10) == ProcessState.SUCCESSFUL
    assert store.commits.failed == 2  # run twice more
    pool = store._pool
    assert pool is not None
    conns = [await pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    for c in conns:  # every connection idle, out of pipeline mode, usable
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert c.pgconn.pipeline_status == psycopg.pq.PipelineStatus.OFF
        await c.execute("SELECT 1")
        await pool.putconn(c)
