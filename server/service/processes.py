"""Processes: submit, assign (long poll), close, fail, deadlines, and reading them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
    StaleAttempt,
)
from pycolonies_like.core.flow import key_of, on_arrival
from pycolonies_like.core.models import (
    Executor,
    FuncSpec,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import (
    MAX_NAME_LENGTH,
    check_count,
    priority_time,
    retries_left,
    validate_funcspec,
    wait_deadline,
)
from server.service import lookup
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, Actor, new_id
from server.store.base import Store

MAX_BATCH = 10_000
MAX_ASSIGN_TIMEOUT = 3600.0


class ProcessService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock
    ) -> None:
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock

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

    async def submit(self, caller: str, spec: FuncSpec, idempotency_key: str = "") -> Process:
        validate_funcspec(spec)
        if len(idempotency_key) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"idempotency_key is longer than {MAX_NAME_LENGTH} characters")
        actor = await self.guard.member(caller, spec.conditions.colonyname)
        process = self._new_process(actor, spec, self.clock.now_ns())
        stored = (await self.store.add_processes([process], idempotency_key))[0]
        if stored is process:
            self.emitter.submitted([process])
            return (await self._arrived([process]))[0]
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
        actor = await self.guard.member(caller, colonies.pop())
        now = self.clock.now_ns()
        processes = [self._new_process(actor, spec, now) for spec in specs]
        await self.store.add_processes(processes)
        self.emitter.submitted(processes)
        return await self._arrived(processes)

    async def _arrived(self, processes: list[Process]) -> list[Process]:
        """Applies the concurrency strategies that cancel: a new process of a
        key at its limit is cancelled (cancel_newest) or cancels the oldest
        running ones (cancel_in_progress). Returns the processes as they are
        now. Queueing needs nothing here: the claim holds processes back."""
        now = []
        for p in processes:
            c = p.spec.concurrency
            key = key_of(p.spec)
            if not key or c.strategy in ("", "queue"):
                now.append(p)
                continue
            running = await self.store.running_with_key(p.colonyname, key)
            arrival = on_arrival(c.strategy, len(running), c.limit)
            victims = [p.processid] if arrival.cancel_new else running[: arrival.cancel_running]
            for processid in victims:
                result = await self.store.cancel_process(processid, self.clock.now_ns())
                if result is not None:
                    self.emitter.finished(result)
                    if processid == p.processid:
                        p = result.process
            now.append(p)
        return now

    # ---------------------------------------------------------- assign --

    async def assign(self, caller: str, colonyname: str, timeout: float) -> Process:
        executor = await self.guard.executor(caller, colonyname)
        process = await self.next_assignment(executor, min(timeout, MAX_ASSIGN_TIMEOUT))
        if process is None:
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
            waiter = emitter.park(executor.colonyname, executor.executortype, executor.executorname)
            claim_again = False
            try:
                process = await self.store.claim_process(executor, self.clock.now_ns())
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
        if result is None:
            await self.guard.assigned(caller, processid, attempt, action)
            raise StaleAttempt(f"cannot {action}: process {processid} changed meanwhile")
        self.emitter.finished(result)
        return result.process

    async def close(
        self, caller: str, processid: str, attempt: int, output: list[Any] | None
    ) -> Process:
        return await self._finish(
            caller, processid, attempt, ProcessState.SUCCESSFUL, "close it", output=output or None
        )

    async def fail(
        self, caller: str, processid: str, attempt: int, errors: Sequence[str]
    ) -> Process:
        if any(not isinstance(e, str) for e in errors):
            raise InvalidArgument("errors must be strings")
        return await self._finish(
            caller, processid, attempt, ProcessState.FAILED, "fail it", errors=list(errors)
        )

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
        """Extends the exec deadline; tells whether the process was cancelled."""
        p = await lookup.brief(self.store, processid)
        if caller != p.assignedexecutorid:
            raise PermissionDenied(
                f"Access denied, only the executor assigned to process {processid} may send "
                "heartbeats for it"
            )
        if p.state == ProcessState.CANCELLED:
            return 0, True
        if attempt and attempt != p.attempt:
            raise StaleAttempt(f"attempt {attempt} of process {processid} is over")
        if p.state != ProcessState.RUNNING:
            raise FailedPrecondition(f"process {processid} is {p.state.name.lower()}")
        extended = await self.store.extend_deadline(processid, p.attempt, self.clock.now_ns())
        if extended is None:
            latest = await lookup.brief(self.store, processid)
            if latest.state == ProcessState.CANCELLED:
                return 0, True
            raise StaleAttempt(f"process {processid} changed meanwhile")
        return extended.execdeadline, False

    # ------------------------------------------------------- deadlines --

    async def sweep(self, limit: int = 500) -> int:
        """One pass of the deadline loop: requeues or fails running processes
        past maxexectime, fails waiting ones past maxwaittime. Every change is
        conditional on the attempt it saw, so a close that wins the race is
        never undone and a requeued attempt can never be closed."""
        now = self.clock.now_ns()
        changed = 0
        for p in await self.store.expired_running(now, limit):
            if retries_left(p.retries, p.spec.maxretries):
                requeued = await self.store.requeue_process(
                    p.processid, p.attempt, now, count_retry=True
                )
                if requeued is not None:
                    changed += 1
                    self.emitter.requeued([requeued], "maximum execution time exceeded")
                    self.emitter.log_written(p.processid)
            else:
                result = await self.store.finish_process(
                    p.processid, p.attempt, ProcessState.FAILED, now,
                    errors=["Maximum execution time limit exceeded"],
                )  # fmt: skip
                if result is not None:
                    changed += 1
                    self.emitter.finished(result)
        for p in await self.store.expired_waiting(now, limit):
            result = await self.store.fail_waiting(
                p.processid, now, "Maximum waiting time limit exceeded"
            )
            if result is not None:
                changed += 1
                self.emitter.finished(result)
        # Processes held back by a concurrency key whose slots were freed
        # where nothing released them (a requeued process that never ran again).
        released = await self.store.release_held(limit)
        self.emitter.released(released)
        changed += len(released)
        return changed

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
