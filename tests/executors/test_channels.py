"""Functions that talk with their submitter over a channel: `ctx.channel(name)`."""

from __future__ import annotations

import asyncio

from executors.runtime import ExecutorRuntime, ProcessContext
from pycolonies_like import Colonies, ProcessState
from pycolonies_like.core.models import ChannelEntry
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.executors.test_runtime import TYPE, Running, settings


def chat_spec(colony: ColonyKeys, funcname: str) -> object:
    return spec(colony.colonyname, funcname, executortype=TYPE, channels=["chat"])


async def talk(client: Colonies, colony: ColonyKeys, funcname: str) -> list[ChannelEntry]:
    """Submits, says two things and "end", and returns what the function answered."""
    key = colony.user_key
    pid = client.submit(chat_spec(colony, funcname), key).processid
    for seq, text in ((1, "hello"), (2, "world")):
        await asyncio.to_thread(client.channel_append, pid, "chat", seq, text, key)
    await asyncio.to_thread(client.channel_append, pid, "chat", 3, "", key, 0, "end")
    done = await asyncio.to_thread(client.wait, pid, 15, key)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    assert done.output == [2]
    entries = await asyncio.to_thread(client.channel_read, pid, "chat", 0, 0, key)
    return [e for e in entries if e.senderid != entries[0].senderid]


async def test_a_function_answers_each_message_until_the_end(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))

    @runtime.function()
    def echo(ctx: ProcessContext) -> int:
        chat = ctx.channel("chat")
        count = 0
        for entry in chat:
            count += 1
            chat.send(entry.payload.upper(), in_reply_to=entry.sequence)
        chat.send("", type="end")
        return count

    @runtime.function()
    async def aecho(ctx: ProcessContext) -> int:
        chat = ctx.channel("chat")
        count = 0
        async for entry in chat:
            count += 1
            await chat.asend(entry.payload.upper(), in_reply_to=entry.sequence)
        await chat.asend("", type="end")
        return count

    async with Running(runtime):
        for funcname in ("echo", "aecho"):
            answers = await talk(client, colony, funcname)
            assert [(e.sequence, e.inreplyto, e.payload, e.type) for e in answers] == [
                (1, 1, b"HELLO", "data"), (2, 2, b"WORLD", "data"), (3, 0, b"", "end"),
            ]  # fmt: skip


async def test_an_undeclared_channel_fails_the_process(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony))

    @runtime.function()
    def lost(ctx: ProcessContext) -> None:
        ctx.channel("other")

    async with Running(runtime):
        pid = client.submit(chat_spec(colony, "lost"), colony.user_key).processid
        done = await asyncio.to_thread(client.wait, pid, 15, colony.user_key)
    assert done.state == ProcessState.FAILED
    assert list(done.errors) == [
        "LookupError: the process has no channel 'other' (its channels: chat)"
    ]
