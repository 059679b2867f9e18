"""Blueprints and locations through the service layer, on each store: who may
do what, schemas, generations and history, and the reconciliation processes
and schedules they cause."""

from __future__ import annotations

import json

import pytest

from pycolonies_like.core.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    BlueprintDefinitionSpec,
    BlueprintHandler,
    BlueprintMetadata,
    BlueprintNames,
    Location,
    ProcessState,
)
from server.service.blueprints import schedule_id
from server.service.guard import new_id
from tests.service.world import World

SCHEMA = {
    "type": "object",
    "properties": {
        "greeting": {"type": "string"},
        "times": {"type": "integer", "minimum": 1, "maximum": 10},
    },
    "required": ["greeting"],
}


def definition(world: World, kind: str = "Greeting", handler: bool = True,
               **spec: object) -> BlueprintDefinition:  # fmt: skip
    return BlueprintDefinition(
        metadata=BlueprintMetadata(name=kind.lower() + "s", colonyname=world.colony),
        spec=BlueprintDefinitionSpec(
            names=BlueprintNames(kind=kind), schema=spec.pop("schema", SCHEMA),
            handler=BlueprintHandler("greeter", "reconcile", 30) if handler else BlueprintHandler(),
        ),
    )  # fmt: skip


def blueprint(world: World, name: str = "hello", kind: str = "Greeting", location: str = "",
              **spec: object) -> Blueprint:  # fmt: skip
    return Blueprint(
        kind=kind,
        metadata=BlueprintMetadata(name=name, colonyname=world.colony, locationname=location),
        spec=spec or {"greeting": "hello", "times": 1},
    )


async def waiting(world: World) -> list[tuple[str, dict[str, object]]]:
    processes = await world.services.processes.list_processes(
        world.user, world.colony, ProcessState.WAITING, 100
    )
    found = [(p.spec.funcname, p.spec.kwargs) for p in processes]
    return sorted(found, key=lambda fk: (fk[0], json.dumps(fk[1], sort_keys=True)))


async def test_definitions_are_the_colony_owners(world: World) -> None:
    bp = world.services.blueprints
    stored = await bp.add_definition(world.owner, definition(world))
    assert len(stored.blueprintdefinitionid) == 64 and stored.kind == "Greeting"
    assert stored.metadata.created == world.clock.now_ns()
    assert await bp.get_definition(world.user, world.colony, "greetings") == stored
    assert await bp.list_definitions(world.owner, world.colony) == [stored]
    with pytest.raises(PermissionDenied, match="not the owner"):
        await bp.add_definition(world.user, definition(world, "Other"))
    with pytest.raises(PermissionDenied, match="not the owner"):
        await bp.remove_definition(world.user, world.colony, "greetings")
    with pytest.raises(PermissionDenied, match="not a member"):
        await bp.get_definition(new_id(), world.colony, "greetings")
    with pytest.raises(AlreadyExists, match="named 'greetings' or of kind 'Greeting'"):
        await bp.add_definition(world.owner, definition(world))
    await bp.remove_definition(world.owner, world.colony, "greetings")
    with pytest.raises(NotFound, match="does not exist"):
        await bp.get_definition(world.user, world.colony, "greetings")
    with pytest.raises(NotFound, match="does not exist"):
        await bp.remove_definition(world.owner, world.colony, "greetings")


async def test_bad_definitions_are_refused(world: World) -> None:
    bp = world.services.blueprints
    bad_handler = definition(world)
    bad_handler.spec.handler = BlueprintHandler(executortype="greeter")
    for d, match in [
        (definition(world, kind=""), "spec.names.kind is required"),
        (definition(world, schema={"type": "nonsense"}), r"spec.schema.type is not a valid"),
        (definition(world, schema=[1]), "must be a JSON Schema object"),
        (bad_handler, "needs both executorType and functionName"),
    ]:
        with pytest.raises(InvalidArgument, match=match):
            await bp.add_definition(world.owner, d)
    assert await bp.list_definitions(world.owner, world.colony) == []


