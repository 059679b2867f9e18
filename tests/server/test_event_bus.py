"""The event bus: subscribers of a colony get its events; a tracking
subscriber (an executor session) is offered the events of the processes it
tracks only, those of the recent past included, whatever the number of
trackers in the colony."""

from __future__ import annotations

import asyncio
import dataclasses

from pycolonies_like.core.models import Event, EventKind, Process
from server.hub import EventBus
from tests.store.fill import filled


def event(pid: str, kind: EventKind = EventKind.SUCCEEDED, colony: str = "dev") -> Event:
    return Event(kind=kind, colonyname=colony, processid=pid)


def drained(queue: asyncio.Queue[Event | None]) -> list[str]:
    found = []
    while not queue.empty():
        item = queue.get_nowait()
        found.append(item.processid if item is not None else "")
    return found


async def test_a_tracker_gets_the_events_of_its_processes_only() -> None:
    bus = EventBus()
    everything = bus.subscribe("dev", lambda e: True)
    tracker = bus.subscribe("dev", lambda e: True, tracking=True)
    bus.track(tracker, "p1")
    for pid in ("p1", "p2"):
        bus.publish(event(pid))
    bus.publish(event("p1", colony="elsewhere"))  # another colony's: not offered
    assert drained(bus.queue(everything)) == ["p1", "p2"]
    assert drained(bus.queue(tracker)) == ["p1"]
    bus.untrack(tracker, "p1")
    bus.publish(event("p1"))
    assert drained(bus.queue(tracker)) == []
    assert bus.wants(event("p2")) and not bus.wants(event("p2", colony="elsewhere"))


async def test_what_happened_before_the_tracking_began_is_offered_then() -> None:
    bus = EventBus(recent=2)
    tracker = bus.subscribe("dev", lambda e: e.kind == EventKind.CANCELLED, tracking=True)
    bus.publish(event("p1", EventKind.ASSIGNED))
    bus.publish(dataclasses.replace(event("p1", EventKind.CANCELLED), process=filled(Process)))
    bus.track(tracker, "p1")
    (replayed,) = [bus.queue(tracker).get_nowait()]  # the cancellation, not the assignment
    assert replayed is not None and replayed.kind == EventKind.CANCELLED
    assert replayed.process is None  # kept without the process it carried
    bus.track(tracker, "p1")  # tracked already: nothing twice
    assert drained(bus.queue(tracker)) == []
    for pid in ("p2", "p3", "p4"):  # past `recent` processes, the oldest are forgotten
        bus.publish(event(pid, EventKind.CANCELLED))
    bus.track(tracker, "p2")
    bus.track(tracker, "p4")
    assert drained(bus.queue(tracker)) == ["p4"]


async def test_an_event_costs_the_same_whatever_the_number_of_trackers() -> None:
    bus = EventBus()
    asked: list[int] = []
    trackers = []
    for n in range(100):
        sid = bus.subscribe("dev", lambda e, n=n: asked.append(n) is None, tracking=True)
        bus.track(sid, f"p{n}")
        trackers.append(sid)
    bus.publish(event("p7"))
    assert asked == [7]
    assert drained(bus.queue(trackers[7])) == ["p7"]


async def test_unsubscribing_a_tracker_forgets_its_processes() -> None:
    bus = EventBus()
    tracker = bus.subscribe("dev", lambda e: True, tracking=True)
    for pid in ("p1", "p2"):
        bus.track(tracker, pid)
    bus.unsubscribe(tracker)
    assert bus._by_process == {} and bus.count() == 0
    bus.publish(event("p1"))  # nobody: no error
    bus.track(tracker, "p3")  # gone: nothing
    assert bus._by_process == {}


async def test_only_what_a_tracker_could_miss_is_kept() -> None:
    bus = EventBus()
    bus.publish(event("p1", EventKind.CANCELLED))  # no tracker in the colony: not kept
    assert bus._recent == {}
    tracker = bus.subscribe("dev", lambda e: True, tracking=True)
    bus.publish(event("p2", EventKind.SUBMITTED))  # before any claim: not kept
    bus.publish(event("p3", EventKind.CANCELLED))
    assert list(bus._recent) == ["p3"]
    bus.unsubscribe(tracker)
    bus.publish(event("p4", EventKind.CANCELLED))
    assert list(bus._recent) == ["p3"]


async def test_a_session_hears_of_a_new_attempt_cancelled_before_its_old_one_ended() -> None:
    """The session still has attempt 1 in flight (its requeue not heard yet)
    when it claims attempt 2, which was cancelled meanwhile."""
    from types import SimpleNamespace

    from pycolonies_like.core.models import ProcessState
    from server.service.emitter import EventStream
    from server.transport.session import ExecutorSession

    bus = EventBus()
    session = ExecutorSession(SimpleNamespace(processes=None), None, "")  # type: ignore[arg-type]
    session._stream = EventStream(bus, "dev", session._is_over, tracking=True)

    def attempt(n: int) -> Process:
        p = filled(Process, processid="P", colonyname="dev", attempt=n, state=ProcessState.RUNNING)
        concurrency = dataclasses.replace(p.spec.concurrency, limit=0)
        return dataclasses.replace(p, spec=dataclasses.replace(p.spec, concurrency=concurrency))

    session._assigned(attempt(1))
    bus.publish(dataclasses.replace(event("P", EventKind.CANCELLED), attempt=2))
    queue = session._stream.queue
    assert queue.get_nowait().attempt == 2  # type: ignore[union-attr]  # dropped: not in flight
    session._assigned(attempt(2))
    replayed = queue.get_nowait()
    assert replayed is not None and replayed.attempt == 2 == session.inflight["P"]
