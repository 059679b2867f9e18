"""PostgreSQL claims a head that no concurrency key or rate limit gates with a
shorter statement (pg_statements.CLAIM_PLAIN); a gated head is left as it
is, queue row and all, to the full claim, made at once by the same caller
(also after an executor session's end), and made straight away for that
colony and executor type for the next second."""

from __future__ import annotations

import asyncio
import dataclasses

import psycopg

from pycolonies_like.core.models import (
    Concurrency,
    Executor,
    ExecutorState,
    Process,
    ProcessState,
    RateLimit,
)
from server.store.pg_statements import CLAIM, CLAIM_HEARD, CLAIM_PLAIN, CLAIM_PLAIN_HEARD
from server.store.postgres import PostgresStore
from server.store.queue import claim_params
from tests.pg import waiting_on_locks
from tests.store.test_finish_and_claim import NOW, S, _setup, _state, ident, process


def keyed(n: int) -> Process:
    return process(n, concurrency=Concurrency(key="k", limit=1))


def limited(n: int) -> Process:
    p = process(n)
    return dataclasses.replace(p, spec=dataclasses.replace(p.spec, ratelimit="api"))


async def _queued(store: PostgresStore, n: int) -> bool:
    async with store._write1() as tx:
        return await tx.fetchone("SELECT 1 FROM queue WHERE processid = ?", (ident(n),)) is not None


async def test_the_plain_claim_leaves_a_gated_head_untouched(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_rate_limit(RateLimit("dev", "api", 10, "second", 10), NOW)
    for gated in (keyed(10), limited(11)):
        await store.add_processes([gated])
        n = int(gated.processid, 16)
        async with store._write1() as tx:
            row = await tx.fetchone(CLAIM_PLAIN, claim_params(e1, NOW))
        assert row is not None and row["gated"] and row["processid"] is None
        assert await _state(store, n) == ProcessState.WAITING
        assert await _queued(store, n)
        # The full claim takes it, and keeps the claims of that queue full.
        store._gated.clear()
        claimed = await store.claim_process(e1, NOW)
        assert claimed is not None and claimed.processid == gated.processid
        assert not await _queued(store, n)
        assert store._claim_sql(e1, NOW + S - 1) in (CLAIM, CLAIM_HEARD)
        assert store._claim_sql(e1, NOW + S) in (CLAIM_PLAIN, CLAIM_PLAIN_HEARD)


async def test_a_plain_head_is_claimed_in_one_statement(postgres_store: PostgresStore) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10)])
    async with store._write1() as tx:
        row = await tx.fetchone(CLAIM_PLAIN, claim_params(e1, NOW))
    assert row is not None and not row["gated"] and row["processid"] == ident(10)
    assert row["approved"] == 1
    assert await _state(store, 10) == ProcessState.RUNNING
    assert not await _queued(store, 10)
    assert not store._gated


async def test_an_end_whose_plain_claim_meets_a_gated_head_claims_it_after_the_commit(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), keyed(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    assert not store._gated
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert result is not None and result.process.state == ProcessState.SUCCESSFUL
    assert claimed is not None and claimed.processid == ident(11)
    assert await _state(store, 11) == ProcessState.RUNNING and not await _queued(store, 11)
    assert store._claim_sql(e1, NOW + S) in (CLAIM, CLAIM_HEARD)


async def test_a_gated_head_skipped_by_another_claim_meanwhile_is_not_left_behind(
    postgres_store: PostgresStore,
) -> None:
    # The end's CLAIM_PLAIN locks the keyed head, then waits for the executor's
    # row (held, as a lease renewal holds it); another executor's claim skips
    # the locked head and finds nothing (it would wait for a wake-up). Once the
    # end commits, its own claim must take the head. Half a second on, its
    # "last heard from" is not due: the claim locks the executor's row only
    # once it holds a head.
    store = postgres_store
    e1 = await _setup(store)
    e2 = Executor(ident(3), "t", "e2", "dev", ExecutorState.APPROVED)
    await store.add_executor(e2)
    await store.add_processes([process(10)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    await store.add_processes([keyed(11)])
    async with (
        await psycopg.AsyncConnection.connect(store.url) as renewal,
        await psycopg.AsyncConnection.connect(store.url, autocommit=True) as admin,
    ):
        await renewal.execute(
            "UPDATE executors SET lastheardfromtime = lastheardfromtime WHERE executorname = 'e1'"
        )
        end = asyncio.create_task(store.finish_and_claim(
            first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S // 2,
            executorid=e1.executorid, claimer=e1,
        ))  # fmt: skip
        async with asyncio.timeout(10):
            while not await waiting_on_locks(admin):
                await asyncio.sleep(0.02)
        assert await store.claim_process(e2, NOW + S // 2) is None  # it skipped the locked head
        await renewal.rollback()
    result, claimed = await end
    assert result is not None and result.process.state == ProcessState.SUCCESSFUL
    assert claimed is not None and claimed.processid == ident(11)
    assert await _state(store, 11) == ProcessState.RUNNING


async def test_the_full_claim_clears_the_queue_row_of_a_process_no_longer_waiting(
    postgres_store: PostgresStore,
) -> None:
    store = postgres_store
    e1 = await _setup(store)
    await store.add_processes([process(10), process(11)])
    async with store._write1() as tx:  # a queue row left behind
        await tx.execute("UPDATE processes SET state = 4 WHERE processid = ?", (ident(10),))
    assert await store.claim_process(e1, NOW) is None  # as it always did
    assert not await _queued(store, 10)
    claimed = await store.claim_process(e1, NOW)
    assert claimed is not None and claimed.processid == ident(11)
