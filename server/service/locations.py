"""Locations: named places of a colony, managed by its owner."""

from __future__ import annotations

import dataclasses
import math

from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, NotFound
from pycolonies_like.core.models import Location
from pycolonies_like.core.rules import MAX_ATTRIBUTE_VALUE, check_name
from server.service.guard import AccessGuard, new_id
from server.store.base import Store


class LocationService:
    def __init__(self, store: Store, guard: AccessGuard) -> None:
        self.store = store
        self.guard = guard

    async def add_location(self, caller: str, location: Location) -> Location:
        check_name("location name", location.name)
        if len(location.description) > MAX_ATTRIBUTE_VALUE:
            raise InvalidArgument(
                f"a location's description may have at most {MAX_ATTRIBUTE_VALUE} characters"
            )
        if not (-180 <= location.long <= 180 and -90 <= location.lat <= 90) or not all(
            map(math.isfinite, (location.long, location.lat))
        ):
            raise InvalidArgument("long must be in [-180, 180] and lat in [-90, 90]")
        await self.guard.colony_owner(caller, location.colonyname)
        stored = dataclasses.replace(location, locationid=location.locationid or new_id())
        await self.store.add_location(stored)
        return stored

    async def get_location(self, caller: str, colonyname: str, name: str) -> Location:
        await self.guard.reader(caller, colonyname, pending_ok=True)
        found = await self.store.get_location(colonyname, name)
        if found is None:
            raise NotFound(f"location {name!r} does not exist in colony {colonyname!r}")
        return found

    async def list_locations(self, caller: str, colonyname: str) -> list[Location]:
        await self.guard.reader(caller, colonyname, pending_ok=True)
        return await self.store.list_locations(colonyname)

    async def remove_location(self, caller: str, colonyname: str, name: str) -> None:
        await self.guard.colony_owner(caller, colonyname)
        if await self.store.list_blueprints(colonyname, locationname=name):
            raise FailedPrecondition(
                f"location {name!r} is in use by blueprints; remove or move them first"
            )
        if not await self.store.remove_location(colonyname, name):
            raise NotFound(f"location {name!r} does not exist in colony {colonyname!r}")
