"""The ColonyOS-compatible HTTP gateway: scripts written for the published
pycolonies client work against this server unchanged.

    POST /api     ColonyOS' RPC envelope {payloadtype, payload, signature}
    GET  /pubsub  the websocket subscriptions pycolonies' wait() uses

(served on the server's HTTP port by server/transport/web.py, beside
/health, /metrics and the dashboard).

It is an adapter over the same services as the gRPC API: objects made
through one are seen through the other, with the same ids and keys.
front.py answers a connection's plain POST /api requests without aiohttp's
request machinery (and hands anything else to aiohttp), guard.py sheds slow
and excess connections, wire.py reads and writes the envelope, gateway.py
serves the routes, and
colonies.py, processes.py and workflows.py turn each message into a service
call (ColonyOS JSON in -> service -> ColonyOS JSON out).

ColonyOS signs only the base64 payload -- no timestamp, no nonce -- so a
request captured on the wire can be replayed here. The gateway cannot fix
that without breaking the clients it exists for: keep it off where that
matters (it is off unless asked for with --colonyos-api), serve it with TLS, and prefer
the gRPC API.
"""

from __future__ import annotations

from typing import Any

from server.transport.http_gateway.gateway import Gateway


async def start_gateway(server: Any, port: int) -> int:
    """Serves the server's HTTP port (this API among its routes); returns its port."""
    from server.transport.web import start_http

    return await start_http(server, port)


__all__ = ["Gateway", "start_gateway"]
