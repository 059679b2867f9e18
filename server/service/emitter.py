"""What the services tell the rest of the server after a committed change.

The emitter is the service layer's only way to the hub: it turns a change
(processes submitted, a process finished, a workflow ended, a log written)
into the wake-ups and events the hub fans out, stamped with the clock; and it
hands out the few ways to wait on the hub (a parked assign, a log follower,
an event stream), so no service reaches into the hub itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from pycolonies_like import tracing
from pycolonies_like.core.clock import Clock
from pycolonies_like.core.models import (
    Event,
    EventKind,
    Executor,
    Process,
    ProcessGraph,
    ProcessState,
    assemble,
)
from server.counters import ServerCounters
from server.hub import EventBus, Hub, Waiter
from server.store.base import FinishResult

_ENDED = {
    ProcessState.SUCCESSFUL: EventKind.SUCCEEDED,
    ProcessState.FAILED: EventKind.FAILED,
    ProcessState.CANCELLED: EventKind.CANCELLED,
}
_GRAPH_ENDED = {
    ProcessState.SUCCESSFUL: EventKind.GRAPH_SUCCEEDED,
    ProcessState.FAILED: EventKind.GRAPH_FAILED,
    ProcessState.CANCELLED: EventKind.GRAPH_CANCELLED,
}


def _log_key(processid: str) -> str:
    return f"log:{processid}"


def _channel_key(processid: str, name: str) -> str:
    return f"channel:{processid}:{name}"


class EventStream:
    """A subscription to the events of one colony that a filter accepts
    (`tracking`: of the processes it tracks only). `queue` yields events, or
    None once the stream was ended (the server is stopping, or the
    subscriber fell too far behind); close it when done."""

    def __init__(
        self, bus: EventBus, colonyname: str, accepts: Callable[[Event], bool],
        tracking: bool = False,
    ) -> None:  # fmt: skip
        self._bus = bus
        self._sid = bus.subscribe(colonyname, accepts, tracking=tracking)
        self.queue = bus.queue(self._sid)

    def track(self, processid: str) -> None:
        self._bus.track(self._sid, processid)

    def untrack(self, processid: str) -> None:
        self._bus.untrack(self._sid, processid)

    @property
    def server_closing(self) -> bool:
        return self._bus.closed

    def close(self) -> None:
        self._bus.unsubscribe(self._sid)

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventEmitter:
    def __init__(self, hub: Hub, clock: Clock, counters: ServerCounters | None = None) -> None:
        self._hub = hub
        self._clock = clock
        self.counters = counters or ServerCounters()

    # ----------------------------------------------------------- emit --

    def process_event(self, kind: EventKind, p: Process, message: str = "") -> None:
        self.counters.process_event(kind.name, p.colonyname, p.spec.conditions.executortype)
        if tracing.TRACEPARENT in p.spec.env and tracing.enabled():
            self._trace(kind, p, message)
        # Every field given: built without the frozen constructor (several
        # of these per process).
        event: Event = assemble(
            Event,
            {
                "kind": kind,
                "colonyname": p.colonyname,
                "processid": p.processid,
                "processgraphid": p.processgraphid,
                "executortype": p.spec.conditions.executortype,
                "state": p.state,
                "timestamp": self._clock.now_ns(),
                "process": p,
                "processgraph": None,
                "message": message,
                "attempt": p.attempt,
            },
        )
        self._hub.emit(event)

    def _trace(self, kind: EventKind, p: Process, message: str) -> None:
        """The server's spans in the trace the process carries: its time in the
        queue (on assignment), its run (when it ends), a requeue."""
        attributes = {
            "colonies.process_id": p.processid, "colonies.colony": p.colonyname,
            "colonies.executor_type": p.spec.conditions.executortype,
            "colonies.function": p.spec.funcname, "colonies.attempt": p.attempt,
        }  # fmt: skip
        if p.processgraphid:
            attributes["colonies.workflow_id"] = p.processgraphid
        now = self._clock.now_ns()
        env = p.spec.env
        if kind == EventKind.ASSIGNED:
            tracing.record("colonies queued", env, p.submissiontime, p.starttime, attributes)
        elif kind in _ENDED.values():
            attributes["colonies.state"] = p.state.name.lower()
            error = "; ".join(p.errors) or "failed" if kind == EventKind.FAILED else ""
            if p.starttime:
                tracing.record("colonies run", env, p.starttime, p.endtime or now, attributes,
                               error)  # fmt: skip
            else:
                tracing.record("colonies ended", env, now, now, attributes, error)
        elif kind == EventKind.RETRIED:
            attributes["colonies.reason"] = message
            tracing.record("colonies requeued", env, now, now, attributes)

    def submitted(self, processes: Sequence[Process]) -> None:
        """New processes are in the queue: wake executors, tell subscribers."""
        self._hub.ready([p for p in processes if not p.notbefore])
        for p in processes:
            self.process_event(EventKind.SUBMITTED, p)

    def resumed(self, colonyname: str, executortypes: Iterable[str]) -> None:
        """Assignment resumed: the parked executors of these types try again."""
        self._hub.wake_types(colonyname, executortypes)

    def released(self, processes: Sequence[Process]) -> None:
        """Waiting processes became assignable (no event: their state is unchanged)."""
        self._hub.ready(processes)

    def assigned(self, p: Process) -> None:
        self.counters.assigned(
            p.colonyname, p.spec.conditions.executortype,
            max(p.starttime - p.submissiontime, 0) / 1e9,
        )  # fmt: skip
        self.process_event(EventKind.ASSIGNED, p)

    def requeued(self, processes: Sequence[Process], why: str, *, ready: bool = True) -> None:
        """Running processes went back to the queue (released, expired, executor
        gone, retried); `ready`: claimable now, not after a backoff."""
        if processes:
            if ready:
                self._hub.ready(processes)
            for p in processes:
                self.process_event(EventKind.RETRIED, p, why)

    def woken(self, processes: Sequence[Process]) -> None:
        """Waiting processes whose time has come are claimable: wake executors."""
        if processes:
            self._hub.ready(processes)

    def finished(self, result: FinishResult) -> None:
        """A process ended: its event and those of the descendants it ended,
        the children it released, and its workflow's end if it was the last."""
        p = result.process
        self.process_event(_ENDED[p.state], p)
        self.moved_on(result)
        self.log_written(p.processid)

    def moved_on(self, result: FinishResult) -> None:
        """What a process's end changed in its workflow (not the end itself)."""
        kind = _ENDED[result.process.state]
        for ended in result.ended:
            self.process_event(kind, ended)
        self._hub.ready(result.released)
        if result.graph is not None:
            self.graph_changed(result.graph)
        for ended in result.ended:
            self.log_written(ended.processid)

    def cancelled(self, processes: Sequence[Process]) -> None:
        for p in processes:
            self.process_event(EventKind.CANCELLED, p)
            self.log_written(p.processid)

    def graph_event(self, kind: EventKind, graph: ProcessGraph) -> None:
        self._hub.emit(
            Event(
                kind=kind,
                colonyname=graph.colonyname,
                processgraphid=graph.processgraphid,
                state=graph.state,
                timestamp=self._clock.now_ns(),
                processgraph=graph,
            )
        )
        self._hub.signal(f"graph:{graph.processgraphid}")

    def graph_submitted(self, graph: ProcessGraph, processes: Sequence[Process]) -> None:
        self.graph_event(EventKind.GRAPH_SUBMITTED, graph)
        self.submitted(processes)

    def graph_changed(self, graph: ProcessGraph) -> None:
        """Announces a workflow that has just ended (nothing for other states)."""
        kind = _GRAPH_ENDED.get(graph.state)
        if kind is not None:
            self.graph_event(kind, graph)

    def log_written(self, processid: str) -> None:
        """Wakes the followers of the process' log (also when it ends)."""
        self._hub.signal(_log_key(processid))

    def channel_written(self, processid: str, name: str) -> None:
        """Wakes the subscribers of a channel."""
        self._hub.signal(_channel_key(processid, name))

    # ----------------------------------------------------------- wait --

    @property
    def closing(self) -> bool:
        """The server is stopping: waits end early."""
        return self._hub.closing

    def park(self, executor: Executor) -> Waiter:
        """Waits for a process the executor may take (see Dispatcher)."""
        return self._hub.dispatcher.park(executor)

    def unpark(self, waiter: Waiter, *, consumed: bool) -> None:
        self._hub.dispatcher.unpark(waiter, consumed=consumed)

    @contextmanager
    def log_signal(self, processid: str) -> Iterator[asyncio.Event]:
        """An event set whenever the process' log grows or the process ends."""
        key = _log_key(processid)
        event = self._hub.signals.listen(key)
        try:
            yield event
        finally:
            self._hub.signals.forget(key, event)

    @contextmanager
    def channel_signal(self, processid: str, name: str) -> Iterator[asyncio.Event]:
        """An event set whenever the channel grows or the process ends (its log's
        signal, which every end of a process sends)."""
        keys = (_channel_key(processid, name), _log_key(processid))
        event = asyncio.Event()
        for key in keys:
            self._hub.signals.listen(key, event)
        try:
            yield event
        finally:
            for key in keys:
                self._hub.signals.forget(key, event)

    def stream(
        self, colonyname: str, accepts: Callable[[Event], bool], tracking: bool = False
    ) -> EventStream:
        return EventStream(self._hub.bus, colonyname, accepts, tracking)

    def close(self) -> None:
        """The server is stopping: wake everyone who waits, end every stream."""
        self._hub.close()
