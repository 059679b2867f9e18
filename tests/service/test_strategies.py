"""The cancelling concurrency strategies in workflows: decided when a node
enters the queue (a root at submit, a child when its parents succeeded), and
applied to whole workflow runs, as Hatchet applies them."""

from __future__ import annotations

from typing import Any

import pytest

from pycolonies_like.core.errors import NoProcessAvailable
from pycolonies_like.core.models import (
    Concurrency,
    Cron,
    FuncSpec,
    Process,
    ProcessState,
    Workflow,
)
from server.hub import Hub
from server.service import build_services
from server.service.guard import new_id
from server.store.base import Store
from tests.service.world import World

CANCELLED, RUNNING, WAITING = ProcessState.CANCELLED, ProcessState.RUNNING, ProcessState.WAITING


def keyed(world: World, name: str, strategy: str, *deps: str, **kw: Any) -> FuncSpec:
    return world.spec(name, nodename=name, dependencies=list(deps), kwargs={"customer": "acme"},
                      concurrency=Concurrency(kwarg="customer", limit=1, strategy=strategy),
                      **kw)  # fmt: skip


def plain(world: World, name: str, *deps: str) -> FuncSpec:
    return world.spec(name, nodename=name, dependencies=list(deps))


async def submit(world: World, *specs: FuncSpec) -> dict[str, Process]:
    workflows = world.services.workflows
    graph = await workflows.submit_workflow(
        world.user, Workflow(colonyname=world.colony, functionspecs=list(specs))
    )
    return await nodes(world, graph.processgraphid)


async def nodes(world: World, graphid: str) -> dict[str, Process]:
    found = await world.services.workflows.graph_processes(world.user, graphid)
    return {p.spec.nodename: p for p in found}


async def graph_state(world: World, graphid: str) -> ProcessState:
    return (await world.services.workflows.get_graph(world.user, graphid)).state


async def test_a_root_at_its_key_limit_cancels_its_new_workflow(world: World) -> None:
    """cancel_newest on a root: decided at submit; the whole new run is cancelled."""
    first = await submit(world, keyed(world, "a", "cancel_newest"))
    assert (await world.assign()).processid == first["a"].processid
    second = await submit(world, keyed(world, "a", "cancel_newest"), plain(world, "b", "a"))
    graphid = second["a"].processgraphid
    assert {n: p.state for n, p in second.items()} == {"a": CANCELLED, "b": CANCELLED}
    assert await graph_state(world, graphid) == CANCELLED
    assert (await world.get(first["a"].processid)).state == RUNNING


async def test_a_child_at_its_key_limit_when_released_cancels_its_workflow(world: World) -> None:
    """cancel_newest on a child: decided when its parent succeeds, not at
    submit (the key was free then); its workflow is cancelled, a sibling too."""
    run = await submit(world, plain(world, "a"), keyed(world, "b", "cancel_newest", "a"),
                       plain(world, "c", "a"))  # fmt: skip
    graphid = run["a"].processgraphid
    a = await world.assign()
    other = await world.submit(kwargs={"customer": "acme"},
                               concurrency=Concurrency(kwarg="customer", limit=1))  # fmt: skip
    assert (await world.assign(1)).processid == other.processid  # the key is now at its limit
    await world.close(a)
    after = await nodes(world, graphid)
    assert (after["b"].state, after["c"].state) == (CANCELLED, CANCELLED)
    assert await graph_state(world, graphid) == CANCELLED
    assert (await world.get(other.processid)).state == RUNNING


async def test_a_child_released_with_room_runs(world: World) -> None:
    run = await submit(world, plain(world, "a"), keyed(world, "b", "cancel_newest", "a"))
    await world.close(await world.assign())
    b = await world.assign()
    assert b.processid == run["b"].processid


async def test_a_released_child_cancels_the_run_in_progress(world: World) -> None:
    """cancel_in_progress on a child: when released, the older run holding its
    key is cancelled as a whole (its waiting node too), and the child runs."""
    old = await submit(world, keyed(world, "x", "cancel_in_progress"), plain(world, "y", "x"))
    x = await world.assign()
    assert x.processid == old["x"].processid
    new = await submit(world, plain(world, "a"), keyed(world, "b", "cancel_in_progress", "a"))
    assert (await world.get(x.processid)).state == RUNNING  # b is not in the queue yet
    await world.close(await world.assign(1), executor=1)
    assert {n: p.state for n, p in (await nodes(world, old["x"].processgraphid)).items()} == {
        "x": CANCELLED, "y": CANCELLED}  # fmt: skip
    assert await graph_state(world, old["x"].processgraphid) == CANCELLED
    assert (await world.assign()).processid == new["b"].processid


