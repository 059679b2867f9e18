"""Workflows (process graphs): submit, read, remove, cancel, and dynamic children."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.dag import build_graph, validate_workflow
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    StaleAttempt,
)
from pycolonies_like.core.models import (
    EventKind,
    FuncSpec,
    Process,
    ProcessGraph,
    ProcessState,
    Workflow,
)
from pycolonies_like.core.rules import check_count, priority_time, validate_funcspec
from server.service import lookup
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, new_id
from server.service.ratelimits import check_defined
from server.service.strategies import AfterCommit, Strategies
from server.store.base import Store


class WorkflowService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock
    ) -> None:
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock
        self.strategies = Strategies(store, emitter, clock)
        self.after_commit = AfterCommit()

    async def submit_workflow(self, caller: str, workflow: Workflow) -> ProcessGraph:
        validate_workflow(workflow)
        actor = await self.guard.member(caller, workflow.colonyname)
        await check_defined(self.store, workflow.colonyname, workflow.functionspecs)
        graph, processes = self.plan(workflow, actor.id, actor.name, self.clock.now_ns())
        processes = await self.store.add_graph(graph, processes)
        return await self.after_commit.finish(self._submitted(graph, processes))

    async def _submitted(self, graph: ProcessGraph, processes: list[Process]) -> ProcessGraph:
        self.emitter.graph_submitted(graph, processes)
        if _cancelled(await self.strategies.arrived(processes)):
            return await self.store.get_graph(graph.processgraphid) or graph
        return graph

    # Crons and generators store their graphs themselves (atomically with the
    # run they start), through these two.

    def plan(
        self, workflow: Workflow, initiatorid: str, initiatorname: str, now_ns: int, *,
        root_input: list[Any] | None = None, root_args: list[Any] | None = None,
    ) -> tuple[ProcessGraph, list[Process]]:  # fmt: skip
        """The graph and processes a workflow becomes, not yet stored (`root_input`:
        the input of its roots; `root_args`: their args instead of the spec's)."""
        return build_graph(
            workflow, new_id=new_id, initiatorid=initiatorid, initiatorname=initiatorname,
            now_ns=now_ns, root_input=root_input, root_args=root_args,
        )  # fmt: skip

    async def started(self, graph: ProcessGraph, processes: Sequence[Process]) -> None:
        """Announces a graph that was stored: its event, and its processes to
        executors; then applies the concurrency strategies to its roots."""
        await self.after_commit.finish(self._submitted(graph, list(processes)))

    async def has_ended(self, processgraphid: str) -> bool:
        """Whether the workflow has ended (or is gone)."""
        graph = await self.store.get_graph(processgraphid)
        return graph is None or graph.state.is_final

    async def get_graph(self, caller: str, processgraphid: str) -> ProcessGraph:
        graph = await lookup.graph(self.store, processgraphid)
        await self.guard.reader(caller, graph.colonyname)
        return graph

    async def graph_processes(self, caller: str, processgraphid: str) -> list[Process]:
        graph = await lookup.graph(self.store, processgraphid)
        await self.guard.reader(caller, graph.colonyname)
        return await self.store.graph_processes(processgraphid)

    async def list_graphs(
        self, caller: str, colonyname: str, state: ProcessState | None, count: int
    ) -> list[ProcessGraph]:
        count = check_count(count)
        await self.guard.reader(caller, colonyname)
        return await self.store.list_graphs(colonyname, state, count)

    async def remove_graph(self, caller: str, processgraphid: str) -> None:
        graph = await lookup.graph(self.store, processgraphid)
        await self.guard.initiator_or_owner(caller, graph.colonyname, graph.initiatorid)
        if not await self.store.remove_graph(processgraphid):
            raise FailedPrecondition(
                f"workflow {processgraphid} has running processes; cancel it first"
            )

    async def remove_all_graphs(
        self, caller: str, colonyname: str, state: ProcessState | None
    ) -> int:
        await self.guard.colony_owner(caller, colonyname)
        if state == ProcessState.RUNNING:
            raise FailedPrecondition("running workflows cannot be removed; cancel them first")
        return await self.store.remove_all_graphs(colonyname, state)

    async def cancel_graph(self, caller: str, processgraphid: str) -> ProcessGraph:
        graph = await lookup.graph(self.store, processgraphid)
        await self.guard.initiator_or_owner(caller, graph.colonyname, graph.initiatorid)
        if graph.state.is_final:
            raise FailedPrecondition(
                f"workflow {processgraphid} has ended ({graph.state.name.lower()})"
            )
        result = await self.store.cancel_graph(processgraphid, self.clock.now_ns())
        if result is None:
            raise NotFound(f"workflow {processgraphid!r} does not exist")
        cancelled, changed = result
        self.emitter.cancelled(cancelled)
        if changed is not None:
            self.emitter.graph_changed(changed)
            return changed
        return await lookup.graph(self.store, processgraphid)

    async def rerun_graph(
        self, caller: str, processgraphid: str, from_failed: bool = True
    ) -> tuple[ProcessGraph, list[Process]]:
        """A failed or cancelled workflow runs again from its failures: its
        failed and never-run processes run again as new attempts, those that
        succeeded keep their outputs (core.progress.plan_rerun)."""
        if not from_failed:
            raise InvalidArgument(
                "a workflow is rerun from its failures only (from_failed); "
                "to run every node again, submit the workflow again"
            )
        graph = await lookup.graph(self.store, processgraphid)
        await self.guard.initiator_or_owner(caller, graph.colonyname, graph.initiatorid)
        if graph.state not in (ProcessState.FAILED, ProcessState.CANCELLED):
            raise FailedPrecondition(
                f"workflow {processgraphid} is {graph.state.name.lower()}; only a failed or "
                "cancelled workflow can be rerun"
            )
        result = await self.store.rerun_graph(processgraphid, self.clock.now_ns())
        if result is None:
            processes = await self.store.graph_processes(processgraphid)
            if any(p.state == ProcessState.RUNNING for p in processes):
                raise FailedPrecondition(
                    f"workflow {processgraphid} still has running processes; wait for them "
                    "to end (or cancel the workflow) before rerunning it"
                )
            raise FailedPrecondition(f"workflow {processgraphid} changed meanwhile; try again")
        return await self.after_commit.finish(self._rerun(*result))

    async def _rerun(
        self, graph: ProcessGraph, rerun: list[Process]
    ) -> tuple[ProcessGraph, list[Process]]:
        self.emitter.submitted(rerun)
        rerun = await self.strategies.arrived(rerun)
        if _cancelled(rerun):
            return await self.store.get_graph(graph.processgraphid) or graph, rerun
        return graph, rerun

    async def add_child(
        self,
        caller: str,
        processgraphid: str,
        parentprocessid: str,
        childprocessid: str,
        spec: FuncSpec,
        insert: bool,
        attempt: int = 0,
    ) -> Process:
        """Adds a process below the caller's running process (a dynamic DAG).

        insert=False: the new process becomes one more child of the parent, and,
        if `childprocessid` is given, an extra parent of that waiting process.
        insert=True: the new process goes between the parent and its children.
        """
        brief = await self.guard.assigned(caller, parentprocessid, attempt, "add children to it")
        parent = await lookup.process(self.store, parentprocessid)
        if not brief.processgraphid:
            raise FailedPrecondition(f"process {parentprocessid} is not part of a workflow")
        if processgraphid and processgraphid != parent.processgraphid:
            raise InvalidArgument(
                f"process {parentprocessid} belongs to workflow {parent.processgraphid}, "
                f"not {processgraphid}"
            )
        if insert and childprocessid:
            raise InvalidArgument("give childprocessid or insert, not both")
        colony = parent.colonyname
        if spec.conditions.colonyname and spec.conditions.colonyname != colony:
            raise InvalidArgument(f"the child must run in colony {colony!r}")
        spec = dataclasses.replace(
            spec,
            conditions=dataclasses.replace(spec.conditions, colonyname=colony, dependencies=[]),
        )
        validate_funcspec(spec)
        await check_defined(self.store, colony, [spec])
        if childprocessid:
            await self._check_not_ancestor(childprocessid, parent)
        now = self.clock.now_ns()
        child = Process(
            processid=new_id(),
            spec=dataclasses.replace(
                spec,
                conditions=dataclasses.replace(
                    spec.conditions, dependencies=[parent.spec.nodename]
                ),
            ),
            initiatorid=parent.initiatorid,
            initiatorname=parent.initiatorname,
            prioritytime=priority_time(now, spec.priority),
            submissiontime=now,
        )
        added = await self.store.add_child(parent, brief.attempt, child, childprocessid, insert)
        if added is None:
            raise StaleAttempt(f"process {parentprocessid} changed meanwhile")
        self.emitter.process_event(EventKind.SUBMITTED, added)
        return added

    async def _check_not_ancestor(self, candidate: str, parent: Process) -> None:
        """Refuses a child that is the parent itself or one of its ancestors."""
        frontier: list[str] = [parent.processid]
        seen: set[str] = set()
        while frontier:
            pid = frontier.pop()
            if pid == candidate:
                raise InvalidArgument(
                    f"process {candidate} is an ancestor of {parent.processid}: "
                    "adding it as a child would make a cycle"
                )
            if pid in seen:
                continue
            seen.add(pid)
            p = await self.store.get_process(pid)
            if p is not None:
                frontier.extend(p.parents)


def _cancelled(processes: Sequence[Process]) -> bool:
    """Whether a strategy cancelled one of these (and so their workflow)."""
    return any(p.state == ProcessState.CANCELLED for p in processes)
