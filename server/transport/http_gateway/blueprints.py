"""Messages about locations and blueprints (ColonyOS' names and shapes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pycolonies_like.core import errors
from pycolonies_like.core.models import Blueprint, BlueprintDefinition, Location
from server.transport import colonyos_json as cj
from server.transport.http_gateway.wire import Message, handles, number, text

if TYPE_CHECKING:
    from server.transport.http_gateway.gateway import Gateway


def _object(msg: Message, key: str) -> dict[str, Any]:
    value = msg.get(key)
    if not isinstance(value, dict):
        raise errors.InvalidArgument(f"{key} must be an object")
    return value


# ------------------------------------------------------------- locations --


@handles("addlocationmsg")
async def _add_location(gw: Gateway, caller: str, msg: Message) -> Any:
    location = cj.from_json(Location, _object(msg, "location"), path="location")
    return cj.location_json(await gw.services.locations.add_location(caller, location))


@handles("getlocationmsg")
async def _location(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.locations.get_location(
        caller, text(msg, "colonyname"), text(msg, "name")
    )
    return cj.location_json(found)


@handles("getlocationsmsg")
async def _locations(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.locations.list_locations(caller, text(msg, "colonyname"))
    return [cj.location_json(loc) for loc in found]


@handles("removelocationmsg")
async def _remove_location(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.locations.remove_location(caller, text(msg, "colonyname"), text(msg, "name"))
    return {}


# ----------------------------------------------------------- definitions --


@handles("addblueprintdefinitionmsg")
async def _add_definition(gw: Gateway, caller: str, msg: Message) -> Any:
    data = _object(msg, "blueprintdefinition")
    d = cj.from_json(BlueprintDefinition, data, path="blueprintdefinition")
    return cj.blueprint_definition_json(await gw.services.blueprints.add_definition(caller, d))


@handles("getblueprintdefinitionmsg")
async def _definition(gw: Gateway, caller: str, msg: Message) -> Any:
    d = await gw.services.blueprints.get_definition(
        caller, text(msg, "colonyname"), text(msg, "name")
    )
    return cj.blueprint_definition_json(d)


@handles("getblueprintdefinitionsmsg")
async def _definitions(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.blueprints.list_definitions(caller, text(msg, "colonyname"))
    return [cj.blueprint_definition_json(d) for d in found]


@handles("removeblueprintdefinitionmsg")
async def _remove_definition(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.blueprints.remove_definition(
        caller, text(msg, "namespace"), text(msg, "name")
    )
    return {}


# ------------------------------------------------------------ blueprints --


def _blueprint(msg: Message) -> Blueprint:
    return cj.from_json(Blueprint, _object(msg, "blueprint"), path="blueprint")


@handles("addblueprintmsg")
async def _add_blueprint(gw: Gateway, caller: str, msg: Message) -> Any:
    return cj.blueprint_json(await gw.services.blueprints.add_blueprint(caller, _blueprint(msg)))


@handles("getblueprintmsg")
async def _get_blueprint(gw: Gateway, caller: str, msg: Message) -> Any:
    b = await gw.services.blueprints.get_blueprint(
        caller, text(msg, "namespace"), text(msg, "name")
    )
    return cj.blueprint_json(b)


@handles("getblueprintsmsg")
async def _blueprints(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.blueprints.list_blueprints(
        caller, text(msg, "namespace"), text(msg, "kind"), text(msg, "locationname")
    )
    return [cj.blueprint_json(b) for b in found]


@handles("updateblueprintmsg")
async def _update_blueprint(gw: Gateway, caller: str, msg: Message) -> Any:
    b = await gw.services.blueprints.update_blueprint(
        caller, _blueprint(msg), bool(msg.get("forcegeneration"))
    )
    return cj.blueprint_json(b)


@handles("updateblueprintstatusmsg")
async def _update_status(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.blueprints.update_status(
        caller, text(msg, "colonyname"), text(msg, "blueprintname"), msg.get("status") or {}
    )
    return {}


@handles("removeblueprintmsg")
async def _remove_blueprint(gw: Gateway, caller: str, msg: Message) -> Any:
    await gw.services.blueprints.remove_blueprint(caller, text(msg, "namespace"), text(msg, "name"))
    return {}


@handles("reconcileblueprintmsg")
async def _reconcile(gw: Gateway, caller: str, msg: Message) -> Any:
    process = await gw.services.blueprints.reconcile(
        caller, text(msg, "namespace"), text(msg, "name"), bool(msg.get("force"))
    )
    return cj.process_json(process)


@handles("getblueprinthistorymsg")
async def _history(gw: Gateway, caller: str, msg: Message) -> Any:
    found = await gw.services.blueprints.history(
        caller, text(msg, "blueprintid"), number(msg, "limit")
    )
    return [cj.blueprint_history_json(h) for h in found]
