"""The gateway's routes: the RPC envelope and websocket subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from pycolonies_like.core import errors
from pycolonies_like.core.models import FINAL_STATES, ProcessState
from server.service import Services
from server.service.slices import colony_turn, vouch
from server.transport import colonyos_json as cj
from server.transport.http_gateway import (
    blueprints,
    channels,
    colonies,
    files,
    processes,
    workflows,
)
from server.transport.http_gateway.wire import (
    Message,
    decode,
    envelope,
    error_envelope,
    handler_of,
    late_body,
    number,
    process_state,
    seconds,
    sliced_envelope,
    status_of,
    text,
)

log = logging.getLogger(__name__)

# Replies that may carry megabytes: encoded off the event loop.
_BIG_REPLIES = frozenset({"getlogsmsg", "getprocessesmsg", "getprocessgraphsmsg"})

# The handlers register themselves on import.
_HANDLER_MODULES = (blueprints, channels, colonies, files, processes, workflows)
# ColonyOS ends a channel subscription without a timeout after 30 s.
_CHANNEL_TIMEOUT_S = 30.0


# How often a parked assignprocessmsg checks that its client is still there.
CONNECTION_CHECK_S = 0.1


# Whether the client went away; sends a reply (status, body, headers) and says
# whether it was written to a live connection.
Gone = Callable[[], bool]
Send = Callable[[int, bytes, "dict[str, str] | None"], Awaitable[bool]]


def colony_of(payloadtype: str, msg: Message) -> str:
    """The colony a ColonyOS message names ("" when none): a submit's, the one
    the service checks (its function spec's conditions', a workflow's own),
    else its `colonyname`."""
    spec = msg.get("spec")
    if payloadtype in _VOUCHING and isinstance(spec, dict):
        if payloadtype == "submitworkflowspecmsg":
            name = spec.get("colonyname")
        else:
            conditions = spec.get("conditions")
            name = conditions.get("colonyname") if isinstance(conditions, dict) else None
        return name if isinstance(name, str) else ""
    name = msg.get("colonyname")
    return name if isinstance(name, str) else ""


# Accepted, these prove the caller a member of the colony colony_of reads.
_VOUCHING = ("submitfuncspecmsg", "submitworkflowspecmsg")


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class Gateway:
    def __init__(self, services: Services, server: Any) -> None:
        self.services = services
        self.server = server

    def checker_period_ms(self) -> int:
        return int(self.server.settings.cron_interval_s * 1000)

    async def call(self, payloadtype: str, caller: str, msg: Message) -> Any:
        return await handler_of(payloadtype)(self, caller, msg)

    # ------------------------------------------------------------- routes --

    async def api(self, request: web.Request) -> web.StreamResponse:
        """POST /api through aiohttp (a connection the lean front handed over: see front.py)."""
        # A body sent a byte at a time holds a connection no longer than this.
        body_timeout = 3 * self.server.settings.handshake_timeout_s
        try:
            if request.content.is_eof():
                # The whole body is here (the usual case): read() cannot wait,
                # so no timer and no task for wait_for.
                body = await request.read()
            else:
                body = await asyncio.wait_for(request.read(), body_timeout)
        except asyncio.TimeoutError:
            response = web.Response(status=408, text=error_envelope(408, late_body(body_timeout)))
            response.force_close()  # the rest of the body is not worth waiting for
            return response
        except web.HTTPRequestEntityTooLarge:
            limit = self.server.settings.max_message_bytes
            big = f"the request body is larger than {limit} bytes"
            return web.Response(status=413, text=error_envelope(413, big))
        sent: list[web.StreamResponse] = []

        async def send(status: int, data: bytes, headers: dict[str, str] | None) -> bool:
            response = web.Response(
                status=status, body=data, headers=headers, content_type="text/plain",
                charset="utf-8",
            )  # fmt: skip
            sent.append(response)
            try:
                await response.prepare(request)
                await response.write_eof()
            except (ConnectionError, RuntimeError):
                return False
            return True

        await self.answer(body, _peer(request), lambda: _gone(request), send)
        return sent[0] if sent else web.Response(status=499, text="")

    async def answer(self, body: bytes, peer: str, gone: Gone, send: Send) -> None:
        """Serves one POST /api body: sends its reply with `send` (nothing when the
        client went away before its process was claimed; see _assign)."""
        payloadtype = "error"
        sent = False  # once a reply is on the wire, a later failure sends no second one

        async def reply(status: int, data: bytes, headers: dict[str, str] | None) -> bool:
            nonlocal sent
            sent = True
            return await send(status, data, headers)

        try:
            limits = self.server.limits
            early = limits.refuse_early(peer)
            if early is not None:  # before the signature is checked: see server/limits.py
                await limits.refuse(*early)
            payloadtype, caller, msg = decode(body)
            limits.note_peer(peer, caller)
            try:
                limits.admit(caller)
            except errors.RateLimited as err:
                await limits.refuse(caller, err)
            try:
                colony = colony_of(payloadtype, msg)
                if colony:  # colonies take turns on the loop (service/slices.py)
                    await colony_turn(colony, caller)
                if payloadtype == "assignprocessmsg":
                    if await self._assign(caller, msg, gone, reply) and colony:
                        vouch(colony, caller)  # assigned work: an approved executor
                    return
                result = await self.call(payloadtype, caller, msg)
                if colony and payloadtype in _VOUCHING:
                    vouch(colony, caller)
            finally:
                limits.release(caller)
            await self.services.durable()
            if payloadtype in _BIG_REPLIES:
                data = await sliced_envelope(payloadtype, result)
            else:
                data = envelope(payloadtype, result).encode()
        except errors.ColoniesError as err:
            if sent:
                log.warning("%s failed after its reply was sent: %s", payloadtype, err.message)
                return
            status = status_of(err)
            headers = None
            if isinstance(err, errors.RateLimited):
                headers = {"Retry-After": str(max(1, math.ceil(err.retry_after_s)))}
            await send(status, error_envelope(status, err.message).encode(), headers)
            return
        except Exception:
            log.exception("unexpected error in %s", payloadtype)
            if sent:
                return
            await send(500, error_envelope(500, "internal server error").encode(), None)
            return
        await send(200, data, None)

    async def _assign(self, caller: str, msg: Message, gone: Gone, send: Send) -> bool:
        """assignprocessmsg, for a client that may go away: a poll whose
        client closed its connection stops (and claims nothing); a process
        claimed for a client that is gone goes back to the queue; one written
        to a live connection is confirmed (its lease then follows maxexectime,
        as ColonyOS' protocol has no heartbeats). If the reply is lost after
        all, the short confirmation timeout brings the process back. True
        when a process was assigned (the caller is an approved executor)."""
        service = self.services.processes
        poll = asyncio.ensure_future(processes.assign(self, caller, msg))
        try:
            while not poll.done():
                await asyncio.wait([poll], timeout=CONNECTION_CHECK_S)
                if not poll.done() and gone():
                    poll.cancel()
                    with contextlib.suppress(BaseException):
                        await poll
                    return False
        except asyncio.CancelledError:
            poll.cancel()
            raise
        process = poll.result()
        await self.services.durable()
        if gone():
            await service.give_back(process, "the client that polled for it went away")
            return True
        data = envelope("assignprocessmsg", cj.process_json(process)).encode()
        if not await send(200, data, None):
            await service.give_back(process, "the client that polled for it went away")
            return True
        with contextlib.suppress(errors.ColoniesError):
            await service.acknowledge(caller, process.processid, process.attempt)
        return True

    async def pubsub(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=self.server.settings.max_message_bytes)
        await ws.prepare(request)
        try:
            message = await ws.receive(timeout=30)
            if message.type != WSMsgType.TEXT:
                return ws
            payloadtype, caller, msg = decode(message.data)
            if payloadtype == "subscribeprocessmsg":
                await self._subscribe_process(ws, caller, msg)
            elif payloadtype == "subscribeprocessesmsg":
                await self._subscribe_processes(ws, caller, msg)
            elif payloadtype == "subscribechannelmsg":
                await self._subscribe_channel(ws, caller, msg)
            else:
                raise errors.InvalidArgument(f"{payloadtype} is not a subscription of this server")
        except errors.ColoniesError as err:
            await ws.send_str(error_envelope(status_of(err), err.message))
        except (asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            await ws.close()
        return ws

    async def _subscribe_process(
        self, ws: web.WebSocketResponse, caller: str, msg: Message
    ) -> None:
        """Pushes the process when it reaches `state` (at once if it is there).
        Unlike ColonyOS, a process that ends in another state is reported too,
        as an error frame, instead of leaving the client waiting."""
        processid = text(msg, "processid")
        state = process_state(msg, "state", ProcessState.SUCCESSFUL)
        timeout = seconds(msg, "timeout")
        process = await self.services.processes.get_process(caller, processid)
        events = self.services.subscriptions.subscribe_events(
            caller, process.colonyname, processid=processid,
            states=sorted({state, *FINAL_STATES}), include_current=True, timeout=timeout,
        )  # fmt: skip
        async for event in events:
            if event.process is None:
                continue
            await self.services.durable()
            if event.process.state == state:
                await ws.send_str(envelope("subscribeprocessmsg", cj.process_json(event.process)))
            elif event.process.state.is_final:
                reason = "; ".join(event.process.errors)
                raise errors.FailedPrecondition(
                    f"process {processid} ended as {event.process.state.name.lower()}"
                    + (f": {reason}" if reason else "")
                )

    async def _subscribe_processes(
        self, ws: web.WebSocketResponse, caller: str, msg: Message
    ) -> None:
        colonyname = text(msg, "colonyname")
        if not colonyname:
            raise errors.InvalidArgument("colonyname is required")
        state = process_state(msg, "state", ProcessState.WAITING)
        events = self.services.subscriptions.subscribe_events(
            caller, colonyname, executortype=text(msg, "executortype"),
            states=[state], timeout=seconds(msg, "timeout"),
        )  # fmt: skip
        async for event in events:
            if event.process is not None:
                await self.services.durable()
                await ws.send_str(envelope("subscribeprocessesmsg", cj.process_json(event.process)))

    async def _subscribe_channel(
        self, ws: web.WebSocketResponse, caller: str, msg: Message
    ) -> None:
        """ColonyOS' framing: the entries after `afterseq` in one frame (if any),
        then one frame per new entry, and an empty frame at the end (the
        timeout, or here also the end of the process)."""
        batches = self.services.channels.subscribe(
            caller, text(msg, "processid"), text(msg, "name"),
            number(msg, "afterseq"), seconds(msg, "timeout") or _CHANNEL_TIMEOUT_S,
        )  # fmt: skip
        first = True
        async for entries in batches:
            frames = [entries] if first else [[e] for e in entries]
            first = False
            for frame in frames:
                payload = [cj.channel_entry_json(e) for e in frame]
                await ws.send_str(envelope("subscribechannelmsg", payload))
        await ws.send_str(envelope("subscribechannelmsg", []))


def _peer(request: web.Request) -> str:
    """The connection a request came over (HTTP keeps it alive between requests)."""
    transport = request.transport
    address = transport.get_extra_info("peername") if transport is not None else None
    return f"http:{address[0]}:{address[1]}" if address else ""
