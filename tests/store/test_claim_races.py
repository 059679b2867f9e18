"""A claim racing the rejection or removal of its executor, on two servers
sharing one PostgreSQL: the process never stays with an executor that is no
longer approved. Either the claim sees the change and takes nothing, or it
commits first and the rejection (removal) takes the process back.

The race is made deterministic with a third connection that locks the
process's row: the claim has then read its executor (its snapshot is taken)
and waits to assign; the rejection runs meanwhile, and only then is the row
let go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import psycopg
import pytest

from pycolonies_like.core.errors import ColoniesError, PermissionDenied
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
    ProcessState,
)
from server.store.postgres import PostgresStore
from tests.pg import waiting_on_locks

S = 1_000_000_000
NOW = 1_800_000_000 * S


def ident(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
async def two_servers() -> AsyncIterator[tuple[str, PostgresStore, PostgresStore]]:
    from tests.conftest import need_pg
    from tests.pg import temporary_database

    async with temporary_database(need_pg()) as url:
        a, b = PostgresStore(url), PostgresStore(url)
        await a.open()
        await b.open()
        try:
            yield url, a, b
        finally:
            await a.close()
            await b.close()


async def _until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(1000):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"gave up waiting until {what}")


async def _colony_with_two_executors(store: PostgresStore) -> tuple[Executor, Executor]:
    await store.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    e2 = Executor(ident(3), "t", "e2", "dev", ExecutorState.APPROVED)
    await store.add_executor(e1)
    await store.add_executor(e2)
    return e1, e2


async def _reject(store: PostgresStore) -> None:
    await store.set_executor_state("dev", "e1", ExecutorState.REJECTED, NOW)


async def _remove(store: PostgresStore) -> None:
    await store.remove_executor("dev", "e1", NOW)


@pytest.mark.parametrize("change", [_reject, _remove], ids=["rejected", "removed"])
async def test_a_claim_racing_its_executor_losing_approval_leaves_it_nothing(
    two_servers: tuple[str, PostgresStore, PostgresStore],
    change: Callable[[PostgresStore], Awaitable[None]],
) -> None:
    url, a, b = two_servers
    e1, e2 = await _colony_with_two_executors(a)
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="t"))
    pid = ident(10)
    await a.add_processes([Process(processid=pid, spec=spec, submissiontime=NOW)])

    async with (
        await psycopg.AsyncConnection.connect(url, autocommit=True) as admin,
        await psycopg.AsyncConnection.connect(url) as locker,
    ):

        async def claim_waits() -> bool:
            return await waiting_on_locks(admin) == 1

        async def change_done_or_waits() -> bool:
            return changing.done() or await waiting_on_locks(admin) == 2

        await locker.execute("SELECT 1 FROM processes WHERE processid = %s FOR UPDATE", (pid,))
        # Server A's claim reads e1 approved, takes the head of the queue and
        # waits for the process's row.
        claim = asyncio.create_task(a.claim_process(e1, NOW + 1, NOW + 10 * S))
        await _until(claim_waits, "the claim waits")
        # Server B rejects (removes) e1 meanwhile: it is done, or waits for the claim.
        changing = asyncio.create_task(change(b))
        await _until(change_done_or_waits, "the change is done or waits")
        await locker.rollback()
        try:
            await claim
        except ColoniesError:
            pass  # refused as not approved: as good
        await changing

    p = await a.get_process(pid)
    assert p is not None
    assert p.state == ProcessState.WAITING, "the process stayed with an executor not approved"
    again = await a.claim_process(e2, NOW + 2)
    assert again is not None and again.processid == pid


@pytest.mark.parametrize("heard", [False, True], ids=["recording-heard-from", "locking"])
async def test_a_claim_that_finds_its_executor_rejected_after_its_snapshot_is_refused(
    two_servers: tuple[str, PostgresStore, PostgresStore], heard: bool
) -> None:
    # The other order: the rejection commits after the claim's statement
    # began (its snapshot says approved) but before the claim locks (or
    # updates) the executor's row. The claim takes nothing and says why:
    # "nothing to do" would spend the wake-up another executor should have.
    url, a, b = two_servers
    e1, e2 = await _colony_with_two_executors(a)
    if heard:  # "last heard from" just recorded: the claim only locks the row
        assert await a.claim_process(e1, NOW) is None
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="t"))
    pid = ident(10)
    await a.add_processes([Process(processid=pid, spec=spec, submissiontime=NOW)])
    async with (
        await psycopg.AsyncConnection.connect(url, autocommit=True) as admin,
        await psycopg.AsyncConnection.connect(url) as rejecter,
    ):
        await rejecter.execute("SELECT 1 FROM executors WHERE executorname = 'e1' FOR UPDATE")
        claim = asyncio.create_task(a.claim_process(e1, NOW + 1, NOW + 10 * S))
        await _until(lambda: _one(admin), "the claim waits for the executor's row")
        await rejecter.execute(
            "UPDATE executors SET state = %s WHERE executorname = 'e1'",
            (int(ExecutorState.REJECTED),),
        )
        await rejecter.commit()
        with pytest.raises(PermissionDenied, match="not an approved executor"):
            await claim
    p = await a.get_process(pid)
    assert p is not None and p.state == ProcessState.WAITING
    again = await b.claim_process(e2, NOW + 2)
    assert again is not None and again.processid == pid


async def _one(admin: psycopg.AsyncConnection[Any]) -> bool:
    return await waiting_on_locks(admin) == 1


async def test_only_a_claim_that_takes_a_process_locks_its_executor_s_row(
    two_servers: tuple[str, PostgresStore, PostgresStore],
) -> None:
    # The lock of the fix above, and what it costs: a claim that finds nothing
    # writes nothing (no lock, no commit to flush).
    url, a, _ = two_servers
    await a.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    await a.add_executor(e1)
    assert await a.claim_process(e1, NOW) is None  # records "last heard from"

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:

        async def locked_by() -> str:
            cursor = await admin.execute(
                "SELECT xmax::text FROM executors WHERE executorname = 'e1'"
            )
            row = await cursor.fetchone()
            assert row is not None
            return str(row[0])

        before = await locked_by()
        assert await a.claim_process(e1, NOW + 1) is None
        assert await locked_by() == before
        spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="t"))
        await a.add_processes([Process(processid=ident(10), spec=spec, submissiontime=NOW)])
        assert await a.claim_process(e1, NOW + 2) is not None
        assert await locked_by() != before
