"""The ColonyOS-compatible HTTP gateway: scripts written for the published
pycolonies client work against this server unchanged.

    POST /api     ColonyOS' RPC envelope {payloadtype, payload, signature}
    GET  /pubsub  the websocket subscriptions pycolonies' wait() uses
    GET  /health  200 while the store answers

It is an adapter over the same services as the gRPC API: objects made
through one are seen through the other, with the same ids and keys.
wire.py reads and writes the envelope, gateway.py serves the routes, and
colonies.py, processes.py and workflows.py turn each message into a service
call (ColonyOS JSON in -> service -> ColonyOS JSON out).

ColonyOS signs only the base64 payload -- no timestamp, no nonce -- so a
request captured on the wire can be replayed here. The gateway cannot fix
that without breaking the clients it exists for: keep it off where that
matters (--http-port 0), put it behind TLS, and prefer the gRPC API.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server.limits import connection_limit
from server.transport.http_gateway.gateway import Gateway
from server.transport.http_gateway.guard import ConnectionGuard, listen, tls_context

log = logging.getLogger(__name__)


async def start_gateway(server: Any, port: int) -> int:
    """Serves the gateway next to a started ColoniesServer; returns its port. It speaks
    TLS when the server does (the same certificate)."""
    s = server.settings
    gateway = Gateway(server.services, server)
    guard = ConnectionGuard(s.handshake_timeout_s, connection_limit(s.max_connections))
    app = web.Application(client_max_size=s.max_message_bytes, middlewares=[guard.middleware])
    app.router.add_post("/api", gateway.api)
    app.router.add_get("/health", gateway.health)
    app.router.add_get("/pubsub", gateway.pubsub)
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=1.0,
        keepalive_timeout=s.idle_timeout_s, lingering_time=s.handshake_timeout_s,
    )  # fmt: skip
    await runner.setup()
    context = tls_context(s.tls_cert, s.tls_key) if s.tls_cert and s.tls_key else None
    try:
        listener = await listen(runner, guard, s.host, port, context)
    except BaseException:
        await runner.cleanup()
        raise
    sockets = list(listener.sockets)
    server.http_port = sockets[0].getsockname()[1] if sockets else port

    async def stop() -> None:
        listener.close()
        await runner.cleanup()

    server.on_stop(stop)
    log.warning(
        "ColonyOS-compatible HTTP API on %s://%s:%d: its requests carry no timestamp or nonce "
        "and can be replayed; prefer the gRPC API%s (--http-port 0 turns it off)",
        "https" if context else "http", s.host, server.http_port,
        "" if context else ", and keep this behind TLS",
    )  # fmt: skip
    return int(server.http_port)


__all__ = ["Gateway", "start_gateway"]
