"""Workflow graphs: validation, construction, aggregate state."""

from __future__ import annotations

import itertools

import pytest

from pycolonies_like.core.dag import build_graph, graph_state, validate_workflow
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import Conditions, FuncSpec, ProcessState, Workflow


def node(name: str, *deps: str, colony: str = "c") -> FuncSpec:
    return FuncSpec(
        nodename=name,
        funcname="f",
        conditions=Conditions(colonyname=colony, executortype="t", dependencies=list(deps)),
    )


def wf(*specs: FuncSpec) -> Workflow:
    return Workflow(colonyname="c", functionspecs=list(specs))


def test_a_diamond_is_ordered_topologically() -> None:
    order = validate_workflow(wf(node("d", "b", "c"), node("b", "a"), node("c", "a"), node("a")))
    assert order.index("a") < order.index("b") < order.index("d")
    assert order.index("a") < order.index("c") < order.index("d")


@pytest.mark.parametrize(
    ("workflow", "message"),
    [
        (wf(), "at least one"),
        (Workflow(colonyname="", functionspecs=[node("a")]), "colonyname is required"),
        (wf(node("")), "has no nodename"),
        (wf(node("a"), node("a"), node("b"), node("b")), "duplicate nodenames: 'a', 'b'"),
        (wf(node("a", "ghost")), "unknown nodes: 'a' -> 'ghost'"),
        (wf(node("a", "a")), "cycle: a -> a"),
        (wf(node("a", "c"), node("b", "a"), node("c", "b")), "cycle: "),
        (wf(node("a"), node("b", colony="other")), "names colony 'other'"),
        (
            wf(FuncSpec(nodename="x", funcname="f", conditions=Conditions(colonyname="c"))),
            "node 'x': conditions.executortype is required",
        ),
    ],
)
def test_invalid_workflows_name_the_offending_nodes(workflow: Workflow, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        validate_workflow(workflow)


def test_a_cycle_is_reported_in_execution_order() -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_workflow(wf(node("root"), node("a", "root", "c"), node("b", "a"), node("c", "b")))
    cycle = str(err.value).split(": ", 1)[1].split(" -> ")
    assert cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    for first, second in itertools.pairwise(cycle):
        assert (first, second) in {("a", "b"), ("b", "c"), ("c", "a")}


def layered(width: int, depth: int) -> Workflow:
    specs = [node("root")]
    previous = ["root"]
    for level in range(depth):
        names = [f"n{level}-{i}" for i in range(width)]
        specs += [
            node(n, *previous) if len(previous) == 1 else node(n, previous[i % len(previous)])
            for i, n in enumerate(names)
        ]
        specs.append(node(f"join{level}", *names))
        previous = [f"join{level}"]
    return wf(*specs)


def test_ten_thousand_nodes_validate_in_dependency_order() -> None:
    # (How fast: bench/workflow.py submits graphs of this size and prints the time.)
    workflow = layered(width=999, depth=10)
    assert len(workflow.functionspecs) == 1 + 10 * 1000
    order = validate_workflow(workflow)
    assert len(order) == len(workflow.functionspecs)
    position = {name: n for n, name in enumerate(order)}
    assert len(position) == len(workflow.functionspecs)
    for spec in workflow.functionspecs:
        for dependency in spec.conditions.dependencies:
            assert position[dependency] < position[spec.nodename]


def test_build_graph_links_parents_and_children() -> None:
    ids = iter(f"{i:064x}" for i in range(100))
    graph, processes = build_graph(
        wf(node("a"), node("b", "a"), node("c", "a", "b")),
        new_id=lambda: next(ids), initiatorid="me", initiatorname="me", now_ns=5,
    )  # fmt: skip
    by_name = {p.spec.nodename: p for p in processes}
    a, b, c = by_name["a"], by_name["b"], by_name["c"]
    assert graph.rootprocessids == (a.processid,)
    assert graph.processids == (a.processid, b.processid, c.processid)
    assert a.children == (b.processid, c.processid) and not a.waitforparents
    assert c.parents == (a.processid, b.processid) and c.waitforparents
    assert all(p.processgraphid == graph.processgraphid for p in processes)
    assert all(p.spec.conditions.colonyname == "c" for p in processes)


def test_root_args_replace_the_args_of_roots_only() -> None:
    ids = iter(f"{i:064x}" for i in range(100))
    a = node("a")
    a.args = ["old"]
    _, processes = build_graph(
        wf(a, node("b", "a")), new_id=lambda: next(ids), initiatorid="", initiatorname="",
        now_ns=1, root_args=["x", "y"], root_input=[7],
    )  # fmt: skip
    assert processes[0].spec.args == ["x", "y"] and processes[0].input == [7]
    assert processes[1].spec.args == [] and processes[1].input == []


@pytest.mark.parametrize(
    ("counts", "started", "state"),
    [
        ((3, 0, 0, 0), False, ProcessState.WAITING),
        ((3, 0, 0, 0), True, ProcessState.RUNNING),
        ((3, 1, 0, 0), False, ProcessState.RUNNING),
        ((3, 3, 0, 0), True, ProcessState.SUCCESSFUL),
        ((3, 1, 1, 0), True, ProcessState.FAILED),
        ((3, 1, 0, 1), True, ProcessState.CANCELLED),
        ((3, 0, 1, 1), True, ProcessState.FAILED),
    ],
)
def test_graph_state(counts: tuple[int, int, int, int], started: bool, state: ProcessState) -> None:
    assert graph_state(*counts, started) == state
