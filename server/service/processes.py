"""Processes: submit, assign (long poll), close, fail, deadlines, and reading them."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable, Sequence
from typing import Any

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    StaleAttempt,
    Unavailable,
)
from pycolonies_like.core.models import (
    Executor,
    FuncSpec,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import (
    MAX_NAME_LENGTH,
    Lease,
    LeasePolicy,
    check_count,
    check_not_before,
    check_timeout,
    error_kind,
    not_before,
    priority_time,
    retry_after_failure,
    retry_delay_s,
    validate_funcspec,
    wait_deadline,
)
from server.service import lookup
from server.service.deadlines import DeadlineSweep
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, Actor, new_id
from server.service.ratelimits import check_defined
from server.service.slices import SLICE, each_slice, in_slices, turn
from server.service.strategies import AfterCommit, Strategies
from server.store.base import FinishResult, Store

MAX_BATCH = 10_000
MAX_ASSIGN_TIMEOUT = 3600.0


class ProcessService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock,
        leases: LeasePolicy | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock
        self.leases = leases or LeasePolicy()
        self._giving_back: set[asyncio.Future[bool]] = set()
        self.strategies = Strategies(store, emitter, clock)
        self.deadlines = DeadlineSweep(store, emitter, clock, self.leases, self.strategies)
        self.after_commit = AfterCommit()

    # ---------------------------------------------------------- submit --

    def _new_process(self, actor: Actor, spec: FuncSpec, now_ns: int) -> Process:
        return Process(
            processid=new_id(),
            spec=spec,
            initiatorid=actor.id,
            initiatorname=actor.name,
            prioritytime=priority_time(now_ns, spec.priority),
            submissiontime=now_ns,
            waitdeadline=wait_deadline(now_ns, spec.maxwaittime),
        )

    async def submit(
        self, caller: str, spec: FuncSpec, idempotency_key: str = "", *, notbefore: int = 0,
        delay_s: float = 0.0,
    ) -> Process:  # fmt: skip
        """`notbefore` (unix ns) or `delay_s`: the process may not run before then."""
        validate_funcspec(spec)
        if len(idempotency_key) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"idempotency_key is longer than {MAX_NAME_LENGTH} characters")
        now = self.clock.now_ns()
        ready = check_not_before(now, notbefore, delay_s)
        actor = await self.guard.member(caller, spec.conditions.colonyname)
        await check_defined(self.store, spec.conditions.colonyname, [spec])
        process = self._new_process(actor, spec, now)
        if ready:
            process = dataclasses.replace(
                process, notbefore=ready, waitdeadline=wait_deadline(ready, spec.maxwaittime)
            )
        stored = (await self.store.add_processes([process], idempotency_key))[0]
        if stored.processid == process.processid:  # new, with its fair queue key
            return (await self._after_commit([stored]))[0]
        return stored

    async def submit_batch(self, caller: str, specs: Sequence[FuncSpec]) -> list[Process]:
        if not specs:
            raise InvalidArgument("a batch needs at least one function spec")
        if len(specs) > MAX_BATCH:
            raise InvalidArgument(f"a batch may have at most {MAX_BATCH} function specs")
        colonies = {s.conditions.colonyname for s in specs}
        if len(colonies) != 1:
            raise InvalidArgument("all function specs of a batch must name the same colony")
        for i, spec in enumerate(specs):
            try:
                validate_funcspec(spec)
            except InvalidArgument as err:
                raise InvalidArgument(f"spec #{i}: {err.message}") from None
            if i % SLICE == SLICE - 1:
                await turn()  # a big batch lets other requests in between
        colonyname = colonies.pop()
        actor = await self.guard.member(caller, colonyname)
        await check_defined(self.store, colonyname, specs)
        processes = await in_slices(specs, lambda s: [self._new_process(actor, x, 0) for x in s])
        # Stored a slice at a time, staged (seen by nothing), then published
        # all at once in one short step. Timed when published, not when they
        # arrived: the fair queue key of a submitter's batch starts no earlier
        # than the time it is published (store/fairshare.py), so a process
        # another submitter queued while the batch took its turns does not
        # sort behind it.
        async with self.store.staged_batch(self.clock.now_ns()) as batch:
            for start in range(0, len(processes), SLICE):
                if len(processes) > SLICE:
                    await turn()
                part = processes[start : start + SLICE]
                await batch.stage(part, self.store.process_rows(part))
            if len(processes) > SLICE:
                # Still a member: one removed while the batch was staged
                # submits nothing (what it staged is removed).
                await self.guard.member(caller, colonyname)
            await batch.publish(self.clock.now_ns())
        return await self._after_commit(processes, batch.time)

    async def _after_commit(
        self, processes: list[Process], timed: Callable[[Sequence[Process]], None] | None = None
    ) -> list[Process]:
        """`timed`: gives the processes their times first (a slice at a time)."""
        if len(processes) <= SLICE:
            if timed is not None:
                timed(processes)
            if not self.strategies.decide_any(processes):
                # Nothing to await: announced at once, it cannot be cut short by
                # a cancelled request, so no task of its own (the common submit).
                self.emitter.submitted(processes)
                return processes
            timed = None
        return await self.after_commit.finish(self._queued(processes, timed))

    async def _queued(
        self, processes: list[Process], timed: Callable[[Sequence[Process]], None] | None
    ) -> list[Process]:
        """What follows the commit of new processes (run to its end even if the
        request is cancelled): announces them, a slice at a time, and applies
        the concurrency strategies that cancel (strategies.py); returns the
        processes as they are now."""

        def announce(part: Sequence[Process]) -> None:
            if timed is not None:
                timed(part)
            self.emitter.submitted(part)

        await each_slice(processes, announce)
        return await self.strategies.arrived(processes)

    # ---------------------------------------------------------- assign --

    async def assign(self, caller: str, colonyname: str, timeout: float) -> Process:
        timeout = check_timeout(timeout, MAX_ASSIGN_TIMEOUT)
        executor = await self.guard.executor(caller, colonyname)
        process = await self.next_assignment(executor, timeout)
        if process is None:
            if self.emitter.closing:
                raise Unavailable("the server is shutting down; poll another server or later")
            raise NoProcessAvailable("No process available for assignment")
        return process

    async def executor_of(self, caller: str, colonyname: str) -> Executor:
        """The approved executor the caller is in the colony (who may be assigned work)."""
        return await self.guard.executor(caller, colonyname)

    async def next_assignment(self, executor: Executor, timeout: float) -> Process | None:
        """Claims a process for the executor, waiting up to `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        emitter = self.emitter
        while not emitter.closing:
            # Park before claiming, so that a process made ready while we
            # claim cannot slip past us. A wake-up counts as used only when a
            # claim starts after it; otherwise it is passed on (see unpark).
            waiter = emitter.park(executor)
            claim_again = False
            try:
                process = await self._claim(executor)
                if process is not None:
                    emitter.assigned(process)
                    return process
                if not waiter.woken:
                    remaining = deadline - loop.time()
                    if remaining <= 0 or not await waiter.wait(remaining):
                        return None
                if loop.time() >= deadline:
                    return None
                claim_again = True
            finally:
                emitter.unpark(waiter, consumed=claim_again)
        return None

    async def _claim(self, executor: Executor) -> Process | None:
        """Claims one process, unconfirmed for the lease's short confirmation
        time. A poll abandoned while its claim commits never keeps what it
        took: the process goes straight back to the queue."""
        now = self.clock.now_ns()
        work = self.store.claim_process(executor, now, self.leases.ack_deadline(now))
        if not self.store.shared:
            # An embedded store claims without suspending: no cancellation can
            # land between its commit and our return (and a task costs time).
            return await work
        claim = asyncio.ensure_future(work)
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            claim.add_done_callback(self._give_back_claimed)
            raise

    def _give_back_claimed(self, claim: asyncio.Future[Process | None]) -> None:
        if claim.cancelled() or claim.exception() is not None:
            return
        process = claim.result()
        if process is not None:
            self._give_back_later(process)

    def _give_back_later(self, process: Process) -> None:
        task = asyncio.ensure_future(self.give_back(process, "the poll that claimed it ended"))
        self._giving_back.add(task)
        task.add_done_callback(self._giving_back.discard)

    async def give_back(self, process: Process, why: str) -> bool:
        """Puts an assignment that never reached its executor back in the queue
        (its retry count is kept); False when it changed meanwhile."""
        requeued = await self.store.requeue_process(
            process.processid, process.attempt, self.clock.now_ns(), count_retry=False,
            outcome="undelivered",
        )  # fmt: skip
        if requeued is None:
            return False
        self.emitter.requeued([requeued], why)
        return True

    # ---------------------------------------------------------- leases --

    async def acknowledge(
        self, caller: str, processid: str, attempt: int, *, kept: bool = False
    ) -> None:
        """The executor confirms that it received an assignment. `kept`: it
        will keep the lease alive (session, heartbeats); otherwise only
        maxexectime applies to it, as in ColonyOS."""
        if not attempt:
            p = await self.guard.assigned(caller, processid, 0, "acknowledge it")
            attempt = p.attempt
        if not await self.acknowledge_many(caller, [(processid, attempt)], kept=kept):
            # Refused unless it is the caller's current attempt (then it was
            # confirmed before: nothing to do).
            await self.guard.assigned(caller, processid, attempt, "acknowledge it")

    async def acknowledge_many(
        self, caller: str, assignments: Sequence[tuple[str, int]], *, kept: bool
    ) -> int:
        if not assignments:
            return 0
        now = self.clock.now_ns()
        lease = Lease.KEPT if kept else Lease.DELIVERED
        return await self.store.acknowledge(
            caller, assignments, lease, self.leases.lease_deadline(now)
        )

    async def renew(self, executor: Executor) -> int:
        """A live session keeps its executor's leases (and says it was seen)."""
        now = self.clock.now_ns()
        return await self.store.renew_leases(
            executor.colonyname, executor.executorname, executor.executorid, now,
            self.leases.lease_deadline(now),
        )  # fmt: skip

    # ----------------------------------------------------------- close --

    async def _finish(
        self,
        caller: str,
        processid: str,
        attempt: int,
        state: ProcessState,
        action: str,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
    ) -> Process:
        # The update itself checks assignee, state and attempt; only when it
        # changes nothing do we read the process to say precisely why.
        result = await self.store.finish_process(
            processid, attempt, state, self.clock.now_ns(), output=output, errors=errors,
            executorid=caller,
        )  # fmt: skip
        return await self._ended(caller, processid, attempt, state, action, output, errors, result)

    async def _ended(
        self, caller: str, processid: str, attempt: int, state: ProcessState, action: str,
        output: list[Any] | None, errors: Sequence[str], result: FinishResult | None,
    ) -> Process:  # fmt: skip
        if result is None:
            repeated = await self._same_end(caller, processid, attempt, state, output, errors)
            if repeated is not None:
                return repeated
            await self.guard.assigned(caller, processid, attempt, action)
            raise StaleAttempt(f"cannot {action}: process {processid} changed meanwhile")
        self.emitter.finished(result)
        await self.strategies.released(result)
        return result.process

    async def _same_end(
        self, caller: str, processid: str, attempt: int, state: ProcessState,
        output: list[Any] | None, errors: Sequence[str],
    ) -> Process | None:  # fmt: skip
        """The process when this very end was already applied (the same executor,
        attempt and outcome: a retried call whose reply was lost); else None."""
        p = await self.store.get_process(processid)
        if p is None or not attempt or p.attempt != attempt or p.assignedexecutorid != caller:
            return None
        if p.state != state:
            return None
        if state == ProcessState.SUCCESSFUL and (output or []) != p.output:
            return None
        if state == ProcessState.FAILED and list(errors) != list(p.errors):
            return None
        return p

    async def close(
        self, caller: str, processid: str, attempt: int, output: list[Any] | None
    ) -> Process:
        return await self._finish(
            caller, processid, attempt, ProcessState.SUCCESSFUL, "close it", output=output or None
        )

    async def close_and_claim(
        self, caller: str, processid: str, attempt: int, output: list[Any] | None,
        claimer: Executor, deliver: Callable[[Process], None],
    ) -> Process:  # fmt: skip
        """close(), and a claim for the caller's session, whose room this end
        frees, in the same transaction where the store can (one commit, not
        two). The claimed process goes to `deliver` as soon as it is claimed,
        whatever the close's outcome (a refused close frees the session's room
        too); none is claimed when nothing was claimable or the claim was
        refused (the session's next claim says why). An end the store did not
        make with the claim (PostgreSQL: a process with a concurrency key, or
        not that running attempt) is made on its own after."""
        now = self.clock.now_ns()
        work = self.store.finish_and_claim(
            processid, attempt, ProcessState.SUCCESSFUL, now, output=output or None,
            executorid=caller, claimer=claimer, lease_ns=self.leases.ack_deadline(now),
        )  # fmt: skip
        if self.store.shared:
            both = asyncio.ensure_future(work)
            try:
                result, claimed = await asyncio.shield(both)
            except asyncio.CancelledError:
                both.add_done_callback(self._give_back_second)
                raise
        else:  # an embedded store does both without suspending
            result, claimed = await work
        if claimed is not None:
            # The session's at once, whatever follows: it hears of its revocation.
            deliver(claimed)
        try:
            if result is None:  # not ended with the claim: the end on its own
                result = await self.store.finish_process(
                    processid, attempt, ProcessState.SUCCESSFUL, now, output=output or None,
                    executorid=caller,
                )  # fmt: skip
            return await self._ended(
                caller, processid, attempt, ProcessState.SUCCESSFUL, "close it", output or None,
                (), result,
            )  # fmt: skip
        finally:
            if claimed is not None:
                self.emitter.assigned(claimed)

    def _give_back_second(self, both: asyncio.Future[tuple[Any, Process | None]]) -> None:
        """The claim of a close_and_claim whose request went away meanwhile."""
        if both.cancelled() or both.exception() is not None:
            return
        claimed = both.result()[1]
        if claimed is not None:
            self._give_back_later(claimed)

    async def fail(
        self, caller: str, processid: str, attempt: int, errors: Sequence[str]
    ) -> Process:
        if any(not isinstance(e, str) for e in errors):
            raise InvalidArgument("errors must be strings")
        retried = await self._retry(caller, processid, attempt, list(errors))
        if retried is not None:
            return retried
        return await self._finish(
            caller, processid, attempt, ProcessState.FAILED, "fail it", errors=list(errors)
        )

    async def _retry(
        self, caller: str, processid: str, attempt: int, errors: list[str]
    ) -> Process | None:
        """A failure its spec's retry policy retries: the attempt goes back to
        the queue, claimable after its backoff; None when it is not retried."""
        p = await self.store.get_process(processid)
        if p is None or p.spec.retrypolicy is None or p.state != ProcessState.RUNNING:
            return None
        if p.assignedexecutorid != caller or (attempt and attempt != p.attempt):
            return None  # the finish refuses it precisely
        policy = p.spec.retrypolicy
        if not retry_after_failure(policy, p.retries, errors):
            return None
        now = self.clock.now_ns()
        delay = retry_delay_s(policy, p.retries + 1, random.uniform(-1.0, 1.0))
        requeued = await self.store.requeue_process(
            processid, p.attempt, now, count_retry=True, outcome="failed", errors=errors,
            notbefore=not_before(now, delay), executorid=caller,
        )  # fmt: skip
        if requeued is None:
            return None
        why = f"failed ({error_kind(errors) or 'no error given'}); retry {requeued.retries}"
        self.emitter.requeued([requeued], why, ready=not requeued.notbefore)
        return requeued

    async def rerun(self, caller: str, processid: str) -> Process:
        """A failed or cancelled process runs again, as a new attempt."""
        p = await lookup.process(self.store, processid)
        await self.guard.initiator_or_owner(caller, p.colonyname, p.initiatorid)
        if p.processgraphid:
            raise FailedPrecondition(
                f"process {processid} is part of workflow {p.processgraphid}; "
                "only a standalone process can be rerun"
            )
        if p.state not in (ProcessState.FAILED, ProcessState.CANCELLED):
            raise FailedPrecondition(
                f"process {processid} is {p.state.name.lower()}; only a failed or cancelled "
                "process can be rerun"
            )
        rerun = await self.store.rerun_process(processid, self.clock.now_ns())
        if rerun is None:
            raise FailedPrecondition(f"process {processid} changed meanwhile; try again")
        self.emitter.submitted([rerun])
        return rerun

    async def wake_due(self, limit: int = 500) -> int:
        """Delayed runs and retries whose time has come become claimable."""
        woken = await self.store.wake_due(self.clock.now_ns(), limit)
        self.emitter.woken(woken)
        return len(woken)

    async def set_output(
        self, caller: str, processid: str, attempt: int, output: list[Any]
    ) -> None:
        p = await self.guard.assigned(caller, processid, attempt, "set its output")
        if not await self.store.set_output(processid, p.attempt, output):
            await self.guard.assigned(caller, processid, p.attempt, "set its output")
            raise StaleAttempt(f"process {processid} changed meanwhile")

    async def release(self, caller: str, processid: str, attempt: int) -> Process:
        """The executor hands a process back (e.g. when shutting down)."""
        p = await self.guard.assigned(caller, processid, attempt, "release it")
        requeued = await self.store.requeue_process(
            processid, p.attempt, self.clock.now_ns(), count_retry=False
        )
        if requeued is None:
            await self.guard.assigned(caller, processid, p.attempt, "release it")
            raise StaleAttempt(f"process {processid} changed meanwhile")
        self.emitter.requeued([requeued], "released by its executor")
        return requeued

    async def heartbeat(self, caller: str, processid: str, attempt: int) -> tuple[int, bool]:
        """Extends the exec deadline and keeps the assignment's lease (the
        executor is alive); tells whether the process was cancelled."""
        p = await lookup.brief(self.store, processid)
        if p.state == ProcessState.CANCELLED and caller == p.assignedexecutorid:
            return 0, True
        p = await self.guard.assigned(caller, processid, attempt, "send heartbeats for it")
        now = self.clock.now_ns()
        extended = await self.store.extend_deadline(
            processid, p.attempt, now, self.leases.lease_deadline(now)
        )
        if extended is None:
            latest = await lookup.brief(self.store, processid)
            if latest.state == ProcessState.CANCELLED:
                return 0, True
            raise StaleAttempt(f"process {processid} changed meanwhile")
        return extended.execdeadline, False

    # ------------------------------------------------------- deadlines --

    async def sweep(self, limit: int = 500) -> int:
        """One pass of the deadline loop (deadlines.DeadlineSweep)."""
        return await self.deadlines.sweep(limit)

    # ------------------------------------------------------------ read --

    async def get_process(self, caller: str, processid: str) -> Process:
        p = await lookup.process(self.store, processid)
        await self.guard.reader(caller, p.colonyname)
        return p

    async def list_processes(
        self,
        caller: str,
        colonyname: str,
        state: ProcessState,
        count: int,
        *,
        executortype: str = "",
        label: str = "",
        initiatorname: str = "",
    ) -> list[Process]:
        count = check_count(count)
        await self.guard.reader(caller, colonyname)
        return await self.store.list_processes(
            colonyname,
            state,
            count,
            executortype=executortype,
            label=label,
            initiatorname=initiatorname,
        )

    # ---------------------------------------------------------- remove --

    async def remove_process(self, caller: str, processid: str) -> None:
        p = await lookup.process(self.store, processid)
        await self.guard.initiator_or_owner(caller, p.colonyname, p.initiatorid)
        if p.processgraphid:
            raise FailedPrecondition(
                f"process {processid} is part of workflow {p.processgraphid}; remove the workflow"
            )
        if p.state == ProcessState.RUNNING:
            raise FailedPrecondition(f"process {processid} is running; cancel it first")
        if not await self.store.remove_process(processid):
            raise FailedPrecondition(f"process {processid} changed meanwhile; try again")

    async def remove_all_processes(
        self, caller: str, colonyname: str, state: ProcessState | None
    ) -> int:
        await self.guard.colony_owner(caller, colonyname)
        if state == ProcessState.RUNNING:
            raise FailedPrecondition("running processes cannot be removed; cancel them first")
        return await self.store.remove_all_processes(colonyname, state)

    async def cancel_process(self, caller: str, processid: str) -> Process:
        p = await lookup.process(self.store, processid)
        await self.guard.initiator_or_owner(caller, p.colonyname, p.initiatorid)
        if p.state.is_final:
            raise FailedPrecondition(
                f"process {processid} has ended ({p.state.name.lower()}) and cannot be cancelled"
            )
        result = await self.store.cancel_process(processid, self.clock.now_ns())
        if result is None:
            raise FailedPrecondition(f"process {processid} ended meanwhile")
        self.emitter.finished(result)
        return result.process
