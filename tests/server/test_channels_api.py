"""Channels over gRPC with the SDK: on each store, through two servers sharing
one PostgreSQL database, and across a restart."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like import NotFound, PermissionDenied
from pycolonies_like.client import Colonies
from pycolonies_like.core.models import ChannelEntry
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import need_pg, spec, unique
from tests.pg import database


def running(client: Colonies, keys: ColonyKeys, channels: tuple[str, ...] = ("chat",)) -> str:
    """A process of the user's with channels, assigned to executor 0."""
    submitted = client.submit_func_spec(
        spec(keys.colonyname, channels=list(channels)), keys.user_key
    )
    assert client.assign(keys.colonyname, 5, keys.executor_key).processid == submitted.processid
    return submitted.processid


def follow(client: Colonies, pid: str, key: str, count: int) -> tuple[threading.Thread, list[Any]]:
    """Follows the channel in a thread until `count` entries arrived."""
    got: list[ChannelEntry] = []
    subscribed = threading.Event()

    def run() -> None:
        def take(entries: list[ChannelEntry]) -> bool:
            got.extend(entries)
            return len(got) < count

        subscribed.set()
        client.subscribe_channel(pid, "chat", key, timeout=20, callback=take)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    subscribed.wait(5)
    return thread, got


def test_append_read_and_follow(client: Colonies, colony: ColonyKeys) -> None:
    pid = running(client, colony)
    user, executor = colony.user_key, colony.executor_key
    entry = client.channel_append(pid, "chat", 1, "hello", user)
    assert (entry.index, entry.payload, entry["type"]) == (1, b"hello", "data")
    thread, got = follow(client, pid, executor, 3)
    client.channel_append(pid, "chat", 2, b"\x00\xff", user)
    client.channel_append(pid, "chat", 1, "", executor, in_reply_to=2, payload_type="end")
    thread.join(10)
    assert [(e.payload, e.inreplyto, e.type) for e in got] == [
        (b"hello", 0, "data"), (b"\x00\xff", 0, "data"), (b"", 2, "end"),
    ]  # fmt: skip
    assert [e.index for e in client.channel_read(pid, "chat", 1, 1, user)] == [2]
    assert list(client.follow_channel(pid, "chat", user, after_seq=2, timeout=0.5)) == got[2:]
    assert client.subscribe_channel(pid, "chat", user, after_seq=1, timeout=0.5) == got[1:]


def test_refusals_over_the_wire(client: Colonies, colony: ColonyKeys) -> None:
    pid = running(client, colony)
    with pytest.raises(NotFound, match="has no channel 'nope'"):
        client.channel_append(pid, "nope", 1, "x", colony.user_key)
    with pytest.raises(PermissionDenied, match="only the submitter"):
        client.channel_read(pid, "chat", 0, 0, colony.executor_keys[1])
    with pytest.raises(PermissionDenied, match="not a member"):
        list(client.follow_channel(pid, "chat", generate_private_key(), timeout=1))
    assert client.channel_read(pid, "chat", 0, 0, colony.user_key) == []


def test_a_channel_through_two_servers_on_one_database() -> None:
    key = generate_private_key()
    with (
        database(need_pg()) as url,
        ThreadedServer(db_url=url, server_key=key) as a,
        ThreadedServer(db_url=url, server_key=key) as b,
    ):
        submitter, executor_side = a.client(), b.client()
        keys = bootstrap(submitter, key, colonyname=unique(), executors=1)
        pid = running(submitter, keys)
        # The executor follows through B and answers each message through B ...
        answered = threading.Event()

        def executor() -> None:
            def answer(entries: list[ChannelEntry]) -> bool:
                for e in entries:
                    if e.senderid != id_of(keys.executor_key) and e.sequence <= 2:
                        executor_side.channel_append(
                            pid, "chat", e.sequence, b"re: " + e.payload, keys.executor_key,
                            in_reply_to=e.sequence,
                        )  # fmt: skip
                return not answered.is_set()

            executor_side.subscribe_channel(pid, "chat", keys.executor_key, timeout=20,
                                            callback=answer)  # fmt: skip

        worker = threading.Thread(target=executor, daemon=True)
        worker.start()
        # ... while the submitter writes and follows through A, live.
        thread, got = follow(submitter, pid, keys.user_key, 4)
        submitter.channel_append(pid, "chat", 1, "one", keys.user_key)
        submitter.channel_append(pid, "chat", 2, "two", keys.user_key)
        thread.join(15)
        answered.set()
        submitter.channel_append(pid, "chat", 3, "bye", keys.user_key)  # ends the executor
        worker.join(15)
        assert not thread.is_alive() and not worker.is_alive()
        replies = {(e.inreplyto, e.payload) for e in got if e.senderid != id_of(keys.user_key)}
        assert replies == {(1, b"re: one"), (2, b"re: two")}


def test_a_channel_survives_a_restart(tmp_path: Path) -> None:
    key = generate_private_key()
    with ThreadedServer(str(tmp_path), server_key=key) as srv:
        client = srv.client()
        keys = bootstrap(client, key, colonyname=unique(), executors=1)
        pid = running(client, keys)
        client.channel_append(pid, "chat", 1, "before", keys.user_key)
    with ThreadedServer(str(tmp_path), server_key=key) as srv:
        client = srv.client()
        client.channel_append(pid, "chat", 1, "after", keys.executor_key)
        entries = client.channel_read(pid, "chat", 0, 0, keys.executor_key)
        assert [e.payload for e in entries] == [b"before", b"after"]
