"""Fair admission of submits (server/service/admission.py) on a real store's
commits: room, turns, a batch bigger than the room, a caller that goes away."""

from __future__ import annotations

import asyncio

import pytest

from server.service.admission import Admission
from server.store.base import Store


async def test_a_batch_bigger_than_the_room_goes_in_alone(store: Store) -> None:
    admission = Admission(store.durable, rows=10, quantum=5)
    async with admission.slot("a", 50):
        assert admission.in_flight == 50
    assert admission.in_flight == 0
    off = Admission(store.durable, rows=0)
    async with off.slot("a", 10**6):
        assert off.in_flight == 0  # no admission control


async def test_an_idle_colony_goes_straight_in(store: Store) -> None:
    admission = Admission(store.durable, rows=10, quantum=10)
    release = asyncio.Event()

    async def hold() -> None:
        async with admission.slot("flood", 10):
            await release.wait()

    async def submit(colony: str, rows: int) -> None:
        async with admission.slot(colony, rows):
            pass

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    floods = [asyncio.create_task(submit("flood", 10)) for _ in range(2)]
    await admission.until_waiting(2)
    # Nothing of its own written or waiting, and no more than a quantum.
    await submit("small", 1)
    assert admission.admitted == ["flood", "small"] and admission.waiting == 2
    # More than a quantum waits its turn.
    big = asyncio.create_task(submit("big", 11))
    await admission.until_waiting(3)
    release.set()
    await asyncio.gather(holder, *floods, big)
    # big needs two visits of 10 for its 11 rows; the flood one per batch.
    assert admission.admitted[2:] == ["flood", "flood", "big"]


async def test_turns_alternate_between_colonies(store: Store) -> None:
    # Costs above the quantum: every submit waits for its turn.
    admission = Admission(store.durable, rows=10, quantum=5)
    release = asyncio.Event()
    order: list[str] = []

    async def submit(colony: str, rows: int) -> None:
        async with admission.slot(colony, rows):
            order.append(colony)
            if colony == "hold":
                await release.wait()

    holder = asyncio.create_task(submit("hold", 10))
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(submit("flood", 10)) for _ in range(3)]
    await admission.until_waiting(3)
    tasks.append(asyncio.create_task(submit("small", 6)))
    await admission.until_waiting(4)
    release.set()
    await asyncio.gather(holder, *tasks)
    assert order == ["hold", "flood", "small", "flood", "flood"]


async def test_a_caller_that_goes_away_gives_its_turn_up(store: Store) -> None:
    admission = Admission(store.durable, rows=10, quantum=4)
    release = asyncio.Event()

    async def hold() -> None:
        async with admission.slot("a", 10):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)

    async def wait_in(colony: str) -> None:
        async with admission.slot(colony, 5):
            pass

    gone = asyncio.create_task(wait_in("b"))
    stays = asyncio.create_task(wait_in("c"))
    await admission.until_waiting(2)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert admission.waiting == 1
    release.set()
    await asyncio.gather(holder, stays)
    assert admission.in_flight == 0 and admission.waiting == 0
    assert admission.admitted == ["a", "c"]
