"""Concurrency keys on each store: the claim holds back what would go over the
limit, and what ends or is cancelled lets the next one in, best first."""

from __future__ import annotations

import dataclasses

from pycolonies_like.core.models import Concurrency, Executor, Process, ProcessState
from server.store.base import Store
from tests.server.test_store import NOW, add_colony, add_executor, make, put


def keyed(key: str = "api", limit: int = 2, colony: str = "dev", priority: int = 0) -> Process:
    p = make(colony, priority=priority)
    spec = dataclasses.replace(p.spec, concurrency=Concurrency(key=key, limit=limit))
    return dataclasses.replace(p, spec=spec)


async def claim_all(store: Store, e: Executor) -> list[str]:
    claimed = []
    while (p := await store.claim_process(e, NOW)) is not None:
        claimed.append(p.processid)
    return claimed


async def test_at_most_limit_run_and_the_rest_wait_their_turn(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    ps = await put(store, *[keyed() for _ in range(5)])
    free = (await put(store, make()))[0]
    # Two of the key run; the others are held back, and work behind them is not.
    assert await claim_all(store, e) == [ps[0].processid, ps[1].processid, free.processid]
    assert await store.running_with_key("dev", "api") == [ps[0].processid, ps[1].processid]
    result = await store.finish_process(ps[0].processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert result is not None and [p.processid for p in result.released] == [ps[2].processid]
    assert await claim_all(store, e) == [ps[2].processid]
    # Cancelling a running one lets the next in too.
    cancelled = await store.cancel_process(ps[1].processid, NOW)
    assert cancelled is not None
    assert [p.processid for p in cancelled.released] == [ps[3].processid]
    assert await claim_all(store, e) == [ps[3].processid]
    for p in (ps[2], ps[3]):
        await store.finish_process(p.processid, 1, ProcessState.FAILED, NOW)
    assert await claim_all(store, e) == [ps[4].processid]


async def test_held_processes_keep_their_priority_order(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    (first,) = await put(store, keyed(limit=1))
    assert await claim_all(store, e) == [first.processid]
    low, high = await put(store, keyed(limit=1, priority=1), keyed(limit=1, priority=5))
    assert await claim_all(store, e) == []  # both held
    await store.finish_process(first.processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert await claim_all(store, e) == [high.processid]
    await store.finish_process(high.processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert await claim_all(store, e) == [low.processid]


async def test_keys_and_colonies_are_independent(store: Store) -> None:
    await add_colony(store)
    await add_colony(store, "b")
    e = await add_executor(store)
    eb = await add_executor(store, colony="b", n=3)
    a1, a2, b1 = await put(store, keyed("a", 1), keyed("a", 1), keyed("b", 1))
    (other,) = await put(store, keyed("a", 1, colony="b"))
    assert sorted(await claim_all(store, e)) == sorted([a1.processid, b1.processid])
    assert await claim_all(store, eb) == [other.processid]
    assert a2.processid not in await store.running_with_key("dev", "a")


async def test_a_requeued_process_gives_its_slot_back(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    first, second = await put(store, keyed(limit=1), keyed(limit=1))
    assert await claim_all(store, e) == [first.processid]  # second is held
    requeued = await store.requeue_process(first.processid, 1, NOW, count_retry=True)
    assert requeued is not None
    assert await store.running_with_key("dev", "api") == []
    # The requeued process waits for the slot again; second stays held ...
    assert await store.release_held(10) == []
    # ... unless the requeued one never runs: then the sweeper lets second in.
    await store.cancel_process(first.processid, NOW)
    assert [p.processid for p in await store.release_held(10)] == [second.processid]
    assert await claim_all(store, e) == [second.processid]


async def test_removing_a_colony_forgets_its_keys(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    (p,) = await put(store, keyed(limit=1))
    assert await claim_all(store, e) == [p.processid]
    assert await store.remove_colony("dev")
    await add_colony(store)
    e = await add_executor(store)
    (again,) = await put(store, keyed(limit=1))
    assert await claim_all(store, e) == [again.processid]