async def test_a_workflow_never_cancels_itself(world: World) -> None:
    """Nodes of one run do not count against each other: the second node of
    the key waits for the first (as "queue") and nothing is cancelled."""
    for strategy in ("cancel_newest", "cancel_in_progress"):
        run = await submit(world, keyed(world, "a", strategy), plain(world, "c"),
                           keyed(world, "b", strategy, "c"))  # fmt: skip
        first = await world.assign()
        second = await world.assign(1)
        assert {first.spec.nodename, second.spec.nodename} == {"a", "c"}
        c = first if first.spec.nodename == "c" else second
        a = second if c is first else first
        await world.close(c, executor=0 if c is first else 1)
        after = await nodes(world, run["a"].processgraphid)
        assert (after["a"].state, after["b"].state) == (RUNNING, WAITING), strategy
        with pytest.raises(NoProcessAvailable):  # b waits for a's slot
            await world.assign(0 if c is first else 1)
        await world.close(a, executor=1 if c is first else 0)
        b = await world.assign()
        assert b.processid == run["b"].processid
        await world.close(b)
        assert await graph_state(world, run["a"].processgraphid) == ProcessState.SUCCESSFUL


async def test_a_rerun_applies_the_strategy_again(world: World) -> None:
    """A rerun's ready nodes enter the queue again: cancel_newest applies."""
    run = await submit(world, keyed(world, "a", "cancel_newest"))
    graphid = run["a"].processgraphid
    await world.services.workflows.cancel_graph(world.user, graphid)
    other = await world.submit(kwargs={"customer": "acme"},
                               concurrency=Concurrency(kwarg="customer", limit=1))  # fmt: skip
    assert (await world.assign()).processid == other.processid
    graph, rerun = await world.services.workflows.rerun_graph(world.user, graphid)
    assert [p.state for p in rerun] == [CANCELLED]
    assert graph.state == CANCELLED


async def test_a_child_released_by_the_other_server_is_decided_there(
    world: World, store: Store
) -> None:
    """Two servers on one PostgreSQL database: the end that releases the
    child, on either server, applies its strategy once."""
    if not store.shared:
        pytest.skip("servers share a PostgreSQL database only")
    from server.store.postgres import PostgresStore

    second = PostgresStore(store.url)  # type: ignore[attr-defined]
    await second.open()
    try:
        services = build_services(second, Hub(), world.clock, new_id())
        old = await submit(world, keyed(world, "x", "cancel_in_progress"))
        x = await world.assign()
        run = await submit(world, plain(world, "a"), keyed(world, "b", "cancel_in_progress", "a"))
        a = await services.processes.assign(world.executors[1], world.colony, 0)
        assert a.processid == run["a"].processid
        await services.processes.close(world.executors[1], a.processid, a.attempt, None)
        assert (await world.get(x.processid)).state == CANCELLED
        assert await graph_state(world, old["x"].processgraphid) == CANCELLED
        b = await services.processes.assign(world.executors[1], world.colony, 0)
        assert b.processid == run["b"].processid
    finally:
        await second.close()


async def test_a_single_submit_cancels_a_workflow_in_progress_as_a_whole(world: World) -> None:
    """The rule holds for single submits too: the running node of the key is
    cancelled with its workflow, a sibling running on another executor too."""
    old = await submit(world, keyed(world, "x", "cancel_in_progress"), plain(world, "s"))
    first, second = await world.assign(0), await world.assign(1)
    assert {first.spec.nodename, second.spec.nodename} == {"x", "s"}
    new = await world.submit(kwargs={"customer": "acme"},
                             concurrency=Concurrency(kwarg="customer", limit=1,
                                                     strategy="cancel_in_progress"))  # fmt: skip
    assert new.state == WAITING
    assert {n: p.state for n, p in (await nodes(world, old["x"].processgraphid)).items()} == {
        "x": CANCELLED, "s": CANCELLED}  # fmt: skip
    assert (await world.assign()).processid == new.processid


async def test_a_cron_run_cancels_the_previous_run_still_in_progress(world: World) -> None:
    """Roots of a workflow started by a cron enter the queue as it starts."""
    schedules = world.services.schedules
    nodes_ = [keyed(world, "a", "cancel_in_progress"), plain(world, "b", "a")]
    spec = Workflow(colonyname=world.colony, functionspecs=nodes_)
    await schedules.add_cron(world.user, Cron(cronid="", colonyname=world.colony, name="every",
                                              workflowspec=spec, interval=60))  # fmt: skip
    world.clock.advance(61)
    assert await schedules.run_due_crons() == 1
    first = await world.assign()
    world.clock.advance(60)
    assert await schedules.run_due_crons() == 1
    assert await graph_state(world, first.processgraphid) == CANCELLED
    second = await world.assign()
    assert second.spec.nodename == "a" and second.processgraphid != first.processgraphid
