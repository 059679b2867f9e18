"""The cancelling concurrency strategies after the commit that queued the
processes: a process claimed meanwhile is not decided (never its own victim),
a workflow one root cancelled is not decided again for its other roots, a
request cancelled after its commit still applies them and announces every
process, a big batch decides a slice per turn of the loop, and a failure to
apply them is logged, not returned to a client that would retry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from pycolonies_like.core.models import Concurrency, FuncSpec, Process, ProcessState, Workflow
from server.service.slices import SLICE
from server.service.strategies import Strategies
from server.store.base import Staging
from tests.service.test_batch_slices import PerTurn
from tests.service.world import World

CANCELLED, RUNNING, WAITING = ProcessState.CANCELLED, ProcessState.RUNNING, ProcessState.WAITING


def keyed(world: World, strategy: str, value: str = "acme", limit: int = 1, **kw: Any) -> FuncSpec:
    return world.spec(kwargs={"customer": value}, **kw,
                      concurrency=Concurrency(kwarg="customer", limit=limit, strategy=strategy))  # fmt: skip


def graph_of(world: World, *specs: FuncSpec) -> Workflow:
    return Workflow(colonyname=world.colony, functionspecs=list(specs))


async def states(world: World, processes: list[Process]) -> list[ProcessState]:
    return [(await world.get(p.processid)).state for p in processes]


async def after_the_request(world: World) -> None:
    """Waits for what the cancelled request left running (its steps after the commit)."""
    left: list[asyncio.Future[Any]] = []
    for service in (world.services.processes, world.services.workflows):
        after = getattr(service, "after_commit", None)
        left += after.tasks if after is not None else []
    await asyncio.wait_for(asyncio.gather(*left), 10)


def go_away_after(world: World, monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    """The client goes away (grpc.aio cancels the request) right after this
    store call committed."""
    stored = getattr(world.store, call)

    async def then_go_away(*args: Any, **kwargs: Any) -> Any:
        result = await stored(*args, **kwargs)
        task = asyncio.current_task()
        assert task is not None
        task.cancel()
        return result

    monkeypatch.setattr(world.store, call, then_go_away)


def go_away_after_batch(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The client goes away right after its batch was published."""
    staged_batch = world.store.staged_batch

    @asynccontextmanager
    async def then_go_away(now_ns: int) -> AsyncIterator[Staging]:
        async with staged_batch(now_ns) as batch:
            yield batch
        task = asyncio.current_task()
        assert task is not None
        task.cancel()

    monkeypatch.setattr(world.store, "staged_batch", then_go_away)


@pytest.mark.parametrize("strategy", ["cancel_newest", "cancel_in_progress"])
async def test_a_process_claimed_before_its_decision_is_not_its_own_victim(
    world: World, strategy: str
) -> None:
    """The decision runs on the process as queued; an executor that claimed it
    meanwhile makes it the key's running process: nothing to decide."""
    queued = await world.submit(**_concurrency(strategy))
    assert (await world.assign()).processid == queued.processid
    decided = await world.services.processes.strategies.arrived([queued])
    assert [p.processid for p in decided] == [queued.processid]
    assert (await world.get(queued.processid)).state == RUNNING


def _concurrency(strategy: str) -> dict[str, Any]:
    return {"kwargs": {"customer": "acme"},
            "concurrency": Concurrency(kwarg="customer", limit=1, strategy=strategy)}  # fmt: skip


