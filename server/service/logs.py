"""What running processes leave behind: attributes and logs, and following a log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import InvalidArgument, NotFound, ResourceExhausted
from pycolonies_like.core.models import Attribute, AttributeType, LogEntry
from pycolonies_like.core.rules import (
    MAX_ATTRIBUTE_VALUE,
    MAX_LOG_COUNT,
    MAX_LOG_MESSAGE,
    MAX_NAME_LENGTH,
    check_count,
)
from server.service import lookup
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, new_id
from server.store.base import LogPage, Store

MAX_CONCURRENT_BIG_READS = 8


class LogService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock
    ) -> None:
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock
        # Big reads at once: each holds up to MAX_REPLY_BYTES until its reply is
        # sent, so this bounds the memory they take together.
        self._reading = asyncio.Semaphore(MAX_CONCURRENT_BIG_READS)

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
        p = await self.guard.assigned(caller, processid, attempt, "add attributes to it")
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
        await self.guard.reader(caller, attribute.targetcolonyname)
        return attribute

    # ------------------------------------------------------------ logs --

    async def add_log(self, caller: str, processid: str, attempt: int, message: str) -> LogEntry:
        if len(message) > MAX_LOG_MESSAGE:
            raise ResourceExhausted(f"a log message may have at most {MAX_LOG_MESSAGE} characters")
        p = await self.guard.assigned(caller, processid, attempt, "log to it")
        entry = await self.store.add_log(
            LogEntry(processid, p.colonyname, p.assignedexecutorname, message, self.clock.now_ns())
        )
        self.emitter.log_written(processid)
        return entry

    async def get_logs(
        self, caller: str, processid: str, count: int, since_ns: int = 0, latest: bool = False,
        *, colonyname: str = "", executorname: str = "", after_seq: int = 0, before_seq: int = 0,
    ) -> LogPage:  # fmt: skip
        """The log of a process or, without a processid, what an executor logged across
        its processes (it may since have been removed). A page holds at most `count`
        entries and MAX_REPLY_BYTES of them; `more` says it stopped at the bytes."""
        count = check_count(count, default=100, maximum=MAX_LOG_COUNT)
        if after_seq < 0 or before_seq < 0:
            raise InvalidArgument("after_seq and before_seq must not be negative")
        if processid:
            p = await lookup.brief(self.store, processid)
            await self.guard.reader(caller, p.colonyname)
            async with self._reading:
                return await self.store.get_logs(
                    processid, count, since_ns=since_ns, latest=latest, after_seq=after_seq,
                    before_seq=before_seq,
                )  # fmt: skip
        if not colonyname or not executorname:
            raise InvalidArgument("logs are read by processid, or by colonyname and executorname")
        await self.guard.reader(caller, colonyname)
        async with self._reading:
            return await self.store.get_executor_logs(
                colonyname, executorname, count, since_ns=since_ns, latest=latest,
                after_seq=after_seq, before_seq=before_seq,
            )  # fmt: skip

    async def follow_logs(
        self, caller: str, processid: str, after_seq: int = 0, poll: float = 10.0
    ) -> AsyncIterator[LogEntry]:
        """Every log entry of the process, as it is written, until it has ended."""
        p = await lookup.brief(self.store, processid)
        await self.guard.reader(caller, p.colonyname)
        with self.emitter.log_signal(processid) as written:
            while True:
                written.clear()
                state = (await lookup.brief(self.store, processid)).state
                while True:
                    async with self._reading:
                        page = await self.store.get_logs(processid, 500, after_seq=after_seq)
                    for entry in page.entries:
                        yield entry
                        after_seq = entry.seq
                    if not page.more and len(page.entries) < 500:
                        break
                if state.is_final or self.emitter.closing:
                    return
                try:
                    # The timeout only guards against a lost wake-up.
                    await asyncio.wait_for(written.wait(), poll)
                except asyncio.TimeoutError:
                    pass
