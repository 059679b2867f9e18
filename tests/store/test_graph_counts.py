"""A waiting child counts the parents it still waits for: a join whose many
parents end at once on two servers sharing one PostgreSQL is released exactly
once, with every parent's output in the order of its parents; a rerun join
waits only for the parents that run again; outputs join as stored."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like.core.dag import build_graph
from pycolonies_like.core.errors import StorageError
from pycolonies_like.core.models import (
    GPU,
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
    ProcessState,
    Workflow,
)
from pycolonies_like.core.progress import child_input
from pycolonies_like.core.requirements import requirement_of
from server.store import pg_graphs, rows
from server.store.base import FinishResult
from server.store.postgres import PostgresStore
from server.store.processes import _queue_rows
from server.store.sql import SqlStore
from tests.store.test_graph_settling import NOW, S, claim_and_finish, fan_in, ids, node


@pytest.fixture
async def two_servers() -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    from tests.conftest import need_pg
    from tests.pg import temporary_database

    async with temporary_database(need_pg()) as url:
        a, b = PostgresStore(url), PostgresStore(url)
        await a.open()
        await b.open()
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()


def output_of(i: int) -> list[Any]:
    """Outputs of several values, and none for some parents."""
    return [] if i % 5 == 3 else [f"n{i}", i, {"at": [i, None]}]


async def test_a_join_ending_on_two_servers_is_released_once_with_inputs_in_parent_order(
    two_servers: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = two_servers
    width = 40
    executor, graph, processes = await fan_in(a, width)
    root = await claim_and_finish(a, executor)
    assert len(root.released) == width
    running = [await (a, b)[i % 2].claim_process(executor, NOW) for i in range(width)]
    assert all(p is not None for p in running)
    outputs = {p.processid: output_of(int(p.spec.nodename[1:])) for p in running if p}
    results = await asyncio.gather(*(
        (a, b)[i % 2].finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL, NOW,
                                     output=outputs[p.processid])
        for i, p in enumerate(running) if p is not None))  # fmt: skip
    released = [c for r in results if r is not None for c in r.released]
    join = processes[-1]
    assert [c.processid for c in released] == [join.processid]
    assert released[0].input == child_input(join.parents, outputs)
    assert all(r is not None and r.graph is None for r in results)
    stored = next(p for p in await b.graph_processes(graph.processgraphid)
                  if p.processid == join.processid)  # fmt: skip
    assert not stored.waitforparents and stored.input == released[0].input

    last = await claim_and_finish(b, executor)
    assert last.process.processid == join.processid
    assert last.graph is not None and last.graph.state == ProcessState.SUCCESSFUL
    assert await a.settle_unsettled(NOW + S, 10) == []  # nothing was left to settle


async def test_outputs_join_into_the_input_as_they_were_stored(store: SqlStore) -> None:
    executor, _graph, processes = await fan_in(store, 4)
    await claim_and_finish(store, executor)
    outputs: list[list[Any]] = [
        [1, "a, b]", 2.5],
        [],
        [{"x": [1, 2]}, None],
        ['é"]\\', -0.0, 10**20],
    ]
    running = [await store.claim_process(executor, NOW) for _ in range(4)]
    by_name = {p.spec.nodename: p for p in running if p is not None}
    released = []
    for i in range(4):
        p = by_name[f"n{i}"]
        result = await store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL,
                                            NOW, output=outputs[i])  # fmt: skip
        assert result is not None
        released += result.released
    assert [c.processid for c in released] == [processes[-1].processid]
    assert released[0].input == [1, "a, b]", 2.5, {"x": [1, 2]}, None, 'é"]\\', -0.0, 10**20]
    claimed = await store.claim_process(executor, NOW)
    assert claimed is not None and claimed.input == released[0].input


async def test_a_rerun_join_waits_only_for_the_parents_that_run_again(store: SqlStore) -> None:
    await store.add_colony(Colony(next(ids), "dev"))
    executor = Executor(next(ids), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    workflow = Workflow(colonyname="dev", functionspecs=[
        node("a", []), node("b", []), node("join", ["a", "b"])])  # fmt: skip
    graph, processes = build_graph(workflow, new_id=ids.__next__, initiatorid="",
                                   initiatorname="", now_ns=NOW)  # fmt: skip
    await store.add_graph(graph, processes)
    first, second = [await store.claim_process(executor, NOW) for _ in range(2)]
    assert first is not None and second is not None
    ok, bad = (first, second) if first.spec.nodename == "a" else (second, first)
    await store.finish_process(ok.processid, ok.attempt, ProcessState.SUCCESSFUL, NOW,
                               output=["from a"])  # fmt: skip
    failed = await store.finish_process(bad.processid, bad.attempt, ProcessState.FAILED, NOW)
    assert failed is not None and failed.graph is not None

    rerun = await store.rerun_graph(graph.processgraphid, NOW + S)
    assert rerun is not None
    again = await store.claim_process(executor, NOW + S)
    assert again is not None and again.spec.nodename == "b"
    result = await store.finish_process(again.processid, again.attempt, ProcessState.SUCCESSFUL,
                                        NOW + S, output=["from b"])  # fmt: skip
    assert result is not None
    assert [c.spec.nodename for c in result.released] == ["join"]
    assert result.released[0].input == ["from a", "from b"]


async def pending_of(store: PostgresStore, processid: str) -> int:
    async with store._read() as tx:
        row = await tx.fetchone("SELECT pendingparents FROM processes WHERE processid = ?",
                                (processid,))  # fmt: skip
    assert row is not None
    return int(row["pendingparents"])


async def test_an_end_settled_again_on_two_servers_counts_down_once(
    two_servers: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = two_servers
    executor, _graph, processes = await fan_in(a, 2)
    await claim_and_finish(a, executor)
    first, second = [await a.claim_process(executor, NOW) for _ in range(2)]
    assert first is not None and second is not None
    join = processes[-1]

    async def stopped(result: FinishResult, now_ns: int) -> FinishResult:
        return result  # the server stops right after the end is committed

    a._moved_on = stopped  # type: ignore[method-assign]
    try:
        ended = await a.finish_process(first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW,
                               output=["first"])  # fmt: skip
    finally:
        del a._moved_on
    assert await pending_of(a, join.processid) == 2
    assert ended is not None
    # Two servers' sweeps both found it: each settles it (at once, and again).
    await asyncio.gather(a.settle_process(ended.process, NOW + S),
                         b.settle_process(ended.process, NOW + S))  # fmt: skip
    await a.settle_process(ended.process, NOW + S)
    assert await pending_of(a, join.processid) == 1  # counted down once, not twice
    assert await a.settle_unsettled(NOW + S, 10) == []

    result = await b.finish_process(second.processid, second.attempt, ProcessState.SUCCESSFUL,
                                    NOW, output=["second"])  # fmt: skip
    assert result is not None
    assert [c.processid for c in result.released] == [join.processid]
    assert result.released[0].input == child_input(join.parents, {
        first.processid: ["first"], second.processid: ["second"]})  # fmt: skip


async def fan_out(store: SqlStore, children: list[Conditions]) -> tuple[Executor, list[Process]]:
    """root -> one child per conditions, stored with one approved executor e1
    (type t)."""
    await store.add_colony(Colony(next(ids), "dev"))
    executor = Executor(next(ids), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    specs = [node("root", [])] + [
        FuncSpec(nodename=f"c{i}", funcname="f", conditions=dataclasses.replace(
            c, executortype="t", dependencies=["root"]))
        for i, c in enumerate(children)
    ]  # fmt: skip
    graph, processes = build_graph(Workflow(colonyname="dev", functionspecs=specs),
                                   new_id=ids.__next__, initiatorid="", initiatorname="",
                                   now_ns=NOW)  # fmt: skip
    await store.add_graph(graph, processes)
    return executor, processes


async def queue_rows(store: PostgresStore) -> list[dict[str, Any]]:
    async with store._read() as tx:
        found = await tx.fetchall(
            "SELECT colonyname, executortype, executorname, shape, prioritytime, processid "
            "FROM queue ORDER BY processid, executorname"
        )
    return [dict(r) for r in found]


async def test_a_count_down_whose_release_was_lost_is_released_by_the_sweep(
    postgres_store: PostgresStore,
) -> None:
    """The children's counts reached zero and were committed, then the
    release failed (the database went away): the sweep releases them. (A
    child that names its executors is queued by Python, after the count-down.)"""
    store = postgres_store
    executor, processes = await fan_out(store, [Conditions(executornames=["e1"])])
    root = await store.claim_process(executor, NOW)
    assert root is not None

    def gone() -> None:
        raise StorageError("the database is unavailable (gone); try again shortly")

    store._tx_unflushed = gone  # type: ignore[method-assign,assignment]
    try:
        ended = await store.finish_process(root.processid, root.attempt,
                                           ProcessState.SUCCESSFUL, NOW, output=[3])  # fmt: skip
    finally:
        del store._tx_unflushed
    assert ended is not None and ended.released == []
    assert await pending_of(store, processes[1].processid) == 0
    assert await store.claim_process(executor, NOW) is None  # counted, not released
    (settled,) = await store.settle_unsettled(NOW + S, 10)
    assert [c.processid for c in settled.released] == [processes[1].processid]
    assert settled.released[0].input == [3]
    assert await store.settle_unsettled(NOW + S, 10) == []


async def test_the_count_down_releases_and_queues_a_plain_child_itself(
    postgres_store: PostgresStore,
) -> None:
    """A child that asks for nothing is released and queued by the count-down:
    no second statement (here: it would fail) is needed to move a chain on."""
    store = postgres_store
    executor, processes = await fan_out(store, [Conditions()])
    root = await store.claim_process(executor, NOW)
    assert root is not None

    def gone() -> None:
        raise StorageError("the database is unavailable (gone); try again shortly")

    store._tx_unflushed = gone  # type: ignore[method-assign,assignment]
    try:
        ended = await store.finish_process(root.processid, root.attempt,
                                           ProcessState.SUCCESSFUL, NOW, output=[3])  # fmt: skip
    finally:
        del store._tx_unflushed
    assert ended is not None
    assert [(c.processid, c.input) for c in ended.released] == [(processes[1].processid, [3])]
    assert not ended.released[0].waitforparents
    assert await store.settle_unsettled(NOW + S, 10) == []  # nothing left to settle
    assert await queue_rows(store) == procs_queue_rows(ended.released)
    child = await store.claim_process(executor, NOW)
    assert child is not None and child.processid == processes[1].processid
    assert child.input == [3]


async def test_children_are_queued_as_python_queues_them_whoever_releases_them(
    postgres_store: PostgresStore,
) -> None:
    """The count-down queues the children that ask for nothing; the others
    (resources, a location, executors by name) are queued by Python: every
    queue row is the one processes.enqueue makes."""
    store = postgres_store
    executor, processes = await fan_out(store, [
        Conditions(), Conditions(cpu="2"), Conditions(locationname="lab"),
        Conditions(executornames=["e1", "e2"]), Conditions(walltime=60), Conditions(),
    ])  # fmt: skip
    root = await store.claim_process(executor, NOW)
    assert root is not None
    ended = await store.finish_process(root.processid, root.attempt, ProcessState.SUCCESSFUL,
                                       NOW, output=["r"])  # fmt: skip
    assert ended is not None
    assert sorted(c.processid for c in ended.released) == sorted(p.processid for p in processes[1:])
    assert all(c.input == ["r"] and not c.waitforparents for c in ended.released)
    assert await queue_rows(store) == procs_queue_rows(ended.released)
    assert await store.settle_unsettled(NOW + S, 10) == []


def procs_queue_rows(processes: list[Process]) -> list[dict[str, Any]]:
    found = _queue_rows(processes)
    return sorted(found, key=lambda r: (r["processid"], r["executorname"]))


def test_the_conditions_the_count_down_queues_by_itself_shape_no_needs() -> None:
    """pg_graphs.UNSHAPED: conditions that never change a process's queue
    row but by its type and names; every other condition, when set, is
    stored (and so seen by the count-down, which leaves it to Python)."""
    unset = Conditions()
    for name in (f.name for f in dataclasses.fields(Conditions)):
        value = getattr(unset, name)
        changed = {"executornames": ["x"], "dependencies": ["x"], "gpu": GPU(count=1)}.get(
            name, value + 1 if isinstance(value, int) else "1"
        )
        c = dataclasses.replace(unset, **{name: changed})
        stored = json.loads(rows.spec_json(FuncSpec(conditions=c)))["conditions"]
        if name in pg_graphs.UNSHAPED:
            assert requirement_of(c).key == "", name
        else:
            assert name in stored, name


async def test_the_migration_counts_what_children_stored_before_still_wait_for(
    postgres_store: PostgresStore,
) -> None:
    """Migration 0022 recounts waiting children stored before counts were kept
    (there, every end left its children's counts untouched)."""
    store = postgres_store
    executor, _graph, processes = await fan_in(store, 3)
    await claim_and_finish(store, executor)
    n0, n1, n2 = [await store.claim_process(executor, NOW) for _ in range(3)]
    assert n0 is not None and n1 is not None and n2 is not None
    await store.finish_process(n0.processid, n0.attempt, ProcessState.SUCCESSFUL, NOW,
                               output=["n0"])  # fmt: skip

    async def stopped(result: FinishResult, now_ns: int) -> FinishResult:
        return result  # settled later, by the sweep

    store._moved_on = stopped  # type: ignore[method-assign]
    try:
        await store.finish_process(n1.processid, n1.attempt, ProcessState.SUCCESSFUL, NOW,
                                   output=["n1"])  # fmt: skip
    finally:
        del store._moved_on
    join = processes[-1]
    sql = Path(__file__).parents[2] / "server/store/migrations/postgres/0022_graph_counts.sql"
    recount = "UPDATE processes c" + sql.read_text().split("UPDATE processes c", 1)[1]
    async with store._write1() as tx:
        await tx.execute("UPDATE processes SET pendingparents = 3 WHERE processid = ?",
                         (join.processid,))  # fmt: skip
        await tx.execute(recount)
    assert await pending_of(store, join.processid) == 2  # n1 (not counted down yet) and n2
    await store.settle_unsettled(NOW + S, 10)
    assert await pending_of(store, join.processid) == 1
    result = await store.finish_process(n2.processid, n2.attempt, ProcessState.SUCCESSFUL, NOW,
                                        output=["n2"])  # fmt: skip
    assert result is not None and [c.processid for c in result.released] == [join.processid]


async def test_a_count_that_disagrees_with_the_states_releases_nothing_early(
    postgres_store: PostgresStore,
) -> None:
    """A join counted down to zero while one of its parents still runs (a
    count gone wrong) is not released: the states are the truth. It is
    released once that parent succeeded too."""
    store = postgres_store
    executor, _graph, processes = await fan_in(store, 2)
    await claim_and_finish(store, executor)
    first, second = [await store.claim_process(executor, NOW) for _ in range(2)]
    assert first is not None and second is not None
    join = processes[-1]
    async with store._write1() as tx:
        await tx.execute("UPDATE processes SET pendingparents = 1 WHERE processid = ?",
                         (join.processid,))  # fmt: skip
    result = await store.finish_process(first.processid, first.attempt, ProcessState.SUCCESSFUL,
                                        NOW, output=["first"])  # fmt: skip
    assert result is not None and result.released == []
    assert await store.claim_process(executor, NOW) is None
    assert await store.settle_unsettled(NOW + S, 10) == []
    result = await store.finish_process(second.processid, second.attempt,
                                        ProcessState.SUCCESSFUL, NOW, output=["second"])  # fmt: skip
    assert result is not None and [c.processid for c in result.released] == [join.processid]
    assert result.released[0].input == child_input(join.parents, {
        first.processid: ["first"], second.processid: ["second"]})  # fmt: skip
    claimed = await store.claim_process(executor, NOW)
    assert claimed is not None and claimed.processid == join.processid
