"""The gRPC port's idle timeout and connection limit, over real sockets: an idle
connection is told to go away and closed, and connections beyond the limit are
refused while the clients already connected keep working."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import grpc
import pytest

from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.server.test_slow_clients import closed_within

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = struct.pack(">I", 0)[1:] + bytes([0x4, 0x0]) + struct.pack(">I", 0)  # empty SETTINGS
GOAWAY = 0x7


def frames_until_closed(sock: socket.socket, seconds: float) -> list[int]:
    """The types of the HTTP/2 frames the server sent before it closed the
    connection (fails if it is still open after `seconds`)."""
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    kinds = []
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        kinds.append(data[3])
        data = data[9 + length :]
    return kinds


@pytest.fixture(scope="module")
def idle() -> Iterator[ThreadedServer]:
    with ThreadedServer(idle_timeout_s=1.0, handshake_timeout_s=5.0) as srv:
        yield srv


def test_an_idle_grpc_connection_is_closed(idle: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", idle.port)) as sock:
        sock.sendall(PREFACE + SETTINGS)  # a finished handshake, then nothing
        kinds = frames_until_closed(sock, 30)
    assert GOAWAY in kinds


def test_a_busy_connection_is_not_idle(idle: ThreadedServer) -> None:
    client = idle.client()
    colony = bootstrap(client, idle.server_key, colonyname="busy", executors=0)
    # Calls spread over three idle timeouts on one channel all succeed.
    started = time.monotonic()
    while time.monotonic() - started < 3.0:
        assert client.get_colony(colony.colonyname, colony.colony_key).name == "busy"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def few() -> Iterator[tuple[ThreadedServer, ColonyKeys]]:
    with ThreadedServer(max_connections=3, handshake_timeout_s=5.0) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, executors=0)
        client.close_channel()
        yield srv, keys


def raw_connection(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(PREFACE + SETTINGS)
    sock.settimeout(5)
    assert sock.recv(9)[3] == 0x4  # the server's SETTINGS: accepted
    return sock


def test_grpc_connections_beyond_the_limit_are_refused(
    few: tuple[ThreadedServer, ColonyKeys],
) -> None:
    srv, colony = few
    first = srv.client()
    assert first.get_colony(colony.colonyname, colony.colony_key).name == colony.colonyname
    held = [raw_connection(srv.port) for _ in range(2)]  # with `first`: three, the limit
    try:
        with socket.create_connection(("127.0.0.1", srv.port)) as extra:
            extra.sendall(PREFACE + SETTINGS)
            assert closed_within(extra, 3) < 1  # at once, not after the handshake timeout
        with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel, \
                pytest.raises(grpc.FutureTimeoutError):  # fmt: skip
            grpc.channel_ready_future(channel).result(timeout=1)
        # Those connected keep working.
        assert first.get_colony(colony.colonyname, colony.colony_key).name == colony.colonyname
    finally:
        for sock in held:
            sock.close()
        first.close_channel()
    # A place freed is a place taken.
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        grpc.channel_ready_future(channel).result(timeout=10)


# The HTTP port: its unfinished headers, slow bodies and connection limit are in
# test_slow_clients.py; here the idle timeout, and the clients already connected.


def health_on(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    sock.settimeout(5)
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        assert chunk, "the connection was closed"
        reply += chunk
    return reply


def test_an_idle_http_connection_is_closed() -> None:
    with ThreadedServer(http=True, idle_timeout_s=1.0) as srv, \
            socket.create_connection(("127.0.0.1", srv.http_port)) as sock:  # fmt: skip
        assert health_on(sock).startswith(b"HTTP/1.1 200 ")  # kept alive, then idle
        closed_within(sock, 30)


def test_http_clients_connected_keep_working_beyond_the_limit() -> None:
    with ThreadedServer(http=True, max_connections=2) as srv:
        port = srv.http_port
        with socket.create_connection(("127.0.0.1", port)) as first, \
                socket.create_connection(("127.0.0.1", port)) as second:  # fmt: skip
            assert health_on(first).startswith(b"HTTP/1.1 200 ")
            assert health_on(second).startswith(b"HTTP/1.1 200 ")
            with socket.create_connection(("127.0.0.1", port)) as extra:
                assert closed_within(extra, 3) < 1
            assert health_on(first).startswith(b"HTTP/1.1 200 ")  # the same connections
            assert health_on(second).startswith(b"HTTP/1.1 200 ")
