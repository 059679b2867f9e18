"""Messages about the channels of processes (the websocket subscription is in gateway.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycolonies_like.core import codec, errors
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, number, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


def payload_of(msg: Message) -> bytes:
    """Go's []byte: a list of ints (as pycolonies sends it) or base64 text."""
    value = msg.get("payload")
    if value is None:
        return b""
    try:
        payload: bytes = codec.json_bytes(value)
    except codec.Mismatch as err:
        raise errors.InvalidArgument(f"payload: {err}") from None
    return payload


@handles("channelappendmsg")
async def _append(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.channels.append(
        caller, text(msg, "processid"), text(msg, "name"), number(msg, "sequence"),
        payload_of(msg), text(msg, "payloadtype"), number(msg, "inreplyto"),
    )  # fmt: skip
    return {}


@handles("channelreadmsg")
async def _read(gw: Gateway, caller: str, msg: Message) -> Any:
    entries = await gw.services.channels.read(
        caller, text(msg, "processid"), text(msg, "name"), number(msg, "afterseq"),
        number(msg, "limit"),
    )  # fmt: skip
    return [cj.channel_entry_json(e) for e in entries]
