"""Workflows (process graphs), dynamic children, cancellation, event streams."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence

from pycolonies_like.core.dag import build_graph, validate_workflow
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    StaleAttempt,
    Unavailable,
)
from pycolonies_like.core.models import (
    Event,
    EventKind,
    FuncSpec,
    Process,
    ProcessGraph,
    ProcessState,
    Workflow,
)
from pycolonies_like.core.rules import check_count, priority_time, validate_funcspec
from server.service.base import new_id
from server.service.processes import ProcessService

_GRAPH_EVENTS = {
    ProcessState.SUCCESSFUL: EventKind.GRAPH_SUCCEEDED,
    ProcessState.FAILED: EventKind.GRAPH_FAILED,
    ProcessState.CANCELLED: EventKind.GRAPH_CANCELLED,
}


class WorkflowService(ProcessService):
    async def submit_workflow(self, caller: str, workflow: Workflow) -> ProcessGraph:
        validate_workflow(workflow)
        actor = await self._member(caller, workflow.colonyname)
        graph, processes = build_graph(
            workflow,
            new_id=new_id,
            initiatorid=actor.id,
            initiatorname=actor.name,
            now_ns=self.clock.now_ns(),
        )
        await self.store.add_graph(graph, processes)
        self._emit_graph(EventKind.GRAPH_SUBMITTED, graph)
        self._submitted(processes)
        return graph

    def _emit_graph(self, kind: EventKind, graph: ProcessGraph) -> None:
        self.hub.emit(
            Event(
                kind=kind,
                colonyname=graph.colonyname,
                processgraphid=graph.processgraphid,
                state=graph.state,
                timestamp=self.clock.now_ns(),
                processgraph=graph,
            )
        )
        self.hub.signal(f"graph:{graph.processgraphid}")

    def _graph_event(self, graph: ProcessGraph) -> None:
        kind = _GRAPH_EVENTS.get(graph.state)
        if kind is not None:
            self._emit_graph(kind, graph)

    async def _graph(self, processgraphid: str) -> ProcessGraph:
        graph = await self.store.get_graph(processgraphid)
        if graph is None:
            raise NotFound(f"workflow {processgraphid!r} does not exist")
        return graph

    async def get_graph(self, caller: str, processgraphid: str) -> ProcessGraph:
        graph = await self._graph(processgraphid)
        await self._reader(caller, graph.colonyname)
        return graph

    async def graph_processes(self, caller: str, processgraphid: str) -> list[Process]:
        graph = await self._graph(processgraphid)
        await self._reader(caller, graph.colonyname)
        return await self.store.graph_processes(processgraphid)

    async def list_graphs(
        self, caller: str, colonyname: str, state: ProcessState | None, count: int
    ) -> list[ProcessGraph]:
        count = check_count(count)
        await self._reader(caller, colonyname)
        return await self.store.list_graphs(colonyname, state, count)

    async def remove_graph(self, caller: str, processgraphid: str) -> None:
        graph = await self._graph(processgraphid)
        await self._initiator_or_owner(caller, graph.colonyname, graph.initiatorid)
        if not await self.store.remove_graph(processgraphid):
            raise FailedPrecondition(
                f"workflow {processgraphid} has running processes; cancel it first"
            )

    async def remove_all_graphs(
        self, caller: str, colonyname: str, state: ProcessState | None
    ) -> int:
        await self._owner(caller, colonyname)
        if state == ProcessState.RUNNING:
            raise FailedPrecondition("running workflows cannot be removed; cancel them first")
        return await self.store.remove_all_graphs(colonyname, state)

    async def cancel_graph(self, caller: str, processgraphid: str) -> ProcessGraph:
        graph = await self._graph(processgraphid)
        await self._initiator_or_owner(caller, graph.colonyname, graph.initiatorid)
        if graph.state.is_final:
            raise FailedPrecondition(
                f"workflow {processgraphid} has ended ({graph.state.name.lower()})"
            )
        result = await self.store.cancel_graph(processgraphid, self.clock.now_ns())
        if result is None:
            raise NotFound(f"workflow {processgraphid!r} does not exist")
        cancelled, changed = result
        for p in cancelled:
            self._process_event(EventKind.CANCELLED, p)
            self.hub.signal(f"log:{p.processid}")
        if changed is not None:
            self._graph_event(changed)
            return changed
        return await self._graph(processgraphid)

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
        brief = await self._assigned(caller, parentprocessid, attempt, "add children to it")
        parent = await self._process(parentprocessid)
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
        self._process_event(EventKind.SUBMITTED, added)
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

    # ----------------------------------------------------------- events --

    async def subscribe_events(
        self,
        caller: str,
        colonyname: str,
        *,
        processid: str = "",
        processgraphid: str = "",
        executortype: str = "",
        states: Sequence[ProcessState] = (),
        kinds: Sequence[EventKind] = (),
        include_current: bool = False,
        timeout: float = 0.0,
    ) -> AsyncIterator[Event]:
        """Events of a colony as they happen, filtered; ends after `timeout`."""
        await self._reader(caller, colonyname)
        wanted = frozenset(states)
        wanted_kinds = frozenset(kinds) | {EventKind.CURRENT} if kinds else frozenset()

        def accepts(e: Event) -> bool:
            return (
                (not processid or e.processid == processid)
                and (not processgraphid or e.processgraphid == processgraphid)
                and (not executortype or e.executortype == executortype)
                and (not wanted or e.state in wanted)
                and (not wanted_kinds or e.kind in wanted_kinds)
            )

        bus = self.hub.bus
        sid = bus.subscribe(colonyname, accepts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout > 0 else None
        try:
            yield Event(kind=EventKind.SUBSCRIBED, colonyname=colonyname,
                        timestamp=self.clock.now_ns())  # fmt: skip
            if include_current:
                current = await self._current_event(colonyname, processid, processgraphid)
                if current is not None and accepts(current):
                    yield current
            queue = bus.queue(sid)
            while True:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    event = await asyncio.wait_for(queue.get(), remaining)
                except asyncio.TimeoutError:
                    return
                if event is None:
                    if bus.closed:
                        raise Unavailable("the server is stopping; subscribe again later")
                    raise ResourceExhausted(
                        "the event stream fell too far behind and was ended; subscribe again"
                    )
                yield event
        finally:
            bus.unsubscribe(sid)

    async def _current_event(
        self, colonyname: str, processid: str, processgraphid: str
    ) -> Event | None:
        now = self.clock.now_ns()
        if processid:
            p = await self.store.get_process(processid)
            if p is None or p.colonyname != colonyname:
                raise NotFound(f"process {processid!r} does not exist in colony {colonyname!r}")
            return Event(
                kind=EventKind.CURRENT,
                colonyname=colonyname,
                processid=p.processid,
                processgraphid=p.processgraphid,
                executortype=p.spec.conditions.executortype,
                state=p.state,
                timestamp=now,
                process=p,
            )
        if processgraphid:
            g = await self.store.get_graph(processgraphid)
            if g is None or g.colonyname != colonyname:
                raise NotFound(
                    f"workflow {processgraphid!r} does not exist in colony {colonyname!r}"
                )
            return Event(
                kind=EventKind.CURRENT,
                colonyname=colonyname,
                processgraphid=g.processgraphid,
                state=g.state,
                timestamp=now,
                processgraph=g,
            )
        return None
