"""Workflows through the SDK: validation, dependencies, data flow, failure,
cancellation, dynamic children, and the EventHandler."""

from __future__ import annotations

import threading

import pytest

from pycolonies_like import (
    Colonies,
    Conditions,
    EventHandler,
    FailedPrecondition,
    FuncSpec,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
    Process,
    ProcessGraph,
    ProcessState,
    Workflow,
)
from server.testing import ColonyKeys


def node(colony: ColonyKeys, name: str, *deps: str, **kw: object) -> FuncSpec:
    return FuncSpec(
        nodename=name,
        funcname=name,
        conditions=Conditions(colonyname=colony.colonyname, executortype=colony.executortype,
                              dependencies=list(deps)),
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def workflow(colony: ColonyKeys, *specs: FuncSpec) -> Workflow:
    wf = Workflow(colonyname=colony.colonyname)
    wf.functionspecs.extend(specs)
    return wf


def run_one(client: Colonies, colony: ColonyKeys, output: list[object]) -> Process:
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    client.close(p["processid"], output, colony.executor_key)
    return p


def test_a_diamond_runs_in_dependency_order_with_data_flow(
    client: Colonies, colony: ColonyKeys
) -> None:
    graph = client.submit_workflow(
        workflow(colony, node(colony, "a"), node(colony, "b", "a"), node(colony, "c", "a"),
                 node(colony, "d", "b", "c")),
        colony.user_key,
    )  # fmt: skip
    assert graph.state == ProcessState.WAITING and len(graph.processids) == 4
    assert len(graph.rootprocessids) == 1
    a = run_one(client, colony, ["A"])
    assert a.spec.nodename == "a"
    assert (
        client.get_processgraph(graph.processgraphid, colony.user_key).state == ProcessState.RUNNING
    )
    b_or_c = client.assign(colony.colonyname, 5, colony.executor_key)
    assert b_or_c.spec.nodename in ("b", "c") and b_or_c.input == ["A"]
    client.close(b_or_c.processid, [b_or_c.spec.nodename.upper()], colony.executor_key)
    other = client.assign(colony.colonyname, 5, colony.executor_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0, colony.executor_keys[1])  # d must wait
    client.close(other.processid, [other.spec.nodename.upper()], colony.executor_key)
    d = client.assign(colony.colonyname, 5, colony.executor_key)
    assert d.spec.nodename == "d" and d.input == ["B", "C"]  # in the order of its parents
    client.close(d.processid, ["done"], colony.executor_key)
    final = client.get_processgraph(graph.processgraphid, colony.user_key)
    assert final.state == ProcessState.SUCCESSFUL and final.endtime >= final.starttime > 0
    found = client.find_process("d", final.processids, colony.user_key)
    assert found is not None and found.output == ["done"]


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ([], "at least one"),
        ([("a", ()), ("a", ())], "duplicate nodenames: 'a'"),
        ([("a", ("ghost",))], "'a' -> 'ghost'"),
        ([("a", ("b",)), ("b", ("a",))], "cycle"),
    ],
)
def test_invalid_workflows_are_refused_and_nothing_is_stored(
    client: Colonies, colony: ColonyKeys, nodes: list[tuple[str, tuple[str, ...]]], message: str
) -> None:
    wf = workflow(colony, *(node(colony, n, *deps) for n, deps in nodes))
    with pytest.raises(InvalidArgument, match=message):
        client.submit_workflow(wf, colony.user_key)
    assert client.get_processgraphs(colony.colonyname, 10, colony.user_key) == []
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 0


