"""Rate limits on each store, on the test's clock: a limit lets its burst start
at once and then its rate; a process that finds too few tokens waits (out of
the queue, until its tokens are due) and then runs, in priority order."""

from __future__ import annotations

import dataclasses

import pytest

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.models import Concurrency, Executor, Process, ProcessState, RateLimit
from server.store.base import Store
from tests.server.test_store import NOW, S, add_colony, add_executor, make, put

HALF = S // 2


def limited(name: str = "api", units: int = 0, priority: int = 0, key: str = "") -> Process:
    p = make(priority=priority)
    spec = dataclasses.replace(p.spec, ratelimit=name, ratelimitunits=units)
    if key:
        spec = dataclasses.replace(spec, concurrency=Concurrency(key=key, limit=1))
    return dataclasses.replace(p, spec=spec)


async def claim_at(store: Store, e: Executor, now: int) -> list[str]:
    """Wakes what is due at `now`, then claims all that may start."""
    await store.wake_due(now, 100)
    claimed = []
    while (p := await store.claim_process(e, now)) is not None:
        claimed.append(p.processid)
    return claimed


async def setup(store: Store, rate: int = 2, burst: int = 3, unit: str = "second") -> Executor:
    await add_colony(store)
    e = await add_executor(store)
    await store.add_rate_limit(RateLimit("dev", "api", rate, unit, burst), NOW)
    return e


async def test_the_burst_starts_at_once_then_the_rate(store: Store) -> None:
    e = await setup(store, rate=2, burst=3)  # 2/s: a token each half second
    ps = await put(store, *[limited() for _ in range(8)])
    free = (await put(store, make()))[0]
    ids = [p.processid for p in ps]
    # The burst starts; the rest wait, and work behind them is not held up.
    assert await claim_at(store, e, NOW) == [*ids[:3], free.processid]
    waiting = await store.get_process(ids[3])
    assert waiting is not None and waiting.state == ProcessState.WAITING
    assert waiting.notbefore > NOW
    # Then one each half second, in order, and none before its token is due.
    for k, pid in enumerate(ids[3:], start=1):
        assert await claim_at(store, e, NOW + k * HALF - 1) == []
        assert await claim_at(store, e, NOW + k * HALF + 1) == [pid]
    limit = await store.get_rate_limit("dev", "api", NOW + 5 * HALF + 1)
    assert limit is not None and limit.tokens == pytest.approx(0, abs=1e-6)


async def test_tokens_refill_up_to_the_burst_only(store: Store) -> None:
    e = await setup(store, rate=2, burst=3)
    ps = await put(store, *[limited() for _ in range(5)])
    assert len(await claim_at(store, e, NOW)) == 3
    later = NOW + 3600 * S  # an hour refills far more than the burst holds
    limit = await store.get_rate_limit("dev", "api", later)
    assert limit is not None and limit.tokens == 3.0
    started = await claim_at(store, e, later)
    assert started == [p.processid for p in ps[3:]]
    assert [limit.tokens for limit in await store.list_rate_limits("dev", later)] == [1.0]


async def test_a_per_minute_limit_and_units(store: Store) -> None:
    e = await setup(store, rate=6, burst=6, unit="minute")  # a token each 10 s
    big, small = await put(store, limited(units=4), limited(units=4))
    assert await claim_at(store, e, NOW) == [big.processid]
    # Two tokens left; two more are due in 20 s.
    assert await claim_at(store, e, NOW + 20 * S - 1) == []
    assert await claim_at(store, e, NOW + 20 * S + 1) == [small.processid]


async def test_waiting_processes_keep_their_priority_order(store: Store) -> None:
    e = await setup(store, rate=1, burst=1)
    await put(store, limited())
    assert len(await claim_at(store, e, NOW)) == 1
    low, mid, high = await put(store, limited(priority=1), limited(priority=2),
                               limited(priority=3))  # fmt: skip
    assert await claim_at(store, e, NOW) == []
    order = []
    for k in range(1, 4):
        order += await claim_at(store, e, NOW + k * S + 1)
    assert order == [high.processid, mid.processid, low.processid]


async def test_a_removed_limit_no_longer_holds_anything(store: Store) -> None:
    e = await setup(store, rate=1, burst=1)
    a, b, c = await put(store, limited(), limited(), limited())
    assert await claim_at(store, e, NOW) == [a.processid]
    assert await store.remove_rate_limit("dev", "api")
    assert not await store.remove_rate_limit("dev", "api")
    # b and c wait for their due times, then start with no limit to take from.
    assert await claim_at(store, e, NOW + 3 * S) == [b.processid, c.processid]


async def test_a_full_concurrency_key_holds_without_spending_tokens(store: Store) -> None:
    e = await setup(store, rate=1, burst=2)
    first, second = await put(store, limited(key="k"), limited(key="k"))
    assert await claim_at(store, e, NOW) == [first.processid]  # second held by its key
    limit = await store.get_rate_limit("dev", "api", NOW)
    assert limit is not None and limit.tokens == 1.0
    await store.finish_process(first.processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert await claim_at(store, e, NOW) == [second.processid]


async def test_a_parked_process_gives_its_key_slot_back(store: Store) -> None:
    e = await setup(store, rate=1, burst=1)
    a, b = await put(store, limited(key="k"), limited())
    assert await claim_at(store, e, NOW) == [a.processid]
    await store.finish_process(a.processid, 1, ProcessState.SUCCESSFUL, NOW)
    (c,) = await put(store, limited(key="k"))
    assert await claim_at(store, e, NOW) == []  # b and c parked: no tokens
    assert await store.running_with_key("dev", "k") == []
    assert await claim_at(store, e, NOW + S + 1) == [b.processid]
    assert await claim_at(store, e, NOW + 2 * S + 1) == [c.processid]


async def test_names_are_per_colony_and_unique(store: Store) -> None:
    await setup(store)
    await add_colony(store, "b")
    with pytest.raises(AlreadyExists, match="'api' already exists"):
        await store.add_rate_limit(RateLimit("dev", "api", 1, "second", 1), NOW)
    await store.add_rate_limit(RateLimit("b", "api", 5, "minute", 7), NOW)
    assert await store.rate_limit_bursts("dev") == {"api": 3}
    got = await store.get_rate_limit("b", "api", NOW)
    assert got == RateLimit("b", "api", 5, "minute", 7, 7.0)
    assert await store.get_rate_limit("b", "nope", NOW) is None
