"""Crons and generators: each tick or batch of arguments starts one workflow."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from pycolonies_like.core.models import Cron, Generator, ProcessState
from tests.service.world import World

S = 1_000_000_000


def cron(world: World, **kw: object) -> Cron:
    return Cron(cronid="", colonyname=world.colony, name="nightly",
                workflowspec=world.workflow("a", ("b", "a")), **kw)  # type: ignore[arg-type]  # fmt: skip


def generator(world: World, **kw: object) -> Generator:
    return Generator(generatorid="", colonyname=world.colony, name="batcher",
                     workflowspec=world.workflow("a"), **kw)  # type: ignore[arg-type]  # fmt: skip


async def graphs(world: World) -> int:
    return len(await world.services.workflows.list_graphs(world.user, world.colony, None, 100))


async def test_an_interval_cron_fires_once_per_tick(world: World) -> None:
    schedules = world.services.schedules
    added = await schedules.add_cron(world.user, cron(world, interval=60))
    assert added.nextrun == world.clock.now_ns() + 60 * S and added.initiatorname == "user"
    assert await schedules.run_due_crons() == 0
    world.clock.advance(61)
    assert await schedules.run_due_crons() == 1
    assert await schedules.run_due_crons() == 0
    world.clock.advance(60)
    started = await asyncio.gather(*(schedules.run_due_crons() for _ in range(4)))
    assert sum(started) == 1  # concurrent passes start a tick once
    assert await graphs(world) == 2
    stored = await schedules.get_cron(world.user, added.cronid)
    assert stored.lastrun == world.clock.now_ns() and stored.prevprocessgraphid


async def test_a_cron_waiting_for_its_previous_run(world: World) -> None:
    schedules = world.services.schedules
    added = await schedules.add_cron(world.user, cron(world, interval=10,
                                                      waitforprevprocessgraph=True))  # fmt: skip
    world.clock.advance(11)
    assert await schedules.run_due_crons() == 1
    world.clock.advance(10)
    assert await schedules.run_due_crons() == 0  # the first run has not ended
    with pytest.raises(FailedPrecondition, match="waits for its previous workflow"):
        await schedules.run_cron(world.user, added.cronid)
    a = await world.assign()
    await world.close(a, ["a out"])
    b = await world.assign()
    await world.close(b, ["b out"])
    assert await schedules.run_due_crons() == 1
    root = await world.assign()
    assert root.spec.nodename == "a" and root.input == ["b out"]


async def test_cron_refusals(world: World) -> None:
    schedules = world.services.schedules
    with pytest.raises(PermissionDenied, match="colony key cannot submit"):
        await schedules.add_cron(world.owner, cron(world, interval=10))
    with pytest.raises(InvalidArgument):
        await schedules.add_cron(world.user, cron(world, cronexpression="not a cron"))
    added = await schedules.add_cron(world.user, cron(world, interval=10))
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        await schedules.remove_cron(world.executors[0], added.cronid)
    await schedules.remove_cron(world.owner, added.cronid)
    assert await schedules.list_crons(world.user, world.colony, 10) == []


async def test_a_generator_starts_a_workflow_when_its_trigger_is_reached(world: World) -> None:
    schedules = world.services.schedules
    g = await schedules.add_generator(world.user, generator(world, trigger=2))
    await schedules.pack_generator(world.user, g.generatorid, "one")
    assert await graphs(world) == 0
    await schedules.pack_generator(world.user, g.generatorid, "two")
    assert await graphs(world) == 1
    assert await schedules.run_generators() == 0
    root = await world.assign()
    assert root.spec.args == ["one", "two"]
    assert (await schedules.get_generator(world.user, g.generatorid)).queuesize == 0


async def test_a_generator_starts_what_it_has_after_its_timeout(world: World) -> None:
    schedules = world.services.schedules
    g = await schedules.add_generator(world.user, generator(world, trigger=10, timeout=5))
    await schedules.pack_generator(world.user, g.generatorid, "lonely")
    world.clock.advance(4)
    assert await schedules.run_generators() == 0
    world.clock.advance(2)
    assert await schedules.run_generators() == 1
    assert await schedules.run_generators() == 0
    root = await world.assign()
    assert (root.spec.args, root.state) == (["lonely"], ProcessState.RUNNING)


async def test_generator_refusals(world: World) -> None:
    schedules = world.services.schedules
    with pytest.raises(InvalidArgument, match="trigger"):
        await schedules.add_generator(world.user, generator(world, trigger=0))
    g = await schedules.add_generator(world.user, generator(world, trigger=3))
    pending = "f" * 64
    await world.add_executor(pending, "pending")
    with pytest.raises(PermissionDenied, match="not a member"):
        await schedules.pack_generator(pending, g.generatorid, "x")
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        await schedules.remove_generator(world.executors[0], g.generatorid)
