"""In-process wake-ups: parked assign calls, log followers, event subscribers.

The hub never decides who gets a process -- the store does, atomically. A
wake-up only tells a parked caller that trying again may now succeed. Each
assignable process wakes exactly one matching waiter of its colony and
executor type (no thundering herd, and no cross-colony wake-ups), and a woken
waiter that leaves without trying passes its wake-up on.

With several servers on one database, `Hub.relay` forwards every wake-up to
the other servers (PostgreSQL LISTEN/NOTIFY), which apply it locally.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pycolonies_like.core.models import Event, EventKind, Executor, Process, ProcessState
from pycolonies_like.core.requirements import Requirement, fits, requirement_of

log = logging.getLogger(__name__)

_ids = itertools.count()
WAKE_ALL = 1 << 30  # a wake-up count meaning "every waiter"


class Waiter:
    __slots__ = ("_fits", "_future", "executor", "key", "names", "serial", "shape", "woken")

    def __init__(self, executor: Executor) -> None:
        self.key = (executor.colonyname, executor.executortype)
        self.executor = executor
        self.serial = next(_ids)
        self.woken = False
        self.names: tuple[str, ...] = ()
        self.shape = ""
        self._fits: dict[str, bool] = {"": True}
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @property
    def executorname(self) -> str:
        return self.executor.executorname

    def fits(self, shape: str) -> bool:
        """Whether the executor can run processes of this shape of needs."""
        found = self._fits.get(shape)
        if found is None:
            found = self._fits[shape] = fits(Requirement.from_key(shape), self.executor)
        return found

    def wake(self, names: tuple[str, ...], shape: str = "") -> None:
        if not self.woken:
            self.woken = True
            self.names, self.shape = names, shape
            self._future.set_result(None)

    async def wait(self, timeout: float) -> bool:
        """True when woken before the timeout."""
        if self.woken:
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._future), timeout)
        except asyncio.TimeoutError:
            return self.woken
        return True


class Dispatcher:
    def __init__(self) -> None:
        self._parked: dict[tuple[str, str], dict[int, Waiter]] = {}

    def park(self, executor: Executor) -> Waiter:
        waiter = Waiter(executor)
        self._parked.setdefault(waiter.key, {})[waiter.serial] = waiter
        return waiter

    def unpark(self, waiter: Waiter, *, consumed: bool) -> None:
        """Removes a waiter; one that was woken but will not try to claim
        (`consumed` False) hands its wake-up to the next waiter."""
        parked = self._parked.get(waiter.key)
        if parked is not None:
            parked.pop(waiter.serial, None)
            if not parked:
                del self._parked[waiter.key]
        if waiter.woken and not consumed:
            self.wake(waiter.key[0], waiter.key[1], waiter.names, shape=waiter.shape)

    def wake(
        self, colonyname: str, executortype: str, executornames: Sequence[str], count: int = 1,
        shape: str = "",
    ) -> int:  # fmt: skip
        """Wakes the `count` longest-parked waiters that may take such processes
        (named by them, if names are given; fitting their needs, `shape`)."""
        parked = self._parked.get((colonyname, executortype))
        if not parked:
            return 0
        names = tuple(executornames)
        woken = 0
        for waiter in parked.values():
            if woken >= count:
                break
            if (not waiter.woken and (not names or waiter.executorname in names)
                    and waiter.fits(shape)):  # fmt: skip
                waiter.wake(names, shape)
                woken += 1
        return woken

    def wake_all(self) -> None:
        for parked in list(self._parked.values()):
            for waiter in list(parked.values()):
                waiter.wake(())

    def count(self) -> int:
        return sum(len(p) for p in self._parked.values())


class Signals:
    """Level-triggered wake-ups by key, e.g. "log:<processid>"."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = {}

    def listen(self, key: str, event: asyncio.Event | None = None) -> asyncio.Event:
        """An event set when `key` fires (the one given, or a new one)."""
        event = event or asyncio.Event()
        self._events.setdefault(key, set()).add(event)
        return event

    def forget(self, key: str, event: asyncio.Event) -> None:
        events = self._events.get(key)
        if events is not None:
            events.discard(event)
            if not events:
                del self._events[key]

    def fire(self, key: str) -> None:
        for event in self._events.get(key, ()):
            event.set()

    def fire_all(self) -> None:
        for events in self._events.values():
            for event in events:
                event.set()


