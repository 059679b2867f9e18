"""Processes through the services: the lifecycle, its refusals and its deadlines."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
    StaleAttempt,
)
from pycolonies_like.core.models import EventKind, ProcessState
from tests.service.world import Events, World


async def test_submit_assign_close(world: World) -> None:
    events = await Events.open(world)
    p = await world.submit(args=[1, 2])
    assert p.state == ProcessState.WAITING and p.initiatorname == "user"
    assert p.submissiontime == world.clock.now_ns()
    running = await world.assign(1)
    assert (running.processid, running.state, running.attempt) == (p.processid,
                                                                   ProcessState.RUNNING, 1)  # fmt: skip
    assert running.assignedexecutorname == "e1"
    world.clock.advance(2)
    await world.close(running, ["done"], executor=1)
    closed = await world.get(p.processid)
    assert closed.state == ProcessState.SUCCESSFUL and closed.output == ["done"]
    assert closed.endtime == world.clock.now_ns()
    kinds = [e.kind for e in await events.take(3)]
    assert kinds == [EventKind.SUBMITTED, EventKind.ASSIGNED, EventKind.SUCCEEDED]
    with pytest.raises(NoProcessAvailable):
        await world.assign()


async def test_fail_records_the_errors(world: World) -> None:
    await world.submit()
    p = await world.assign()
    await world.services.processes.fail(world.executors[0], p.processid, p.attempt, ["boom"])
    failed = await world.get(p.processid)
    assert failed.state == ProcessState.FAILED and failed.errors == ("boom",)
    with pytest.raises(InvalidArgument, match="errors must be strings"):
        await world.services.processes.fail(world.executors[0], p.processid, 0, [1])  # type: ignore[list-item]


async def test_who_may_submit_assign_and_finish(world: World) -> None:
    processes = world.services.processes
    with pytest.raises(PermissionDenied, match="colony key cannot submit"):
        await processes.submit(world.owner, world.spec())
    with pytest.raises(PermissionDenied, match="not an executor"):
        await processes.assign(world.user, world.colony, 0)
    await world.submit()
    p = await world.assign(0)
    for caller in (world.executors[1], world.user):
        with pytest.raises(PermissionDenied, match="only the executor assigned"):
            await processes.close(caller, p.processid, p.attempt, [])
    await world.close(p)
    with pytest.raises(FailedPrecondition, match="has ended"):
        await world.close(p)


async def test_a_parked_assign_is_woken_by_a_submit(world: World) -> None:
    parked = asyncio.create_task(
        world.services.processes.assign(world.executors[0], world.colony, 5)
    )
    await asyncio.sleep(0)  # let it park
    p = await world.submit()
    assert (await asyncio.wait_for(parked, 1)).processid == p.processid


async def test_an_overdue_process_is_requeued_then_failed(world: World) -> None:
    p = await world.submit(maxexectime=10, maxretries=1)
    first = await world.assign()
    world.clock.advance(9)
    assert await world.services.processes.sweep() == 0
    world.clock.advance(2)
    assert await world.services.processes.sweep() == 1
    again = await world.get(p.processid)
    assert (again.state, again.retries) == (ProcessState.WAITING, 1)
    with pytest.raises(StaleAttempt):
        await world.close(first)
    second = await world.assign()
    assert second.attempt == 2
    world.clock.advance(11)
    assert await world.services.processes.sweep() == 1
    failed = await world.get(p.processid)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == ("Maximum execution time limit exceeded",)


async def test_a_process_waiting_too_long_fails(world: World) -> None:
    p = await world.submit(maxwaittime=5)
    world.clock.advance(6)
    assert await world.services.processes.sweep() == 1
    failed = await world.get(p.processid)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == ("Maximum waiting time limit exceeded",)


async def test_heartbeats_extend_the_deadline_and_report_cancellation(world: World) -> None:
    processes = world.services.processes
    p = await world.submit(maxexectime=10)
    running = await world.assign()
    world.clock.advance(8)
    deadline, cancelled = await processes.heartbeat(world.executors[0], p.processid, 1)
    assert deadline == world.clock.now_ns() + 10 * 10**9 and not cancelled
    world.clock.advance(8)
    assert await processes.sweep() == 0
    with pytest.raises(PermissionDenied, match="heartbeats"):
        await processes.heartbeat(world.executors[1], p.processid, 1)
    await processes.cancel_process(world.user, running.processid)
    assert await processes.heartbeat(world.executors[0], p.processid, 1) == (0, True)


async def test_release_puts_a_process_back_without_a_retry(world: World) -> None:
    p = await world.submit(maxretries=0)
    running = await world.assign(0)
    released = await world.services.processes.release(world.executors[0], p.processid, 1)
    assert (released.state, released.retries) == (ProcessState.WAITING, 0)
    assert (await world.assign(1)).attempt == running.attempt + 1


async def test_cancel(world: World) -> None:
    processes = world.services.processes
    waiting = await world.submit()
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        await processes.cancel_process(world.executors[0], waiting.processid)
    cancelled = await processes.cancel_process(world.owner, waiting.processid)
    assert cancelled.state == ProcessState.CANCELLED
    with pytest.raises(FailedPrecondition, match="cannot be cancelled"):
        await processes.cancel_process(world.user, waiting.processid)
    await world.submit()
    running = await world.assign()
    await processes.cancel_process(world.user, running.processid)
    with pytest.raises(FailedPrecondition, match="cancelled"):
        await world.close(running)


async def test_an_idempotency_key_submits_once(world: World) -> None:
    submit = world.services.processes.submit
    first = await submit(world.user, world.spec(), "order-1")
    assert (await submit(world.user, world.spec(), "order-1")).processid == first.processid
    assert (await submit(world.user, world.spec(), "order-2")).processid != first.processid


async def test_batches(world: World) -> None:
    submit_batch = world.services.processes.submit_batch
    processes = await submit_batch(world.user, [world.spec(f"f{i}") for i in range(3)])
    assert len({p.processid for p in processes}) == 3
    with pytest.raises(InvalidArgument, match="at least one"):
        await submit_batch(world.user, [])
    other = world.spec()
    other.conditions.colonyname = "elsewhere"
    with pytest.raises(InvalidArgument, match="same colony"):
        await submit_batch(world.user, [world.spec(), other])


async def test_remove(world: World) -> None:
    processes = world.services.processes
    p = await world.submit()
    await world.assign()
    with pytest.raises(FailedPrecondition, match="running"):
        await processes.remove_process(world.user, p.processid)
    with pytest.raises(PermissionDenied, match="not the owner"):
        await processes.remove_all_processes(world.user, world.colony, None)
    await world.submit()
    assert (
        await processes.remove_all_processes(world.owner, world.colony, ProcessState.WAITING) == 1
    )


async def test_logs_and_attributes_belong_to_the_assigned_executor(world: World) -> None:
    logs = world.services.logs
    p = await world.submit()
    with pytest.raises(PermissionDenied, match="only the executor assigned"):
        await logs.add_log(world.executors[0], p.processid, 0, "nobody's yet")
    await world.assign()
    await logs.add_log(world.executors[0], p.processid, 1, "hello")
    with pytest.raises(PermissionDenied):
        await logs.add_log(world.executors[1], p.processid, 1, "not mine")
    attribute = await logs.add_attribute(world.executors[0], p.processid, 1, "k", "v")
    assert (await logs.get_attribute(world.user, attribute.attributeid)).value == "v"
    entries = (await logs.get_logs(world.user, p.processid, 10)).entries
    assert [e.message for e in entries] == ["hello"]
    by_executor = await logs.get_logs(world.user, "", 10, colonyname=world.colony,
                                      executorname="e0")  # fmt: skip
    assert [e.message for e in by_executor.entries] == ["hello"]


async def test_follow_logs_until_the_process_ends(world: World) -> None:
    logs = world.services.logs
    p = await world.submit()
    await world.assign()
    await logs.add_log(world.executors[0], p.processid, 1, "one")
    follower = logs.follow_logs(world.user, p.processid)
    assert (await anext(follower)).message == "one"
    pending = asyncio.ensure_future(anext(follower))
    await asyncio.sleep(0)
    await logs.add_log(world.executors[0], p.processid, 1, "two")
    assert (await asyncio.wait_for(pending, 1)).message == "two"
    await world.close(p)
    assert [e async for e in follower] == []