async def test_a_batch_reply_shows_the_members_its_decisions_cancelled(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An executor claims one of a batch between its commit and its
    decisions: the other one cancels it (cancel_in_progress), and the reply
    says so as the store does."""
    store = world.store
    staged_batch = store.staged_batch

    claimed: list[str] = []

    @asynccontextmanager
    async def publish_then_claim(now_ns: int) -> AsyncIterator[Staging]:
        async with staged_batch(now_ns) as batch:
            yield batch
        claimed.append((await world.assign()).processid)

    monkeypatch.setattr(store, "staged_batch", publish_then_claim)
    batch = [keyed(world, "cancel_in_progress")] * 2
    reply = await world.services.processes.submit_batch(world.user, batch)
    expected = [CANCELLED if p.processid in claimed else WAITING for p in reply]
    assert sorted(expected) == [WAITING, CANCELLED]
    assert [p.state for p in reply] == expected
    assert await states(world, reply) == expected


async def test_a_workflow_one_root_cancelled_cancels_nothing_for_its_other_roots(
    world: World,
) -> None:
    """Root a (cancel_newest) finds its key at its limit and cancels its new
    workflow; root b (cancel_in_progress, another key) is cancelled with it and
    must not then cancel the unrelated workflow running that key."""
    workflows = world.services.workflows
    g1 = await workflows.submit_workflow(
        world.user, graph_of(world, keyed(world, "queue", "k1", nodename="a"))
    )
    await world.assign()
    g2 = await workflows.submit_workflow(
        world.user, graph_of(world, keyed(world, "queue", "k2", nodename="b"))
    )
    await world.assign()
    g3 = await workflows.submit_workflow(world.user, graph_of(
        world, keyed(world, "cancel_newest", "k1", nodename="a"),
        keyed(world, "cancel_in_progress", "k2", nodename="b")))  # fmt: skip
    assert g3.state == CANCELLED
    for g in (g1, g2):
        graph = await workflows.get_graph(world.user, g.processgraphid)
        assert graph.state == RUNNING


async def test_a_batch_cancelled_after_its_commit_still_applies_and_announces(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client goes away (the request is cancelled) right after the rows
    are stored: every process is still announced and the strategy applied."""
    await world.submit(**_concurrency("cancel_newest"))
    await world.assign()  # the key is at its limit: the batch is cancelled
    emitter = world.services.processes.emitter
    submitted = emitter.submitted
    announced: list[str] = []

    def counted(processes: Any) -> None:
        announced.extend(p.processid for p in processes)
        submitted(processes)

    go_away_after_batch(world, monkeypatch)
    monkeypatch.setattr(emitter, "submitted", counted)
    n = 3 * SLICE + 1
    request = asyncio.create_task(
        world.services.processes.submit_batch(world.user, [keyed(world, "cancel_newest")] * n)
    )
    with pytest.raises(asyncio.CancelledError):
        await request
    await after_the_request(world)
    assert len(set(announced)) == n
    stats = await world.services.colonies.colony_statistics(world.owner, world.colony)
    assert (stats.waitingprocesses, stats.runningprocesses) == (0, 1)
    assert {(await world.get(pid)).state for pid in announced} == {CANCELLED}


async def test_a_workflow_cancelled_after_its_commit_still_applies(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.submit(**_concurrency("cancel_newest"))
    await world.assign()
    go_away_after(world, monkeypatch, "add_graph")
    workflows = world.services.workflows
    request = asyncio.create_task(workflows.submit_workflow(
        world.user, graph_of(world, keyed(world, "cancel_newest", nodename="a"))))  # fmt: skip
    with pytest.raises(asyncio.CancelledError):
        await request
    await after_the_request(world)
    graphs = await workflows.list_graphs(world.user, world.colony, None, 10)
    assert [g.state for g in graphs] == [CANCELLED]


async def test_a_single_submit_cancelled_after_its_commit_still_applies(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.submit(**_concurrency("cancel_newest"))
    await world.assign()
    go_away_after(world, monkeypatch, "add_processes")
    processes = world.services.processes
    request = asyncio.create_task(processes.submit(world.user, keyed(world, "cancel_newest")))
    with pytest.raises(asyncio.CancelledError):
        await request
    await after_the_request(world)
    stats = await world.services.colonies.colony_statistics(world.owner, world.colony)
    assert (stats.waitingprocesses, stats.runningprocesses) == (0, 1)


async def test_a_big_keyed_batch_decides_a_slice_per_turn_of_the_loop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = world.store
    decided = PerTurn()
    monkeypatch.setattr(store, "running_with_key", decided.counting(store.running_with_key))
    n = 4 * SLICE + 3
    ticker = asyncio.create_task(decided.tick())
    try:
        batch = [keyed(world, "cancel_newest", limit=5000)] * n
        await world.services.processes.submit_batch(world.user, batch)
    finally:
        ticker.cancel()
    assert decided.total == n
    assert decided.most <= SLICE


async def test_a_failure_to_apply_a_strategy_after_the_commit_is_logged_not_returned(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The work is stored: a submit, a batch, a workflow, a rerun and a
    release all succeed (a client that retried would store it twice)."""

    async def broken(self: Strategies, p: Process) -> list[Process]:
        raise RuntimeError("injected")

    monkeypatch.setattr(Strategies, "_arrived", broken)
    caplog.set_level(logging.ERROR, logger="server.service.strategies")
    processes, workflows = world.services.processes, world.services.workflows
    graph = await workflows.submit_workflow(world.user, graph_of(
        world, keyed(world, "cancel_newest", nodename="a"),
        keyed(world, "cancel_newest", nodename="b", dependencies=["a"])))  # fmt: skip
    assert graph.state == WAITING
    assert len(caplog.records) == 1
    root = await world.assign()
    assert root.spec.nodename == "a" and root.processid in caplog.records[0].getMessage()
    caplog.clear()
    await world.close(root)  # releases b
    assert len(caplog.records) == 1
    caplog.clear()
    await workflows.cancel_graph(world.user, graph.processgraphid)
    rerun_graph, rerun = await workflows.rerun_graph(world.user, graph.processgraphid)
    assert [p.state for p in rerun] == [WAITING]
    assert rerun_graph.processgraphid == graph.processgraphid
    assert len(caplog.records) == 1
    caplog.clear()
    single = await processes.submit(world.user, keyed(world, "cancel_newest", "other"))
    batch = await processes.submit_batch(world.user, [keyed(world, "cancel_newest", "b")] * 3)
    assert await states(world, [single, *batch]) == [WAITING] * 4
    assert len(caplog.records) == 2
    assert single.processid in caplog.records[0].getMessage()
    assert all(p.processid in caplog.records[1].getMessage() for p in batch)


async def test_a_step_after_a_commit_that_fails_when_its_request_is_gone_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from server.service.strategies import AfterCommit

    after = AfterCommit()
    started = asyncio.Event()

    async def step() -> None:
        started.set()
        await asyncio.sleep(0.01)
        raise RuntimeError("announcing failed")

    request = asyncio.create_task(after.finish(step()))
    await started.wait()
    request.cancel()  # the client went away
    with caplog.at_level(logging.ERROR, logger="server.service.strategies"):
        while after.tasks:
            await asyncio.sleep(0.005)
    assert request.cancelled()
    failures = [r for r in caplog.records if r.getMessage() == "a step after a commit failed"]
    assert len(failures) == 1 and "announcing failed" in str(failures[0].exc_info)
