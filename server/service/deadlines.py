"""The deadline loop's pass over processes (ProcessService.sweep): running
past maxexectime or their lease, waiting past maxwaittime, workflows left
unsettled and batches left staged by a stopped server, processes held by a
concurrency key whose slots were freed."""

from __future__ import annotations

import random

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.models import Process, ProcessState
from pycolonies_like.core.rules import (
    Lease,
    LeasePolicy,
    Timeout,
    not_before,
    timeout_retries_left,
    timeout_retry_delay_s,
    went_silent_error,
)
from server.service.emitter import EventEmitter
from server.service.strategies import Strategies
from server.store.base import Store

# An end left unsettled this long was left by a server that stopped.
UNSETTLED_AFTER_NS = 5 * 1_000_000_000
# A batch still staged this long after it began was left by a server that
# stopped (a live one stages MAX_BATCH processes in seconds; on PostgreSQL the
# age is read on the database's clock, so servers' clock skew does not count).
ABANDONED_BATCH_NS = 60 * 60 * 1_000_000_000


class DeadlineSweep:
    """What the deadline loop does (ProcessService.sweep runs it)."""

    def __init__(
        self, store: Store, emitter: EventEmitter, clock: Clock, leases: LeasePolicy,
        strategies: Strategies,
    ) -> None:  # fmt: skip
        self.store = store
        self.emitter = emitter
        self.clock = clock
        self.leases = leases
        self.strategies = strategies

    async def sweep(self, limit: int = 500) -> int:
        """One pass of the deadline loop: requeues or fails running processes
        past maxexectime, fails waiting ones past maxwaittime. Every change is
        conditional on the attempt it saw, so a close that wins the race is
        never undone and a requeued attempt can never be closed."""
        now = self.clock.now_ns()
        changed = 0
        for p in await self.store.expired_running(now, limit):
            changed += await self._timed_out(p, now)
        for p, lease in await self.store.expired_leases(now, limit):
            changed += await self._lease_expired(p, lease, now)
        for p in await self.store.expired_waiting(now, limit):
            result = await self.store.fail_waiting(
                p.processid, now, "Maximum waiting time limit exceeded"
            )
            if result is not None:
                changed += 1
                self.emitter.finished(result)
        # Workflows that a server stopped moving on between committing an end
        # and settling its graph (PostgreSQL settles after the commit).
        for result in await self.store.settle_unsettled(now - UNSETTLED_AFTER_NS, limit):
            changed += 1
            self.emitter.moved_on(result)
            await self.strategies.released(result)
        # What batches staged and their servers, stopped, never published.
        changed += await self.store.drop_staged(now, ABANDONED_BATCH_NS, limit)
        # Processes held back by a concurrency key whose slots were freed
        # where nothing released them (a requeued process that never ran again).
        released = await self.store.release_held(limit)
        self.emitter.released(released)
        changed += len(released)
        return changed

    async def _lease_expired(self, p: Process, lease: Lease, now: int) -> int:
        """An assignment past its lease goes back to the queue. One never
        confirmed (its reply was lost) costs no retry; one whose executor went
        silent counts like an exec timeout, so a process that brings down every
        executor taking it fails once its retries are spent."""
        if lease == Lease.ASSIGNED:
            requeued = await self.store.requeue_process(
                p.processid, p.attempt, now, count_retry=False, outcome="unconfirmed"
            )
            if requeued is None:
                return 0
            self.emitter.requeued(
                [requeued], f"executor {p.assignedexecutorname} did not confirm its assignment"
            )
            return 1
        if not timeout_retries_left(p.spec, p.retries, Timeout.SILENT):
            times = 1 + sum(1 for h in p.history if h.outcome == Timeout.SILENT.value)
            error = went_silent_error(times, p.assignedexecutorname, self.leases.lease_timeout_s)
            return await self._fail_timed_out(p, now, error)
        why = f"executor {p.assignedexecutorname} went silent"
        return await self._requeue_timed_out(
            p, now, Timeout.SILENT, why, [f"the executor {p.assignedexecutorname} went silent"]
        )

    async def _timed_out(self, p: Process, now: int) -> int:
        """A running process past its maxexectime: requeued while it has
        retries left (after its policy's backoff, if it has one), else failed."""
        if not timeout_retries_left(p.spec, p.retries, Timeout.MAXEXECTIME):
            return await self._fail_timed_out(p, now, "Maximum execution time limit exceeded")
        changed = await self._requeue_timed_out(
            p, now, Timeout.MAXEXECTIME, "maximum execution time exceeded", []
        )
        if changed:
            self.emitter.log_written(p.processid)
        return changed

    async def _fail_timed_out(self, p: Process, now: int, error: str) -> int:
        result = await self.store.finish_process(
            p.processid, p.attempt, ProcessState.FAILED, now, errors=[error]
        )
        if result is None:
            return 0
        self.emitter.finished(result)
        return 1

    async def _requeue_timed_out(
        self, p: Process, now: int, cause: Timeout, why: str, errors: list[str]
    ) -> int:
        delay = timeout_retry_delay_s(p.spec, p.retries, random.uniform(-1.0, 1.0))
        requeued = await self.store.requeue_process(
            p.processid, p.attempt, now, count_retry=True, outcome=cause.value,
            errors=errors, notbefore=not_before(now, delay),
        )  # fmt: skip
        if requeued is None:
            return 0
        self.emitter.requeued(
            [requeued], f"{why}; retry {requeued.retries}", ready=not requeued.notbefore
        )
        return 1
