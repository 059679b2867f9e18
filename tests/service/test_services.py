"""The Services object the transports depend on, as the factory builds it."""

from __future__ import annotations

import typing

import pytest

from pycolonies_like.core.errors import StorageError
from server.service import Services
from tests.service.world import World


async def test_services_answer_durability_health_and_time(world: World) -> None:
    s = world.services
    await s.durable()
    await s.ping()
    assert s.now_ns() == world.clock.now_ns()
    world.clock.advance(3)
    assert s.now_ns() == world.clock.now_ns()


async def test_ping_reports_a_store_that_is_gone(world: World) -> None:
    await world.store.close()
    with pytest.raises(StorageError):
        await world.services.ping()
    await world.store.open()


def test_services_are_composed_not_inherited() -> None:
    hints = typing.get_type_hints(Services.__init__)
    areas = ("colonies", "processes", "logs", "workflows", "schedules", "subscriptions")
    for cls in (hints[area] for area in areas):
        assert cls.__mro__[1:] == (object,), f"{cls.__name__} inherits from {cls.__mro__[1]}"
