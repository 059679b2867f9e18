"""Event streams: the events of a colony as they happen, filtered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import NotFound, ResourceExhausted, Unavailable
from pycolonies_like.core.models import Event, EventKind, Executor, ProcessState
from server.service.emitter import EventEmitter, EventStream
from server.service.guard import AccessGuard
from server.store.base import Store


class SubscriptionService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock
    ) -> None:
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock

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
        await self.guard.reader(caller, colonyname)
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

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout > 0 else None
        with self.emitter.stream(colonyname, accepts) as stream:
            yield Event(kind=EventKind.SUBSCRIBED, colonyname=colonyname,
                        timestamp=self.clock.now_ns())  # fmt: skip
            if include_current:
                current = await self._current_event(colonyname, processid, processgraphid)
                if current is not None and accepts(current):
                    yield current
            while True:
                remaining = None if deadline is None else deadline - loop.time()
                if remaining is not None and remaining <= 0:
                    return
                try:
                    event = await asyncio.wait_for(stream.queue.get(), remaining)
                except asyncio.TimeoutError:
                    return
                if event is None:
                    if stream.server_closing:
                        raise Unavailable("the server is stopping; subscribe again later")
                    raise ResourceExhausted(
                        "the event stream fell too far behind and was ended; subscribe again"
                    )
                yield event

    def watch(self, executor: Executor, accepts: Callable[[Event], bool]) -> EventStream:
        """The events of the processes the stream tracks (in the executor's
        colony) that `accepts` takes, unfiltered by role: for an executor the
        guard has already let in (its session)."""
        return self.emitter.stream(executor.colonyname, accepts, tracking=True)

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
