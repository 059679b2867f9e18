"""Workflow graphs: validation, construction and aggregate state. Pure functions."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import FuncSpec, Process, ProcessGraph, ProcessState, Workflow
from pycolonies_like.core.rules import priority_time, validate_funcspec, wait_deadline

MAX_WORKFLOW_SIZE = 100_000


def _names(items: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def validate_workflow(workflow: Workflow) -> list[str]:
    """Checks a workflow; returns its nodenames in a topological order.

    Raises InvalidArgument naming the offending nodes for: an empty workflow, a
    missing or duplicate nodename, a dependency on an unknown node, a cycle, or
    an invalid function spec.
    """
    specs = workflow.functionspecs
    if not specs:
        raise InvalidArgument("a workflow needs at least one function spec")
    if len(specs) > MAX_WORKFLOW_SIZE:
        raise InvalidArgument(f"a workflow may have at most {MAX_WORKFLOW_SIZE} function specs")
    colony = workflow.colonyname
    if not colony:
        raise InvalidArgument("the workflow's colonyname is required")
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for i, spec in enumerate(specs):
        if not spec.nodename:
            raise InvalidArgument(f"function spec #{i} ({spec.funcname!r}) has no nodename")
        if spec.nodename in seen:
            duplicates.append(spec.nodename)
        seen[spec.nodename] = i
    if duplicates:
        raise InvalidArgument(f"duplicate nodenames: {_names(sorted(set(duplicates)))}")
    unknown = [
        f"{spec.nodename!r} -> {dep!r}"
        for spec in specs
        for dep in spec.conditions.dependencies
        if dep not in seen
    ]
    if unknown:
        raise InvalidArgument(
            "dependencies on unknown nodes: "
            + ", ".join(unknown[:10])
            + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        )
    for spec in specs:
        cond = spec.conditions
        if cond.colonyname and cond.colonyname != colony:
            raise InvalidArgument(
                f"node {spec.nodename!r} names colony {cond.colonyname!r}, "
                f"but the workflow belongs to {colony!r}"
            )
        try:
            validate_funcspec(
                dataclasses.replace(spec, conditions=dataclasses.replace(cond, colonyname=colony)),
                in_workflow=True,
            )
        except InvalidArgument as err:
            raise InvalidArgument(f"node {spec.nodename!r}: {err.message}") from None
    return topological_order(specs)


def topological_order(specs: Sequence[FuncSpec]) -> list[str]:
    """Kahn's algorithm; raises InvalidArgument naming a cycle if there is one."""
    children: dict[str, list[str]] = {s.nodename: [] for s in specs}
    indegree: dict[str, int] = {}
    for spec in specs:
        deps = set(spec.conditions.dependencies)
        indegree[spec.nodename] = len(deps)
        for dep in deps:
            children[dep].append(spec.nodename)
    ready = deque(name for name, n in indegree.items() if n == 0)
    order: list[str] = []
    while ready:
        name = ready.popleft()
        order.append(name)
        for child in children[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(specs):
        stuck = {name for name, n in indegree.items() if n > 0}
        raise InvalidArgument(f"the workflow has a cycle: {' -> '.join(_find_cycle(specs, stuck))}")
    return order


def _find_cycle(specs: Sequence[FuncSpec], stuck: set[str]) -> list[str]:
    deps = {s.nodename: [d for d in s.conditions.dependencies if d in stuck] for s in specs}
    # Every stuck node has a stuck dependency; walking them must revisit a node.
    node = min(stuck)
    path: list[str] = []
    position: dict[str, int] = {}
    while node not in position:
        position[node] = len(path)
        path.append(node)
        node = min(deps[node])
    cycle = [*path[position[node] :], node]
    cycle.reverse()  # show it in execution order: dependency -> dependant
    return cycle


def graph_state(
    nprocesses: int, nsuccessful: int, nfailed: int, ncancelled: int, started: bool
) -> ProcessState:
    """The state of a graph from its counters (ColonyOS' aggregation rule)."""
    if nfailed:
        return ProcessState.FAILED
    if ncancelled:
        return ProcessState.CANCELLED
    if nsuccessful == nprocesses:
        return ProcessState.SUCCESSFUL
    if started or nsuccessful:
        return ProcessState.RUNNING
    return ProcessState.WAITING


def build_graph(
    workflow: Workflow,
    *,
    new_id: Callable[[], str],
    initiatorid: str,
    initiatorname: str,
    now_ns: int,
    root_args: list[Any] | None = None,
    root_input: list[Any] | None = None,
) -> tuple[ProcessGraph, list[Process]]:
    """Turns a validated workflow into a graph and its processes.

    `root_args` replaces the args of the roots (generators); `root_input`
    becomes the input of the roots (crons pass the previous run's output).
    """
    colony = workflow.colonyname
    ids = {spec.nodename: new_id() for spec in workflow.functionspecs}
    children: dict[str, list[str]] = {name: [] for name in ids}
    for spec in workflow.functionspecs:
        for dep in dict.fromkeys(spec.conditions.dependencies):
            children[dep].append(ids[spec.nodename])
    graphid = new_id()
    processes: list[Process] = []
    roots: list[str] = []
    for spec in workflow.functionspecs:
        deps = list(dict.fromkeys(spec.conditions.dependencies))
        spec = dataclasses.replace(
            spec,
            conditions=dataclasses.replace(spec.conditions, colonyname=colony, dependencies=deps),
        )
        is_root = not deps
        if is_root:
            roots.append(ids[spec.nodename])
            if root_args is not None:
                spec = dataclasses.replace(spec, args=list(root_args), kwargs={})
        processes.append(
            Process(
                processid=ids[spec.nodename],
                spec=spec,
                initiatorid=initiatorid,
                initiatorname=initiatorname,
                prioritytime=priority_time(now_ns, spec.priority),
                submissiontime=now_ns,
                # The wait clock of a child starts when its parents are done.
                waitdeadline=wait_deadline(now_ns, spec.maxwaittime) if is_root else 0,
                waitforparents=not is_root,
                parents=tuple(ids[d] for d in deps),
                children=tuple(children[spec.nodename]),
                processgraphid=graphid,
                input=list(root_input) if (is_root and root_input) else [],
            )
        )
    graph = ProcessGraph(
        processgraphid=graphid,
        colonyname=colony,
        initiatorid=initiatorid,
        initiatorname=initiatorname,
        rootprocessids=tuple(roots),
        state=ProcessState.WAITING,
        submissiontime=now_ns,
        processids=tuple(p.processid for p in processes),
    )
    return graph, processes
