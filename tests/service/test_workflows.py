"""Workflows through the services: release in dependency order, failure and
cancellation spreading to descendants, graph events from whoever ends a graph."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
)
from pycolonies_like.core.models import EventKind, ProcessState, User
from server.service.guard import new_id
from tests.service.world import Events, World

GRAPH_KINDS = [EventKind.GRAPH_SUBMITTED, EventKind.GRAPH_SUCCEEDED, EventKind.GRAPH_FAILED,
               EventKind.GRAPH_CANCELLED]  # fmt: skip


async def test_children_are_released_with_their_parents_output(world: World) -> None:
    events = await Events.open(world, kinds=GRAPH_KINDS)
    graph = await world.services.workflows.submit_workflow(
        world.user, world.workflow("a", ("b", "a"), ("c", "a"), ("d", "b", "c"))
    )
    assert [e.kind for e in await events.take(1)] == [EventKind.GRAPH_SUBMITTED]
    a = await world.assign()
    assert a.spec.nodename == "a"
    with pytest.raises(NoProcessAvailable):  # b and c wait for a
        await world.assign(1)
    await world.close(a, ["from a"])
    b, c = await world.assign(0), await world.assign(1)
    assert {b.spec.nodename, c.spec.nodename} == {"b", "c"}
    assert b.input == ["from a"] and c.input == ["from a"]
    await world.close(b, ["from b"], executor=0)
    with pytest.raises(NoProcessAvailable):  # d still waits for c
        await world.assign()
    await world.close(c, ["from c"], executor=1)
    d = await world.assign()
    assert d.spec.nodename == "d" and sorted(d.input) == ["from b", "from c"]
    await world.close(d)
    ended = await events.next()
    assert (ended.kind, ended.processgraphid) == (EventKind.GRAPH_SUCCEEDED, graph.processgraphid)
    final = await world.services.workflows.get_graph(world.user, graph.processgraphid)
    assert final.state == ProcessState.SUCCESSFUL


async def test_a_failure_ends_the_descendants_and_the_graph(world: World) -> None:
    events = await Events.open(world, kinds=[EventKind.GRAPH_FAILED])
    workflows = world.services.workflows
    graph = await workflows.submit_workflow(world.user, world.workflow("a", ("b", "a"),
                                                                       ("c", "b")))  # fmt: skip
    a = await world.assign()
    await world.services.processes.fail(world.executors[0], a.processid, a.attempt, ["broken"])
    assert (await events.next()).processgraphid == graph.processgraphid
    processes = {p.spec.nodename: p for p in
                 await workflows.graph_processes(world.user, graph.processgraphid)}  # fmt: skip
    assert all(p.state == ProcessState.FAILED for p in processes.values())
    assert "not run" in processes["c"].errors[0]
    with pytest.raises(NoProcessAvailable):
        await world.assign()


async def test_a_deadline_failure_ends_the_graph_too(world: World) -> None:
    events = await Events.open(world, kinds=[EventKind.GRAPH_FAILED])
    spec = world.workflow("a", ("b", "a"))
    spec.functionspecs[0].maxexectime = 5
    graph = await world.services.workflows.submit_workflow(world.user, spec)
    await world.assign()
    world.clock.advance(6)
    assert await world.services.processes.sweep() == 1
    assert (await events.next()).processgraphid == graph.processgraphid


async def test_cancel_a_workflow(world: World) -> None:
    workflows = world.services.workflows
    events = await Events.open(world, kinds=[EventKind.CANCELLED, EventKind.GRAPH_CANCELLED])
    graph = await workflows.submit_workflow(world.user, world.workflow("a", ("b", "a")))
    running = await world.assign()
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        await workflows.cancel_graph(world.executors[1], graph.processgraphid)
    cancelled = await workflows.cancel_graph(world.user, graph.processgraphid)
    assert cancelled.state == ProcessState.CANCELLED
    kinds = sorted(e.kind for e in await events.take(3))
    assert kinds == [EventKind.CANCELLED, EventKind.CANCELLED, EventKind.GRAPH_CANCELLED]
    with pytest.raises(FailedPrecondition):
        await world.close(running)
    with pytest.raises(FailedPrecondition, match="has ended"):
        await workflows.cancel_graph(world.user, graph.processgraphid)


async def test_a_running_process_adds_a_child(world: World) -> None:
    workflows = world.services.workflows
    graph = await workflows.submit_workflow(world.user, world.workflow("a", ("b", "a")))
    a = await world.assign()
    child = await workflows.add_child(world.executors[0], graph.processgraphid, a.processid, "",
                                      world.spec("extra", nodename="extra"), insert=True)  # fmt: skip
    assert child.parents == (a.processid,)
    with pytest.raises(PermissionDenied):
        await workflows.add_child(world.executors[1], graph.processgraphid, a.processid, "",
                                  world.spec("x", nodename="x"), insert=False)  # fmt: skip
    with pytest.raises(InvalidArgument, match="cycle"):
        await workflows.add_child(world.executors[0], graph.processgraphid, a.processid,
                                  a.processid, world.spec("y", nodename="y"), insert=False)  # fmt: skip
    await world.close(a, ["x"])
    assert (await world.assign()).spec.nodename == "extra"  # b now waits for the child


async def test_remove_workflows(world: World) -> None:
    workflows = world.services.workflows
    graph = await workflows.submit_workflow(world.user, world.workflow("a"))
    await world.assign()
    with pytest.raises(FailedPrecondition, match="running"):
        await workflows.remove_graph(world.user, graph.processgraphid)
    with pytest.raises(PermissionDenied, match="not the owner"):
        await workflows.remove_all_graphs(world.user, world.colony, None)
    await workflows.cancel_graph(world.user, graph.processgraphid)
    await workflows.remove_graph(world.user, graph.processgraphid)
    assert await workflows.list_graphs(world.user, world.colony, None, 10) == []


async def test_a_workflow_counts_as_its_submitters_work(world: World) -> None:
    """A workflow's nodes move its submitter's virtual time on like any of its
    processes: a later submit of the same submitter goes behind them all, and
    another submitter's first process goes in front of the workflow's rest."""
    graph = await world.services.workflows.submit_workflow(
        world.user, world.workflow("a", "b", "c")
    )
    nodes = await world.store.graph_processes(graph.processgraphid)
    later = await world.submit()
    assert later.prioritytime > max(p.prioritytime for p in nodes)
    assert len({p.prioritytime for p in nodes}) == 3
    other = new_id()
    await world.services.colonies.add_user(world.owner, User(world.colony, other, "other"))
    first = await world.services.processes.submit(other, world.spec("f"))
    assert first.prioritytime < sorted(p.prioritytime for p in nodes)[1]
