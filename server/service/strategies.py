"""The concurrency strategies that cancel, applied when a process enters the queue.

A process enters the queue when it is submitted, or, in a workflow, when its
workflow is submitted or started (its roots), when all its parents succeeded
(a child), or when a failed workflow is rerun. Queueing ("queue") needs
nothing here: the claim holds processes of a key at its limit back. The
other strategies decide here, right after the process was queued, on the
server that queued it (one server per process: the submit, or the end that
released it):

* cancel_newest: a process of a key at its limit is cancelled;
* cancel_in_progress: the oldest running processes of the key are cancelled
  until the new one fits.

As Hatchet applies a workflow's concurrency to its runs, a strategy that
cancels a process of a workflow cancels the whole workflow (its other
running and waiting processes too), and a workflow's own processes never
count against each other: a node is not cancelled, and does not cancel, for
a key its own workflow already runs (it waits for the slot, as "queue").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import StorageError
from pycolonies_like.core.flow import key_of, on_arrival
from pycolonies_like.core.models import Process, ProcessState
from server.service.emitter import EventEmitter
from server.store.base import FinishResult, Store

CANCELLING = ("cancel_newest", "cancel_in_progress")
log = logging.getLogger(__name__)


def released_children(result: FinishResult) -> list[Process]:
    """The children an end released into the queue (not the processes a freed
    concurrency slot put back: those were queued before, when they arrived)."""
    ended = result.process.processid
    return [p for p in result.released if ended in p.parents]


def _same_run(a: Process, b: Process) -> bool:
    return bool(a.processgraphid) and a.processgraphid == b.processgraphid


class Strategies:
    def __init__(self, store: Store, emitter: EventEmitter, clock: Clock) -> None:
        self.store = store
        self.emitter = emitter
        self.clock = clock

    async def arrived(self, processes: Sequence[Process]) -> list[Process]:
        """Applies the cancelling strategies to processes that just entered
        the queue; returns them as they are now."""
        return [await self._arrived(p) for p in processes]

    async def released(self, result: FinishResult) -> None:
        """Applies them to the children an end released. The end is committed
        and its reply due: a failure here is logged, and those children wait
        (as with "queue")."""
        children = released_children(result)
        if not children:
            return
        try:
            await self.arrived(children)
        except StorageError as err:
            log.warning("could not apply the concurrency strategies of %s's children: %s",
                        result.process.processid, err)  # fmt: skip

    async def _arrived(self, p: Process) -> Process:
        c = p.spec.concurrency
        key = key_of(p.spec)
        if not key or c.strategy not in CANCELLING or p.state != ProcessState.WAITING:
            return p
        if p.waitforparents:  # not in the queue yet: decided when its parents release it
            return p
        ids = await self.store.running_with_key(p.colonyname, key)
        if len(ids) < c.limit:  # room for it: nothing to decide (the common case)
            return p
        found = [await self.store.get_process(pid) for pid in ids]
        running = [r for r in found if r is not None and not _same_run(r, p)]
        arrival = on_arrival(c.strategy, len(running), c.limit)
        if arrival.cancel_new:
            return await self._cancel(p, p.processid) or p
        for victim in running[: arrival.cancel_running]:
            await self._cancel(victim, p.processid)
        return p

    async def _cancel(self, victim: Process, arriving: str) -> Process | None:
        """Cancels the victim (with its workflow); returns the arriving process
        if this cancelled it."""
        now = self.clock.now_ns()
        if not victim.processgraphid:
            result = await self.store.cancel_process(victim.processid, now)
            if result is None:
                return None
            self.emitter.finished(result)
            return result.process if victim.processid == arriving else None
        cancelled = await self.store.cancel_graph(victim.processgraphid, now)
        if cancelled is None:
            return None
        processes, graph = cancelled
        self.emitter.cancelled(processes)
        if graph is not None:
            self.emitter.graph_changed(graph)
        return next((q for q in processes if q.processid == arriving), None)
