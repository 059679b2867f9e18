"""Following a workflow as it runs: the EventHandler pattern.

    class Progress(EventHandler):
        def process_finished(self, process):
            print(process.spec.nodename, "done:", process.output)

    graph = colonies.run_workflow(workflow, prvkey, Progress(), timeout=600)

The methods are called one at a time, in the order the server reports the
events, from the thread that called `run_workflow`. Override the ones you
need; the others do nothing.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, Protocol

from pycolonies_like import compat
from pycolonies_like.core.errors import WaitTimeout
from pycolonies_like.core.models import Event, EventKind, Process, ProcessGraph

GRAPH_ENDS = (EventKind.GRAPH_SUCCEEDED, EventKind.GRAPH_FAILED, EventKind.GRAPH_CANCELLED)

# What `Colonies.events` returns: close it to end the subscription early.
EventStream = Generator[Event, None, None]


class EventHandler:
    def workflow_starting(self, graph: ProcessGraph) -> None:
        """The workflow was accepted; none of its processes has started yet."""

    def process_starting(self, process: Process) -> None:
        """A process was assigned to an executor."""

    def process_retry(self, process: Process, reason: str) -> None:
        """A process went back to the queue (deadline passed, executor left)."""

    def process_failed(self, process: Process) -> None:
        """A process failed for good (or will never run: a parent failed)."""

    def process_cancelled(self, process: Process) -> None:
        """A process was cancelled."""

    def process_finished(self, process: Process) -> None:
        """A process ended successfully."""

    def workflow_finished(self, graph: ProcessGraph) -> None:
        """The workflow ended: successful, failed or cancelled (see graph.state)."""


def dispatch(handler: EventHandler, event: Event) -> bool:
    """Calls the handler method for one event; True when the workflow has ended."""
    kind = event.kind
    if kind == EventKind.GRAPH_SUBMITTED and event.processgraph is not None:
        handler.workflow_starting(event.processgraph)
    elif event.process is not None:
        p = event.process
        if kind == EventKind.ASSIGNED:
            handler.process_starting(p)
        elif kind == EventKind.RETRIED:
            handler.process_retry(p, event.message)
        elif kind == EventKind.FAILED:
            handler.process_failed(p)
        elif kind == EventKind.CANCELLED:
            handler.process_cancelled(p)
        elif kind == EventKind.SUCCEEDED:
            handler.process_finished(p)
    if kind in GRAPH_ENDS and event.processgraph is not None:
        handler.workflow_finished(event.processgraph)
        return True
    return False


class WorkflowClient(Protocol):
    """What `run_workflow` needs of a client (`Colonies` has it)."""

    def events(
        self, colonyname: str, prvkey: str, *, processid: str = "", processgraphid: str = "",
        executortype: str = "", states: Sequence[int] = (), include_current: bool = False,
        timeout: float = 0.0, kinds: Sequence[int] = (),
    ) -> EventStream: ...  # fmt: skip

    def submit_workflow(self, workflow: Any, prvkey: str) -> ProcessGraph: ...


def run_workflow(
    client: WorkflowClient,
    workflow: Any,
    prvkey: str,
    handler: EventHandler,
    timeout: float = 0.0,
) -> ProcessGraph:
    """Submits a workflow and feeds its events to `handler` until it ends."""
    wf = compat.workflow(workflow)
    # Subscribe before submitting, so that no event can be missed.
    events = client.events(wf.colonyname, prvkey, timeout=timeout)
    first = next(events)
    assert first.kind == EventKind.SUBSCRIBED
    graph = client.submit_workflow(wf, prvkey)
    try:
        for event in events:
            if event.processgraphid != graph.processgraphid:
                continue
            if dispatch(handler, event):
                assert event.processgraph is not None
                return event.processgraph
    finally:
        events.close()
    raise WaitTimeout(f"workflow {graph.processgraphid} did not end within {timeout} s")
