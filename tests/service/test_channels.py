"""Channels through the service layer, on each store: who may use them, the
limits, the order of entries, following one, and what a process's end does."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like.core.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from pycolonies_like.core.models import ChannelEntry
from pycolonies_like.core.rules import (
    CHANNEL_BURST,
    CHANNEL_RETENTION_S,
    MAX_CHANNEL_PAYLOAD,
    MAX_CHANNELS_PER_PROCESS,
)
from server.service.guard import new_id
from tests.service.world import World

S = 1_000_000_000


async def running(world: World, channels: list[str] | None = None) -> str:
    """A process with a "chat" channel, submitted by the user, running on executor 0."""
    p = await world.submit(channels=["chat"] if channels is None else channels)
    assert (await world.assign(0)).processid == p.processid
    return p.processid


async def test_the_submitter_and_the_executor_talk(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    first = await ch.append(world.user, pid, "chat", 1, b"hello")
    assert (first.index, first.senderid, first.type) == (1, world.user, "data")
    await ch.append(world.executors[0], pid, "chat", 1, b"hi", inreplyto=1)
    await ch.append(world.executors[0], pid, "chat", 2, b"", type="end")
    entries = await ch.read(world.executors[0], pid, "chat")
    assert [(e.payload, e.sequence, e.inreplyto, e.type, e.index) for e in entries] == [
        (b"hello", 1, 0, "data", 1), (b"hi", 1, 1, "data", 2), (b"", 2, 0, "end", 3),
    ]  # fmt: skip
    assert [e.index for e in await ch.read(world.user, pid, "chat", after=1, limit=1)] == [2]
    assert await ch.read(world.user, pid, "chat", after=3) == []


async def test_a_waiting_process_can_already_receive_from_its_submitter(world: World) -> None:
    p = await world.submit(channels=["in"])
    await world.services.channels.append(world.user, p.processid, "in", 1, b"early")
    await world.assign(0)
    [entry] = await world.services.channels.read(world.executors[0], p.processid, "in")
    assert entry.payload == b"early"


async def test_unknown_process_or_channel_is_not_found(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    with pytest.raises(NotFound, match="does not exist"):
        await ch.append(world.user, new_id(), "chat", 1, b"x")
    with pytest.raises(NotFound, match="has no channel 'other'"):
        await ch.append(world.user, pid, "other", 1, b"x")
    with pytest.raises(NotFound, match="has no channel 'other'"):
        await ch.read(world.user, pid, "other")
    assert await ch.read(world.user, pid, "chat") == []


async def test_only_the_submitter_and_the_assigned_executor_may_use_a_channel(
    world: World,
) -> None:
    ch = world.services.channels
    pid = await running(world)
    other_executor, owner, stranger = world.executors[1], world.owner, new_id()
    for caller, match in [
        (other_executor, "only the submitter"), (owner, "only the submitter"),
        (stranger, "not a member"),
    ]:  # fmt: skip
        with pytest.raises(PermissionDenied, match=match):
            await ch.append(caller, pid, "chat", 1, b"x")
        with pytest.raises(PermissionDenied, match=match):
            await ch.read(caller, pid, "chat")
        with pytest.raises(PermissionDenied, match=match):
            await anext(ch.subscribe(caller, pid, "chat", timeout=1))
    assert await ch.read(world.user, pid, "chat") == []  # nothing was written


async def test_a_member_no_longer_approved_loses_the_channel(world: World) -> None:
    pid = await running(world)
    await world.services.colonies.reject_executor(world.owner, world.colony, "e0")
    with pytest.raises(PermissionDenied):
        await world.services.channels.read(world.executors[0], pid, "chat")


async def test_bad_entries_are_refused_and_change_nothing(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    with pytest.raises(InvalidArgument, match="type is one of data, end, error"):
        await ch.append(world.user, pid, "chat", 1, b"x", type="shout")
    with pytest.raises(InvalidArgument, match="must not be negative"):
        await ch.append(world.user, pid, "chat", -1, b"x")
    with pytest.raises(ResourceExhausted, match=f"at most {MAX_CHANNEL_PAYLOAD} bytes"):
        await ch.append(world.user, pid, "chat", 1, b"x" * (MAX_CHANNEL_PAYLOAD + 1))
    with pytest.raises(InvalidArgument, match="must not be negative"):
        await ch.read(world.user, pid, "chat", after=-1)
    await ch.append(world.user, pid, "chat", 1, b"once")
    with pytest.raises(AlreadyExists, match="sequence 1 was already sent"):
        await ch.append(world.user, pid, "chat", 1, b"twice")
    assert [e.payload for e in await ch.read(world.user, pid, "chat")] == [b"once"]


async def test_a_full_channel_refuses_more(world: World) -> None:
    pid = await running(world)
    entry = ChannelEntry(sequence=1, senderid=world.user)
    store = world.store
    assert (await store.append_channel_entry(pid, "chat", entry, 2)).index == 1
    entry2 = ChannelEntry(sequence=2, senderid=world.user)
    assert (await store.append_channel_entry(pid, "chat", entry2, 2)).index == 2
    with pytest.raises(ResourceExhausted, match="is full"):
        await store.append_channel_entry(pid, "chat", ChannelEntry(3, world.user), 2)
    assert len(await store.read_channel(pid, "chat", 0, 10)) == 2


async def test_the_rate_limit_refuses_a_burst_then_refills(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    for seq in range(1, CHANNEL_BURST + 1):
        await ch.append(world.user, pid, "chat", seq, b"")
    with pytest.raises(ResourceExhausted, match="rate limit exceeded"):
        await ch.append(world.user, pid, "chat", CHANNEL_BURST + 1, b"")
    world.clock.advance(1.0)
    await ch.append(world.user, pid, "chat", CHANNEL_BURST + 1, b"")
    assert len(await ch.read(world.user, pid, "chat")) == CHANNEL_BURST + 1


async def test_specs_declare_valid_channels(world: World) -> None:
    for channels, match in [
        (["a", "a"], "twice"), ([""], "1 to"),
        ([f"c{i}" for i in range(MAX_CHANNELS_PER_PROCESS + 1)], "at most"),
    ]:  # fmt: skip
        with pytest.raises(InvalidArgument, match=match):
            await world.submit(channels=channels)


async def test_a_channel_closes_when_its_process_ends_and_is_purged_later(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    await ch.append(world.executors[0], pid, "chat", 1, b"last words")
    p = await world.get(pid)
    await world.close(p)
    with pytest.raises(FailedPrecondition, match=r"closed: process .* has ended"):
        await ch.append(world.user, pid, "chat", 2, b"too late")
    # Still readable for a while, then gone.
    assert [e.payload for e in await ch.read(world.user, pid, "chat")] == [b"last words"]
    assert await ch.purge() == 0
    world.clock.advance(CHANNEL_RETENTION_S + 1)
    assert await ch.purge() == 1
    assert await ch.read(world.user, pid, "chat") == []


async def test_subscribe_gives_the_backlog_then_each_entry_and_ends_with_the_process(
    world: World,
) -> None:
    ch = world.services.channels
    pid = await running(world)
    await ch.append(world.user, pid, "chat", 1, b"a")
    await ch.append(world.user, pid, "chat", 2, b"b")
    stream = ch.subscribe(world.executors[0], pid, "chat")
    backlog = await asyncio.wait_for(anext(stream), 1)
    assert [e.payload for e in backlog] == [b"a", b"b"]
    later = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.01)
    await ch.append(world.user, pid, "chat", 3, b"c")
    assert [e.payload for e in await asyncio.wait_for(later, 1)] == [b"c"]
    ending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.01)
    await world.close(await world.get(pid))
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(ending, 1)


async def test_subscribe_resumes_after_an_index(world: World) -> None:
    ch = world.services.channels
    pid = await running(world)
    for seq in (1, 2, 3):
        await ch.append(world.user, pid, "chat", seq, bytes([seq]))
    stream = ch.subscribe(world.user, pid, "chat", after=2)
    assert [e.index for e in await asyncio.wait_for(anext(stream), 1)] == [3]
    await stream.aclose()  # type: ignore[attr-defined]


async def test_a_read_stops_at_the_reply_budget_and_resumes(world: World) -> None:
    pid = await running(world)
    store = world.store
    for seq in range(1, 6):
        entry = ChannelEntry(sequence=seq, senderid=world.user, payload=bytes(100))
        await store.append_channel_entry(pid, "chat", entry, 10)
    first = await store.read_channel(pid, "chat", 0, 10, max_bytes=250)
    assert [e.index for e in first] == [1, 2]
    rest = await store.read_channel(pid, "chat", first[-1].index, 10, max_bytes=250)
    assert [e.index for e in rest] == [3, 4]
    # One entry larger than the budget still comes alone.
    assert [e.index for e in await store.read_channel(pid, "chat", 0, 10, max_bytes=10)] == [1]
