"""Rate limits through the services, on each store and the world's clock: who
may define and read them, what is refused, and processes that wait for their
tokens and then run."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import (
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.core.models import Cron, ProcessState, RateLimit, Workflow
from tests.service.world import World


def limit(world: World, name: str = "openai", rate: int = 2, burst: int = 2,
          unit: str = "second") -> RateLimit:  # fmt: skip
    return RateLimit(world.colony, name, rate, unit, burst)


async def test_the_owner_defines_and_removes_members_read(world: World) -> None:
    s = world.services.ratelimits
    added = await s.add(world.owner, limit(world, rate=10, burst=20))
    assert (added.rate, added.unit, added.burst, added.tokens) == (10, "second", 20, 20.0)
    for caller in (world.user, world.executors[0]):
        with pytest.raises(PermissionDenied):
            await s.add(caller, limit(world, name="other"))
        with pytest.raises(PermissionDenied):
            await s.remove(caller, world.colony, "openai")
        assert (await s.get(caller, world.colony, "openai")).burst == 20
        assert [r.name for r in await s.list(caller, world.colony)] == ["openai"]
    with pytest.raises(PermissionDenied):
        await s.get(world.owner[::-1], world.colony, "openai")  # not a member
    await s.remove(world.owner, world.colony, "openai")
    with pytest.raises(NotFound, match="'openai' does not exist"):
        await s.get(world.user, world.colony, "openai")
    with pytest.raises(NotFound):
        await s.remove(world.owner, world.colony, "openai")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"rate": 0}, "rate must be a whole number from 1"),
        ({"rate": -3}, "rate must be a whole number from 1"),
        ({"burst": 0}, "burst must be a whole number from 1"),
        ({"unit": "hour"}, "unit must be one of second, minute, got 'hour'"),
        ({"name": ""}, "ratelimit name is required"),
        ({"name": "a b"}, "ratelimit name 'a b' is invalid"),
        ({"name": "x" * 129}, "ratelimit name is longer than 128"),
    ],
)
async def test_bad_limits_are_refused(world: World, changes: dict, message: str) -> None:
    bad = RateLimit(**{**limit(world).to_dict(), **changes})
    with pytest.raises(InvalidArgument, match=message):
        await world.services.ratelimits.add(world.owner, bad)
    assert await world.services.ratelimits.list(world.owner, world.colony) == []


async def test_an_undefined_limit_is_refused_on_every_submit(world: World) -> None:
    s = world.services
    spec = world.spec(ratelimit="nope")
    message = "ratelimit 'nope' is not defined in colony 'lab'"
    with pytest.raises(InvalidArgument, match=message):
        await s.processes.submit(world.user, spec)
    with pytest.raises(InvalidArgument, match=message):
        await s.processes.submit_batch(world.user, [world.spec(), spec])
    workflow = Workflow(colonyname=world.colony, functionspecs=[world.spec(
        nodename="a", ratelimit="nope")])  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        await s.workflows.submit_workflow(world.user, workflow)
    cron = Cron(cronid="", colonyname=world.colony, name="c", interval=60, workflowspec=workflow)
    with pytest.raises(InvalidArgument, match=message):
        await s.schedules.add_cron(world.user, cron)
    await s.ratelimits.add(world.owner, limit(world, burst=2))
    with pytest.raises(InvalidArgument, match="ratelimitunits 3 is more than the burst of rate "
                       "limit 'openai' \\(2\\): the process could never start"):  # fmt: skip
        await s.processes.submit(world.user, world.spec(ratelimit="openai", ratelimitunits=3))
    assert (await s.colonies.colony_statistics(world.owner, world.colony)).waitingprocesses == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ratelimitunits": -1}, "ratelimitunits must be a whole number from 1"),
        ({"ratelimitunits": 2}, "ratelimitunits needs a ratelimit"),
        ({"ratelimit": "a:b"}, "ratelimit 'a:b' is invalid"),
    ],
)
async def test_bad_spec_fields_are_refused(world: World, fields: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        await world.submit(**fields)


async def test_a_spent_limit_makes_processes_wait_then_run(world: World) -> None:
    await world.services.ratelimits.add(world.owner, limit(world, rate=2, burst=2))
    ps = [await world.submit(ratelimit="openai", priority=9 - i) for i in range(4)]
    assert [(await world.assign()).processid for _ in range(2)] == [p.processid for p in ps[:2]]
    with pytest.raises(NoProcessAvailable):
        await world.assign()
    waiting = await world.get(ps[2].processid)
    assert waiting.state == ProcessState.WAITING and waiting.notbefore > 0
    got = await world.services.ratelimits.get(world.user, world.colony, "openai")
    assert got.tokens == 0.0
    world.clock.advance(0.5)  # one token (due a nanosecond after: no rounding short)
    world.clock.set(world.clock.now_ns() + 1)
    assert await world.services.processes.wake_due() == 1
    assert (await world.assign()).processid == ps[2].processid
    with pytest.raises(NoProcessAvailable):
        await world.assign()
    world.clock.advance(0.5)
    assert await world.services.processes.wake_due() == 1
    assert (await world.assign()).processid == ps[3].processid


async def test_a_waiting_process_still_has_its_maxwaittime(world: World) -> None:
    await world.services.ratelimits.add(world.owner, limit(world, rate=1, burst=1, unit="minute"))
    await world.submit(ratelimit="openai", priority=1)
    late = await world.submit(ratelimit="openai", maxwaittime=5)
    await world.assign()
    with pytest.raises(NoProcessAvailable):
        await world.assign()  # its token is due in a minute
    world.clock.advance(6)
    assert await world.services.processes.sweep() == 1
    assert (await world.get(late.processid)).state == ProcessState.FAILED
