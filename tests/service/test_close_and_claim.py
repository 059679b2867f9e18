"""A session's close with its next claim (ProcessService.close_and_claim):
events in the order of the two, the claimed process handed over even when
the close is refused, and given back when the request goes away meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like.core.errors import StaleAttempt, StorageError
from pycolonies_like.core.models import Concurrency, EventKind, Executor, Process, ProcessState
from tests.service.world import Events, World


async def _executor(world: World, n: int = 0) -> Executor:
    return await world.services.processes.executor_of(world.executors[n], world.colony)


async def test_the_close_and_the_next_assignment(world: World) -> None:
    first, second = await world.submit(), await world.submit()
    running = await world.assign()
    assert running.processid == first.processid
    events = await Events.open(world)
    delivered: list[Process] = []
    closed = await world.services.processes.close_and_claim(
        world.executors[0], running.processid, running.attempt, ["done"],
        await _executor(world), delivered.append,
    )  # fmt: skip
    assert closed.state == ProcessState.SUCCESSFUL and closed.output == ["done"]
    assert [p.processid for p in delivered] == [second.processid]
    assert delivered[0].state == ProcessState.RUNNING
    assert delivered[0].assignedexecutorname == "e0"
    assert [(e.kind, e.processid) for e in await events.take(2)] == [
        (EventKind.SUCCEEDED, first.processid), (EventKind.ASSIGNED, second.processid),
    ]  # fmt: skip
    await events.close()


async def test_a_refused_close_still_hands_over_what_it_claimed(world: World) -> None:
    await world.submit()
    second = await world.submit()
    running = await world.assign()
    delivered: list[Process] = []
    with pytest.raises(StaleAttempt):
        await world.services.processes.close_and_claim(
            world.executors[0], running.processid, running.attempt + 1, None,
            await _executor(world), delivered.append,
        )  # fmt: skip
    assert [p.processid for p in delivered] == [second.processid]
    assert (await world.get(running.processid)).state == ProcessState.RUNNING


async def test_nothing_waiting_claims_nothing(world: World) -> None:
    await world.submit()
    running = await world.assign()
    delivered: list[Process] = []
    await world.services.processes.close_and_claim(
        world.executors[0], running.processid, running.attempt, None, await _executor(world),
        delivered.append,
    )  # fmt: skip
    assert delivered == []


async def test_a_request_gone_meanwhile_gives_its_claim_back(world: World) -> None:
    await world.submit()
    second = await world.submit()
    running = await world.assign()
    delivered: list[Process] = []
    call = asyncio.ensure_future(world.services.processes.close_and_claim(
        world.executors[0], running.processid, running.attempt, None, await _executor(world),
        delivered.append,
    ))  # fmt: skip
    await asyncio.sleep(0)  # the call has started
    call.cancel()
    if not world.store.shared:
        # An embedded store ends and claims without suspending: the call was
        # over before the cancellation came, and its claim handed over.
        await call
        assert [p.processid for p in delivered] == [second.processid]
        return
    with pytest.raises(asyncio.CancelledError):
        await call
    for _ in range(200):  # the end commits; the claim goes back to the queue
        if (await world.get(second.processid)).state == ProcessState.WAITING and (
            await world.get(running.processid)
        ).state == ProcessState.SUCCESSFUL:
            break
        await asyncio.sleep(0.01)
    assert (await world.get(running.processid)).state == ProcessState.SUCCESSFUL
    back = await world.get(second.processid)
    assert back.state == ProcessState.WAITING and delivered == []
    assert (await world.assign(1)).processid == second.processid


async def test_a_keyed_process_is_closed_and_its_slot_passed_on(world: World) -> None:
    key = Concurrency(key="k", limit=1)
    first, second = await world.submit(concurrency=key), await world.submit(concurrency=key)
    running = await world.assign()
    assert running.processid == first.processid
    delivered: list[Process] = []
    closed = await world.services.processes.close_and_claim(
        world.executors[0], running.processid, running.attempt, None, await _executor(world),
        delivered.append,
    )  # fmt: skip
    assert closed.state == ProcessState.SUCCESSFUL
    if not delivered:  # the slot was freed after the claim: the next claim takes it
        delivered.append(await world.assign())
    assert [p.processid for p in delivered] == [second.processid]


async def test_the_claim_is_handed_over_even_when_the_end_then_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.submit(concurrency=Concurrency(key="k", limit=1))
    second = await world.submit()
    running = await world.assign()

    async def unavailable(*_: object, **__: object) -> None:
        raise StorageError("the database is unavailable (injected); try again shortly")

    # PostgreSQL ends a keyed process on its own, after the claim committed;
    # SQLite ends it first, with the claim after: a failed end claims nothing.
    monkeypatch.setattr(world.store, "finish_process", unavailable)
    delivered: list[Process] = []
    with pytest.raises(StorageError):
        await world.services.processes.close_and_claim(
            world.executors[0], running.processid, running.attempt, None,
            await _executor(world), delivered.append,
        )  # fmt: skip
    if world.store.shared:
        assert [p.processid for p in delivered] == [second.processid]
        assert (await world.get(second.processid)).state == ProcessState.RUNNING
    else:
        assert delivered == [] and (await world.get(second.processid)).state == ProcessState.WAITING
