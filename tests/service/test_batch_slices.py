"""A big batch shares the event loop (server/service/slices.py): between two
turns of the loop it builds, prepares for the store and announces at most
SLICE processes, so that another colony's request waits for a slice, not for
the batch. Its rows are written a slice per turn too, staged, then published
at once. Counted per turn of the loop, not timed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from pycolonies_like.core.models import Process, ProcessState, User
from server.service.guard import new_id
from server.service.slices import SLICE
from server.store import rows
from server.store.base import Store
from tests.service.world import World


class PerTurn:
    """Counts the calls of a function made in each turn of the event loop."""

    def __init__(self) -> None:
        self.now = self.most = self.total = 0

    def counting(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.now += 1
            self.total += 1
            self.most = max(self.most, self.now)
            return fn(*args, **kwargs)

        return counted

    async def tick(self) -> None:
        while True:
            await asyncio.sleep(0)  # runs once every turn of the loop
            self.now = 0


async def test_a_big_batch_does_a_slice_per_turn_of_the_loop(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await World.build(store)
    service = world.services.processes
    built, prepared, announced = PerTurn(), PerTurn(), PerTurn()
    monkeypatch.setattr(service, "_new_process", built.counting(service._new_process))
    monkeypatch.setattr(rows, "process_values", prepared.counting(rows.process_values))
    emitter = service.emitter
    monkeypatch.setattr(emitter, "process_event", announced.counting(emitter.process_event))
    n = 10 * SLICE + 7
    tickers = [asyncio.create_task(c.tick()) for c in (built, prepared, announced)]
    try:
        processes = await service.submit_batch(world.user, [world.spec()] * n)
    finally:
        for t in tickers:
            t.cancel()
    assert len(processes) == n
    for counter in (built, prepared, announced):
        assert counter.total == n
        assert counter.most <= SLICE  # (all n in one step before slicing)
    stats = await world.services.colonies.colony_statistics(world.owner, world.colony)
    assert stats.waitingprocesses == n


async def test_big_batches_take_turns_one_slice_per_turn_of_the_loop(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three floods at once still build one slice per turn between them, not
    one each: a small request's step waits for one slice, not three."""
    world = await World.build(store)
    service = world.services.processes
    built = PerTurn()
    monkeypatch.setattr(service, "_new_process", built.counting(service._new_process))
    n = 6 * SLICE
    ticker = asyncio.create_task(built.tick())
    try:
        batches = await asyncio.gather(
            *(service.submit_batch(world.user, [world.spec()] * n) for _ in range(3))
        )
    finally:
        ticker.cancel()
    assert [len(b) for b in batches] == [n, n, n]
    assert built.total == 3 * n
    assert built.most <= SLICE  # (3 * SLICE when each batch yields on its own)


async def test_a_single_submit_is_done_before_a_big_batch_under_way(store: Store) -> None:
    if store.kind != "sqlite":
        pytest.skip("on SQLite turns of the loop alone decide the order; elsewhere round trips")
    world = await World.build(store)
    service = world.services.processes
    order: list[str] = []

    async def batch() -> None:
        await service.submit_batch(world.user, [world.spec()] * (20 * SLICE))
        order.append("batch")

    async def single() -> None:
        await world.submit()
        order.append("single")

    flood = asyncio.create_task(batch())
    await asyncio.sleep(0)  # the batch is under way
    await asyncio.gather(flood, single())
    # Queued behind the batch, the single submit would end after it.
    assert order == ["single", "batch"]


