"""Workflows move on from process states: many parents of one join ending at
once release it exactly once, the graph ends exactly once, and an end whose
server stopped before it moved the graph on is settled later."""

from __future__ import annotations

import asyncio
import itertools

from pycolonies_like.core.dag import build_graph
from pycolonies_like.core.errors import StorageError
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
    ProcessGraph,
    ProcessState,
    Workflow,
)
from server.store.base import FinishResult
from server.store.postgres import PostgresStore
from server.store.sql import SqlStore

S = 1_000_000_000
NOW = 1_800_000_000 * S
ids = (f"{n:064x}" for n in itertools.count(100))


def node(name: str, deps: list[str]) -> FuncSpec:
    return FuncSpec(nodename=name, funcname="f",
                    conditions=Conditions(executortype="t", dependencies=deps))  # fmt: skip


async def fan_in(store: SqlStore, width: int) -> tuple[Executor, ProcessGraph, list[Process]]:
    """root -> `width` parallel nodes -> join, stored with one approved executor."""
    await store.add_colony(Colony(next(ids), "dev"))
    executor = Executor(next(ids), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    names = [f"n{i}" for i in range(width)]
    workflow = Workflow(colonyname="dev", functionspecs=[
        node("root", []), *(node(n, ["root"]) for n in names), node("join", names)])  # fmt: skip
    graph, processes = build_graph(workflow, new_id=ids.__next__, initiatorid="",
                                   initiatorname="", now_ns=NOW)  # fmt: skip
    await store.add_graph(graph, processes)
    return executor, graph, processes


async def claim_and_finish(store: SqlStore, executor: Executor) -> FinishResult:
    p = await store.claim_process(executor, NOW)
    assert p is not None
    result = await store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL, NOW,
                                        output=[p.spec.nodename])  # fmt: skip
    assert result is not None
    return result


async def test_parents_ending_at_once_release_the_join_once(store: SqlStore) -> None:
    width = 24
    executor, graph, processes = await fan_in(store, width)
    assert len((await claim_and_finish(store, executor)).released) == width
    running = [await store.claim_process(executor, NOW) for _ in range(width)]
    assert all(p is not None for p in running) and await store.claim_process(executor, NOW) is None
    results = await asyncio.gather(*(
        store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL, NOW,
                             output=[p.spec.nodename])
        for p in running if p is not None))  # fmt: skip
    released = [c for r in results if r is not None for c in r.released]
    assert [c.processid for c in released] == [processes[-1].processid]
    assert sorted(released[0].input) == sorted(f"n{i}" for i in range(width))
    assert all(r is not None and r.graph is None for r in results)  # the join is still open

    last = await claim_and_finish(store, executor)
    assert last.graph is not None and last.graph.state == ProcessState.SUCCESSFUL
    stored = await store.get_graph(graph.processgraphid)
    assert stored is not None and stored.state == ProcessState.SUCCESSFUL and stored.endtime == NOW


async def test_a_failure_ends_the_graph_and_what_waits_behind_it(store: SqlStore) -> None:
    executor, graph, processes = await fan_in(store, 3)
    await claim_and_finish(store, executor)
    a, b = [await store.claim_process(executor, NOW) for _ in range(2)]
    assert a is not None and b is not None
    failed = await store.finish_process(a.processid, a.attempt, ProcessState.FAILED, NOW)
    assert failed is not None and failed.graph is not None
    assert failed.graph.state == ProcessState.FAILED
    assert [p.processid for p in failed.ended] == [processes[-1].processid]
    # A later success changes nothing: the graph stays failed.
    later = await store.finish_process(b.processid, b.attempt, ProcessState.SUCCESSFUL, NOW)
    assert later is not None and later.graph is None and later.released == []
    stored = await store.get_graph(graph.processgraphid)
    assert stored is not None and stored.state == ProcessState.FAILED


async def test_an_end_left_unsettled_is_settled_later(postgres_store: PostgresStore) -> None:
    """PostgreSQL moves a graph on after the end committed: a server that
    stops in between leaves the end marked, and any server's sweep settles it."""
    store = postgres_store
    assert store.settle_after_commit
    executor, _graph, processes = await fan_in(store, 1)
    root = await store.claim_process(executor, NOW)
    assert root is not None

    # The server stops right after the end is committed.
    async def stopped(result: FinishResult, now_ns: int) -> FinishResult:
        return result

    moved_on = store._moved_on
    store._moved_on = stopped  # type: ignore[method-assign]
    try:
        ended = await store.finish_process(root.processid, root.attempt,
                                           ProcessState.SUCCESSFUL, NOW, output=[1])  # fmt: skip
    finally:
        store._moved_on = moved_on  # type: ignore[method-assign]
    assert ended is not None and ended.released == []
    assert await store.claim_process(executor, NOW) is None  # nothing moved on yet
    assert await store.settle_unsettled(NOW, 10) == []  # only ends older than the cut-off

    (settled,) = await store.settle_unsettled(NOW + S, 10)
    assert settled.process.processid == root.processid
    assert [c.processid for c in settled.released] == [processes[1].processid]
    assert settled.released[0].input == [1]
    assert await store.settle_unsettled(NOW + S, 10) == []
    child = await store.claim_process(executor, NOW)
    assert child is not None and child.processid == processes[1].processid


async def test_an_end_committed_while_the_database_goes_away_is_not_an_error(
    postgres_store: PostgresStore,
) -> None:
    """The database goes away between the commit of an end and the move of its
    graph: the close succeeded (it is committed), the graph moves on later."""
    store = postgres_store
    executor, _graph, processes = await fan_in(store, 1)
    root = await store.claim_process(executor, NOW)
    assert root is not None

    async def away(process: Process, now_ns: int) -> FinishResult:
        raise StorageError("the database is unavailable (gone); try again shortly")

    store.settle_process = away  # type: ignore[method-assign]
    try:
        ended = await store.finish_process(root.processid, root.attempt,
                                           ProcessState.SUCCESSFUL, NOW, output=[2])  # fmt: skip
    finally:
        del store.settle_process
    assert ended is not None and ended.process.state == ProcessState.SUCCESSFUL
    assert ended.released == []
    (settled,) = await store.settle_unsettled(NOW + S, 10)
    assert [c.processid for c in settled.released] == [processes[1].processid]
