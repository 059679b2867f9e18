"""Blueprints and locations over gRPC with the SDK, on each store, and the
periodic reconciliation running through the cron loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from pycolonies_like import (
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.client import AsyncColonies, Colonies
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import Blueprint, BlueprintDefinition, Location, ProcessState
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import need_pg, unique


def definition(keys: ColonyKeys, interval: int = 0) -> dict[str, object]:
    return {
        "kind": "Greeting",
        "metadata": {"name": "greetings", "colonyname": keys.colonyname},
        "spec": {
            "names": {"kind": "Greeting"},
            "schema": {"type": "object", "required": ["text"],
                       "properties": {"text": {"type": "string", "maxLength": 20}}},
            "handler": {"executorType": keys.executortype, "functionName": "reconcile",
                        "reconcileInterval": interval},
        },
    }  # fmt: skip


def greeting(keys: ColonyKeys, text: str = "hello", name: str = "hi") -> dict[str, object]:
    return {"kind": "Greeting", "metadata": {"name": name, "colonyname": keys.colonyname},
            "spec": {"text": text}}  # fmt: skip


def test_blueprints_over_grpc(client: Colonies, colony: ColonyKeys) -> None:
    user, owner, executor = colony.user_key, colony.colony_key, colony.executor_key
    d = client.add_blueprint_definition(definition(colony), owner)
    assert isinstance(d, BlueprintDefinition) and d.spec.handler.functionname == "reconcile"
    assert client.get_blueprint_definitions(colony.colonyname, user) == [d]
    added = client.add_blueprint(greeting(colony), user)
    assert isinstance(added, Blueprint) and added.metadata.generation == 1
    process = client.assign(colony.colonyname, 5, executor)
    assert process.spec.kwargs == {"kind": "Greeting", "blueprintName": "hi"}
    status = client.update_blueprint_status(colony.colonyname, "hi", {"said": "hello"}, executor)
    assert status.status == {"said": "hello"} and status.spec == {"text": "hello"}
    updated = client.update_blueprint(greeting(colony, "hey"), user)
    assert updated.metadata.generation == 2
    assert client.get_blueprint(colony.colonyname, "hi", user).spec == {"text": "hey"}
    assert [
        b.metadata.name for b in client.get_blueprints(colony.colonyname, user, "Greeting")
    ] == ["hi"]
    forced = client.reconcile_blueprint(colony.colonyname, "hi", user, force=True)
    assert forced.spec.kwargs["force"] is True and forced.state == ProcessState.WAITING
    history = client.get_blueprint_history(added.blueprintid, user)
    assert [h.generation for h in history] == [2, 1]
    with pytest.raises(InvalidArgument, match=r"spec\.text: 'x{21}' is too long"):
        client.update_blueprint(greeting(colony, "x" * 21), user)
    with pytest.raises(PermissionDenied, match="not the owner"):
        client.remove_blueprint_definition(colony.colonyname, "greetings", user)
    with pytest.raises(FailedPrecondition, match="in use"):
        client.remove_blueprint_definition(colony.colonyname, "greetings", owner)
    client.remove_blueprint(colony.colonyname, "hi", user)
    with pytest.raises(NotFound):
        client.get_blueprint(colony.colonyname, "hi", user)
    client.remove_blueprint_definition(colony.colonyname, "greetings", owner)


def test_locations_over_grpc(client: Colonies, colony: ColonyKeys) -> None:
    added = client.add_location(
        {"name": "lab", "colonyname": colony.colonyname, "long": 18.07, "lat": 59.33},
        colony.colony_key,
    )
    assert isinstance(added, Location) and len(added.locationid) == 64
    assert client.get_location(colony.colonyname, "lab", colony.user_key) == added
    assert client.get_locations(colony.colonyname, colony.executor_key) == [added]
    with pytest.raises(PermissionDenied):
        client.add_location(Location("x", colony.colonyname), colony.user_key)
    client.remove_location(colony.colonyname, "lab", colony.colony_key)
    assert client.get_locations(colony.colonyname, colony.user_key) == []


async def test_the_async_client_has_them_too(server: ThreadedServer, colony: ColonyKeys) -> None:
    async with AsyncColonies("127.0.0.1", server.port) as client:
        await client.add_blueprint_definition(definition(colony), colony.colony_key)
        await client.add_blueprint(greeting(colony), colony.user_key)
        found = await client.get_blueprints(colony.colonyname, colony.user_key)
        assert [b.spec for b in found] == [{"text": "hello"}]
        await asyncio.sleep(0)


def test_periodic_reconciliation_runs_through_the_cron_loop(
    clocked: ThreadedServer, clock: ManualClock
) -> None:
    client = clocked.client()
    keys = bootstrap(client, clocked.server_key, colonyname=unique(), executors=1)
    client.add_blueprint_definition(definition(keys, interval=10), keys.colony_key)
    client.add_blueprint(greeting(keys), keys.user_key)
    client.add_blueprint(greeting(keys, name="other"), keys.user_key)
    [cron] = client.get_crons(keys.colonyname, 10, keys.user_key)
    assert cron.name == "reconcile-Greeting" and cron.interval == 10
    clock.advance(11)
    assert clocked.call(clocked.services.schedules.run_due_crons()) == 1
    waiting = client.list_processes(keys.colonyname, 10, ProcessState.WAITING, keys.user_key)
    assert sorted(str(p.spec.kwargs) for p in waiting) == sorted([
        str({"kind": "Greeting"}), str({"kind": "Greeting", "blueprintName": "hi"}),
        str({"kind": "Greeting", "blueprintName": "other"}),
    ])  # fmt: skip
    client.remove_blueprint(keys.colonyname, "hi", keys.user_key)
    client.remove_blueprint(keys.colonyname, "other", keys.user_key)
    assert client.get_crons(keys.colonyname, 10, keys.user_key) == []


@pytest.fixture(params=["sqlite", "postgresql"])
def clocked_on_each_store(
    request: pytest.FixtureRequest, clock: ManualClock
) -> Iterator[ThreadedServer]:
    """A server on each store whose time only moves when the test says so."""
    slow = {"sweep_interval_s": 3600, "cron_interval_s": 3600, "generator_interval_s": 3600,
            "retention_interval_s": 3600}  # fmt: skip
    if request.param == "sqlite":
        with ThreadedServer(clock=clock, signature_window_s=10**9, **slow) as srv:
            yield srv
        return
    from tests.pg import database

    with (
        database(need_pg()) as url,
        ThreadedServer(db_url=url, clock=clock, signature_window_s=10**9, **slow) as srv,
    ):
        yield srv


def located_executor(client: Colonies, keys: ColonyKeys, name: str, location: str) -> str:
    """Registers and approves a handler executor at `location`; returns its key."""
    key = generate_private_key()
    client.add_executor(
        {"executorid": id_of(key), "executortype": keys.executortype, "executorname": name,
         "colonyname": keys.colonyname, "locationname": location},
        keys.colony_key,
    )  # fmt: skip
    client.approve_executor(keys.colonyname, name, keys.colony_key)
    return key


def test_processes_of_a_located_blueprint_go_only_to_executors_there(
    clocked_on_each_store: ThreadedServer, clock: ManualClock
) -> None:
    clocked = clocked_on_each_store
    client = clocked.client()
    keys = bootstrap(client, clocked.server_key, colonyname=unique(), executors=0)
    client.add_location(Location("lab-a", keys.colonyname), keys.colony_key)
    at_a = located_executor(client, keys, "at-a", "lab-a")
    # Like ColonyOS, an executor may name a location the colony has not defined
    # (yet); the first blueprint there defines it.
    at_b = located_executor(client, keys, "at-b", "lab-b")
    assert client.get_executor(keys.colonyname, "at-b", keys.colony_key).locationname == "lab-b"
    assert [loc.name for loc in client.get_locations(keys.colonyname, keys.user_key)] == ["lab-a"]
    client.add_blueprint_definition(definition(keys, interval=10), keys.colony_key)
    located = {
        "kind": "Greeting",
        "spec": {"text": "hello"},
        "metadata": {"name": "hi", "colonyname": keys.colonyname, "locationname": "lab-b"},
    }
    client.add_blueprint(located, keys.user_key)
    assert "lab-b" in [loc.name for loc in client.get_locations(keys.colonyname, keys.user_key)]
    [cron] = client.get_crons(keys.colonyname, 10, keys.user_key)
    assert cron.name == "reconcile-Greeting-lab-b"
    with pytest.raises(NoProcessAvailable):
        client.assign(keys.colonyname, 0.5, at_a)
    reconcile = client.assign(keys.colonyname, 5, at_b)
    assert reconcile.spec.kwargs == {"kind": "Greeting", "blueprintName": "hi"}
    assert reconcile.spec.conditions.locationname == "lab-b"
    # The periodic reconciliation of the kind at lab-b, and a forced one.
    clock.advance(11)
    assert clocked.call(clocked.services.schedules.run_due_crons()) == 1
    client.reconcile_blueprint(keys.colonyname, "hi", keys.user_key, force=True)
    with pytest.raises(NoProcessAvailable):
        client.assign(keys.colonyname, 0.5, at_a)
    taken = [client.assign(keys.colonyname, 5, at_b) for _ in range(2)]
    assert sorted(str(p.spec.kwargs) for p in taken) == sorted([
        str({"kind": "Greeting"}), str({"kind": "Greeting", "blueprintName": "hi", "force": True}),
    ])  # fmt: skip
    # Its cleanup goes to lab-b too.
    client.remove_blueprint(keys.colonyname, "hi", keys.user_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(keys.colonyname, 0.5, at_a)
    cleanup = client.assign(keys.colonyname, 5, at_b)
    assert cleanup.spec.funcname == "cleanup" and cleanup.spec.conditions.locationname == "lab-b"
    # A blueprint without a location goes to any handler executor, wherever it is.
    client.add_blueprint(greeting(keys, name="anywhere"), keys.user_key)
    anywhere = client.assign(keys.colonyname, 5, at_a)
    assert anywhere.spec.kwargs == {"kind": "Greeting", "blueprintName": "anywhere"}
    assert anywhere.spec.conditions.locationname == ""
