"""An executor session's end and its next claim (Store.finish_and_claim), on
both stores: the end is applied as finish_process would, and the claim is
made for the session's executor whatever the end's outcome; a claim that is
refused takes nothing and leaves the end standing."""

from __future__ import annotations

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
from server.store.sql import SqlStore

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


async def test_a_keyed_process_frees_its_slot_for_the_next(store: SqlStore) -> None:
    e1 = await _setup(store)
    limit = Concurrency(key="k", limit=1)
    await store.add_processes([process(10, concurrency=limit), process(11, concurrency=limit)])
    first = await store.claim_process(e1, NOW)
    assert first is not None and first.processid == ident(10)
    result, claimed = await store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S,
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert result is not None and result.process.state == ProcessState.SUCCESSFUL
    # The slot is free once the end is in; whether this claim or the next
    # takes the second, at most one runs at a time.
    running = await store.list_processes("dev", ProcessState.RUNNING, 10)
    assert len(running) <= 1
    if claimed is None:
        claimed = await store.claim_process(e1, NOW + 2 * S)
    assert claimed is not None and claimed.processid == ident(11)
