"""The gateway's listener, guarded against slow and greedy clients.

aiohttp times out idle keep-alive connections but not a client that never
finishes its request headers (slowloris) or that sends its body a byte at a
time. Every connection gets `handshake_timeout_s` to finish the TLS handshake
and the headers of its first request; bodies get `body_timeout_s`; beyond
`max_connections` open connections a new one is closed at once (logged once
with a count), so that accepting never runs into the descriptor limit.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)


class _Guarded(asyncio.Protocol):
    """Passes everything to aiohttp's handler; tells the guard when it opens and closes."""

    def __init__(self, inner: Any, guard: ConnectionGuard) -> None:
        self.inner = inner
        self.guard = guard
        self.transport: asyncio.BaseTransport | None = None
        # The last bytes of the first request's headers while they are read (None
        # once they have ended): their end may come split across reads.
        self._head_tail: bytes | None = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        if not self.guard.opened(transport):
            transport.close()  # nothing was read or written: closing is immediate
            return
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._head_tail is not None:  # until the first request's headers have ended
            seen = self._head_tail + data
            if b"\r\n\r\n" in seen:
                self._head_tail = None
                self.guard.request_started(self.transport)
            else:
                self._head_tail = seen[-3:]
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        result: bool | None = self.inner.eof_received()
        return result

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None and self.guard.closed(self.transport):
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class ConnectionGuard:
    def __init__(self, handshake_timeout_s: float, max_connections: int) -> None:
        self.handshake_timeout_s = handshake_timeout_s
        self.max_connections = max_connections
        self._open: dict[asyncio.BaseTransport, bool] = {}  # transport -> sent a request
        self._refused = 0
        self._refused_since = 0.0

    def opened(self, transport: asyncio.BaseTransport) -> bool:
        if len(self._open) >= self.max_connections:
            self._note_refused()
            return False
        self._open[transport] = False
        asyncio.get_running_loop().call_later(self.handshake_timeout_s, self._check, transport)
        return True

    def closed(self, transport: asyncio.BaseTransport) -> bool:
        """Whether the connection had been let in (and so reached aiohttp)."""
        return self._open.pop(transport, None) is not None

    def request_started(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None and transport in self._open:
            self._open[transport] = True

    def _check(self, transport: asyncio.BaseTransport) -> None:
        if self._open.get(transport) is False:
            log.debug("closing a connection that sent no complete request in time")
            transport.close()

    def _note_refused(self) -> None:
        now = time.monotonic()
        if self._refused == 0 or now - self._refused_since >= 60:
            if self._refused:
                log.warning("refused %d more connections in the last minute", self._refused)
            else:
                log.warning(
                    "refusing HTTP connections: %d are open (--max-connections)",
                    self.max_connections,
                )
            self._refused, self._refused_since = 0, now
        self._refused += 1


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def listen(
    runner: web.AppRunner, guard: ConnectionGuard, host: str, port: int,
    context: ssl.SSLContext | None, reuse_port: bool = False, gateway: Any = None,
    fronts: set[Any] | None = None,
) -> asyncio.base_events.Server:  # fmt: skip
    """Listens with aiohttp's handler behind the guard; with the ColonyOS API
    (`gateway`), behind the lean front that answers POST /api (front.py), whose
    live connections are kept in `fronts`."""
    loop = asyncio.get_running_loop()
    server = runner.server
    assert server is not None, "the runner is not set up"
    if gateway is not None:
        from server.transport.http_gateway.front import Front

        def protocol() -> asyncio.Protocol:
            return Front(server, guard, gateway, fronts)
    else:

        def protocol() -> asyncio.Protocol:
            return _Guarded(server(), guard)

    return await loop.create_server(
        protocol, host, port, ssl=context,
        ssl_handshake_timeout=guard.handshake_timeout_s if context else None, backlog=512,
        reuse_port=reuse_port or None,
    )  # fmt: skip
