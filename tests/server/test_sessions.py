"""Executor sessions: pushed assignments, capacity, revocation, errors."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like import Colonies, PermissionDenied, ProcessState, StaleAttempt
from pycolonies_like.client import AsyncColonies
from pycolonies_like.crypto import generate_private_key
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec


@pytest.fixture
async def aclient(server: ThreadedServer):  # type: ignore[no-untyped-def]
    client = AsyncColonies("127.0.0.1", server.port)
    yield client
    await client.close_channel()


async def test_assignments_are_pushed_and_closed(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    async with aclient.session(name, colony.executor_key, capacity=2) as session:
        submitted = [client.submit(spec(name), colony.user_key) for _ in range(5)]
        done = []
        for _ in range(5):
            process = await session.next_assignment(5)
            assert process is not None and process.state == ProcessState.RUNNING
            await session.log(process, "working")
            await session.close(process, ["ok", process.processid[:4]])
            done.append(process.processid)
    assert sorted(done) == sorted(p.processid for p in submitted)
    for p in submitted:
        stored = client.get_process(p.processid, colony.user_key)
        assert stored.state == ProcessState.SUCCESSFUL and stored.output[0] == "ok"
        logs = client.get_process_log(name, p.processid, 5, 0, colony.user_key)
        assert [e.message for e in logs] == ["working"]


async def test_capacity_limits_unfinished_assignments(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    for _ in range(4):
        client.submit(spec(name), colony.user_key)
    async with aclient.session(name, colony.executor_key, capacity=2) as session:
        first = await session.next_assignment(5)
        second = await session.next_assignment(5)
        assert first and second
        assert await session.next_assignment(0.3) is None  # full
        await session.fail(first, ["no"])
        third = await session.next_assignment(5)
        assert third is not None
        assert client.stats(name, colony.user_key).runningprocesses == 2


async def test_a_cancelled_process_is_revoked_at_once(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    async with aclient.session(name, colony.executor_key, capacity=1) as session:
        submitted = client.submit(spec(name), colony.user_key)
        process = await session.next_assignment(5)
        assert process is not None
        client.cancel(submitted.processid, colony.user_key)
        revoked = await asyncio.wait_for(anext(session.revoked()), 5)
        assert revoked == submitted.processid
        with pytest.raises(Exception, match="cancelled"):
            await session.close(process, ["late"])
        # the slot is free again
        nxt = client.submit(spec(name), colony.user_key)
        again = await session.next_assignment(5)
        assert again is not None and again.processid == nxt.processid


async def test_a_stale_close_over_a_session_is_refused(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    async with aclient.session(name, colony.executor_key, capacity=1) as session:
        client.submit(spec(name), colony.user_key)
        process = await session.next_assignment(5)
        assert process is not None
        await session.release(process)
        again = await session.next_assignment(5)
        assert again is not None and again.attempt == process.attempt + 1
        with pytest.raises(StaleAttempt):
            await session.close(process, ["stale"])
        await session.close(again, ["fresh"])
    assert client.get_process(process.processid, colony.user_key).output == ["fresh"]


async def test_strangers_and_unapproved_executors_cannot_open_a_session(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    with pytest.raises(PermissionDenied):
        async with aclient.session(colony.colonyname, generate_private_key()):
            pass
    with pytest.raises(PermissionDenied):
        async with aclient.session(colony.colonyname, colony.user_key):
            pass


async def test_a_refused_or_cancelled_open_leaves_nothing_running(
    aclient: AsyncColonies, colony: ColonyKeys
) -> None:
    before = asyncio.all_tasks()
    session = aclient.session(colony.colonyname, generate_private_key())
    with pytest.raises(PermissionDenied):
        await session.open()
    opening = asyncio.create_task(aclient.session(colony.colonyname, colony.executor_key).open())
    await asyncio.sleep(0)
    opening.cancel()
    with pytest.raises(asyncio.CancelledError):
        await opening
    left = [getattr(t.get_coro(), "__qualname__", "") for t in asyncio.all_tasks() - before]
    assert [name for name in left if name.startswith("ExecutorSession.")] == []


async def test_rejecting_an_executor_ends_its_session(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    async with aclient.session(name, colony.executor_key, capacity=1) as session:
        client.reject_executor(name, colony.executor_names[0], colony.colony_key)
        client.submit(spec(name), colony.user_key)
        with pytest.raises(PermissionDenied, match="not an approved executor"):
            await session.next_assignment(5)
    assert client.stats(name, colony.user_key).waitingprocesses == 1


async def test_a_close_interrupted_by_cancellation_leaves_no_task_behind(
    aclient: AsyncColonies, colony: ColonyKeys
) -> None:
    session = aclient.session(colony.colonyname, colony.executor_key, capacity=1)
    await session.open()
    closing = asyncio.create_task(session.aclose())
    await asyncio.sleep(0)  # closing now waits for the end of the outgoing stream
    closing.cancel()  # as when the task owning the session is cancelled meanwhile
    await asyncio.gather(closing, return_exceptions=True)
    await asyncio.sleep(0.05)
    assert session._writer is not None and session._writer.done()
    assert session._reader is not None and session._reader.done()


async def test_rejecting_an_executor_while_it_runs_a_process_ends_its_session(
    aclient: AsyncColonies, client: Colonies, colony: ColonyKeys
) -> None:
    """The rejection takes the running process back (a revocation), and the
    claim that follows it is refused: the session ends, it does not hang."""
    name = colony.colonyname
    client.submit(spec(name), colony.user_key)
    async with aclient.session(name, colony.executor_key, capacity=1) as session:
        running = await session.next_assignment(5)
        assert running is not None
        client.reject_executor(name, colony.executor_names[0], colony.colony_key)
        with pytest.raises(PermissionDenied, match="not an approved executor"):
            for _ in range(3):  # the revocation may come first, then the end
                await session.next_assignment(5)
    assert client.stats(name, colony.user_key).waitingprocesses == 1