def test_a_failed_process_fails_its_descendants_and_the_graph(
    client: Colonies, colony: ColonyKeys
) -> None:
    graph = client.submit_workflow(
        workflow(colony, node(colony, "a"), node(colony, "b", "a"), node(colony, "c", "b")),
        colony.user_key,
    )
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    client.fail(p.processid, ["broken"], colony.executor_key)
    final = client.get_processgraph(graph.processgraphid, colony.user_key)
    assert final.state == ProcessState.FAILED
    states = {client.get_process(pid, colony.user_key).spec.nodename:
              client.get_process(pid, colony.user_key) for pid in final.processids}  # fmt: skip
    assert all(s.state == ProcessState.FAILED for s in states.values())
    assert "not run" in states["c"].errors[0]
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0, colony.executor_key)
    failed = client.get_processgraphs(colony.colonyname, 10, colony.user_key, state=3)
    assert [g.processgraphid for g in failed] == [graph.processgraphid]


def test_cancel_a_workflow(client: Colonies, colony: ColonyKeys) -> None:
    graph = client.submit_workflow(
        workflow(colony, node(colony, "a"), node(colony, "b", "a")), colony.user_key
    )
    running = client.assign(colony.colonyname, 5, colony.executor_key)
    with pytest.raises(PermissionDenied):
        client.cancel_processgraph(graph.processgraphid, colony.executor_keys[1])
    cancelled = client.cancel_processgraph(graph.processgraphid, colony.user_key)
    assert cancelled.state == ProcessState.CANCELLED
    assert client.heartbeat(running["processid"], colony.executor_key).cancelled
    with pytest.raises(FailedPrecondition):
        client.close(running["processid"], [], colony.executor_key)
    with pytest.raises(FailedPrecondition, match="has ended"):
        client.cancel_processgraph(graph.processgraphid, colony.user_key)
    assert client.stats(colony.colonyname, colony.user_key).cancelledworkflows == 1


def test_remove_workflows(client: Colonies, colony: ColonyKeys) -> None:
    first = client.submit_workflow(workflow(colony, node(colony, "a")), colony.user_key)
    second = client.submit_workflow(workflow(colony, node(colony, "x")), colony.user_key)
    running = client.assign(colony.colonyname, 5, colony.executor_key)
    busy = running.processgraphid
    idle = second.processgraphid if busy == first.processgraphid else first.processgraphid
    with pytest.raises(FailedPrecondition, match="running"):
        client.remove_processgraph(busy, colony.user_key)
    client.remove_processgraph(idle, colony.user_key)
    with pytest.raises(NotFound):
        client.get_processgraph(idle, colony.user_key)
    client.close(running.processid, [], colony.executor_key)
    assert client.remove_all_processgraphs(colony.colonyname, colony.colony_key) == 1
    assert client.get_processgraphs(colony.colonyname, 10, colony.user_key) == []


def test_add_child_while_running(client: Colonies, colony: ColonyKeys) -> None:
    graph = client.submit_workflow(
        workflow(colony, node(colony, "a"), node(colony, "z", "a")), colony.user_key
    )
    parent = client.assign(colony.colonyname, 5, colony.executor_key)
    child = client.add_child(graph.processgraphid, parent["processid"], "",
                             node(colony, "ignored"), "inserted", True,
                             colony.executor_key)  # fmt: skip
    assert child.spec.nodename == "inserted" and child.parents == (parent.processid,)
    with pytest.raises(PermissionDenied):
        client.add_child(graph.processgraphid, parent.processid, "", node(colony, "x"), "x", False,
                         colony.executor_keys[1])  # fmt: skip
    client.close(parent["processid"], ["P"], colony.executor_key)
    inserted = client.assign(colony.colonyname, 5, colony.executor_key)
    assert inserted.processid == child.processid and inserted.input == ["P"]
    client.close(inserted.processid, ["I"], colony.executor_key)
    z = client.assign(colony.colonyname, 5, colony.executor_key)
    assert z.spec.nodename == "z" and z.input == ["I"]
    client.close(z.processid, [], colony.executor_key)
    final = client.get_processgraph(graph.processgraphid, colony.user_key)
    assert final.state == ProcessState.SUCCESSFUL and len(final.processids) == 3


