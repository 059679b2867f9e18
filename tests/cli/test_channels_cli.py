"""`colonies channel send|read|follow`, run as a user would, against `colonies dev`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pycolonies_like.client import Colonies
from tests.cli.test_cli import Dev


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("dev")).start()
    yield d
    d.stop()


_taken: list[str] = []


@pytest.fixture(autouse=True)
def closes_what_it_took(dev: Dev) -> Iterator[None]:
    """Closes the processes a test took, so that their leases do not bring
    them back to the queue under a later test."""
    yield
    client = Colonies("127.0.0.1", int(dev.env["COLONIES_SERVER_PORT"]))
    try:
        while _taken:
            client.close(_taken.pop(), [], dev.env["COLONIES_PRVKEY"])
    finally:
        client.close_channel()


def running(dev: Dev, tmp_path: Path) -> str:
    """A process with a "chat" channel, submitted and taken by the dev executor."""
    spec = tmp_path / "chat.json"
    spec.write_text(json.dumps({"conditions": {"executortype": "cli"}, "funcname": "chat",
                                "channels": ["chat"]}))  # fmt: skip
    pid = dev.run("function", "submit", "--spec", str(spec)).stdout.strip()
    client = Colonies("127.0.0.1", int(dev.env["COLONIES_SERVER_PORT"]))
    try:
        assert client.assign("dev", 5, dev.env["COLONIES_PRVKEY"]).processid == pid
        _taken.append(pid)
    finally:
        client.close_channel()
    return pid


def test_send_read_and_follow(dev: Dev, tmp_path: Path) -> None:
    pid = running(dev, tmp_path)
    follower = dev.spawn("channel", "follow", "-p", pid, "--name", "chat", "--until-end")
    sent = dev.run("channel", "send", "-p", pid, "--name", "chat", "hello")
    assert sent.stderr.strip() == "sent #1 (entry 1)"
    dev.run("channel", "send", "-p", pid, "--name", "chat", stdin="from stdin")  # numbered 2
    dev.run("channel", "send", "-p", pid, "--name", "chat", "--type", "end", "--reply-to", "1",
            "bye")  # fmt: skip
    out, _ = follower.communicate(timeout=20)
    assert follower.returncode == 0 and out.splitlines() == ["hello", "from stdin", "bye"]
    assert dev.run("channel", "read", "-p", pid, "--name", "chat", "--after", "2").stdout == "bye\n"
    entries = json.loads(dev.run("--json", "channel", "read", "-p", pid, "--name", "chat").stdout)
    assert [(e["sequence"], e["type"], e["inreplyto"]) for e in entries] == [
        (1, "data", 0), (2, "data", 0), (3, "end", 1),
    ]  # fmt: skip


def test_an_error_entry_ends_follow_with_status_1(dev: Dev, tmp_path: Path) -> None:
    pid = running(dev, tmp_path)
    dev.run("channel", "send", "-p", pid, "--name", "chat", "--type", "error", "it broke")
    result = dev.run("channel", "follow", "-p", pid, "--name", "chat", check=False)
    assert result.returncode == 1 and result.stdout == "it broke\n"
    assert result.stderr.strip() == "error: the channel reported an error: it broke"


def test_refusals_are_one_line(dev: Dev, tmp_path: Path) -> None:
    pid = running(dev, tmp_path)
    result = dev.run("channel", "send", "-p", pid, "--name", "other", "x", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: process {pid} has no channel 'other'"
    result = dev.run("channel", "send", "-p", pid, "--name", "chat", "--seq", "1", "x")
    result = dev.run("channel", "send", "-p", pid, "--name", "chat", "--seq", "1", "x",
                     check=False)  # fmt: skip
    assert result.returncode == 1 and "sequence 1 was already sent" in result.stderr
    result = dev.run("channel", "follow", "-p", "0" * 64, "--name", "chat", check=False)
    assert result.returncode == 1 and "does not exist" in result.stderr
