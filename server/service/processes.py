"""Processes: submit, assign (long poll), close, fail, and everything around them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    StaleAttempt,
)
from pycolonies_like.core.models import (
    Attribute,
    AttributeType,
    EventKind,
    Executor,
    FuncSpec,
    LogEntry,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import (
    MAX_ATTRIBUTE_VALUE,
    MAX_LOG_COUNT,
    MAX_LOG_MESSAGE,
    MAX_NAME_LENGTH,
    check_count,
    priority_time,
    retries_left,
    validate_funcspec,
    wait_deadline,
)
from server.service.base import Actor, ServiceBase, new_id
from server.store.base import FinishResult, ProcessBrief

MAX_BATCH = 10_000
MAX_ASSIGN_TIMEOUT = 3600.0


class ProcessService(ServiceBase):
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
        actor = await self._member(caller, spec.conditions.colonyname)
        process = self._new_process(actor, spec, self.clock.now_ns())
        stored = (await self.store.add_processes([process], idempotency_key))[0]
        if stored is process:
            self._submitted([process])
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
        actor = await self._member(caller, colonies.pop())
        now = self.clock.now_ns()
        processes = [self._new_process(actor, spec, now) for spec in specs]
        await self.store.add_processes(processes)
        self._submitted(processes)
        return processes

    def _submitted(self, processes: Sequence[Process]) -> None:
        self.hub.ready(processes)
        for p in processes:
            self._process_event(EventKind.SUBMITTED, p)

    # ---------------------------------------------------------- assign --

    async def assign(self, caller: str, colonyname: str, timeout: float) -> Process:
        executor = await self._executor(caller, colonyname)
        process = await self.next_assignment(executor, min(timeout, MAX_ASSIGN_TIMEOUT))
        if process is None:
            raise NoProcessAvailable("No process available for assignment")
        return process

    async def next_assignment(self, executor: Executor, timeout: float) -> Process | None:
        """Claims a process for the executor, waiting up to `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        dispatcher = self.hub.dispatcher
        while not self.hub.closing:
            # Park before claiming, so that a process made ready while we
            # claim cannot slip past us. A wake-up counts as used only when a
            # claim starts after it; otherwise it is passed on (see unpark).
            waiter = dispatcher.park(
                executor.colonyname, executor.executortype, executor.executorname
            )
            claim_again = False
            try:
                process = await self.store.claim_process(executor, self.clock.now_ns())
                if process is not None:
                    self._process_event(EventKind.ASSIGNED, process)
                    return process
                if not waiter.woken:
                    remaining = deadline - loop.time()
                    if remaining <= 0 or not await waiter.wait(remaining):
                        return None
                if loop.time() >= deadline:
                    return None
                claim_again = True
            finally:
                dispatcher.unpark(waiter, consumed=claim_again)
        return None

    # ----------------------------------------------------------- close --

    async def _finished(self, result: FinishResult) -> None:
        p = result.process
        kind = {
            ProcessState.SUCCESSFUL: EventKind.SUCCEEDED,
            ProcessState.FAILED: EventKind.FAILED,
            ProcessState.CANCELLED: EventKind.CANCELLED,
        }[p.state]
        self._process_event(kind, p)
        for ended in result.ended:
            self._process_event(kind, ended)
        self.hub.ready(result.released)
        if result.graph is not None:
            self._graph_event(result.graph)
        self.hub.signal(f"log:{p.processid}")
        for ended in result.ended:
            self.hub.signal(f"log:{ended.processid}")

    def _graph_event(self, graph: Any) -> None:  # overridden by WorkflowService
        return None

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
            await self._assigned(caller, processid, attempt, action)
            raise StaleAttempt(f"cannot {action}: process {processid} changed meanwhile")
        await self._finished(result)
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
        p = await self._assigned(caller, processid, attempt, "set its output")
        if not await self.store.set_output(processid, p.attempt, output):
            await self._assigned(caller, processid, p.attempt, "set its output")
            raise StaleAttempt(f"process {processid} changed meanwhile")

    async def release(self, caller: str, processid: str, attempt: int) -> Process:
        """The executor hands a process back (e.g. when shutting down)."""
        p = await self._assigned(caller, processid, attempt, "release it")
        requeued = await self.store.requeue_process(
            processid, p.attempt, self.clock.now_ns(), count_retry=False
        )
        if requeued is None:
            await self._assigned(caller, processid, p.attempt, "release it")
            raise StaleAttempt(f"process {processid} changed meanwhile")
        self.hub.ready([requeued])
        self._process_event(EventKind.RETRIED, requeued, "released by its executor")
        return requeued

    async def _brief(self, processid: str) -> ProcessBrief:
        p = await self.store.get_process_brief(processid)
        if p is None:
            raise NotFound(f"process {processid!r} does not exist")
        return p

    async def heartbeat(self, caller: str, processid: str, attempt: int) -> tuple[int, bool]:
        """Extends the exec deadline; tells whether the process was cancelled."""
        p = await self._brief(processid)
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
            latest = await self._brief(processid)
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
                    self.hub.ready([requeued])
                    self._process_event(
                        EventKind.RETRIED, requeued, "maximum execution time exceeded"
                    )
                    self.hub.signal(f"log:{p.processid}")
            else:
                result = await self.store.finish_process(
                    p.processid, p.attempt, ProcessState.FAILED, now,
                    errors=["Maximum execution time limit exceeded"],
                )  # fmt: skip
                if result is not None:
                    changed += 1
                    await self._finished(result)
        for p in await self.store.expired_waiting(now, limit):
            result = await self.store.fail_waiting(
                p.processid, now, "Maximum waiting time limit exceeded"
            )
            if result is not None:
                changed += 1
                await self._finished(result)
        return changed

    # ------------------------------------------------------------ read --

    async def get_process(self, caller: str, processid: str) -> Process:
        p = await self._process(processid)
        await self._reader(caller, p.colonyname)
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
        await self._reader(caller, colonyname)
        return await self.store.list_processes(
            colonyname,
            state,
            count,
            executortype=executortype,
            label=label,
            initiatorname=initiatorname,
        )

    # ---------------------------------------------------------- remove --

    async def _initiator_or_owner(self, caller: str, colonyname: str, initiatorid: str) -> None:
        actor = await self._actor(caller, colonyname)
        if not actor.is_owner and caller != initiatorid:
            raise PermissionDenied(
                "Access denied, only the submitter or the colony owner may do this"
            )

    async def remove_process(self, caller: str, processid: str) -> None:
        p = await self._process(processid)
        await self._initiator_or_owner(caller, p.colonyname, p.initiatorid)
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
        await self._owner(caller, colonyname)
        if state == ProcessState.RUNNING:
            raise FailedPrecondition("running processes cannot be removed; cancel them first")
        return await self.store.remove_all_processes(colonyname, state)

    async def cancel_process(self, caller: str, processid: str) -> Process:
        p = await self._process(processid)
        await self._initiator_or_owner(caller, p.colonyname, p.initiatorid)
        if p.state.is_final:
            raise FailedPrecondition(
                f"process {processid} has ended ({p.state.name.lower()}) and cannot be cancelled"
            )
        result = await self.store.cancel_process(processid, self.clock.now_ns())
        if result is None:
            raise FailedPrecondition(f"process {processid} ended meanwhile")
        await self._finished(result)
        return result.process

    # ------------------------------------------------------ attributes --

    async def add_attribute(
        self, caller: str, processid: str, attempt: int, key: str, value: str
    ) -> Attribute:
        if not key or len(key) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"an attribute key must have 1 to {MAX_NAME_LENGTH} characters")
        if len(value) > MAX_ATTRIBUTE_VALUE:
            raise ResourceExhausted(
                f"an attribute value may have at most {MAX_ATTRIBUTE_VALUE} characters"
            )
        p = await self._assigned(caller, processid, attempt, "add attributes to it")
        attribute = Attribute(
            attributeid=new_id(),
            targetid=processid,
            targetcolonyname=p.colonyname,
            targetprocessgraphid=p.processgraphid,
            attributetype=int(AttributeType.OUT),
            key=key,
            value=value,
        )
        await self.store.add_attribute(attribute, self.clock.now_ns())
        return attribute

    async def get_attribute(self, caller: str, attributeid: str) -> Attribute:
        attribute = await self.store.get_attribute(attributeid)
        if attribute is None:
            raise NotFound(f"attribute {attributeid!r} does not exist")
        await self._reader(caller, attribute.targetcolonyname)
        return attribute

    # ------------------------------------------------------------ logs --

    async def add_log(self, caller: str, processid: str, attempt: int, message: str) -> LogEntry:
        if len(message) > MAX_LOG_MESSAGE:
            raise ResourceExhausted(f"a log message may have at most {MAX_LOG_MESSAGE} characters")
        p = await self._assigned(caller, processid, attempt, "log to it")
        entry = await self.store.add_log(
            LogEntry(processid, p.colonyname, p.assignedexecutorname, message, self.clock.now_ns())
        )
        self.hub.signal(f"log:{processid}")
        return entry

    async def get_logs(
        self, caller: str, processid: str, count: int, since_ns: int = 0, latest: bool = False,
        *, colonyname: str = "", executorname: str = "",
    ) -> list[LogEntry]:  # fmt: skip
        """The log of a process or, without a processid, what an executor logged across
        its processes (it may since have been removed)."""
        count = check_count(count, default=100, maximum=MAX_LOG_COUNT)
        if processid:
            p = await self._brief(processid)
            await self._reader(caller, p.colonyname)
            return await self.store.get_logs(processid, count, since_ns=since_ns, latest=latest)
        if not colonyname or not executorname:
            raise InvalidArgument("logs are read by processid, or by colonyname and executorname")
        await self._reader(caller, colonyname)
        return await self.store.get_executor_logs(
            colonyname, executorname, count, since_ns=since_ns, latest=latest
        )

    async def follow_logs(
        self, caller: str, processid: str, after_seq: int = 0, poll: float = 10.0
    ) -> AsyncIterator[LogEntry]:
        """Every log entry of the process, as it is written, until it has ended."""
        p = await self._brief(processid)
        await self._reader(caller, p.colonyname)
        key = f"log:{processid}"
        event = self.hub.signals.listen(key)
        try:
            while True:
                event.clear()
                state = (await self._brief(processid)).state
                while True:
                    entries = await self.store.get_logs(processid, 500, after_seq=after_seq)
                    for entry in entries:
                        yield entry
                        after_seq = entry.seq
                    if len(entries) < 500:
                        break
                if state.is_final or self.hub.closing:
                    return
                try:
                    # The timeout only guards against a lost wake-up.
                    await asyncio.wait_for(event.wait(), poll)
                except asyncio.TimeoutError:
                    pass
        finally:
            self.hub.signals.forget(key, event)
