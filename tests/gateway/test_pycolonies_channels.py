"""Channels through the HTTP gateway, driven by the published pycolonies client
as its own suite drives them: append and read, an end-of-stream entry, a live
subscription over /pubsub, and a chat between a client and an executor."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ThreadedServer
from tests.gateway.test_pycolonies import Colony

pycolonies = pytest.importorskip("pycolonies")
Error = pycolonies.ColoniesConnectionError


@pytest.fixture
def c(py: Any, gw: ThreadedServer) -> Colony:
    return Colony(py, gw.server_key)


def running(py: Any, c: Colony, name: str, submitter: str = "") -> str:
    """As pycolonies' suite does: the executor submits and takes its own process."""
    spec = c.spec(name, maxwaittime=60)
    spec.channels = [name]
    process = py.submit_func_spec(spec, submitter or c.key)
    assert py.assign(c.name, 10, c.key).processid == process.processid
    return str(process.processid)


def test_append_and_read(py: Any, c: Colony) -> None:
    pid = running(py, c, "chat")
    assert py.channel_append(pid, "chat", 1, "Hello from client!", c.key) == {}
    [entry] = py.channel_read(pid, "chat", 0, 10, c.key)
    assert entry["payload"] == b"Hello from client!" and entry["sequence"] == 1
    assert entry["type"] == "data" and entry["senderid"] == id_of(c.key)
    assert "inreplyto" not in entry and entry["timestamp"].endswith("Z")
    py.channel_append(pid, "chat", 2, "Hello from executor!", c.key, in_reply_to=1)
    entries = py.channel_read(pid, "chat", 0, 10, c.key)
    assert entries[1]["payload"] == b"Hello from executor!" and entries[1]["inreplyto"] == 1
    assert py.channel_read(pid, "chat", 1, 0, c.key) == entries[1:]  # afterseq counts entries
    py.close(pid, ["done"], c.key)


def test_an_end_of_stream_entry(py: Any, c: Colony) -> None:
    pid = running(py, c, "stream")
    for i in range(1, 4):
        py.channel_append(pid, "stream", i, f"chunk {i}", c.key, payload_type="data")
    py.channel_append(pid, "stream", 4, "", c.key, payload_type="end")
    entries = py.channel_read(pid, "stream", 0, 10, c.key)
    assert [e["type"] for e in entries] == ["data"] * 3 + ["end"]
    assert entries[3]["payload"] == ""  # empty: left as ColonyOS sends it


def test_a_live_subscription_over_pubsub(py: Any, gw: ThreadedServer, c: Colony) -> None:
    pid = running(py, c, "realtime")
    py.channel_append(pid, "realtime", 1, "before", c.key)

    def sender() -> None:
        time.sleep(0.3)
        other = pycolonies.Colonies("127.0.0.1", gw.http_port)
        for i in range(2, 4):
            other.channel_append(pid, "realtime", i, f"live {i}", c.key)

    thread = threading.Thread(target=sender)
    thread.start()
    frames: list[list[Any]] = []

    def on_message(entries: list[Any]) -> bool:
        frames.append(entries)
        return sum(map(len, frames)) < 3

    py.subscribe_channel(pid, "realtime", c.key, timeout=5, callback=on_message)
    thread.join()
    # The backlog in one frame, then one frame per entry.
    assert [[e["payload"] for e in f] for f in frames] == [[b"before"], [b"live 2"], [b"live 3"]]
    # Without a callback: everything until the timeout's empty frame.
    started = time.monotonic()
    received = py.subscribe_channel(pid, "realtime", c.key, after_seq=1, timeout=1)
    assert [e["payload"] for e in received] == [b"live 2", b"live 3"]
    assert 0.9 < time.monotonic() - started < 5


def test_a_chat_between_the_submitter_and_the_executor(
    py: Any, gw: ThreadedServer, c: Colony
) -> None:
    pid = running(py, c, "chat", submitter=c.user_key)
    answered: list[Any] = []

    def executor() -> None:
        client = pycolonies.Colonies("127.0.0.1", gw.http_port)

        def on_message(entries: list[Any]) -> bool:
            for e in entries:
                if e["senderid"] == id_of(c.user_key):
                    client.channel_append(pid, "chat", e["sequence"] + 100,
                                          b"got " + e["payload"], c.key,
                                          in_reply_to=e["sequence"])  # fmt: skip
                    answered.append(e)
            return len(answered) < 2

        client.subscribe_channel(pid, "chat", c.key, timeout=5, callback=on_message)

    thread = threading.Thread(target=executor)
    thread.start()
    time.sleep(0.2)
    py.channel_append(pid, "chat", 1, "Hello executor!", c.user_key)
    py.channel_append(pid, "chat", 2, "How are you?", c.user_key)
    thread.join(10)
    replies: list[Any] = []
    deadline = time.monotonic() + 5
    while len(replies) < 2 and time.monotonic() < deadline:
        entries = py.channel_read(pid, "chat", 0, 0, c.user_key)
        replies = [e for e in entries if e["senderid"] == id_of(c.key)]
    assert [(e["inreplyto"], e["payload"]) for e in replies] == [
        (1, b"got Hello executor!"), (2, b"got How are you?"),
    ]  # fmt: skip


def test_refusals_are_colonyos_error_envelopes(py: Any, c: Colony) -> None:
    pid = running(py, c, "chat")
    with pytest.raises(Error, match="has no channel 'other'"):
        py.channel_append(pid, "other", 1, "x", c.key)
    with pytest.raises(Error, match="does not exist"):
        py.channel_read("0" * 64, "chat", 0, 0, c.key)
    with pytest.raises(Error, match="only the submitter"):
        py.channel_append(pid, "chat", 1, "x", c.user_key)
    with pytest.raises(pycolonies.ColoniesError, match="not a member"):  # an error frame
        py.subscribe_channel(pid, "chat", generate_private_key(), timeout=1)
    py.channel_append(pid, "chat", 1, "x", c.key)
    with pytest.raises(Error, match="sequence 1 was already sent"):
        py.channel_append(pid, "chat", 1, "x", c.key)
    assert len(py.channel_read(pid, "chat", 0, 0, c.key)) == 1
