"""Paused assignment, on each store: claims skip what is paused, nothing else changes."""

from __future__ import annotations

from pycolonies_like.core.models import Colony, ProcessState
from server.store.base import Store
from tests.server.test_store import NOW, add_colony, add_executor, ident, make, put


async def test_a_paused_colony_assigns_nothing_until_resumed(store: Store) -> None:
    await add_colony(store)
    e1 = await add_executor(store)
    (running,) = await put(store, make())
    assert (await store.claim_process(e1, NOW)) is not None
    (waiting,) = await put(store, make())

    colony = await store.set_paused("dev", "", True, NOW)
    assert colony == Colony(ident(1), "dev", paused=True)
    assert await store.claim_process(e1, NOW + 1) is None
    # What runs goes on and may end.
    assert await store.finish_process(running.processid, 1, ProcessState.SUCCESSFUL, NOW + 2)
    assert (await store.get_colony("dev")) == colony
    assert [c.paused for c in await store.list_colonies()] == [True]

    assert await store.set_paused("dev", "", False, NOW + 3) == Colony(ident(1), "dev")
    claimed = await store.claim_process(e1, NOW + 4)
    assert claimed is not None and claimed.processid == waiting.processid


async def test_pausing_one_executor_type_leaves_the_others_assigned(store: Store) -> None:
    await add_colony(store)
    slow = await add_executor(store, "e1", "slow", n=2)
    fast = await add_executor(store, "e2", "fast", n=3)
    await put(store, make(type_="slow"), make(type_="fast"))
    colony = await store.set_paused("dev", "slow", True, NOW)
    assert colony is not None and colony.pausedtypes == ("slow",) and not colony.paused
    # Pausing twice is harmless.
    assert await store.set_paused("dev", "slow", True, NOW) == colony
    assert await store.claim_process(slow, NOW) is None
    assert await store.claim_process(fast, NOW) is not None
    await store.set_paused("dev", "slow", False, NOW)
    assert await store.claim_process(slow, NOW) is not None


async def test_pauses_belong_to_their_colony(store: Store) -> None:
    await add_colony(store, "a")
    await add_colony(store, "b")
    ea = await add_executor(store, "e1", colony="a", n=2)
    eb = await add_executor(store, "e1", colony="b", n=3)
    await put(store, make("a"), make("b"))
    await store.set_paused("a", "", True, NOW)
    assert await store.claim_process(ea, NOW) is None
    assert await store.claim_process(eb, NOW) is not None
    assert await store.set_paused("nope", "", True, NOW) is None
    # Removing a colony removes its pauses; a new colony of that name is not paused.
    assert await store.remove_colony("a")
    await add_colony(store, "a")
    assert await store.get_colony("a") == Colony(ident(1), "a")
