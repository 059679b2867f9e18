"""Channels of the SDK's clients: live messages between a process' submitter and its
executor. Mixed into `Colonies` and `AsyncColonies`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from pycolonies_like import compat, convert, replies
from pycolonies_like.core.models import (
    ChannelEntry,
)
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, ColoniesStub


class ChannelMethods:
    rpc: ColoniesStub

    # ------------------------------------------------------------ channels --

    def channel_append(
        self, processid: Any, channel_name: str, sequence: int, payload: bytes | str,
        prvkey: str, in_reply_to: int = 0, payload_type: str = "",
    ) -> ChannelEntry:  # fmt: skip
        """Appends to a channel of the process (text is sent as UTF-8); `sequence`
        is the sender's own number, never used twice; `payload_type` is "data"
        (the default), "end" or "error". Returns the entry with its index."""
        request = compat.channel_append(
            processid, channel_name, sequence, payload, in_reply_to, payload_type
        )
        return convert.channel_entry_from_pb(self.rpc.ChannelAppend(request, prvkey))

    def channel_read(
        self, processid: Any, channel_name: str, after_seq: int, limit: int, prvkey: str
    ) -> list[ChannelEntry]:
        """Up to `limit` entries (0: all) after the first `after_seq` entries."""
        request = compat.channel_read(processid, channel_name, after_seq, limit)
        return replies.channel_entries(self.rpc.ChannelRead(request, prvkey))

    def follow_channel(
        self, processid: Any, channel_name: str, prvkey: str, after_seq: int = 0,
        timeout: float = 0.0,
    ) -> Iterator[ChannelEntry]:  # fmt: skip
        """Yields the entries after the first `after_seq`, then each new one as it
        is appended, until the process ends or `timeout` seconds (0: no limit)."""
        request = compat.subscribe_channel(processid, channel_name, after_seq, timeout)
        deadline = timeout + 30 if timeout > 0 else None
        for batch in self.rpc.SubscribeChannel(request, prvkey, timeout=deadline):
            yield from replies.channel_entries(batch)

    def subscribe_channel(
        self, processid: Any, channel_name: str, prvkey: str, after_seq: int = 0,
        timeout: float = 30, callback: Any = None,
    ) -> list[ChannelEntry] | None:  # fmt: skip
        """pycolonies' form: calls `callback(entries)` for each batch until it
        returns False; without a callback, returns every entry received before
        the timeout (or the end of the process)."""
        request = compat.subscribe_channel(processid, channel_name, after_seq, timeout)
        received: list[ChannelEntry] = []
        deadline = timeout + 30 if timeout > 0 else None
        stream = self.rpc.SubscribeChannel(request, prvkey, timeout=deadline)
        try:
            for batch in stream:
                entries = replies.channel_entries(batch)
                if callback is None:
                    received += entries
                elif callback(entries) is False:
                    break
        finally:
            stream.close()  # type: ignore[attr-defined]  # a generator: ends the call
        return received if callback is None else None


class AsyncChannelMethods:
    rpc: AsyncColoniesStub

    # -------------------------------------------------------- channels --

    async def channel_append(
        self, processid: Any, channel_name: str, sequence: int, payload: bytes | str,
        prvkey: str, in_reply_to: int = 0, payload_type: str = "",
    ) -> ChannelEntry:  # fmt: skip
        request = compat.channel_append(
            processid, channel_name, sequence, payload, in_reply_to, payload_type
        )
        return convert.channel_entry_from_pb(await self.rpc.ChannelAppend(request, prvkey))

    async def channel_read(
        self, processid: Any, channel_name: str, after_seq: int, limit: int, prvkey: str
    ) -> list[ChannelEntry]:
        request = compat.channel_read(processid, channel_name, after_seq, limit)
        return replies.channel_entries(await self.rpc.ChannelRead(request, prvkey))

    async def follow_channel(
        self, processid: Any, channel_name: str, prvkey: str, after_seq: int = 0,
        timeout: float = 0.0,
    ) -> AsyncIterator[ChannelEntry]:  # fmt: skip
        """Yields the entries after the first `after_seq`, then each new one as it
        is appended, until the process ends or `timeout` seconds (0: no limit)."""
        request = compat.subscribe_channel(processid, channel_name, after_seq, timeout)
        deadline = timeout + 30 if timeout > 0 else None
        async for batch in self.rpc.SubscribeChannel(request, prvkey, timeout=deadline):
            for entry in replies.channel_entries(batch):
                yield entry