async def test_a_batch_is_timed_when_it_is_stored_not_when_it_arrived(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch takes turns of the loop before its store call; a process
    another submitter queued meanwhile, on an empty queue, must not sort
    behind the batch and the submitter's later ones (the batch stamped with
    the time it arrived, V = that time, would put up to a second's worth of
    the flood's virtual time, a million processes, in front of it)."""
    world = await World.build(store)
    s = world.services
    other = new_id()
    await s.colonies.add_user(world.owner, User(world.colony, other, "other"))
    built = PerTurn()
    monkeypatch.setattr(s.processes, "_new_process", built.counting(s.processes._new_process))
    flood = asyncio.create_task(s.processes.submit_batch(world.user, [world.spec()] * 4 * SLICE))
    while not built.total:
        await asyncio.sleep(0)  # until the batch is being built
    world.clock.advance(1.0)
    mine = await s.processes.submit(other, world.spec())
    await flood
    await s.processes.submit_batch(world.user, [world.spec()] * SLICE)
    claimed = [(await world.assign()).processid for _ in range(2)]
    assert mine.processid in claimed  # (5 * SLICE claims later when timed on arrival)


async def test_a_big_batch_is_written_a_slice_per_turn_and_served_around(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store step of a batch too: its process rows are written at most
    SLICE per turn of the loop (staged, claimable by no one), then published
    at once; a small submit and a claim arriving meanwhile are served between
    two slices, and neither the claim (its queue rows come with the publish)
    nor a list (its rows are staged) sees a process of the unpublished batch."""
    from server.store.postgres import PgTx
    from server.store.sqlite import SqliteTx
    from server.store.staged import StagedBatch

    world = await World.build(store)
    service = world.services.processes
    written = PerTurn()  # process rows written (inserted) per turn of the loop
    slices = 0

    for tx_class in (SqliteTx, PgTx):
        executemany = tx_class.executemany

        async def counted(self: Any, sql: str, params: Any, _orig: Any = executemany) -> None:
            nonlocal slices
            params = list(params)
            if sql.startswith("INSERT INTO processes") and len(params) > 1:  # the batch's
                slices += 1
                for _ in params:
                    written.counting(lambda: None)()
            await _orig(self, sql, params)

        monkeypatch.setattr(tx_class, "executemany", counted)
    publishing = False
    publish = StagedBatch.publish

    async def noted(self: StagedBatch, now_ns: int) -> None:
        nonlocal publishing
        publishing = True
        await publish(self, now_ns)

    monkeypatch.setattr(StagedBatch, "publish", noted)
    n = 20 * SLICE
    ticker = asyncio.create_task(written.tick())
    order: list[str] = []

    async def batch() -> list[Process]:
        done = await service.submit_batch(world.user, [world.spec()] * n)
        order.append("batch")
        return done

    try:
        flood = asyncio.create_task(batch())
        while slices < 2 and not flood.done():
            await asyncio.sleep(0)  # the batch is being written
        single = await world.submit()
        claimed = await world.assign()
        seen = await store.list_processes(world.colony, ProcessState.RUNNING, 1000)
        seen += await store.list_processes(world.colony, ProcessState.WAITING, 1000)
        published = publishing  # (not begun before the lists ended: they saw it staged)
        order.append("single")
        processes = await flood
    finally:
        ticker.cancel()
    assert claimed.processid == single.processid  # never a process of the batch
    if not published:
        assert [p.processid for p in seen] == [single.processid]
    assert len(processes) == n and written.total == n
    assert written.most <= SLICE  # (n in one step when the batch is written at once)
    if store.kind == "sqlite":  # elsewhere round trips, not turns, decide the order
        assert order == ["single", "batch"]
    stats = await world.services.colonies.colony_statistics(world.owner, world.colony)
    assert (stats.waitingprocesses, stats.runningprocesses) == (n, 1)


async def test_the_sweep_drops_what_a_stopped_server_staged(store: Store) -> None:
    from server.service.deadlines import ABANDONED_BATCH_NS

    world = await World.build(store)
    service = world.services.processes
    actor = await service.guard.member(world.user, world.colony)
    processes = [service._new_process(actor, world.spec(), 0) for _ in range(3)]
    stopped = store.staged_batch(world.clock.now_ns())
    batch = await stopped.__aenter__()  # never left: its server stopped
    await batch.stage(processes, store.process_rows(processes))
    await store.durable()
    await service.sweep()
    assert await store.drop_staged(world.clock.now_ns() + 1, 0) == 3  # still there
    await batch.stage(processes, store.process_rows(processes))  # (staged again)
    world.clock.advance(ABANDONED_BATCH_NS / 1e9 + 1)
    if store.kind == "postgresql":  # aged on the database's clock: made older
        async with store._tx() as tx:  # type: ignore[attr-defined]
            await tx.execute(
                "UPDATE processes SET submissiontime = submissiontime - ? WHERE state = -1",
                (ABANDONED_BATCH_NS + 1_000_000_000,),
            )
    assert await service.sweep() == 3
    assert await store.drop_staged(world.clock.now_ns(), 0) == 0


async def test_a_submitter_removed_while_its_batch_is_staged_submits_nothing(store: Store) -> None:
    """Membership is checked again before the publish: a user removed while
    its batch was being staged (many turns of the loop) submits none of it,
    and no fair-share row comes back for it."""
    from pycolonies_like.core.errors import PermissionDenied

    world = await World.build(store)
    service = world.services.processes
    submitting = asyncio.create_task(service.submit_batch(world.user, [world.spec()] * 200))

    async def staged() -> int:
        async with store._read() as tx:  # type: ignore[attr-defined]
            row = await tx.fetchone("SELECT count(*) AS n FROM processes WHERE state = -1")
        return int(row["n"]) if row else 0

    while await staged() == 0:
        assert not submitting.done(), "the batch was published before it could be seen staged"
        await asyncio.sleep(0)
    async with store._read() as tx:  # type: ignore[attr-defined]
        raw = await tx.fetchone("SELECT * FROM processes WHERE state = -1")
    with pytest.raises(KeyError):  # a staged row is never read as some process
        rows.process_from_row(raw)
    await world.services.colonies.remove_user(world.owner, world.colony, "user")
    with pytest.raises(PermissionDenied):
        await submitting
    await store.durable()
    assert await staged() == 0
    stats = await world.services.colonies.colony_statistics(world.owner, world.colony)
    assert stats.waitingprocesses == 0
    async with store._read() as tx:  # type: ignore[attr-defined]
        shares = await tx.fetchall("SELECT * FROM fairshares WHERE submitter = ?", (world.user,))
    assert shares == []