async def test_a_blueprint_is_reconciled_and_scheduled(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    added = await bp.add_blueprint(world.user, blueprint(world, location="kitchen"))
    assert added.metadata.generation == 1 and len(added.blueprintid) == 64
    # One reconciliation process for the handler, recorded on the blueprint.
    assert await waiting(world) == [("reconcile", {"kind": "Greeting", "blueprintName": "hello"})]
    stored = await bp.get_blueprint(world.executors[0], world.colony, "hello")
    assert stored.metadata.lastreconciliationprocess
    assert stored.metadata.lastreconciliationtime == world.clock.now_ns()
    # A periodic reconciliation of the kind at that location, and the location itself.
    cron = await world.store.get_cron(schedule_id(world.colony, "reconcile-Greeting-kitchen"))
    assert cron is not None and cron.interval == 30 and cron.waitforprevprocessgraph
    assert cron.workflowspec.functionspecs[0].kwargs == {"kind": "Greeting"}
    assert cron.workflowspec.functionspecs[0].conditions.executortype == "greeter"
    locations = await world.services.locations.list_locations(world.user, world.colony)
    assert [loc.name for loc in locations] == ["kitchen"]
    # A second blueprint there shares the schedule.
    await bp.add_blueprint(world.user, blueprint(world, "hi", location="kitchen"))
    assert len(await world.store.list_crons(world.colony, 100)) == 1


async def test_changes_bump_the_generation_write_history_and_reconcile(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    added = await bp.add_blueprint(world.user, blueprint(world))
    await bp.update_status(world.executors[0], world.colony, "hello", {"said": 1})
    same = await bp.update_blueprint(world.user, blueprint(world))  # the same spec
    assert same.metadata.generation == 1 and same.status == {"said": 1}  # status kept
    changed = await bp.update_blueprint(world.user, blueprint(world, greeting="hey", times=2))
    assert changed.metadata.generation == 2 and changed.spec["greeting"] == "hey"
    forced = await bp.update_blueprint(world.user, blueprint(world, greeting="hey", times=2),
                                       force=True)  # fmt: skip
    assert forced.metadata.generation == 3
    history = await bp.history(world.user, added.blueprintid)
    assert [(h.changetype, h.generation) for h in history] == [
        ("update", 3), ("update", 2), ("create", 1),
    ]  # fmt: skip
    assert history[1].spec == {"greeting": "hey", "times": 2} and history[1].changedby == world.user
    assert [h.generation for h in await bp.history(world.user, added.blueprintid, 1)] == [3]
    reconciles = [k for f, k in await waiting(world) if f == "reconcile"]
    assert reconciles == [
        {"kind": "Greeting", "blueprintName": "hello", "force": True},
        {"kind": "Greeting", "blueprintName": "hello"},  # at the add
        {"kind": "Greeting", "blueprintName": "hello"},  # at the change
    ]
    process = await bp.reconcile(world.user, world.colony, "hello", force=False)
    assert process.spec.kwargs == {"kind": "Greeting", "blueprintName": "hello"}


async def test_status_updates_replace_only_the_status(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    await bp.add_blueprint(world.user, blueprint(world))
    await bp.update_status(world.executors[0], world.colony, "hello", {"a": 1})
    updated = await bp.update_status(world.executors[0], world.colony, "hello", {"b": 2})
    assert updated.status == {"b": 2} and updated.spec == {"greeting": "hello", "times": 1}
    assert updated.metadata.generation == 1
    with pytest.raises(NotFound, match="'nope' does not exist"):
        await bp.update_status(world.executors[0], world.colony, "nope", {})
    with pytest.raises(InvalidArgument, match="status must be an object"):
        await bp.update_status(world.executors[0], world.colony, "hello", [1])


async def test_bad_blueprints_are_refused_and_change_nothing(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    for b, error, match in [
        (blueprint(world, kind="Unknown"), NotFound, "no blueprint definition of kind 'Unknown'"),
        (blueprint(world, times=1), InvalidArgument, r"^spec: 'greeting' is a required property"),
        (blueprint(world, greeting="x", times=11), InvalidArgument,
         r"^spec\.times: 11 is greater than the maximum of 10 \(schema of kind 'Greeting'\)"),
        (blueprint(world, kind=""), InvalidArgument, "kind is required"),
        (blueprint(world, "bad name"), InvalidArgument, "metadata.name 'bad name' is invalid"),
    ]:  # fmt: skip
        with pytest.raises(error, match=match):
            await bp.add_blueprint(world.user, b)
    with pytest.raises(PermissionDenied, match="colony key cannot submit"):
        await bp.add_blueprint(world.owner, blueprint(world))
    with pytest.raises(PermissionDenied, match="not a member"):
        await bp.add_blueprint(new_id(), blueprint(world))
    assert await bp.list_blueprints(world.user, world.colony) == []
    assert await waiting(world) == []
    await bp.add_blueprint(world.user, blueprint(world))
    with pytest.raises(AlreadyExists, match="'hello' already exists"):
        await bp.add_blueprint(world.user, blueprint(world))
    with pytest.raises(InvalidArgument, match="greater than the maximum"):
        await bp.update_blueprint(world.user, blueprint(world, greeting="x", times=99))
    with pytest.raises(InvalidArgument, match="cannot move"):
        await bp.update_blueprint(world.user, blueprint(world, location="attic"))
    with pytest.raises(NotFound, match="'other' does not exist"):
        await bp.update_blueprint(world.user, blueprint(world, "other"))
    stored = await bp.get_blueprint(world.user, world.colony, "hello")
    assert stored.metadata.generation == 1 and stored.spec == {"greeting": "hello", "times": 1}


async def test_a_definition_in_use_cannot_be_removed(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    await bp.add_blueprint(world.user, blueprint(world))
    with pytest.raises(FailedPrecondition, match="in use: 1 blueprint"):
        await bp.remove_definition(world.owner, world.colony, "greetings")
    assert await bp.get_definition(world.user, world.colony, "greetings")


async def test_removing_the_last_blueprint_removes_the_schedule_and_cleans_up(
    world: World,
) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world))
    added = await bp.add_blueprint(world.user, blueprint(world))
    await bp.add_blueprint(world.user, blueprint(world, "hi"))
    cronid = schedule_id(world.colony, "reconcile-Greeting")
    await bp.remove_blueprint(world.user, world.colony, "hello")
    assert await world.store.get_cron(cronid) is not None  # "hi" is left
    await bp.remove_blueprint(world.user, world.colony, "hi")
    assert await world.store.get_cron(cronid) is None
    cleanups = [k for f, k in await waiting(world) if f == "cleanup"]
    assert cleanups == [{"blueprintName": "hello", "kind": "Greeting"},
                        {"blueprintName": "hi", "kind": "Greeting"}]  # fmt: skip
    assert [h.changetype for h in await bp.history(world.user, added.blueprintid)] == [
        "delete", "create",
    ]  # fmt: skip
    with pytest.raises(NotFound):
        await bp.remove_blueprint(world.user, world.colony, "hi")
    await bp.remove_definition(world.owner, world.colony, "greetings")


async def test_without_a_handler_nothing_is_submitted(world: World) -> None:
    bp = world.services.blueprints
    await bp.add_definition(world.owner, definition(world, handler=False, schema=None))
    await bp.add_blueprint(world.user, blueprint(world, anything=[1, 2]))
    await bp.remove_blueprint(world.user, world.colony, "hello")
    assert await waiting(world) == [] and await world.store.list_crons(world.colony, 10) == []
    await bp.add_blueprint(world.user, blueprint(world))
    with pytest.raises(FailedPrecondition, match="names no handler"):
        await bp.reconcile(world.user, world.colony, "hello")


async def test_history_of_an_unknown_blueprint(world: World) -> None:
    with pytest.raises(NotFound, match="has no history"):
        await world.services.blueprints.history(world.user, new_id())


async def test_locations_are_the_colony_owners(world: World) -> None:
    loc = world.services.locations
    added = await loc.add_location(world.owner, Location("lab", world.colony, description="x",
                                                         long=18.0, lat=59.3))  # fmt: skip
    assert len(added.locationid) == 64
    assert await loc.get_location(world.user, world.colony, "lab") == added
    assert await loc.list_locations(world.executors[0], world.colony) == [added]
    with pytest.raises(PermissionDenied, match="not the owner"):
        await loc.add_location(world.user, Location("x", world.colony))
    with pytest.raises(PermissionDenied, match="not the owner"):
        await loc.remove_location(world.user, world.colony, "lab")
    with pytest.raises(AlreadyExists, match="'lab' already exists"):
        await loc.add_location(world.owner, Location("lab", world.colony))
    with pytest.raises(InvalidArgument, match="lat in"):
        await loc.add_location(world.owner, Location("pole", world.colony, lat=91.0))
    with pytest.raises(InvalidArgument, match="location name is required"):
        await loc.add_location(world.owner, Location("", world.colony))
    await world.services.blueprints.add_definition(world.owner, definition(world, handler=False))
    await world.services.blueprints.add_blueprint(world.user, blueprint(world, location="lab"))
    with pytest.raises(FailedPrecondition, match="in use by blueprints"):
        await loc.remove_location(world.owner, world.colony, "lab")
    await world.services.blueprints.remove_blueprint(world.user, world.colony, "hello")
    await loc.remove_location(world.owner, world.colony, "lab")
    with pytest.raises(NotFound, match="'lab' does not exist"):
        await loc.get_location(world.user, world.colony, "lab")
    with pytest.raises(NotFound, match="'lab' does not exist"):
        await loc.remove_location(world.owner, world.colony, "lab")
