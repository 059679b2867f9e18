"""ColonyOS HTTP gateway benchmark: prints figures, asserts nothing.

Starts `colonies server start` with its ColonyOS-compatible HTTP API in a
child process (SQLite unless --db is given) and drives it as ColonyOS clients
do: each request a signed envelope (base64 JSON payload, a recoverable
secp256k1 signature over it, as pycolonies sends them), over keep-alive HTTP
connections. S submitters submit N processes one call each while E
executors assign (long poll) and close them. Prints processes/s, the
server's CPU per process (from /proc) and the load generator's own.

The load generator shares the machine with the server, so it is kept lean:
each submitter and executor has one keep-alive connection of a minimal
HTTP/1.1 client (--aiohttp-client: aiohttp's, as before), and a message it
sends again (a submit of the same spec, a poll) is signed once: ColonyOS'
signatures are deterministic, so the bytes are those pycolonies would send.

    python bench/gateway.py [--processes 5000] [--executors 8] [--submitters 4]
                            [--db postgresql://...] [--workers 2] [--aiohttp-client]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lifecycle import COLONY, TYPE, ceiling, cpu_seconds, setup
from pycolonies_like.client import AsyncColonies
from pycolonies_like.crypto import generate_private_key, id_of, sha3, sign_digest
from server.testing import ServerProcess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def envelope(msg: dict[str, Any], prvkey: str) -> bytes:
    """A request as pycolonies builds it."""
    payload = base64.b64encode(json.dumps(msg).encode()).decode()
    signature = sign_digest(sha3(payload.encode()), prvkey).hex()
    return json.dumps(
        {"payloadtype": msg["msgtype"], "payload": payload, "signature": signature}
    ).encode()


_SIGNED: dict[tuple[str, str], bytes] = {}


def envelope_again(msg: dict[str, Any], prvkey: str) -> bytes:
    """envelope() of a message sent again and again, signed once (the same bytes)."""
    key = (json.dumps(msg), prvkey)
    if key not in _SIGNED:
        _SIGNED[key] = envelope(msg, prvkey)
    return _SIGNED[key]


def reply_payload(status: int, body: bytes) -> Any:
    if status != 200:
        return None
    return json.loads(base64.b64decode(json.loads(body)["payload"]))


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time: the load
    generator's own minimal client (it reads what the gateway sends)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.head = f"POST /api HTTP/1.1\r\nHost: {host}:{port}\r\n".encode()

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        start = head.index(b"content-length:") + 15
        length = int(head[start : head.index(b"\r\n", start)])
        reply = await reader.readexactly(length)
        if b"connection: close" in head:
            writer.close()
            self.streams = None
        return int(head[9:12]), reply

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


async def rpc(http: Any, url: str, msg: dict[str, Any], key: str, again: bool = False) -> Any:
    body = envelope_again(msg, key) if again else envelope(msg, key)
    if isinstance(http, Connection):
        return reply_payload(*await http.post(body))
    async with http.post(url, data=body) as response:
        return reply_payload(response.status, await response.read())


async def run(args: argparse.Namespace) -> None:
    n = args.processes
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        server_key = generate_private_key()
        http_port = free_port()
        # The ColonyOS API is served only when asked for; the per-identity
        # rate limit would measure itself, not the gateway.
        server_args = ["--http-port", str(http_port), "--colonyos-api", "--rate-limit", "0"]
        if args.db:
            server_args += ["--db", args.db]
        if args.workers > 1:
            server_args += ["--workers", str(args.workers)]
        srv = ServerProcess(os.path.join(tmp, "s"), server_key=server_key, args=server_args)
        srv.start(timeout=60)
        client = AsyncColonies("127.0.0.1", srv.port)
        url = f"http://127.0.0.1:{http_port}/api"
        try:
            colony_key, keys = await setup(client, server_key, args.executors)
            user_key = generate_private_key()
            await client.add_user(
                {"colonyname": COLONY, "userid": id_of(user_key), "name": "bench"}, colony_key
            )
            store = args.db.split("://")[0] if args.db else "sqlite"
            print(f"store: {store}; workers: {args.workers}; executors: {args.executors}; "
                  f"submitters: {args.submitters}; processes: {n}")  # fmt: skip
            spec = {"funcname": "work", "args": [1], "maxexectime": -1, "maxwaittime": -1,
                    "conditions": {"colonyname": COLONY, "executortype": TYPE}}  # fmt: skip
            left, done = n, 0
            finished = asyncio.Event()
            limits = aiohttp.TCPConnector(limit=0, force_close=False)
            connections: list[Connection] = []

            def connection() -> Any:
                if args.aiohttp_client:
                    return http
                connections.append(Connection("127.0.0.1", http_port))
                return connections[-1]

            async with aiohttp.ClientSession(connector=limits) as http:

                async def submitter() -> None:
                    nonlocal left
                    conn = connection()
                    while left > 0:
                        left -= 1
                        await rpc(conn, url, {"msgtype": "submitfuncspecmsg", "spec": spec},
                                  user_key, again=True)  # fmt: skip

                async def executor(key: str) -> None:
                    nonlocal done
                    conn = connection()
                    poll = {"msgtype": "assignprocessmsg", "timeout": 1, "colonyname": COLONY}
                    while not finished.is_set():
                        process = await rpc(conn, url, poll, key, again=True)
                        if process is None:
                            continue
                        await rpc(conn, url, {"msgtype": "closesuccessfulmsg",
                                              "processid": process["processid"], "out": ["ok"]},
                                  key)  # fmt: skip
                        done += 1
                        if done >= n:
                            finished.set()

                assert srv.proc is not None
                cpu0, mine0 = cpu_seconds(srv.proc.pid), time.process_time()
                t0 = time.perf_counter()
                workers = [asyncio.create_task(executor(k)) for k in keys]
                await asyncio.gather(*(submitter() for _ in range(args.submitters)))
                await finished.wait()
                wall = time.perf_counter() - t0
                cpu = cpu_seconds(srv.proc.pid) - cpu0
                mine = time.process_time() - mine0
                await asyncio.gather(*workers)
                for conn in connections:
                    conn.close()
            print(f"full lifecycle over HTTP  {n / wall:8.0f} processes/s; server CPU "
                  f"{cpu / n * 1e6:.0f} us per process ({cpu / wall:.2f} cores busy); "
                  f"load generator {mine / n * 1e6:.0f} us per process")  # fmt: skip
            print(ceiling((cpu + mine) / n, "processes"))
        finally:
            await client.close_channel()
            srv.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=5000)
    parser.add_argument("--executors", type=int, default=8)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument(
        "--aiohttp-client", action="store_true", help="send with aiohttp's client (heavier)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
