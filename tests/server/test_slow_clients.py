"""Slow, idle and greedy connections are cut: unfinished handshakes and request
headers, bodies sent a byte at a time, and connections beyond the limit."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator

import pytest

from server.testing import ThreadedServer


@pytest.fixture(scope="module")
def strict() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, handshake_timeout_s=0.5, max_connections=4) as srv:
        yield srv


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed the connection (fails if it did not)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    return time.monotonic() - started


def test_an_unfinished_http2_preface_is_cut(strict: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", strict.port)) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\n")
        assert closed_within(sock, 10) < 5


def test_unfinished_request_headers_are_cut(strict: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", strict.http_port)) as sock:
        sock.sendall(b"POST /api HTTP/1.1\r\nHost: localhost\r\n")
        assert closed_within(sock, 10) < 5


def test_headers_whose_end_comes_split_are_not_cut(strict: ThreadedServer) -> None:
    """The end of a request's headers split across reads still counts as their end:
    the connection outlives the handshake timeout while its body is on its way."""
    body = json.dumps({"payloadtype": "versionmsg", "payload": ""}).encode()
    with socket.create_connection(("127.0.0.1", strict.http_port)) as sock:
        head = b"POST /api HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r" % len(body)
        sock.sendall(head)
        time.sleep(0.2)
        sock.sendall(b"\n")
        time.sleep(1.0)  # twice the handshake timeout
        sock.sendall(body)
        sock.settimeout(10)
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200 ")


def test_a_body_sent_a_byte_at_a_time_gets_408(strict: ThreadedServer) -> None:
    with socket.create_connection(("127.0.0.1", strict.http_port)) as sock:
        sock.sendall(b"POST /api HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
        sock.settimeout(10)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        assert sock.recv(1) == b""  # and the connection is closed: the rest is not awaited
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    envelope = json.loads(body)
    assert envelope["error"] is True
    assert json.loads(base64.b64decode(envelope["payload"])) == {
        "status": 408, "message": "the request body did not arrive within 1.5 s",
    }  # fmt: skip


def test_a_body_over_the_limit_gets_413(strict: ThreadedServer) -> None:
    import urllib.error
    import urllib.request

    body = b"x" * (5 * 1024 * 1024)
    request = urllib.request.Request(f"http://127.0.0.1:{strict.http_port}/api", data=body)
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 413
    with err.value:
        envelope = json.loads(err.value.read())
    assert json.loads(base64.b64decode(envelope["payload"])) == {
        "status": 413, "message": "the request body is larger than 4194304 bytes",
    }  # fmt: skip


def test_connections_beyond_the_limit_are_refused(strict: ThreadedServer) -> None:
    held = [socket.create_connection(("127.0.0.1", strict.http_port)) for _ in range(4)]
    try:
        time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", strict.http_port)) as extra:
            assert closed_within(extra, 2) < 0.4  # at once, not after the handshake timeout
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    with socket.create_connection(("127.0.0.1", strict.http_port), timeout=5) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200 ")
