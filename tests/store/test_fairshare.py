"""Fair order between submitters of one colony (start-time fair queuing,
store/fairshare.py) on each store: a flood does not stand in front of a later
submitter's few, weights share the claims, priority still comes first, and
the order survives a restart."""

from __future__ import annotations

import dataclasses

from pycolonies_like.core import fairness
from pycolonies_like.core.models import Process
from server.store.base import Store
from tests.server.test_store import NOW, S, add_colony, add_executor, ident, make, put


def by(submitter: int, priority: int = 0, at: int = NOW, type_: str = "t") -> Process:
    p = make(priority=priority, at=at, type_=type_)
    return dataclasses.replace(p, initiatorid=ident(submitter))


async def claims(store: Store, n: int, type_: str = "t") -> list[str]:
    e = await add_executor(store, name=f"e-{type_}", type_=type_, n=7)
    taken = []
    for _ in range(n):
        p = await store.claim_process(e, NOW + 10 * S)
        if p is None:
            break
        taken.append(p.initiatorid)
    return taken


async def test_a_late_small_submitter_is_not_queued_behind_a_flood(store: Store) -> None:
    await add_colony(store)
    await put(store, *[by(1, at=NOW) for _ in range(1000)])
    await put(store, *[by(2, at=NOW + S) for _ in range(10)])  # a second later
    taken = await claims(store, 20)
    # The small submitter's ten are all among the first twenty, alternating.
    assert taken.count(ident(2)) == 10
    assert all(taken[i] != taken[i + 1] for i in range(0, 19, 2))


async def test_without_a_head_a_submitter_starts_now(store: Store) -> None:
    await add_colony(store)
    (first,) = await put(store, by(1, at=NOW))
    assert first.prioritytime == NOW
    (second,) = await put(store, by(1, at=NOW + S))
    # The range's head (its first) is older than now: the head is V.
    assert second.prioritytime == NOW + fairness.step(1)


async def test_weights_share_the_claims(store: Store) -> None:
    await add_colony(store)
    await store.set_fair_weight("dev", ident(1), 2)
    assert await store.fair_weights("dev") == {ident(1): 2}
    await put(store, *[by(1) for _ in range(300)])
    await put(store, *[by(2) for _ in range(300)])
    taken = await claims(store, 90)
    assert taken.count(ident(1)) == 60 and taken.count(ident(2)) == 30
    await store.set_fair_weight("dev", ident(1), fairness.DEFAULT_WEIGHT)
    assert await store.fair_weights("dev") == {}


async def test_priority_comes_before_fairness(store: Store) -> None:
    await add_colony(store)
    await put(store, *[by(1, priority=1) for _ in range(50)])
    await put(store, *[by(2) for _ in range(5)])
    # The flood's higher priority runs first, however much of it there is.
    taken = await claims(store, 55)
    assert taken == [ident(1)] * 50 + [ident(2)] * 5


async def test_executor_types_have_separate_shares(store: Store) -> None:
    await add_colony(store)
    await put(store, *[by(1, type_="a") for _ in range(100)])
    # Flooding type a costs submitter 1 nothing on type b.
    await put(store, by(1, type_="b", at=NOW + S), by(2, type_="b", at=NOW + 2 * S))
    assert await claims(store, 2, type_="b") == [ident(1), ident(2)]


async def test_a_submitters_next_batch_goes_behind_its_last(store: Store) -> None:
    await add_colony(store)
    flood = [by(1) for _ in range(20)]
    stored = await store.add_processes(flood)
    await store.durable()
    # The submitter's next process sorts after all twenty.
    (later,) = await put(store, by(1))
    assert later.prioritytime > max(p.prioritytime for p in stored)
    assert later.prioritytime - max(p.prioritytime for p in stored) == fairness.step(1)


async def test_a_restart_keeps_the_order(store: Store) -> None:
    """The virtual times are in the database: a server started again on it
    (or a replica) goes on where the last one stopped."""
    from server.store.postgres import PostgresStore
    from server.store.sqlite import SqliteStore

    await add_colony(store)
    await put(store, *[by(1) for _ in range(100)])
    await store.close()
    again: Store = (
        SqliteStore(store.path) if isinstance(store, SqliteStore)
        else PostgresStore(store.url)  # type: ignore[attr-defined]
    )  # fmt: skip
    await again.open()
    try:
        # Submitter 1's next process sorts behind its hundred; 2's first at the head.
        (late,) = await put(again, by(1, at=NOW + S))
        (fresh,) = await put(again, by(2, at=NOW + S))
        assert late.prioritytime == NOW + 100 * fairness.step(1)
        assert fresh.prioritytime == NOW
        taken = await claims(again, 102)
        assert taken[:2] in ([ident(1), ident(2)], [ident(2), ident(1)])
        assert taken[-1] == ident(1)
    finally:
        await again.close()
        await store.open()  # the fixture closes it


async def test_one_batch_of_several_submitters_and_types(store: Store) -> None:
    await add_colony(store)
    mixed = [by(1, type_="a"), by(2, type_="a"), by(1, type_="b"), by(1, type_="a")]
    stored = await put(store, *mixed)
    keys = [p.prioritytime for p in stored]
    # Each submitter and type has its own virtual time, from now.
    assert keys == [NOW, NOW, NOW, NOW + fairness.step(1)]


async def test_removed_submitters_leave_no_rows(store: Store) -> None:
    """A user's or executor's weight and virtual time go with the member."""
    from pycolonies_like.core.models import User

    await add_colony(store)
    e = await add_executor(store, name="sub", n=3)
    u = User(colonyname=e.colonyname, userid=ident(4), name="u")
    await store.add_user(u)
    for submitter in (e.executorid, u.userid):
        await store.set_fair_weight(e.colonyname, submitter, 4)
        await put(store, dataclasses.replace(make(), initiatorid=submitter))

    async def rows(submitter: str) -> tuple[int, int]:
        async with store._read() as tx:  # type: ignore[attr-defined]
            counts = [
                len(await tx.fetchall(f"SELECT * FROM {t} WHERE submitter = ?", (submitter,)))
                for t in ("fairweights", "fairshares")
            ]
        return counts[0], counts[1]

    assert await rows(e.executorid) == (1, 1) and await rows(u.userid) == (1, 1)
    assert await store.remove_executor(e.colonyname, e.executorname, NOW) is not None
    assert await rows(e.executorid) == (0, 0) and await rows(u.userid) == (1, 1)
    assert await store.remove_user(e.colonyname, "u")
    assert await rows(u.userid) == (0, 0)
    assert not await store.remove_user(e.colonyname, "u")
    assert await store.fair_weights(e.colonyname) == {}