def test_add_child_refuses_cycles_and_outsiders(client: Colonies, colony: ColonyKeys) -> None:
    graph = client.submit_workflow(
        workflow(colony, node(colony, "a"), node(colony, "b", "a")), colony.user_key
    )
    a = client.assign(colony.colonyname, 5, colony.executor_key)
    client.close(a.processid, [], colony.executor_key)
    b = client.assign(colony.colonyname, 5, colony.executor_key)
    with pytest.raises(InvalidArgument, match="cycle"):
        client.add_child(graph.processgraphid, b["processid"], a.processid, node(colony, "x"),
                         "x", False, colony.executor_key)  # fmt: skip
    standalone = client.submit(FuncSpec(funcname="s", conditions=Conditions(
        colonyname=colony.colonyname, executortype="nobody")), colony.user_key)  # fmt: skip
    with pytest.raises(FailedPrecondition, match="not a waiting process"):
        client.add_child(graph.processgraphid, b["processid"], standalone.processid,
                         node(colony, "y"), "y", False, colony.executor_key)  # fmt: skip


class Recorder(EventHandler):
    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.active = 0
        self.overlap = False

    def _record(self, what: str, name: str) -> None:
        self.active += 1
        if self.active > 1:
            self.overlap = True
        self.calls.append((what, name))
        self.active -= 1

    def workflow_starting(self, graph: ProcessGraph) -> None:
        self._record("workflow_starting", graph.processgraphid)

    def process_starting(self, process: Process) -> None:
        self._record("process_starting", process.spec.nodename)

    def process_retry(self, process: Process, reason: str) -> None:
        self._record("process_retry", process.spec.nodename)

    def process_finished(self, process: Process) -> None:
        self._record("process_finished", process.spec.nodename)

    def workflow_finished(self, graph: ProcessGraph) -> None:
        self._record("workflow_finished", graph.state.name)


def test_event_handler_sees_the_workflow_progress_in_order(
    client: Colonies, colony: ColonyKeys
) -> None:
    def executor() -> None:
        first = True
        for _ in range(4):
            p = client.assign(colony.colonyname, 10, colony.executor_key)
            if first and p.spec.nodename == "a":
                first = False
                client.release(p["processid"], colony.executor_key)  # -> process_retry
                p = client.assign(colony.colonyname, 10, colony.executor_key)
            client.close(p["processid"], [p.spec.nodename], colony.executor_key)

    worker = threading.Thread(target=executor)
    worker.start()
    recorder = Recorder()
    final = client.run_workflow(
        workflow(colony, node(colony, "a"), node(colony, "b", "a"), node(colony, "c", "a"),
                 node(colony, "d", "b", "c")),
        colony.user_key, recorder, timeout=30,
    )  # fmt: skip
    worker.join(10)
    assert final.state == ProcessState.SUCCESSFUL
    calls = recorder.calls
    assert calls[0][0] == "workflow_starting" and calls[-1] == ("workflow_finished", "SUCCESSFUL")
    assert ("process_retry", "a") in calls
    for name in "abcd":
        assert calls.index(("process_starting", name)) < calls.index(("process_finished", name))
    assert calls.index(("process_finished", "a")) < calls.index(("process_starting", "b"))
    assert calls.index(("process_finished", "c")) < calls.index(("process_starting", "d"))
    assert not recorder.overlap


def test_events_can_be_filtered(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    events = client.events(name, colony.user_key, states=[ProcessState.SUCCESSFUL], timeout=10)
    assert next(events).kind.name == "SUBSCRIBED"
    spec = node(colony, "solo")
    spec.conditions.dependencies = []
    p = client.submit(spec, colony.user_key)
    got = client.assign(name, 5, colony.executor_key)
    client.close(got.processid, ["x"], colony.executor_key)
    event = next(events)
    events.close()
    assert event.kind.name == "SUCCEEDED" and event.processid == p.processid
    assert event.process is not None and event.process.output == ["x"]
    with pytest.raises(PermissionDenied):
        next(client.events(name, colony.colony_key[::-1].replace("a", "b")))
