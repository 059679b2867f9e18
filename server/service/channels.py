"""Channels: live messages between the submitter of a process and its executor.

A FuncSpec names its channels; the process has them from its submission until
it ends. Only the submitter and the executor the process is assigned to may
append to or read a channel (and only while they belong to the colony).
Entries are stored, so a channel works through any server sharing the
database and survives a restart; wake-ups travel with the hub's relay. Once
the process has ended nothing more can be appended, and the entries stay
readable for CHANNEL_RETENTION_S before they are removed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from pycolonies_like.core.models import ChannelEntry, ChannelEntryType, Process
from pycolonies_like.core.rules import (
    CHANNEL_BURST,
    CHANNEL_RATE,
    CHANNEL_RETENTION_S,
    MAX_CHANNEL_ENTRIES,
    MAX_CHANNEL_PAYLOAD,
)
from server.service import lookup
from server.service.emitter import EventEmitter
from server.service.guard import AccessGuard, short
from server.store.base import Store

NS = 1_000_000_000
# A subscriber re-reads at least this often, in case a wake-up was lost.
_POLL_S = 5.0


class RateLimiter:
    """A token bucket per process: `rate` appends a second, bursts of `burst`."""

    def __init__(self, clock: Clock, rate: float = CHANNEL_RATE, burst: int = CHANNEL_BURST):
        self._clock = clock
        self._rate = rate
        self._burst = float(burst)
        self._buckets: dict[str, tuple[float, int]] = {}  # key -> (tokens, at ns)

    def take(self, key: str) -> bool:
        now = self._clock.now_ns()
        tokens, at = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) / NS * self._rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > 10_000:  # forget buckets that have refilled
            full = (self._burst - 1) / self._rate * NS
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
        return True


class ChannelService:
    def __init__(
        self, store: Store, guard: AccessGuard, emitter: EventEmitter, clock: Clock
    ) -> None:
        self.store = store
        self.guard = guard
        self.emitter = emitter
        self.clock = clock
        self.limiter = RateLimiter(clock)

    async def _channel(self, caller: str, processid: str, name: str, verb: str) -> Process:
        """The process whose channel `name` the caller may use; else the precise error."""
        process = await lookup.process(self.store, processid)
        if name not in process.spec.channels:
            raise NotFound(f"process {processid} has no channel {name!r}")
        await self.guard.reader(caller, process.colonyname)
        if caller not in (process.initiatorid, process.assignedexecutorid):
            raise PermissionDenied(
                f"Access denied, {short(caller)} may not {verb} channel {name!r}: only the "
                f"submitter of process {processid} and the executor it is assigned to may"
            )
        return process

    async def append(
        self, caller: str, processid: str, name: str, sequence: int, payload: bytes,
        type: str = "", inreplyto: int = 0,
    ) -> ChannelEntry:  # fmt: skip
        """Appends an entry; returns it with its index in the channel."""
        type = type or ChannelEntryType.DATA
        if type not in ChannelEntryType.ALL:
            raise InvalidArgument(
                f"an entry's type is one of {', '.join(ChannelEntryType.ALL)}, got {type!r}"
            )
        if sequence < 0 or inreplyto < 0:
            raise InvalidArgument("sequence and inreplyto must not be negative")
        if len(payload) > MAX_CHANNEL_PAYLOAD:
            raise ResourceExhausted(
                f"a channel entry may carry at most {MAX_CHANNEL_PAYLOAD} bytes, got {len(payload)}"
            )
        process = await self._channel(caller, processid, name, "write to")
        if process.state.is_final:
            raise FailedPrecondition(
                f"channel {name!r} is closed: process {processid} has ended "
                f"({process.state.name.lower()})"
            )
        if not self.limiter.take(processid):
            raise ResourceExhausted(
                f"rate limit exceeded: at most {CHANNEL_RATE:g} entries a second "
                f"(bursts of {CHANNEL_BURST}) on the channels of process {processid}"
            )
        entry = ChannelEntry(
            sequence=sequence, senderid=caller, payload=bytes(payload), type=type,
            inreplyto=inreplyto, timestamp=self.clock.now_ns(),
        )  # fmt: skip
        stored = await self.store.append_channel_entry(processid, name, entry, MAX_CHANNEL_ENTRIES)
        if stored is None:
            raise FailedPrecondition(f"channel {name!r} is closed: process {processid} has ended")
        self.emitter.channel_written(processid, name)
        return stored

    async def read(
        self, caller: str, processid: str, name: str, after: int = 0, limit: int = 0
    ) -> list[ChannelEntry]:
        """Up to `limit` entries (0: all) after the index `after` (0: from the start),
        and at most MAX_REPLY_BYTES of payload beyond the first: a reader that got
        fewer than it asked for continues after the last index it got."""
        if after < 0 or limit < 0:
            raise InvalidArgument("after and limit must not be negative")
        await self._channel(caller, processid, name, "read")
        return await self.store.read_channel(
            processid, name, after, min(limit or MAX_CHANNEL_ENTRIES, MAX_CHANNEL_ENTRIES)
        )

    async def subscribe(
        self, caller: str, processid: str, name: str, after: int = 0, timeout: float = 0.0
    ) -> AsyncIterator[list[ChannelEntry]]:
        """The entries after the index `after` in one batch (if any), then each new
        batch as it is appended; ends once the process has ended (after its last
        entries), at the timeout (seconds; 0: none), or when the server stops."""
        if after < 0 or timeout < 0:
            raise InvalidArgument("after and timeout must not be negative")
        await self._channel(caller, processid, name, "read")
        deadline = self.clock.now_ns() + int(timeout * NS) if timeout > 0 else 0
        with self.emitter.channel_signal(processid, name) as written:
            while True:
                written.clear()
                brief = await self.store.get_process_brief(processid)
                # Everything appended so far, a reply's worth at a time.
                while entries := await self.store.read_channel(
                    processid, name, after, MAX_CHANNEL_ENTRIES
                ):
                    after = entries[-1].index
                    yield entries
                if brief is None or brief.state.is_final or self.emitter.closing:
                    return
                wait = _POLL_S
                if deadline:
                    left = (deadline - self.clock.now_ns()) / NS
                    if left <= 0:
                        return
                    wait = min(wait, left)
                try:
                    await asyncio.wait_for(written.wait(), wait)
                except asyncio.TimeoutError:
                    pass

    async def purge(self, limit: int = 500) -> int:
        """One pass of the channel loop: removes the entries of processes that
        ended more than CHANNEL_RETENTION_S ago."""
        before = self.clock.now_ns() - CHANNEL_RETENTION_S * NS
        return await self.store.purge_channels(before, limit)