@dataclass
class Subscription:
    colonyname: str
    accepts: Callable[[Event], bool]
    queue: asyncio.Queue[Event | None]
    overflowed: bool = False
    # The processes whose events it is offered (EventBus.track); None: every
    # event of its colony.
    tracked: set[str] | None = None


class EventBus:
    """Fans process and graph events out to subscribers of their colony, or
    of the processes they track (an executor session: the processes it runs,
    whatever the number of sessions in the colony). The events of the last
    `recent` processes are kept a while (without the process or workflow they
    may carry): a process starts being tracked once its claim has returned,
    and whatever happened to it meanwhile (on a shared database, another
    server may cancel it in between) is offered to its tracker then."""

    def __init__(self, queue_size: int = 10_000, recent: int = 4096) -> None:
        self._subs: dict[str, set[int]] = {}
        self._by_process: dict[str, set[int]] = {}
        self._by_id: dict[int, Subscription] = {}
        self._queue_size = queue_size
        # by process id, oldest first; kept only while some tracker in the colony
        self._recent: OrderedDict[str, list[Event]] = OrderedDict()
        self._trackers: dict[str, int] = {}  # tracking subscriptions by colony
        self._recent_size = recent
        self.closed = False

    def close(self) -> None:
        """Ends every subscription (the server is stopping)."""
        self.closed = True
        for sub in self._by_id.values():
            sub.queue.put_nowait(None)

    def subscribe(
        self, colonyname: str, accepts: Callable[[Event], bool], *, tracking: bool = False
    ) -> int:
        """A subscription to the events of `colonyname` that `accepts` takes;
        `tracking`: only of the processes it tracks (track/untrack)."""
        sub = Subscription(colonyname, accepts, asyncio.Queue(self._queue_size))
        sid = next(_ids)
        self._by_id[sid] = sub
        if tracking:
            sub.tracked = set()
            self._trackers[colonyname] = self._trackers.get(colonyname, 0) + 1
        else:
            self._subs.setdefault(colonyname, set()).add(sid)
        return sid

    def track(self, sid: int, processid: str) -> None:
        """Offers the subscription the events of `processid`: from now on,
        and those of the recent past (which it may have missed)."""
        sub = self._by_id.get(sid)
        if sub is not None and sub.tracked is not None and processid not in sub.tracked:
            sub.tracked.add(processid)
            self._by_process.setdefault(processid, set()).add(sid)
            for event in self._recent.get(processid, ()):
                if event.colonyname == sub.colonyname:
                    self._offer(sub, event)

    def untrack(self, sid: int, processid: str) -> None:
        sub = self._by_id.get(sid)
        if sub is not None and sub.tracked is not None:
            sub.tracked.discard(processid)
        ids = self._by_process.get(processid)
        if ids is not None:
            ids.discard(sid)
            if not ids:
                del self._by_process[processid]

    def queue(self, sid: int) -> asyncio.Queue[Event | None]:
        return self._by_id[sid].queue

    def overflowed(self, sid: int) -> bool:
        return self._by_id[sid].overflowed

    def unsubscribe(self, sid: int) -> None:
        sub = self._by_id.get(sid)
        if sub is None:
            return
        for processid in tuple(sub.tracked or ()):
            self.untrack(sid, processid)
        del self._by_id[sid]
        if sub.tracked is not None:
            left = self._trackers[sub.colonyname] - 1
            if left:
                self._trackers[sub.colonyname] = left
            else:
                del self._trackers[sub.colonyname]
        ids = self._subs.get(sub.colonyname)
        if ids is not None:
            ids.discard(sid)
            if not ids:
                del self._subs[sub.colonyname]

    def _offered(self, event: Event) -> list[Subscription]:
        """The subscriptions offered this event: its colony's, and those
        tracking its process."""
        subs = [self._by_id[sid] for sid in self._subs.get(event.colonyname, ())]
        if event.processid:
            for sid in self._by_process.get(event.processid, ()):
                sub = self._by_id[sid]
                if sub.colonyname == event.colonyname:
                    subs.append(sub)
        return subs

    def publish(self, event: Event) -> None:
        # Kept for trackers to come: not a submission (a process is tracked
        # once claimed, after it), and only in a colony with trackers.
        if (
            event.processid
            and event.colonyname in self._trackers
            and event.kind != EventKind.SUBMITTED
        ):
            recent = self._recent
            kept = recent.get(event.processid)
            if kept is None:
                kept = recent[event.processid] = []
                if len(recent) > self._recent_size:
                    recent.popitem(last=False)
            else:
                recent.move_to_end(event.processid)
                if len(kept) >= 8:
                    del kept[0]
            if event.process is not None or event.processgraph is not None:
                # A shallow copy without the objects (not dataclasses.replace: its
                # constructor costs several microseconds).
                copy = object.__new__(Event)
                copy.__dict__.update(event.__dict__, process=None, processgraph=None)
                event_kept = copy
            else:
                event_kept = event
            kept.append(event_kept)
        for sub in self._offered(event):
            self._offer(sub, event)

    @staticmethod
    def _offer(sub: Subscription, event: Event) -> None:
        if sub.overflowed or not sub.accepts(event):
            return
        try:
            sub.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A subscriber that cannot keep up is ended rather than let it
            # grow without bound; it learns why from the stream.
            sub.overflowed = True
            sub.queue._queue.clear()  # type: ignore[attr-defined]
            sub.queue.put_nowait(None)

    def count(self) -> int:
        return len(self._by_id)

    def wants(self, event: Event) -> bool:
        """Whether some subscriber would take this event."""
        return any(sub.accepts(event) for sub in self._offered(event))

    def wants_object(self, event: Event) -> bool:
        """Whether a subscriber of its whole colony would take this event:
        only they read the process or workflow it carries (trackers, the
        executor sessions, need what happened, to which attempt)."""
        return any(self._by_id[sid].accepts(event) for sid in self._subs.get(event.colonyname, ()))


