"""ColonyOS' RPC envelope on the wire, and the table of message handlers.

A request is {payloadtype, payload, signature}: the payload is base64 JSON
with a `msgtype` equal to the payloadtype, and the signature is over the
base64 text alone. Each handler turns one message into a service call.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import json
import math
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from pycolonies_like import crypto
from pycolonies_like.core import errors
from pycolonies_like.core.models import ProcessState
from pycolonies_like.core.rules import MAX_JSON_DEPTH, check_json_data

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway

Message = dict[str, Any]
Handler = Callable[["Gateway", str, Message], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}

# The one table from domain errors to HTTP statuses (ColonyOS' choices).
HTTP_STATUS: dict[type[errors.ColoniesError], int] = {
    errors.NoProcessAvailable: 404,
    errors.StaleAttempt: 400,
    errors.InvalidArgument: 400,
    errors.NotFound: 404,
    errors.AlreadyExists: 400,
    errors.Unauthenticated: 403,
    errors.PermissionDenied: 403,
    errors.FailedPrecondition: 400,
    errors.RateLimited: 429,
    errors.ResourceExhausted: 413,
    errors.StorageError: 503,
    errors.Unavailable: 503,
    errors.WaitTimeout: 408,
}

UNSUPPORTED = (
    "pause", "resume", "changeid",
    "reportallocation", "executorlog", "searchlogs", "processhist", "cluster",
)  # fmt: skip

UNSIGNED = ("versionmsg", "getserverinfomsg")

# Keys whose value the handlers read as a JSON object (or leave out / null).
OBJECT_KEYS = ("colony", "executor", "user", "fun", "attribute", "cron", "generator",
               "capabilities")  # fmt: skip


def status_of(err: errors.ColoniesError) -> int:
    for cls in type(err).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]  # type: ignore[index]
    return 500


def handles(*payloadtypes: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for payloadtype in payloadtypes:
            HANDLERS[payloadtype] = fn
        return fn

    return register


def handler_of(payloadtype: str) -> Handler:
    handler = HANDLERS.get(payloadtype)
    if handler is None:
        if any(word in payloadtype for word in UNSUPPORTED):
            raise errors.InvalidArgument(
                f"{payloadtype} is not supported by this server (it implements colonies, "
                "executors, users, functions, processes, workflows, logs, attributes, "
                "crons, generators, channels, locations, blueprints, files and snapshots)"
            )
        raise errors.PermissionDenied(f"invalid rpcMsg.PayloadType: {payloadtype}")
    return handler


def dumps(payload: Any) -> bytes:
    """A reply's JSON: orjson's (a tenth of the standard library's time) where it
    writes the same values, else the standard library's. orjson refuses integers
    beyond 64 bits and lone surrogates (the standard library then writes them
    exactly, as before) but would write NaN and infinities as null: a reply
    holding one (none can be stored: every way in refuses them) goes the slow way."""
    if _finite(payload):
        try:
            return orjson.dumps(payload, option=_ORJSON_STRICT)
        except TypeError:  # orjson.JSONEncodeError
            pass
    return json.dumps(payload).encode()


# What the standard library refuses, orjson is told to refuse too.
_ORJSON_STRICT = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _finite(value: Any) -> bool:
    """Whether no float in `value` is NaN or infinite."""
    stack = [value]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if isinstance(item, dict):  # subclasses too: orjson writes them alike
            extend(item.values())
        elif isinstance(item, (list, tuple)):
            extend(item)
        elif isinstance(item, float) and not math.isfinite(item):
            return False
    return True


def envelope(payloadtype: str, payload: Any, error: bool = False) -> str:
    return _wrap(payloadtype, base64.b64encode(dumps(payload)), error)


def _wrap(payloadtype: str, data: bytes, error: bool) -> str:
    # What json.dumps makes of the envelope; base64 needs no escaping.
    return (
        f'{{"payloadtype": {json.dumps(payloadtype)}, "payload": "{data.decode()}", '
        f'"error": {"true" if error else "false"}}}'
    )


_SLICE = 3 * 16 * 1024  # a multiple of 3: base64 slices join without padding


def _json_pieces(payload: Any) -> Iterator[bytes]:
    if isinstance(payload, list):
        yield b"["
        for i, item in enumerate(payload):
            yield (b"," if i else b"") + dumps(item)
        yield b"]"
    else:
        yield dumps(payload)


async def sliced_envelope(payloadtype: str, payload: Any) -> bytes:
    """The envelope of a reply that may be megabytes (the same JSON as `envelope`),
    encoded on the event loop an item and a slice at a time, letting other requests
    in between: a worker thread would not help (the encoding holds the interpreter),
    and several of them starve the event loop of it."""
    parts = [f'{{"payloadtype": {json.dumps(payloadtype)}, "payload": "'.encode()]
    pending = b""
    for piece in _json_pieces(payload):
        pending += piece
        if len(pending) >= _SLICE:
            cut = len(pending) - len(pending) % _SLICE
            for i in range(0, cut, _SLICE):
                parts.append(base64.b64encode(pending[i : i + _SLICE]))
            pending = pending[cut:]
            await asyncio.sleep(0)
    parts.append(base64.b64encode(pending))
    parts.append(b'", "error": false}')
    return b"".join(parts)


def late_body(timeout_s: float) -> str:
    return f"the request body did not arrive within {timeout_s:g} s"


def error_envelope(status: int, message: str) -> str:
    return envelope("error", {"status": status, "message": message}, error=True)


def decode(body: bytes | str) -> tuple[str, str, Message]:
    """(payloadtype, caller id, message) from an envelope."""
    try:
        rpc = json.loads(body)
        check_json_data(rpc, "the envelope")
        payloadtype = rpc["payloadtype"]
        payload = rpc["payload"]
        if not isinstance(payloadtype, str) or not isinstance(payload, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise errors.InvalidArgument("the body is not a ColonyOS RPC envelope") from None
    caller = ""
    if payloadtype not in UNSIGNED:
        try:
            signature = bytes.fromhex(rpc.get("signature") or "")
        except ValueError:
            raise errors.Unauthenticated("the signature is not hex") from None
        caller = _signer(crypto.sha3(payload.encode()), signature)
    try:
        msg = json.loads(base64.b64decode(payload, validate=True)) if payload else {}
    except (ValueError, binascii.Error):
        raise errors.InvalidArgument("the payload is not base64-encoded JSON") from None
    except RecursionError:
        raise errors.InvalidArgument(
            f"the payload nests deeper than {MAX_JSON_DEPTH} levels"
        ) from None
    if not isinstance(msg, dict):
        raise errors.InvalidArgument("the payload must be a JSON object")
    check_json_data(msg)
    for key in OBJECT_KEYS:
        if msg.get(key) is not None and not isinstance(msg[key], dict):
            raise errors.InvalidArgument(f"{key} must be a JSON object, not {_kind(msg[key])}")
    if payloadtype not in UNSIGNED and msg.get("msgtype") != payloadtype:
        raise errors.InvalidArgument(
            f"Failed to parse {payloadtype}, msg.MsgType does not match payloadType"
        )
    return payloadtype, caller, msg


# ColonyOS signs only the payload, deterministically (RFC 6979): a client that
# polls with assignprocessmsg sends the same payload and signature each time.
# Recovery is a pure function of (digest, signature), so remembering its result
# for the last few thousand pairs (about 100 bytes each) gives the same answer
# without the elliptic-curve work. Refusals raise and are not remembered.
_signer = functools.lru_cache(maxsize=4096)(crypto.recover_id)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number"
    )


# ------------------------------------------------------ message fields --


def text(msg: Message, key: str) -> str:
    value = msg.get(key)
    if isinstance(value, (dict, list)):
        raise errors.InvalidArgument(f"{key} must be a string, not {_kind(value)}")
    return "" if value is None else str(value)


def number(msg: Message, key: str, default: int = 0) -> int:
    value = msg.get(key, default)
    try:
        return int(value if value is not None else default)
    except (TypeError, ValueError):
        raise errors.InvalidArgument(f"{key} must be a number") from None


def seconds(msg: Message, key: str) -> float:
    value = msg.get(key)
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.InvalidArgument(f"{key} must be a number of seconds, not {_kind(value)}")
    return float(value)


def process_state(msg: Message, key: str, default: ProcessState) -> ProcessState:
    if msg.get(key) is None:
        return default
    try:
        return ProcessState(number(msg, key))
    except ValueError:
        raise errors.InvalidArgument(f"invalid {key} {msg[key]!r}") from None


def state_or_all(msg: Message) -> ProcessState | None:
    if "state" not in msg or msg["state"] is None or number(msg, "state") == -1:
        return None
    try:
        return ProcessState(number(msg, "state"))
    except ValueError:
        raise errors.InvalidArgument(f"invalid state {msg['state']}") from None
