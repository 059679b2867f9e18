"""The lean front when things end: the server stopping, a failure after a reply
was sent, a failure of the front itself (each on a server of its own)."""

from __future__ import annotations

import asyncio
import base64
import gc
import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pycolonies_like.core.models import ProcessState
from pycolonies_like.crypto import Crypto, generate_private_key, id_of
from server.testing import ThreadedServer
from server.transport.http_gateway.gateway import Gateway
from tests.gateway.conftest import SERVER_KEY
from tests.gateway.test_front import api, closed, replies


def signed(msg: dict[str, Any], prvkey: str) -> bytes:
    payload = base64.b64encode(json.dumps(msg).encode()).decode()
    return json.dumps({"payloadtype": msg["msgtype"], "payload": payload,
                       "signature": Crypto().sign(payload, prvkey)}).encode()  # fmt: skip


def payload_of(body: bytes) -> Any:
    return json.loads(base64.b64decode(json.loads(body)["payload"]))


@pytest.fixture
def own() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, server_key=SERVER_KEY) as server:
        yield server


@pytest.fixture
def connect(own: ThreadedServer) -> Iterator[Callable[[], socket.socket]]:
    """Connections to `own`, closed before it stops (a failed test leaves none open)."""
    opened: list[socket.socket] = []

    def make() -> socket.socket:
        opened.append(socket.create_connection(("127.0.0.1", own.http_port)))
        return opened[-1]

    yield make
    for sock in opened:
        sock.close()


def test_a_stop_closes_idle_front_connections_and_lets_a_request_in_flight_finish(
    own: ThreadedServer, connect: Callable[[], socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = threading.Event()
    call = Gateway.call

    async def slow(self: Gateway, payloadtype: str, caller: str, msg: Any) -> Any:
        if payloadtype == "getcoloniesmsg":  # a request still being answered when stop begins
            entered.set()
            await asyncio.sleep(0.3)
        return await call(self, payloadtype, caller, msg)

    monkeypatch.setattr(Gateway, "call", slow)
    idle = connect()
    busy = connect()
    idle.sendall(api())
    assert replies(idle, 1)[0][0].startswith(b"HTTP/1.1 200")
    busy.sendall(api(signed({"msgtype": "getcoloniesmsg"}, SERVER_KEY)))
    assert entered.wait(10)
    own.call(own.server.stop(grace=0.5))
    head, body = replies(busy, 1)[0]
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head, head
    assert payload_of(body) == []
    assert closed(busy, 2)
    assert closed(idle, 2)  # not left open against a closed store


def test_a_failure_after_the_reply_was_sent_sends_no_second_reply(
    own: ThreadedServer, connect: Callable[[], socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    colony_key, executor_key = generate_private_key(), generate_private_key()
    name = "after-reply"
    services = own.services
    sock = connect()

    def rpc(msg: dict[str, Any], key: str) -> tuple[bytes, bytes]:
        sock.sendall(api(signed(msg, key)))
        return replies(sock, 1)[0]

    colony = {"colonyid": id_of(colony_key), "name": name}
    assert rpc({"msgtype": "addcolonymsg", "colony": colony}, SERVER_KEY)[0].startswith(
        b"HTTP/1.1 200"
    )
    executor = {"executorid": id_of(executor_key), "executortype": "t",
                "executorname": "e", "colonyname": name}  # fmt: skip
    assert rpc({"msgtype": "addexecutormsg", "executor": executor}, colony_key)[0].startswith(
        b"HTTP/1.1 200"
    )
    approve = {"msgtype": "approveexecutormsg", "colonyname": name, "executorname": "e"}
    assert rpc(approve, colony_key)[0].startswith(b"HTTP/1.1 200")
    spec = {"funcname": "f", "conditions": {"colonyname": name, "executortype": "t"},
            "maxexectime": -1}  # fmt: skip
    assert rpc({"msgtype": "submitfuncspecmsg", "spec": spec}, executor_key)[0].startswith(
        b"HTTP/1.1 200"
    )

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the confirmation failed")

    monkeypatch.setattr(services.processes, "acknowledge", broken)
    # Pipelined: the two replies read are the assign's and the next request's (a
    # stray 500 after the assign's 200 would be the second).
    assign = {"msgtype": "assignprocessmsg", "colonyname": name, "timeout": 5}
    sock.sendall(
        api(signed(assign, executor_key)) + api(signed({"msgtype": "getcoloniesmsg"}, SERVER_KEY))
    )
    (head, body), (next_head, next_body) = replies(sock, 2)
    assert head.startswith(b"HTTP/1.1 200"), head
    assert payload_of(body)["state"] == int(ProcessState.RUNNING)
    assert next_head.startswith(b"HTTP/1.1 200"), next_head
    assert name in [c["name"] for c in payload_of(next_body)]


def test_a_failure_in_the_front_closes_the_connection_and_is_logged_once(
    own: ThreadedServer,
    connect: Callable[[], socket.socket],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("an injected failure")

    monkeypatch.setattr(Gateway, "answer", broken)
    caplog.set_level(logging.ERROR)
    sock = connect()
    sock.sendall(api())
    assert closed(sock, 5)
    own.call(asyncio.sleep(0.05))
    gc.collect()
    own.call(asyncio.sleep(0.05))
    messages = [r.getMessage() for r in caplog.records]
    assert not any("Task exception was never retrieved" in m for m in messages), messages
    failures = [r for r in caplog.records if r.exc_info and "injected" in str(r.exc_info[1])]
    assert len(failures) == 1, messages
