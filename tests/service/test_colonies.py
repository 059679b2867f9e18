"""Colonies, executors, users and functions, and who may manage them."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import InvalidArgument, NotFound, PermissionDenied
from pycolonies_like.core.models import (
    Colony,
    EventKind,
    Executor,
    ExecutorState,
    Function,
    ProcessState,
    User,
)
from server.service.guard import new_id
from tests.service.world import SERVER, Events, World


async def test_only_the_server_owner_manages_colonies(world: World) -> None:
    colonies = world.services.colonies
    with pytest.raises(PermissionDenied, match="not the server owner"):
        await colonies.add_colony(world.owner, Colony(new_id(), "other"))
    with pytest.raises(InvalidArgument):
        await colonies.add_colony(SERVER, Colony("not-hex", "other"))
    await colonies.add_colony(SERVER, Colony(new_id(), "other"))
    assert {c.name for c in await colonies.list_colonies(SERVER)} == {"lab", "other"}
    assert (await colonies.get_colony(world.user, "lab")).colonyid == world.owner
    await colonies.remove_colony(SERVER, "other")
    with pytest.raises(NotFound):
        await colonies.remove_colony(SERVER, "other")
    assert (await colonies.statistics(SERVER)).colonies == 1


async def test_executors_are_added_pending_and_approved_by_the_colony_owner(world: World) -> None:
    colonies = world.services.colonies
    eid = new_id()
    executor = Executor(eid, "worker", "new", world.colony)
    with pytest.raises(PermissionDenied, match="not the owner"):
        await colonies.add_executor(world.user, executor)
    added = await colonies.add_executor(world.owner, executor)
    assert (added.state, added.commissiontime) == (ExecutorState.PENDING, world.clock.now_ns())
    assert (await colonies.get_executor(eid, world.colony, "new")).state == ExecutorState.PENDING
    approved = await colonies.approve_executor(world.owner, world.colony, "new")
    assert approved.state == ExecutorState.APPROVED
    with pytest.raises(NotFound):
        await colonies.approve_executor(world.owner, world.colony, "missing")


async def test_rejecting_an_executor_requeues_its_processes(world: World) -> None:
    events = await Events.open(world, kinds=[EventKind.RETRIED])
    p = await world.submit()
    await world.assign(0)
    await world.services.colonies.reject_executor(world.owner, world.colony, "e0")
    event = await events.next()
    assert (event.processid, event.message) == (p.processid, "executor e0 was rejected")
    assert (await world.get(p.processid)).state == ProcessState.WAITING
    assert (await world.assign(1)).processid == p.processid
    await world.services.colonies.remove_executor(world.owner, world.colony, "e1")
    assert (await events.next()).message == "executor e1 was removed"


async def test_users(world: World) -> None:
    colonies = world.services.colonies
    with pytest.raises(PermissionDenied):
        await colonies.add_user(world.user, User(world.colony, new_id(), "other"))
    with pytest.raises(InvalidArgument, match="email"):
        await colonies.add_user(world.owner, User(world.colony, new_id(), "x", email="@" * 300))
    assert [u.name for u in await colonies.list_users(world.executors[0], world.colony)] == ["user"]
    await colonies.remove_user(world.owner, world.colony, "user")
    with pytest.raises(PermissionDenied):
        await colonies.get_user(world.user, world.colony, "user")


async def test_functions_are_registered_by_their_executor(world: World) -> None:
    colonies = world.services.colonies
    function = Function("", "", "", world.colony, "resize")
    with pytest.raises(PermissionDenied, match="not an executor"):
        await colonies.add_function(world.user, function)
    with pytest.raises(PermissionDenied, match="cannot register functions for executor 'e1'"):
        await colonies.add_function(world.executors[0], Function("", "e1", "", world.colony,
                                                                 "resize"))  # fmt: skip
    added = await colonies.add_function(world.executors[0], function)
    assert (added.executorname, added.funcname) == ("e0", "resize")
    with pytest.raises(PermissionDenied, match="only the executor that registered"):
        await colonies.remove_function(world.executors[1], added.functionid)
    await colonies.remove_function(world.owner, added.functionid)
    assert await colonies.list_functions(world.user, world.colony) == []
