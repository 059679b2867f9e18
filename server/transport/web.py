"""The server's HTTP port: health, metrics, the dashboard, the ColonyOS API.

    GET  /health    200 while the store answers
    GET  /metrics   Prometheus' text format (unless --no-metrics)
    /ui ...         the web dashboard (server/transport/dashboard.py; unless --no-dashboard)
    POST /api       ColonyOS' RPC envelope   } with --colonyos-api
    GET  /pubsub    ColonyOS' subscriptions  }

The ColonyOS-compatible API is served only when asked for (its requests carry
no timestamp or nonce). With the server's certificate the port speaks TLS;
slow and excess connections are cut (http_gateway/guard.py).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from pycolonies_like.core import errors
from server.config import PortUnavailable, bind_reason
from server.limits import connection_limit
from server.metrics import CONTENT_TYPE
from server.transport.http_gateway.guard import ConnectionGuard, listen, tls_context

log = logging.getLogger(__name__)

# How long a stop waits for the requests being answered (aiohttp's and the front's).
_SHUTDOWN_TIMEOUT_S = 1.0


async def start_http(server: Any, port: int) -> int:
    """Serves the HTTP port next to a started ColoniesServer; returns its port."""
    settings = server.settings
    services = server.services
    guard = ConnectionGuard(
        settings.handshake_timeout_s, connection_limit(settings.max_connections)
    )
    # No middleware: each would cost every request a call (the guard sees a
    # connection's first request from its protocol).
    app = web.Application(client_max_size=settings.max_message_bytes)

    async def health(request: web.Request) -> web.Response:
        try:
            await services.ping()
        except errors.StorageError:
            return web.Response(status=503)
        return web.Response(status=200)

    app.router.add_get("/health", health)
    if settings.metrics and server.metrics is not None:
        metrics = server.metrics

        async def scrape(request: web.Request) -> web.Response:
            try:
                body = await metrics.render()
            except errors.StorageError as err:
                return web.Response(status=503, text=f"{err.message}\n")
            return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

        app.router.add_get("/metrics", scrape)
    if settings.dashboard:
        from server.transport.dashboard import Dashboard

        server.dashboard = Dashboard(server)
        server.dashboard.routes(app)
    gateway = None
    if settings.colonyos_api:
        from server.transport.http_gateway.gateway import Gateway

        gateway = Gateway(services, server)
        app.router.add_post("/api", gateway.api)
        app.router.add_get("/pubsub", gateway.pubsub)
    runner = web.AppRunner(
        app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_TIMEOUT_S,
        keepalive_timeout=settings.idle_timeout_s, lingering_time=settings.handshake_timeout_s,
    )  # fmt: skip
    await runner.setup()
    # TLS on this port too when the server has a certificate: every listener, one certificate.
    context = None
    if settings.tls_cert and settings.tls_key:
        context = tls_context(settings.tls_cert, settings.tls_key)
    fronts: set[Any] = set()  # the lean front's live connections (with the ColonyOS API)
    try:
        listener = await listen(
            runner, guard, settings.host, port, context, settings.reuse_port, gateway, fronts
        )
    except OSError as err:
        await runner.cleanup()
        raise PortUnavailable(
            settings.host, port, "the HTTP API", "--http-port", bind_reason(err)
        ) from None
    sockets = list(listener.sockets)
    server.http_port = sockets[0].getsockname()[1] if sockets else port

    async def stop() -> None:
        listener.close()
        if fronts:
            # aiohttp ends only the connections it was handed; the front's own are
            # ended here (before the store closes), with the same timeout.
            from server.transport.http_gateway.front import shut

            await shut(fronts, _SHUTDOWN_TIMEOUT_S)
        await runner.cleanup()

    server.on_stop(stop)
    if settings.colonyos_api:
        log.warning(
            "ColonyOS-compatible HTTP API on %s:%d: its requests carry no timestamp or nonce and "
            "can be replayed; prefer the gRPC API, and keep this behind TLS "
            "(it is on because --colonyos-api asked for it)",
            settings.host, server.http_port,
        )  # fmt: skip
    else:
        log.info("HTTP on %s:%d (health, metrics, dashboard)", settings.host, server.http_port)
    return int(server.http_port)
