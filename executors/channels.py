"""A channel of the running process, as a function sees it: `ctx.channel("chat")`.

Functions run in a thread (plain functions) or on the runtime's loop (async
ones), so each operation has both forms: `send` / `asend`, `receive` /
`areceive`, `for entry in channel` / `async for entry in channel`. What is
received is what the other side (the submitter) appends; it ends with an entry
of type "end" from it, or with the process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

from pycolonies_like.core.models import ChannelEntry, ChannelEntryType, Process
from pycolonies_like.crypto import id_of

T = TypeVar("T")


class ProcessChannel:
    def __init__(
        self, client: Any, loop: asyncio.AbstractEventLoop, process: Process, name: str, key: str
    ) -> None:
        if name not in process.spec.channels:
            declared = ", ".join(process.spec.channels) or "none"
            raise LookupError(f"the process has no channel {name!r} (its channels: {declared})")
        self._client = client
        self._loop = loop
        self._key = key
        self._me = id_of(key)
        self.processid = str(process.processid)
        self.name = name
        self._sequence: int | None = None
        self._incoming: AsyncIterator[ChannelEntry] | None = None

    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        """Runs a coroutine on the runtime's loop from a function's thread."""
        try:
            on_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            coro.close()
            raise RuntimeError("in an async function, use the async forms (asend, areceive)")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    async def asend(
        self, payload: bytes | str, *, type: str = ChannelEntryType.DATA, in_reply_to: int = 0
    ) -> ChannelEntry:
        """Appends to the channel, numbering entries after those this executor sent."""
        if self._sequence is None:
            sent = await self._client.channel_read(self.processid, self.name, 0, 0, self._key)
            self._sequence = max((e.sequence for e in sent if e.senderid == self._me), default=0)
        self._sequence += 1
        entry: ChannelEntry = await self._client.channel_append(
            self.processid, self.name, self._sequence, payload, self._key,
            in_reply_to=in_reply_to, payload_type=type,
        )  # fmt: skip
        return entry

    def send(
        self, payload: bytes | str, *, type: str = ChannelEntryType.DATA, in_reply_to: int = 0
    ) -> ChannelEntry:
        return self._sync(self.asend(payload, type=type, in_reply_to=in_reply_to))

    async def _others(self) -> AsyncIterator[ChannelEntry]:
        async for entry in self._client.follow_channel(self.processid, self.name, self._key):
            if entry.senderid == self._me:
                continue
            if entry.type == ChannelEntryType.END:
                return
            yield entry

    async def areceive(self) -> ChannelEntry | None:
        """The next entry from the other side; None once it sent "end" or the process ended."""
        if self._incoming is None:
            self._incoming = self._others()
        try:
            return await anext(self._incoming)
        except StopAsyncIteration:
            return None

    def receive(self) -> ChannelEntry | None:
        return self._sync(self.areceive())

    async def __aiter__(self) -> AsyncIterator[ChannelEntry]:
        while (entry := await self.areceive()) is not None:
            yield entry

    def __iter__(self) -> Iterator[ChannelEntry]:
        while (entry := self.receive()) is not None:
            yield entry
