"""Each role check lets its callers in and refuses the others with the right error."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import (
    FailedPrecondition,
    NotFound,
    PermissionDenied,
    StaleAttempt,
)
from pycolonies_like.core.models import ExecutorState, Function
from server.service.guard import AccessGuard, new_id
from tests.service.world import SERVER, TYPE, World


@pytest.fixture
def guard(world: World) -> AccessGuard:
    return AccessGuard(world.store, SERVER)


async def test_server_owner(world: World, guard: AccessGuard) -> None:
    guard.server_owner(SERVER)
    for caller in (world.owner, world.user, ""):
        with pytest.raises(PermissionDenied, match="not the server owner"):
            guard.server_owner(caller)
    with pytest.raises(PermissionDenied):  # a server started without an id has no owner
        AccessGuard(world.store, "").server_owner("")


async def test_an_unknown_colony_is_not_found_whoever_asks(guard: AccessGuard) -> None:
    for check in (guard.actor, guard.colony_owner, guard.reader, guard.member, guard.executor):
        with pytest.raises(NotFound, match="colony 'nowhere' does not exist"):
            await check(SERVER, "nowhere")


async def test_others_learn_nothing_of_whether_a_colony_exists(
    world: World, guard: AccessGuard
) -> None:
    stranger = new_id()
    for check in (guard.colony_owner, guard.reader, guard.member, guard.executor):
        answers = []
        for colonyname in (world.colony, "nowhere"):
            with pytest.raises(PermissionDenied) as err:
                await check(stranger, colonyname)
            answers.append(err.value.message.replace(repr(colonyname), "COLONY"))
        assert answers[0] == answers[1], check.__name__


async def test_colony_owner(world: World, guard: AccessGuard) -> None:
    assert (await guard.colony_owner(world.owner, world.colony)).is_owner
    for caller in (SERVER, world.user, world.executors[0], new_id()):
        with pytest.raises(PermissionDenied, match="not the owner of colony 'lab'"):
            await guard.colony_owner(caller, world.colony)


async def test_reader(world: World, guard: AccessGuard) -> None:
    for caller in (world.owner, world.user, *world.executors):
        await guard.reader(caller, world.colony)
    pending = new_id()
    await world.add_executor(pending, "pending")
    with pytest.raises(PermissionDenied, match="is not a member of colony 'lab'"):
        await guard.reader(pending, world.colony)
    assert (await guard.reader(pending, world.colony, pending_ok=True)).name == "pending"
    for stranger in (SERVER, new_id()):
        with pytest.raises(PermissionDenied, match="is not a member"):
            await guard.reader(stranger, world.colony, pending_ok=True)


async def test_member(world: World, guard: AccessGuard) -> None:
    assert (await guard.member(world.user, world.colony)).name == "user"
    assert (await guard.member(world.executors[1], world.colony)).name == "e1"
    with pytest.raises(PermissionDenied, match="the colony key cannot submit work"):
        await guard.member(world.owner, world.colony)
    pending = new_id()
    await world.add_executor(pending, "pending")
    for caller in (pending, SERVER):
        with pytest.raises(PermissionDenied, match="is not a member of colony 'lab'"):
            await guard.member(caller, world.colony)


async def test_executor(world: World, guard: AccessGuard) -> None:
    executor = await guard.executor(world.executors[0], world.colony)
    assert (executor.executorname, executor.executortype) == ("e0", TYPE)
    assert executor.state == ExecutorState.APPROVED
    for caller in (world.user, world.owner, SERVER):
        with pytest.raises(PermissionDenied, match="is not an executor of colony 'lab'"):
            await guard.executor(caller, world.colony)
    pending = new_id()
    await world.add_executor(pending, "pending")
    with pytest.raises(PermissionDenied, match="executor 'pending' is not approved"):
        await guard.executor(pending, world.colony)


async def test_initiator_or_owner(world: World, guard: AccessGuard) -> None:
    await guard.initiator_or_owner(world.user, world.colony, world.user)
    await guard.initiator_or_owner(world.owner, world.colony, world.user)
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        await guard.initiator_or_owner(world.executors[0], world.colony, world.user)


async def test_registrant_or_owner(world: World, guard: AccessGuard) -> None:
    function = Function("f", "e0", TYPE, world.colony, "work")
    await guard.registrant_or_owner(world.executors[0], function)
    await guard.registrant_or_owner(world.owner, function)
    for caller in (world.executors[1], world.user):
        with pytest.raises(PermissionDenied, match="only the executor that registered"):
            await guard.registrant_or_owner(caller, function)


async def test_assigned(world: World, guard: AccessGuard) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        await guard.assigned(world.executors[0], "nope", 0, "close it")
    waiting = await world.submit()
    with pytest.raises(PermissionDenied, match="only the executor assigned"):
        await guard.assigned(world.executors[0], waiting.processid, 0, "close it")
    p = await world.assign()
    brief = await guard.assigned(world.executors[0], p.processid, p.attempt, "close it")
    assert (brief.state.name, brief.attempt) == ("RUNNING", 1)
    for caller in (world.executors[1], world.user, world.owner):
        with pytest.raises(PermissionDenied, match="may close it"):
            await guard.assigned(caller, p.processid, p.attempt, "close it")
    with pytest.raises(StaleAttempt, match="attempt 2 of process"):
        await guard.assigned(world.executors[0], p.processid, 2, "close it")
    await world.close(p)
    with pytest.raises(FailedPrecondition, match="has ended"):
        await guard.assigned(world.executors[0], p.processid, p.attempt, "close it")


async def test_a_former_assignee_calling_late_hears_its_attempt_is_over(world: World) -> None:
    p = await world.submit(maxexectime=10, maxretries=1)
    first = await world.assign(0)
    world.clock.advance(11)
    assert await world.services.processes.sweep() == 1
    second = await world.assign(1)
    assert second.attempt == first.attempt + 1
    with pytest.raises(StaleAttempt, match=r"attempt 1 of process .* is over; .* on attempt 2"):
        await world.services.processes.close(world.executors[0], p.processid, 1, [])
    with pytest.raises(PermissionDenied):  # a user is never told about attempts
        await world.services.processes.close(world.user, p.processid, 1, [])
