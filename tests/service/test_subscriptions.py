"""Event streams: what a subscriber receives, and who may subscribe."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from pycolonies_like.core.errors import NotFound, PermissionDenied, Unavailable
from pycolonies_like.core.models import Event, EventKind, ProcessState
from server.service.guard import new_id
from tests.service.world import Events, World


async def test_filter_by_process(world: World) -> None:
    other = await world.submit()
    world.clock.advance(1)
    watched = await world.submit()
    events = await Events.open(world, processid=watched.processid)
    running = await world.assign()  # the older process, not the watched one
    assert running.processid == other.processid
    await world.close(running)
    p = await world.assign()
    event = await events.next()
    assert (event.kind, event.processid, event.attempt) == (EventKind.ASSIGNED, p.processid, 1)


async def test_filter_by_state_kind_and_executor_type(world: World) -> None:
    by_state = await Events.open(world, states=[ProcessState.SUCCESSFUL])
    by_kind = await Events.open(world, kinds=[EventKind.FAILED])
    by_type = await Events.open(world, executortype="gpu")
    await world.submit()
    failing = await world.assign()
    await world.services.processes.fail(world.executors[0], failing.processid, 1, ["x"])
    await world.submit()
    await world.close(await world.assign())
    gpu = await world.services.processes.submit(world.user, world.spec(executortype="gpu"))
    assert (await by_state.next()).state == ProcessState.SUCCESSFUL
    assert (await by_kind.next()).processid == failing.processid
    assert (await by_type.next()).processid == gpu.processid


async def test_include_current_reports_where_a_process_is_now(world: World) -> None:
    p = await world.submit()
    await world.assign()
    events = world.services.subscriptions.subscribe_events(
        world.user, world.colony, processid=p.processid, include_current=True
    )
    assert (await anext(events)).kind == EventKind.SUBSCRIBED
    current = await anext(events)
    assert (current.kind, current.state) == (EventKind.CURRENT, ProcessState.RUNNING)
    unknown = world.services.subscriptions.subscribe_events(
        world.user, world.colony, processid="nope", include_current=True
    )
    await anext(unknown)
    with pytest.raises(NotFound):
        await anext(unknown)


async def test_only_readers_may_subscribe(world: World) -> None:
    with pytest.raises(PermissionDenied, match="not a member"):
        await Events.open(world, caller=new_id())
    await (await Events.open(world, caller=world.owner)).close()


async def test_a_stream_ends_after_its_timeout(world: World) -> None:
    events = world.services.subscriptions.subscribe_events(world.user, world.colony,
                                                           timeout=0.01)  # fmt: skip
    assert [e.kind async for e in events] == [EventKind.SUBSCRIBED]


async def test_stopping_the_services_ends_streams_and_waits(world: World) -> None:
    events = await Events.open(world)
    parked = asyncio.create_task(
        world.services.processes.assign(world.executors[0], world.colony, 30)
    )
    await asyncio.sleep(0)
    assert not world.services.closing
    world.services.close()
    assert world.services.closing
    with pytest.raises(Unavailable, match="stopping"):
        await events.next()
    with pytest.raises(Unavailable, match="server is shutting down"):
        await asyncio.wait_for(parked, 1)


async def test_an_event_is_what_its_constructor_makes(world: World) -> None:
    # Events are built without the frozen constructor (models.assemble).
    events = await Events.open(world)
    p = await world.submit()
    event = await events.next()
    made = Event(**{f.name: getattr(event, f.name) for f in dataclasses.fields(Event)})
    assert vars(event) == vars(made) and event.process == p and event.processgraph is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.attempt = 2  # type: ignore[misc]
