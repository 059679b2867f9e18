"""Locations and blueprints of the SDK's clients. Mixed into `Colonies` and `AsyncColonies`."""

from __future__ import annotations

from typing import Any

from pycolonies_like import compat, convert
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    Location,
    Process,
)
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, ColoniesStub


class BlueprintMethods:
    rpc: ColoniesStub

    # --------------------------------------------------------- locations --

    def add_location(self, location: Any, prvkey: str) -> Location:
        """Adds a location to a colony (the colony owner's key)."""
        return convert.from_pb(Location, self.rpc.AddLocation(compat.location(location), prvkey))

    def get_location(self, colony_name: str, name: str, prvkey: str) -> Location:
        request = pb.LocationRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Location, self.rpc.GetLocation(request, prvkey))

    def get_locations(self, colony_name: str, prvkey: str) -> list[Location]:
        reply = self.rpc.ListLocations(pb.ColonyNameRequest(colonyname=colony_name), prvkey)
        return [convert.from_pb(Location, loc) for loc in reply.locations]

    def remove_location(self, colony_name: str, name: str, prvkey: str) -> None:
        self.rpc.RemoveLocation(pb.LocationRequest(colonyname=colony_name, name=name), prvkey)

    # -------------------------------------------------------- blueprints --

    def add_blueprint_definition(self, definition: Any, prvkey: str) -> BlueprintDefinition:
        """Defines a kind of blueprints (the colony owner's key)."""
        request = compat.blueprint_definition(definition)
        return convert.from_pb(
            BlueprintDefinition, self.rpc.AddBlueprintDefinition(request, prvkey)
        )

    def get_blueprint_definition(
        self, colony_name: str, name: str, prvkey: str
    ) -> BlueprintDefinition:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(
            BlueprintDefinition, self.rpc.GetBlueprintDefinition(request, prvkey)
        )

    def get_blueprint_definitions(self, colony_name: str, prvkey: str) -> list[BlueprintDefinition]:
        request = pb.ColonyNameRequest(colonyname=colony_name)
        reply = self.rpc.ListBlueprintDefinitions(request, prvkey)
        return [convert.from_pb(BlueprintDefinition, d) for d in reply.definitions]

    def remove_blueprint_definition(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        self.rpc.RemoveBlueprintDefinition(request, prvkey)

    def add_blueprint(self, blueprint: Any, prvkey: str) -> Blueprint:
        """Adds a blueprint (a dict or a Blueprint); its kind must be defined."""
        return convert.from_pb(
            Blueprint, self.rpc.AddBlueprint(compat.blueprint(blueprint), prvkey)
        )

    def get_blueprint(self, colony_name: str, name: str, prvkey: str) -> Blueprint:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Blueprint, self.rpc.GetBlueprint(request, prvkey))

    def get_blueprints(
        self, colony_name: str, prvkey: str, kind: str | None = None, location: str | None = None
    ) -> list[Blueprint]:
        request = pb.ListBlueprintsRequest(
            colonyname=colony_name, kind=kind or "", locationname=location or ""
        )
        reply = self.rpc.ListBlueprints(request, prvkey)
        return [convert.from_pb(Blueprint, b) for b in reply.blueprints]

    def update_blueprint(
        self, blueprint: Any, prvkey: str, force_generation: bool = False
    ) -> Blueprint:
        """Replaces the spec (a new generation, reconciled, when it changed)."""
        request = pb.UpdateBlueprintRequest(
            blueprint=compat.blueprint(blueprint), force_generation=force_generation
        )
        return convert.from_pb(Blueprint, self.rpc.UpdateBlueprint(request, prvkey))

    def remove_blueprint(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        self.rpc.RemoveBlueprint(request, prvkey)

    def update_blueprint_status(
        self, colony_name: str, name: str, status: Any, prvkey: str
    ) -> Blueprint:
        """Replaces the status only (what a reconciler found)."""
        request = compat.blueprint_status(colony_name, name, status)
        return convert.from_pb(Blueprint, self.rpc.UpdateBlueprintStatus(request, prvkey))

    def reconcile_blueprint(
        self, colony_name: str, name: str, prvkey: str, force: bool = False
    ) -> Process:
        """Submits a reconciliation process for the blueprint now; returns it."""
        request = pb.ReconcileBlueprintRequest(colonyname=colony_name, name=name, force=force)
        return convert.process_from_pb(self.rpc.ReconcileBlueprint(request, prvkey))

    def get_blueprint_history(
        self, blueprint_id: str, prvkey: str, limit: int | None = None
    ) -> list[BlueprintHistory]:
        """The latest changes, newest first."""
        request = pb.BlueprintHistoryRequest(blueprintid=blueprint_id, limit=limit or 0)
        reply = self.rpc.GetBlueprintHistory(request, prvkey)
        return [convert.from_pb(BlueprintHistory, h) for h in reply.history]


class AsyncBlueprintMethods:
    rpc: AsyncColoniesStub

    # --------------------------------------------------------- locations --

    async def add_location(self, location: Any, prvkey: str) -> Location:
        """Adds a location to a colony (the colony owner's key)."""
        return convert.from_pb(
            Location, await self.rpc.AddLocation(compat.location(location), prvkey)
        )

    async def get_location(self, colony_name: str, name: str, prvkey: str) -> Location:
        request = pb.LocationRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Location, await self.rpc.GetLocation(request, prvkey))

    async def get_locations(self, colony_name: str, prvkey: str) -> list[Location]:
        reply = await self.rpc.ListLocations(pb.ColonyNameRequest(colonyname=colony_name), prvkey)
        return [convert.from_pb(Location, loc) for loc in reply.locations]

    async def remove_location(self, colony_name: str, name: str, prvkey: str) -> None:
        await self.rpc.RemoveLocation(pb.LocationRequest(colonyname=colony_name, name=name), prvkey)

    # -------------------------------------------------------- blueprints --

    async def add_blueprint_definition(self, definition: Any, prvkey: str) -> BlueprintDefinition:
        """Defines a kind of blueprints (the colony owner's key)."""
        request = compat.blueprint_definition(definition)
        return convert.from_pb(
            BlueprintDefinition, await self.rpc.AddBlueprintDefinition(request, prvkey)
        )

    async def get_blueprint_definition(
        self, colony_name: str, name: str, prvkey: str
    ) -> BlueprintDefinition:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(
            BlueprintDefinition, await self.rpc.GetBlueprintDefinition(request, prvkey)
        )

    async def get_blueprint_definitions(
        self, colony_name: str, prvkey: str
    ) -> list[BlueprintDefinition]:
        request = pb.ColonyNameRequest(colonyname=colony_name)
        reply = await self.rpc.ListBlueprintDefinitions(request, prvkey)
        return [convert.from_pb(BlueprintDefinition, d) for d in reply.definitions]

    async def remove_blueprint_definition(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        await self.rpc.RemoveBlueprintDefinition(request, prvkey)

    async def add_blueprint(self, blueprint: Any, prvkey: str) -> Blueprint:
        """Adds a blueprint (a dict or a Blueprint); its kind must be defined."""
        return convert.from_pb(
            Blueprint, await self.rpc.AddBlueprint(compat.blueprint(blueprint), prvkey)
        )

    async def get_blueprint(self, colony_name: str, name: str, prvkey: str) -> Blueprint:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        return convert.from_pb(Blueprint, await self.rpc.GetBlueprint(request, prvkey))

    async def get_blueprints(
        self, colony_name: str, prvkey: str, kind: str | None = None, location: str | None = None
    ) -> list[Blueprint]:
        request = pb.ListBlueprintsRequest(
            colonyname=colony_name, kind=kind or "", locationname=location or ""
        )
        reply = await self.rpc.ListBlueprints(request, prvkey)
        return [convert.from_pb(Blueprint, b) for b in reply.blueprints]

    async def update_blueprint(
        self, blueprint: Any, prvkey: str, force_generation: bool = False
    ) -> Blueprint:
        """Replaces the spec (a new generation, reconciled, when it changed)."""
        request = pb.UpdateBlueprintRequest(
            blueprint=compat.blueprint(blueprint), force_generation=force_generation
        )
        return convert.from_pb(Blueprint, await self.rpc.UpdateBlueprint(request, prvkey))

    async def remove_blueprint(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.BlueprintNameRequest(colonyname=colony_name, name=name)
        await self.rpc.RemoveBlueprint(request, prvkey)

    async def update_blueprint_status(
        self, colony_name: str, name: str, status: Any, prvkey: str
    ) -> Blueprint:
        """Replaces the status only (what a reconciler found)."""
        request = compat.blueprint_status(colony_name, name, status)
        return convert.from_pb(Blueprint, await self.rpc.UpdateBlueprintStatus(request, prvkey))

    async def reconcile_blueprint(
        self, colony_name: str, name: str, prvkey: str, force: bool = False
    ) -> Process:
        """Submits a reconciliation process for the blueprint now; returns it."""
        request = pb.ReconcileBlueprintRequest(colonyname=colony_name, name=name, force=force)
        return convert.process_from_pb(await self.rpc.ReconcileBlueprint(request, prvkey))

    async def get_blueprint_history(
        self, blueprint_id: str, prvkey: str, limit: int | None = None
    ) -> list[BlueprintHistory]:
        """The latest changes, newest first."""
        request = pb.BlueprintHistoryRequest(blueprintid=blueprint_id, limit=limit or 0)
        reply = await self.rpc.GetBlueprintHistory(request, prvkey)
        return [convert.from_pb(BlueprintHistory, h) for h in reply.history]
