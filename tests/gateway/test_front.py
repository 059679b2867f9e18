"""The HTTP port's lean front: plain POST /api requests are answered by it,
anything else is handed to aiohttp from its first byte, on the same connection."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from server.testing import ThreadedServer
from server.transport.http_gateway import front
from server.transport.http_gateway.front import parse_head

VERSION = json.dumps({"payloadtype": "versionmsg", "payload": ""}).encode()


def api(body: bytes = VERSION, extra: bytes = b"") -> bytes:
    return (
        b"POST /api HTTP/1.1\r\nHost: x\r\n" + extra
        + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )  # fmt: skip


def replies(sock: socket.socket, count: int, timeout: float = 10) -> list[tuple[bytes, bytes]]:
    """`count` (head, body) replies read off a connection."""
    sock.settimeout(timeout)
    data, out = b"", []
    while len(out) < count:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            head = data[:end]
            length = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length:")), 0,
            )  # fmt: skip
            if len(data) >= end + 4 + length:
                out.append((head, data[end + 4 : end + 4 + length]))
                data = data[end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {len(out)} replies"
        data += chunk
    return out


def closed(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    except TimeoutError:
        return False
    return True


@pytest.fixture(scope="module")
def srv() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, idle_timeout_s=1.5, handshake_timeout_s=0.5) as server:
        yield server


def connect(srv: ThreadedServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.http_port))


def test_plain_heads_are_read_here_and_the_rest_is_left_to_aiohttp() -> None:
    assert parse_head(b"Host: x\r\nContent-Length: 12") == (12, False)
    assert parse_head(b"Host: x\r\nContent-Length:  7 \r\nConnection: Close") == (7, True)
    assert parse_head(b"Connection: keep-alive\r\ncontent-length: 0") == (0, False)
    for head in (
        b"Host: x",  # no length
        b"Content-Length: 1\r\nContent-Length: 1",  # twice
        b"Host: x\r\nHost: y\r\nContent-Length: 1",  # aiohttp refuses these twice
        b"Content-Type: a\r\nContent-Length: 1\r\ncontent-type: a",
        b"Content-Length: +1", b"Content-Length: 1 2", b"Content-Length: 0x10",
        b"Content-Length: 9999999999999999999999",
        b"Content-Length: 1\r\nTransfer-Encoding: chunked",
        b"Transfer-Encoding: chunked",
        b"Content-Length: 1\r\nExpect: 100-continue",
        b"Content-Length: 1\r\nUpgrade: websocket\r\nConnection: Upgrade",
        b"Content-Length: 1\r\nConnection: keep-alive, upgrade",
        b"Content-Length: 1\r\nX-A: b\r\n folded",  # an obsolete folded line
        b"Content-Length: 1\r\nX-A: b\nX-B: c",  # a bare LF
        b"Content-Length: 1\r\nX-A: b\rX-B: c",  # a bare CR
        b"Content-Length: 1\r\nX-A: \x00",  # a control byte
        b"Content-Length: 1\r\nX-A: \xc3\xa9",  # not ASCII
        b"Content-Length: 1\r\nX A: b",  # not a token
        b"Content-Length : 1",
        b"Content-Length: 1\r\nnocolon",
    ):  # fmt: skip
        assert parse_head(head) is None, head


def test_pipelined_requests_are_answered_in_order_across_the_hand_over(
    srv: ThreadedServer,
) -> None:
    with connect(srv) as sock:
        sock.sendall(api() + api() + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + api())
        got = replies(sock, 4)
    assert [head.split(b"\r\n")[0] for head, _ in got] == [b"HTTP/1.1 200 OK"] * 4
    assert [b"aiohttp" in head for head, _ in got] == [False, False, True, True]
    for _, body in (got[0], got[1], got[3]):
        assert json.loads(body)["payloadtype"] == "versionmsg"
    assert got[2][1] == b""


def test_a_first_request_for_aiohttp_hands_the_connection_over(srv: ThreadedServer) -> None:
    with connect(srv) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.sendall(api())
        got = replies(sock, 2)
    assert [b"aiohttp" in head for head, _ in got] == [True, True]
    assert json.loads(got[1][1])["payloadtype"] == "versionmsg"


def test_a_chunked_body_is_read_by_aiohttp(srv: ThreadedServer) -> None:
    head = b"POST /api HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(VERSION), VERSION)
    with connect(srv) as sock:
        sock.sendall(head + body)
        ((reply_head, reply),) = replies(sock, 1)
    assert reply_head.startswith(b"HTTP/1.1 200 ") and b"aiohttp" in reply_head
    assert json.loads(reply)["payloadtype"] == "versionmsg"


def test_a_body_in_pieces_and_a_head_in_pieces_are_answered_here(srv: ThreadedServer) -> None:
    request = api()
    with connect(srv) as sock:
        for piece in (request[:5], request[5:40], request[40:-10], request[-10:]):
            sock.sendall(piece)
            time.sleep(0.1)
        ((head, body),) = replies(sock, 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b"aiohttp" not in head
    assert json.loads(body)["payloadtype"] == "versionmsg"


def test_connection_close_is_honoured(srv: ThreadedServer) -> None:
    with connect(srv) as sock:
        sock.sendall(api(extra=b"Connection: close\r\n"))
        ((head, _),) = replies(sock, 1)
        assert b"Connection: close" in head.split(b"\r\n")
        assert closed(sock, 5)


def test_an_idle_connection_is_closed_after_the_idle_timeout(srv: ThreadedServer) -> None:
    with connect(srv) as sock:
        sock.sendall(api())
        replies(sock, 1)
        started = time.monotonic()
        assert closed(sock, 10)
        assert 1.0 < time.monotonic() - started < 8


def test_a_second_head_that_never_ends_is_cut_at_the_idle_timeout(srv: ThreadedServer) -> None:
    with connect(srv) as sock:
        sock.sendall(api() + b"POST /api HTTP/1.1\r\nHost: x\r\n")
        replies(sock, 1)
        assert closed(sock, 10)


def test_a_body_that_stops_gets_408_and_the_connection_closes(srv: ThreadedServer) -> None:
    with connect(srv) as sock:
        sock.sendall(api()[:-5])
        ((head, body),) = replies(sock, 1)
        assert head.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in head
        assert b"aiohttp" not in head
        assert closed(sock, 5)
    assert json.loads(body)["error"] is True


def test_a_body_over_the_limit_is_left_to_aiohttp() -> None:
    with ThreadedServer(http=True, max_message_bytes=1000) as small, connect(small) as sock:
        sock.sendall(api(b"x" * 2000))
        ((head, body),) = replies(sock, 1)
    assert head.startswith(b"HTTP/1.1 413 ") and b"aiohttp" in head
    assert json.loads(body)["error"] is True


def test_a_head_is_parsed_once_while_its_body_arrives_in_many_reads(
    srv: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The work per read stays small while a body trickles in: the head is not
    # parsed again (nor the buffer copied) on every read.
    parsed, reads = [], []
    monkeypatch.setattr(front, "parse_head", lambda head: parsed.append(head) or parse_head(head))
    data_received = front.Front.data_received

    def counted(self: front.Front, data: bytes) -> None:
        reads.append(len(data))
        data_received(self, data)

    monkeypatch.setattr(front.Front, "data_received", counted)
    body = json.dumps({"payloadtype": "versionmsg", "payload": "", "pad": "x" * 400}).encode()
    request = api(body)
    start = request.index(b"\r\n\r\n") + 4
    with connect(srv) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request[:start])
        for at in range(start, len(request), 20):
            time.sleep(0.01)
            sock.sendall(request[at : at + 20])
        ((head, reply),) = replies(sock, 1)
    assert head.startswith(b"HTTP/1.1 200 ") and b"aiohttp" not in head
    assert json.loads(reply)["payloadtype"] == "versionmsg"
    assert len(reads) >= 5  # the body did come in pieces
    assert len(parsed) == 1


def _status(srv: ThreadedServer, request: bytes) -> tuple[bytes, bool]:
    """A request's status line, and whether aiohttp wrote it."""
    with connect(srv) as sock:
        sock.sendall(request)
        sock.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")[0], b"aiohttp" in data


@pytest.mark.parametrize(
    "extra",
    [b"Host: y\r\n", b"Content-Type: a\r\nContent-Type: b\r\n", b"X-Big: " + b"a" * 9000 + b"\r\n"],
    ids=["second-host", "second-content-type", "line-over-8190"],
)
def test_heads_aiohttp_refuses_get_its_answer_when_the_head_comes_whole(
    srv: ThreadedServer, extra: bytes
) -> None:
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(VERSION), VERSION)
    by_aiohttp = _status(srv, b"POST /api HTTP/1.1\r\nHost: x\r\n" + extra
                         + b"Transfer-Encoding: chunked\r\n\r\n" + chunked)  # fmt: skip
    assert by_aiohttp[0].endswith(b" 400 Bad Request") and by_aiohttp[1]
    assert _status(srv, api(extra=extra)) == by_aiohttp