class Relay(Protocol):
    """Carries wake-ups to the other servers sharing the database. The methods
    only queue; the relay sends in the background, in order."""

    def process_ready(
        self, colonyname: str, executortype: str, names: Sequence[str], count: int, shape: str
    ) -> None: ...

    def signal(self, key: str) -> None: ...

    def event(self, event: Event) -> None: ...

    async def stop(self) -> None: ...


class Hub:
    def __init__(self) -> None:
        self.dispatcher = Dispatcher()
        self.signals = Signals()
        self.bus = EventBus()
        self.relay: Relay | None = None  # set when servers share a database
        self.closing = False

    def close(self) -> None:
        """The server is stopping: wake everyone who waits, end subscriptions."""
        self.closing = True
        self.wake_everyone()
        self.bus.close()

    def wake_everyone(self) -> None:
        """Wakes every parked assign and every signal listener, here only: for when
        wake-ups may have been missed (a relay that lost its connection)."""
        self.dispatcher.wake_all()
        self.signals.fire_all()

    # Local effects, also applied when a relay delivers a remote wake-up.
    def local_ready(
        self, colonyname: str, executortype: str, names: Sequence[str], count: int = 1,
        shape: str = "",
    ) -> None:  # fmt: skip
        self.dispatcher.wake(colonyname, executortype, names, count, shape)

    def local_signal(self, key: str) -> None:
        self.signals.fire(key)

    def local_event(self, event: Event) -> None:
        self.bus.publish(event)
        if event.processid:
            self.signals.fire(f"process:{event.processid}")

    # What the service calls after a committed change.
    def ready(self, processes: Sequence[Process]) -> None:
        counts: dict[tuple[str, str, tuple[str, ...], str], int] = {}
        for p in processes:
            if p.state != ProcessState.WAITING or p.waitforparents:
                continue
            c = p.spec.conditions
            key = (c.colonyname, c.executortype, tuple(c.executornames), requirement_of(c).key)
            counts[key] = counts.get(key, 0) + 1
        for (colonyname, executortype, names, shape), count in counts.items():
            self.local_ready(colonyname, executortype, names, count, shape)
            if self.relay is not None:
                self.relay.process_ready(colonyname, executortype, names, count, shape)

    def wake_types(self, colonyname: str, executortypes: Iterable[str]) -> None:
        """Wakes every parked executor of these types, here and on the other
        servers (assignment was resumed: each of them may now find work)."""
        for executortype in sorted(set(executortypes)):
            self.local_ready(colonyname, executortype, (), WAKE_ALL)
            if self.relay is not None:
                self.relay.process_ready(colonyname, executortype, (), WAKE_ALL, "")

    def signal(self, key: str) -> None:
        self.local_signal(key)
        if self.relay is not None:
            self.relay.signal(key)

    def emit(self, event: Event) -> None:
        self.local_event(event)
        if self.relay is not None:
            self.relay.event(event)
