"""The lean front of the HTTP port: POST /api without aiohttp's request machinery.

aiohttp spends more of the server's CPU on a request (its request and response
objects, a task per request, routing) than the gateway spends on a cheap one.
A connection starts here: while it sends plain `POST /api HTTP/1.1` requests
with a Content-Length and nothing unusual in their headers, each is answered
directly (Gateway.answer). At the first request that is anything else
(another path or method, chunked bodies, Expect, Upgrade, HTTP/1.0, a
header this front does not read simply, a body over the limit), the
connection is handed to aiohttp from the first byte of that request on,
for good: aiohttp's parser and routes then judge it. A request is only read
here when it is whole; a client's requests are answered one at a time, in
order. What differs from aiohttp's answers is the reply's headers (no Server
header, this front's own Date and Content-Type spelling).

When the server stops (shut), idle connections close at once and a request
being answered gets its reply, for up to aiohttp's shutdown timeout.

The guard's duties stay: the connection limit and the time to a first
request's headers (guard.py), the body timeout (408, the same envelope as
aiohttp's path) and the idle timeout between requests.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from server.transport.http_gateway.guard import ConnectionGuard
from server.transport.http_gateway.wire import error_envelope, late_body

_REQUEST_LINE = b"POST /api HTTP/1.1\r\n"
_HEAD_LIMIT = 8190  # aiohttp's limit on a request line or header: beyond it, aiohttp judges
# Bytes a header may hold here: visible ASCII, space and tab (CR LF only as line ends).
_ODD_BYTES = re.compile(rb"[^\t\x20-\x7e\r\n]|\r(?!\n)|(?<!\r)\n")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Headers whose presence sends a request to aiohttp.
_NOT_HERE = frozenset({b"transfer-encoding", b"expect", b"upgrade"})
# Headers aiohttp refuses twice (its SINGLETON_HEADERS): a second one sends a request to it.
_ONCE = frozenset({
    b"content-location", b"content-range", b"content-type", b"etag", b"host",
    b"max-forwards", b"server", b"user-agent",
})  # fmt: skip

log = logging.getLogger(__name__)


class _Date:
    """The Date header, formatted once a second."""

    second = -1
    value = b""

    @classmethod
    def now(cls) -> bytes:
        second = int(time.time())
        if second != cls.second:
            cls.second, cls.value = second, formatdate(second, usegmt=True).encode()
        return cls.value


def _head(status: int, length: int, headers: dict[str, str] | None, close: bool) -> bytes:
    lines = [
        b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode()),
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n" % length,
        b"Date: " + _Date.now() + b"\r\n",
    ]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}\r\n".encode())
    if close:
        lines.append(b"Connection: close\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


def parse_head(head: bytes) -> tuple[int, bool] | None:
    """(content length, whether the client asks to close) of a request head that
    this front serves (the bytes after the request line, up to the blank line);
    None for anything else (aiohttp then reads it)."""
    if _ODD_BYTES.search(head):
        return None
    length = -1
    close = False
    seen: set[bytes] = set()
    for line in head.split(b"\r\n") if head else ():
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            return None  # also a folded line (it starts with a space)
        name = name.lower()
        if name == b"content-length":
            value = value.strip(b" \t")
            if length >= 0 or not value.isdigit() or len(value) > 18:
                return None
            length = int(value)
        elif name in _NOT_HERE:
            return None
        elif name in _ONCE:
            if name in seen:
                return None
            seen.add(name)
        elif name == b"connection":
            options = {o.strip(b" \t").lower() for o in value.split(b",")}
            if b"upgrade" in options:
                return None
            close = close or b"close" in options
    if length < 0:
        return None
    return length, close


class Front(asyncio.Protocol):
    """One connection of the HTTP port (see the module's docstring)."""

    def __init__(
        self, make_inner: Any, guard: ConnectionGuard, gateway: Any, live: set[Front] | None = None
    ) -> None:
        self.make_inner = make_inner
        self.live = live if live is not None else set()  # the port's front connections
        self.guard = guard
        self.gateway = gateway
        settings = gateway.server.settings
        self.max_body = settings.max_message_bytes
        self.body_timeout_s = 3 * settings.handshake_timeout_s
        self.idle_timeout_s = settings.idle_timeout_s
        self.transport: asyncio.Transport | None = None
        self.inner: Any = None  # aiohttp's handler, once the connection is handed over
        self.buffer = bytearray()  # appended to and cut from the front in place
        self.need = 0  # the whole request's size, once its head is read here
        self.head: tuple[int, int, bool] = (0, 0, False)  # (body's start, total, close)
        self.stopping = False  # the server stops: the request being answered is the last
        self.busy = False  # a request is being answered
        self.started = False  # the first request's headers are in
        self.closing = False
        self.peer = ""
        self.timer: asyncio.TimerHandle | None = None  # the idle or the body timeout
        self.waiting_body = False  # the timer is the body's
        self.tail = b""  # the last bytes seen while the first request's headers arrive
        self.paused = False  # reading, while pipelined requests pile up
        self.drained: asyncio.Future[None] | None = None  # writing, while a reply is sent

    # ----------------------------------------------------------- protocol --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if not self.guard.opened(transport):
            self.closing = True
            transport.close()  # nothing was read or written: closing is immediate
            return
        self.live.add(self)
        address = transport.get_extra_info("peername")
        self.peer = f"http:{address[0]}:{address[1]}" if address else ""

    def data_received(self, data: bytes) -> None:
        if self.inner is not None:
            if not self.started:
                self._count(data)
            self.inner.data_received(data)
            return
        self.buffer += data
        if not self.busy:
            self._next()
        elif len(self.buffer) > self.max_body + _HEAD_LIMIT and not self.paused:
            self.paused = True  # pipelined requests wait for the one being answered
            self.transport.pause_reading()  # type: ignore[union-attr]

    def eof_received(self) -> bool | None:
        if self.inner is not None:
            result: bool | None = self.inner.eof_received()
            return result
        return None  # the transport closes; a reply being made finds it gone

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.live.discard(self)
        self._stop_timer()
        self._drain()
        let_in = self.transport is not None and self.guard.closed(self.transport)
        if let_in and self.inner is not None:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.inner is not None:
            self.inner.pause_writing()
        elif self.drained is None:
            self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.inner is not None:
            self.inner.resume_writing()
        self._drain()

    def _drain(self) -> None:
        if self.drained is not None:
            if not self.drained.done():
                self.drained.set_result(None)
            self.drained = None

    # ----------------------------------------------------------- requests --

    def _next(self) -> None:
        """Answers the request at the front of the buffer if it is whole and
        ours; hands the connection to aiohttp if it is not ours."""
        buffer = self.buffer
        if not buffer or self.closing:
            return
        if self.need:  # the head is read: only the body's size matters
            if len(buffer) >= self.need:
                self._take()
            return
        if not buffer.startswith(_REQUEST_LINE):
            if len(buffer) < len(_REQUEST_LINE) and _REQUEST_LINE.startswith(buffer):
                return  # the request line is still arriving
            self._hand_over()
            return
        end = buffer.find(b"\r\n\r\n", len(_REQUEST_LINE) - 2)
        if end < 0:
            if len(buffer) > _HEAD_LIMIT:
                self._hand_over()
            return
        if not self.started:
            self.started = True
            self.guard.request_started(self.transport)
        if end > _HEAD_LIMIT:  # a line may be over aiohttp's limit: it judges
            self._hand_over()
            return
        parsed = parse_head(bytes(buffer[len(_REQUEST_LINE) : end]))
        if parsed is None or parsed[0] > self.max_body:
            self._hand_over()
            return
        length, close = parsed
        total = end + 4 + length
        self.head, self.need = (end + 4, total, close), total
        if len(buffer) < total:  # the body is on its way
            if not self.waiting_body:
                self._stop_timer()
                self.waiting_body = True
                loop = asyncio.get_running_loop()
                self.timer = loop.call_later(self.body_timeout_s, self._late_body)
            return
        self._take()

    def _take(self) -> None:
        """Takes the whole request at the front of the buffer and answers it."""
        start, total, close = self.head
        self.need = 0
        self._stop_timer()
        body = bytes(self.buffer[start:total])
        del self.buffer[:total]
        self.busy = True
        asyncio.get_running_loop().create_task(self._serve(body, close))

    async def _serve(self, body: bytes, close: bool) -> None:
        try:
            await self._answer(body, close)
        except Exception:
            log.exception("the HTTP front failed on a request from %s", self.peer or "a client")
            self.busy = False
            self.closing = True
            if self.transport is not None:
                self.transport.close()

    async def _answer(self, body: bytes, close: bool) -> None:
        written = False
        close = close or self.stopping

        async def send(status: int, data: bytes, headers: dict[str, str] | None) -> bool:
            nonlocal written
            transport = self.transport
            if transport is None or transport.is_closing():
                return False
            last = close or self.stopping
            transport.write(_head(status, len(data), headers, last) + data)
            written = True
            return True

        try:
            await self.gateway.answer(body, self.peer, self._gone, send)
            if self.drained is not None:  # a big reply: the next request waits for the client
                await self.drained
        finally:
            self.busy = False
        transport = self.transport
        assert transport is not None
        if (
            close or not written or self.stopping
        ):  # asked to close, or a poll whose client went away
            self.closing = True
            transport.close()
            return
        if self.paused:
            self.paused = False
            transport.resume_reading()
        if self.buffer:
            self._next()
        if not (self.busy or self.timer or self.inner or self.closing):
            # Until the next request is whole (a head begun counts as idle).
            loop = asyncio.get_running_loop()
            self.timer = loop.call_later(self.idle_timeout_s, self._idle)

    def _gone(self) -> bool:
        return self.closing or self.transport is None or self.transport.is_closing()

    def _late_body(self) -> None:
        self.timer = None
        if self.busy or self.inner is not None or self.transport is None:
            return
        message = error_envelope(408, late_body(self.body_timeout_s)).encode()
        self.transport.write(_head(408, len(message), None, True) + message)
        self.closing = True
        self.transport.close()  # the rest of the body is not worth waiting for

    def _idle(self) -> None:
        """No request within the idle timeout (or one begun and never finished)."""
        self.timer = None
        if not self.busy and self.inner is None and self.transport is not None:
            self.closing = True
            self.transport.close()

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.waiting_body = False

    def _count(self, data: bytes) -> None:
        """The guard's clock for the first request, from the end of its headers."""
        seen = self.tail + data
        if b"\r\n\r\n" in seen:
            self.started = True
            self.guard.request_started(self.transport)
        else:
            self.tail = seen[-3:]

    def _hand_over(self) -> None:
        """From the first byte of the buffer on, the connection is aiohttp's."""
        self._stop_timer()
        buffer, self.buffer = bytes(self.buffer), bytearray()
        self.need = 0
        if not self.started:
            self._count(buffer)
        self.inner = self.make_inner()
        self.inner.connection_made(self.transport)
        if self.paused:
            self.paused = False
            self.transport.resume_reading()  # type: ignore[union-attr]
        self.inner.data_received(buffer)


async def shut(live: set[Front], timeout_s: float) -> None:
    """Ends the port's front connections as the server stops (before its store
    closes): idle ones at once; one answering a request gets its reply, for up to
    `timeout_s` (aiohttp's shutdown timeout), and closes then. Connections handed
    to aiohttp are aiohttp's to end."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        busy = False
        for front in list(live):
            if front.inner is not None:
                continue
            front.stopping = True
            if front.busy and loop.time() < deadline:
                busy = True
            elif front.transport is not None and not front.closing:
                front.closing = True
                front._stop_timer()
                front.transport.close()
        if not busy:
            return
        await asyncio.sleep(0.01)
