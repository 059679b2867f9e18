"""A client that goes away mid-call leaves no traceback in the server's log: a gRPC
stream cancelled, a long poll cancelled, an HTTP client closing mid-response, a
/pubsub websocket dropped, an executor session whose process dies. The server is a
real `colonies server start`, its output in a file."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from pycolonies_like.core.models import FuncSpec
from pycolonies_like.crypto import Crypto
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ServerProcess, bootstrap, free_port
from tests.conftest import spec
from tests.server.test_auth import signed

ROOT = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, proc: ServerProcess, http_port: int, keys: ColonyKeys) -> None:
        self.proc, self.http_port, self.keys = proc, http_port, keys

    @property
    def port(self) -> int:
        return self.proc.port

    def log(self) -> str:
        return Path(self.proc.log_path).read_text()

    def settled_log(self) -> str:
        """The log once the server has dealt with the disconnect: it answers again."""
        time.sleep(0.3)  # the server learns of a closed connection in its own time
        client = self.proc.client()
        try:
            assert client.get_colony(self.keys.colonyname, self.keys.user_key).name
        finally:
            client.close_channel()
        return self.log()


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    http_port = free_port()
    data = str(tmp_path_factory.mktemp("disconnects"))
    # After the `--http-port 0` ServerProcess gives: the last one wins.
    proc = ServerProcess(data, args=["--colonyos-api", "--http-port", str(http_port)])
    proc.start()
    try:
        client = proc.client()
        keys = bootstrap(client, proc.server_key, executors=1)
        client.close_channel()
        yield Server(proc, http_port, keys)
    finally:
        proc.terminate()


def no_traceback(log: str) -> None:
    assert "Traceback" not in log, log[-3000:]
    assert "Exception" not in log, log[-3000:]  # "Task exception was never retrieved", ...


def call_future(srv: Server, method: str, request: object, key: str):  # type: ignore[no-untyped-def]
    payload = request.SerializeToString()  # type: ignore[attr-defined]
    path = f"/colonies.v1.Colonies/{method}"
    return path, payload, signed(key, payload, method=path)


def test_a_grpc_stream_cancelled_mid_call(srv: Server) -> None:
    k = srv.keys
    path, payload, metadata = call_future(
        srv, "SubscribeEvents", pb.SubscribeEventsRequest(colonyname=k.colonyname), k.user_key
    )
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        stream = channel.unary_stream(path)(payload, metadata=metadata, timeout=30)
        time.sleep(0.3)  # subscribed before the process comes
        client = srv.proc.client()
        client.submit(spec(k.colonyname, executortype="nobody"), k.user_key)  # an event
        client.close_channel()
        assert next(stream)  # the stream is live
        stream.cancel()
    no_traceback(srv.settled_log())


def test_a_long_poll_cancelled_mid_call(srv: Server) -> None:
    k = srv.keys
    request = pb.AssignRequest(colonyname=k.colonyname, timeout=20)
    path, payload, metadata = call_future(srv, "Assign", request, k.executor_key)
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        future = channel.unary_unary(path).future(payload, metadata=metadata, timeout=30)
        time.sleep(0.3)
        future.cancel()
    no_traceback(srv.settled_log())


def envelope(payloadtype: str, msg: dict[str, object], key: str) -> bytes:
    payload = base64.b64encode(json.dumps({**msg, "msgtype": payloadtype}).encode()).decode()
    return json.dumps(
        {"payloadtype": payloadtype, "payload": payload, "signature": Crypto().sign(payload, key)}
    ).encode()


def http_request(body: bytes) -> bytes:
    return (
        b"POST /api HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def reset(sock: socket.socket) -> None:
    """Closes with a reset, as a client that dies does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def NOBODY(k: ColonyKeys):  # type: ignore[no-untyped-def]
    return spec(k.colonyname, executortype="nobody").conditions


def test_an_http_client_closing_mid_response(srv: Server) -> None:
    k = srv.keys
    client = srv.proc.client()
    big = "x" * (1024 * 1024)
    for _ in range(3):
        client.submit(FuncSpec(funcname="big", args=[big], conditions=NOBODY(k)),
                      k.user_key)  # fmt: skip
    client.close_channel()
    body = envelope("getprocessesmsg", {"colonyname": k.colonyname, "state": 0, "count": 3},
                    k.user_key)  # fmt: skip
    for _ in range(3):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", srv.http_port))
        sock.sendall(http_request(body))
        sock.settimeout(10)
        assert sock.recv(100).startswith(b"HTTP/1.1 200 ")  # the reply has begun
        reset(sock)
    no_traceback(srv.settled_log())


def test_an_http_long_poll_closed(srv: Server) -> None:
    k = srv.keys
    body = envelope("assignprocessmsg", {"colonyname": k.colonyname, "timeout": 20},
                    k.executor_key)  # fmt: skip
    sock = socket.create_connection(("127.0.0.1", srv.http_port))
    sock.sendall(http_request(body))
    time.sleep(0.3)
    reset(sock)
    no_traceback(srv.settled_log())


def websocket_frame(text: str) -> bytes:
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    else:
        head += bytes([0x80 | 126]) + struct.pack(">H", len(data))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def test_a_pubsub_websocket_dropped(srv: Server) -> None:
    k = srv.keys
    sock = socket.create_connection(("127.0.0.1", srv.http_port))
    sock.sendall(
        b"GET /pubsub HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.settimeout(10)
    assert sock.recv(1000).startswith(b"HTTP/1.1 101 ")
    subscribe = envelope(
        "subscribeprocessesmsg",
        {"colonyname": k.colonyname, "executortype": k.executortype, "state": 0, "timeout": 20},
        k.user_key,
    )
    sock.sendall(websocket_frame(subscribe.decode()))
    time.sleep(0.3)  # subscribed before the process comes
    client = srv.proc.client()
    client.submit(spec(k.colonyname), k.user_key)
    client.close_channel()
    assert sock.recv(2)[0] == 0x81  # a text frame: the subscription is live
    reset(sock)
    no_traceback(srv.settled_log())


SESSION = """
import asyncio, sys
from pycolonies_like.client import AsyncColonies

async def main():
    client = AsyncColonies("127.0.0.1", int(sys.argv[1]))
    async with client.session(sys.argv[2], sys.argv[3], capacity=1) as session:
        process = await session.next_assignment(20)
        print("assigned", process.processid, flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


def test_an_executor_session_dropped(srv: Server) -> None:
    k = srv.keys
    client = srv.proc.client()
    client.submit(spec(k.colonyname), k.user_key)
    client.close_channel()
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SESSION), str(srv.port), k.colonyname,
         k.executor_key],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().startswith("assigned ")
    finally:
        child.kill()  # the session's connection ends without a goodbye
        child.wait(10)
        if child.stdout is not None:
            child.stdout.close()
    no_traceback(srv.settled_log())
