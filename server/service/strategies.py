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

The strategies apply after the commit that queued the process: a failure
here is logged and the request still succeeds with what is stored (a client
that retried would store the work twice). A big batch is decided `SLICE`
processes at a time (slices.py), and the steps after a commit run to their
end even when the request is cancelled (AfterCommit).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.flow import key_of, on_arrival
from pycolonies_like.core.models import Process, ProcessState
from server.service.emitter import EventEmitter
from server.service.slices import SLICE, turn
from server.store.base import FinishResult, Store

CANCELLING = ("cancel_newest", "cancel_in_progress")
log = logging.getLogger(__name__)
T = TypeVar("T")


MAX_LOGGED_IDS = 20  # of a failure's processes, in its log line


class AfterCommit:
    """Runs what follows a commit to its end even if the request that made
    the commit is cancelled (a client that went away): the work is a task the
    service owns and keeps a reference to, awaited by the request through a
    shield."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Future[Any]] = set()

    async def finish(self, work: Awaitable[T]) -> T:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return await asyncio.shield(task)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self.tasks.discard(task)
        # Its request may have gone (cancelled): nobody else would hear of a failure.
        if not task.cancelled() and task.exception() is not None:
            log.error("a step after a commit failed", exc_info=task.exception())


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
        the queue (committed); returns them as they are now. A failure is
        logged, and the processes are returned as given (they wait, as with
        "queue"): the commit stands and the request succeeds."""
        try:
            return await self._all_arrived(processes)
        except Exception:
            ids = ", ".join(p.processid for p in processes[:MAX_LOGGED_IDS])
            more = len(processes) - MAX_LOGGED_IDS
            log.exception("could not apply the concurrency strategies of %s%s", ids,
                          f" and {more} more" if more > 0 else "")  # fmt: skip
            return list(processes)

    async def released(self, result: FinishResult) -> None:
        """Applies them to the children an end released. The end is committed
        and its reply due: a failure here is logged, and those children wait
        (as with "queue")."""
        children = released_children(result)
        if children:
            await self.arrived(children)

    async def _all_arrived(self, processes: Sequence[Process]) -> list[Process]:
        changed: dict[str, Process] = {}  # what the decisions so far cancelled
        decided = 0
        for p in processes:
            # A process an earlier decision cancelled (its workflow, by another
            # of its roots) is not decided again on its stale state.
            if p.processid not in changed and self._may_decide(p):
                if decided and decided % SLICE == 0:
                    await turn()  # a big batch lets other requests in between
                decided += 1
                for q in await self._arrived(p):
                    changed[q.processid] = q
        # Also those a later decision cancelled (an earlier one claimed meanwhile).
        return [changed.get(p.processid, p) for p in processes]

    @classmethod
    def decide_any(cls, processes: Sequence[Process]) -> bool:
        """Whether any of `processes` has a decision to make on arrival."""
        return any(cls._may_decide(p) for p in processes)

    @staticmethod
    def _may_decide(p: Process) -> bool:
        c = p.spec.concurrency
        # A node waiting for its parents is not in the queue yet: decided
        # when its parents release it.
        return (bool(key_of(p.spec)) and c.strategy in CANCELLING
                and p.state == ProcessState.WAITING and not p.waitforparents)  # fmt: skip

    async def _arrived(self, p: Process) -> list[Process]:
        """Decides for one arriving process; returns the processes it cancelled."""
        c = p.spec.concurrency
        key = key_of(p.spec)
        ids = await self.store.running_with_key(p.colonyname, key)
        if p.processid in ids:  # claimed since it was queued: nothing to decide
            return []
        if len(ids) < c.limit:  # room for it: nothing to decide (the common case)
            return []
        found = [await self.store.get_process(pid) for pid in ids]
        running = [r for r in found if r is not None and not _same_run(r, p)]
        arrival = on_arrival(c.strategy, len(running), c.limit)
        if arrival.cancel_new:
            return await self._cancel(p)
        cancelled: list[Process] = []
        for victim in running[: arrival.cancel_running]:
            cancelled += await self._cancel(victim)
        return cancelled

    async def _cancel(self, victim: Process) -> list[Process]:
        """Cancels the victim (with its workflow); returns what was cancelled."""
        now = self.clock.now_ns()
        if not victim.processgraphid:
            result = await self.store.cancel_process(victim.processid, now)
            if result is None:
                return []
            self.emitter.finished(result)
            return [result.process]
        cancelled = await self.store.cancel_graph(victim.processgraphid, now)
        if cancelled is None:
            return []
        processes, graph = cancelled
        self.emitter.cancelled(processes)
        if graph is not None:
            self.emitter.graph_changed(graph)
        return list(processes)
