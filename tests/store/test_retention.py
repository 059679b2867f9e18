"""Retention on each store: what ended before the cutoff goes, in bounded
batches, with its logs and attributes; statistics keep counting it."""

from __future__ import annotations

import asyncio

from pycolonies_like.core.models import Attribute, ChannelEntry, Executor, LogEntry, ProcessState
from server.store.base import Store
from server.store.postgres import PostgresStore
from tests.server.test_store import (
    NOW,
    S,
    add_colony,
    add_executor,
    add_workflow,
    ident,
    make,
    new_id,
    put,
)


async def finish(store: Store, e: Executor, n: int, at: int, state: ProcessState) -> list[str]:
    """Submits, claims and ends `n` processes at time `at`; returns their ids."""
    ids = []
    for p in await put(store, *[make() for _ in range(n)]):
        claimed = await store.claim_process(e, at)
        assert claimed is not None and claimed.processid == p.processid
        assert await store.finish_process(p.processid, 1, state, at)
        ids.append(p.processid)
    await store.durable()
    return ids


async def test_finished_processes_past_the_cutoff_go_with_their_logs(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    old = await finish(store, e, 3, NOW, ProcessState.SUCCESSFUL)
    old_failed = await finish(store, e, 1, NOW, ProcessState.FAILED)
    recent = await finish(store, e, 2, NOW + 100 * S, ProcessState.SUCCESSFUL)
    (waiting,) = await put(store, make(type_="other"))
    await store.add_log(LogEntry(old[0], "dev", "e1", "hello", NOW))
    await store.add_attribute(
        Attribute(new_id(), old[0], "dev", "", 0, "k", "v"), NOW
    )  # fmt: skip
    before = await store.colony_statistics("dev")

    # Bounded: two per pass.
    assert await store.purge_finished("dev", NOW + 50 * S, 2) == 2
    assert await store.purge_finished("dev", NOW + 50 * S, 2) == 2
    assert await store.purge_finished("dev", NOW + 50 * S, 2) == 0
    await store.durable()
    for processid in old + old_failed:
        assert await store.get_process(processid) is None
        assert (await store.get_logs(processid, 10)).entries == []
    for processid in [*recent, waiting.processid]:
        assert await store.get_process(processid) is not None
    assert (await store.get_executor_logs("dev", "e1", 10)).entries == []
    # The counts stay.
    assert await store.colony_statistics("dev") == before
    assert (await store.statistics()).successfulprocesses == 5


async def test_finished_workflows_go_whole_and_unfinished_ones_stay(
    store: Store,
) -> None:
    await add_colony(store)
    e = await add_executor(store)
    done = await add_workflow(store, ("a", []))
    running = await add_workflow(store, ("x", []), ("y", ["x"]))
    claimed = await store.claim_process(e, NOW)
    assert claimed is not None and claimed.processid == done["a"].processid
    await store.finish_process(claimed.processid, 1, ProcessState.SUCCESSFUL, NOW)
    x = await store.claim_process(e, NOW)
    assert x is not None and x.processid == running["x"].processid
    await store.finish_process(x.processid, 1, ProcessState.SUCCESSFUL, NOW)
    await store.durable()
    before = await store.colony_statistics("dev")
    assert before.successfulworkflows == 1

    assert await store.purge_finished("dev", NOW + S, 100) == 1
    await store.durable()
    assert await store.get_graph(done["a"].processgraphid) is None
    assert await store.get_process(done["a"].processid) is None
    # The unfinished workflow keeps even its finished process.
    assert await store.get_graph(running["x"].processgraphid) is not None
    assert await store.get_process(running["x"].processid) is not None
    assert await store.colony_statistics("dev") == before


async def test_retention_is_per_colony(store: Store) -> None:
    await add_colony(store)
    await add_colony(store, "other")
    assert await store.colonies_with_retention() == []
    colony = await store.set_retention("dev", 3600)
    assert colony is not None and colony.retention == 3600
    assert (await store.get_colony("dev")).retention == 3600  # type: ignore[union-attr]
    assert await store.colonies_with_retention() == [("dev", 3600)]
    assert await store.set_retention("nope", 10) is None
    e = await add_executor(store, colony="other", n=3)
    (p,) = await put(store, make("other"))
    assert await store.claim_process(e, NOW)
    await store.finish_process(p.processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert await store.purge_finished("dev", NOW + S, 100) == 0
    assert await store.get_process(p.processid) is not None
    # Removing a colony forgets its counts.
    assert await store.purge_finished("other", NOW + S, 100) == 1
    assert await store.remove_colony("other")
    await add_colony(store, "other")
    assert (await store.colony_statistics("other")).successfulprocesses == 0


async def test_two_servers_purging_at_once_count_each_process_once(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    await finish(store, e, 40, NOW, ProcessState.SUCCESSFUL)
    second = store
    if isinstance(store, PostgresStore):
        second = PostgresStore(store.url)
        await second.open()
    try:
        removed = 0
        while True:
            batch = await asyncio.gather(
                store.purge_finished("dev", NOW + S, 7), second.purge_finished("dev", NOW + S, 7)
            )
            removed += sum(batch)
            if sum(batch) == 0:
                break
    finally:
        if second is not store:
            await second.close()  # type: ignore[attr-defined]
    assert removed == 40
    stats = await store.colony_statistics("dev")
    assert stats.successfulprocesses == 40
    assert await store.get_process(ident(1)) is None


async def test_channel_entries_go_with_their_process(store: Store) -> None:
    await add_colony(store)
    e = await add_executor(store)
    (p,) = await put(store, make())
    assert await store.claim_process(e, NOW)
    entry = ChannelEntry(sequence=1, senderid=ident(9), payload=b"hi", timestamp=NOW)
    assert await store.append_channel_entry(p.processid, "chat", entry, 100)
    await store.finish_process(p.processid, 1, ProcessState.SUCCESSFUL, NOW)
    assert len(await store.read_channel(p.processid, "chat", 0, 10)) == 1
    assert await store.purge_finished("dev", NOW + S, 10) == 1
    assert await store.read_channel(p.processid, "chat", 0, 10) == []
