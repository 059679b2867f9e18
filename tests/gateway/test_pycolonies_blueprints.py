"""Blueprints through the HTTP gateway, driven by the published pycolonies
client through each of its twelve blueprint methods, with the shapes the
recorded ColonyOS exchanges show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ThreadedServer
from tests.gateway.test_pycolonies import Colony

pycolonies = pytest.importorskip("pycolonies")
Error = pycolonies.ColoniesConnectionError
EXCHANGES = Path(__file__).parent / "data" / "colonyos-exchanges.jsonl"


@pytest.fixture
def c(py: Any, gw: ThreadedServer) -> Colony:
    return Colony(py, gw.server_key)


def definition(c: Colony, kind: str, handler: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "names": {"kind": kind},
        "schema": {"type": "object", "properties": {"power": {"type": "boolean"}},
                   "required": ["power"]},
    }  # fmt: skip
    if handler:
        spec["handler"] = {"executorType": "py-type", "functionName": "reconcile"}
    return {"kind": kind, "metadata": {"name": kind.lower(), "colonyname": c.name}, "spec": spec}


def blueprint(c: Colony, kind: str, name: str = "lamp", **spec: Any) -> dict[str, Any]:
    return {"kind": kind, "metadata": {"name": name, "colonyname": c.name},
            "handler": {"executortype": "ignored"}, "spec": spec or {"power": False}}  # fmt: skip


def recorded(payloadtype: str) -> dict[str, Any]:
    for line in EXCHANGES.read_text().splitlines():
        record = json.loads(line)
        if record.get("payloadtype") == payloadtype and not record["reply_error"]:
            return record  # type: ignore[no-any-return]
    raise AssertionError(payloadtype)


def test_every_blueprint_method(py: Any, c: Colony) -> None:
    d = py.add_blueprint_definition(definition(c, "Lamp"), c.colony_key)
    assert d["kind"] == "Lamp" and len(d["blueprintdefinitionid"]) == 64
    assert py.get_blueprint_definition(c.name, "lamp", c.key)["spec"]["handler"] == {
        "executorType": "py-type", "functionName": "reconcile",
    }  # fmt: skip
    assert [x["metadata"]["name"] for x in py.get_blueprint_definitions(c.name, c.key)] == ["lamp"]
    added = py.add_blueprint(blueprint(c, "Lamp"), c.key)
    assert added["metadata"]["generation"] == 1 and added["spec"] == {"power": False}
    # The add submitted a reconciliation for the handler: the executor takes it.
    process = py.assign(c.name, 5, c.key)
    assert process.spec.funcname == "reconcile"
    assert process.spec.kwargs == {"kind": "Lamp", "blueprintName": "lamp"}
    py.update_blueprint_status(c.name, "lamp", {"power": False, "seen": 1}, c.key)
    py.close(process.processid, [], c.key)
    updated = py.update_blueprint(blueprint(c, "Lamp", power=True), c.key)
    assert updated["metadata"]["generation"] == 2 and updated["status"]["seen"] == 1
    got = py.get_blueprint(c.name, "lamp", c.key)
    assert got["spec"] == {"power": True} and got["status"] == {"power": False, "seen": 1}
    assert got["metadata"]["lastReconciliationProcess"] != process.processid
    assert [b["metadata"]["name"] for b in py.get_blueprints(c.name, c.key, kind="Lamp")] == [
        "lamp"
    ]
    assert py.get_blueprints(c.name, c.key, kind="Other") == []
    forced = py.reconcile_blueprint(c.name, "lamp", c.key, force=True)
    assert forced["spec"]["kwargs"] == {"kind": "Lamp", "blueprintName": "lamp", "force": True}
    history = py.get_blueprint_history(added["blueprintid"], c.key)
    assert [(h["changetype"], h["generation"]) for h in history] == [("update", 2), ("create", 1)]
    assert history[0]["changedby"] == id_of(c.key) and history[0]["spec"] == {"power": True}
    assert len(py.get_blueprint_history(added["blueprintid"], c.key, limit=1)) == 1
    py.remove_blueprint(c.name, "lamp", c.key)
    with pytest.raises(Error, match="'lamp' does not exist"):
        py.get_blueprint(c.name, "lamp", c.key)
    py.remove_blueprint_definition(c.name, "lamp", c.colony_key)
    assert py.get_blueprint_definitions(c.name, c.key) == []


def test_replies_have_colonyos_shapes(py: Any, c: Colony) -> None:
    d = py.add_blueprint_definition(
        {"kind": "Shape", "metadata": {"name": "shape", "colonyname": c.name},
         "spec": {"names": {"kind": "Shape"}}}, c.colony_key,
    )  # fmt: skip
    want = recorded("addblueprintdefinitionmsg")["reply_payload"]
    # (the recording lists keys sorted)
    assert set(d) == set(want) and set(d["spec"]) == set(want["spec"])
    assert d["spec"]["handler"] == want["spec"]["handler"]
    assert set(d["metadata"]) == set(want["metadata"])
    b = py.add_blueprint(blueprint(c, "Shape", deviceType="light"), c.key)
    want = recorded("addblueprintmsg")["reply_payload"]
    assert set(b) == set(want) and set(b["metadata"]) == set(want["metadata"]) | {"generation"}
    assert b["metadata"]["createdAt"].endswith("Z") and "status" not in b


def test_refusals_are_colonyos_error_envelopes(py: Any, c: Colony) -> None:
    with pytest.raises(Error, match="not the owner"):
        py.add_blueprint_definition(definition(c, "Lamp"), c.key)
    py.add_blueprint_definition(definition(c, "Lamp", handler=False), c.colony_key)
    with pytest.raises(Error, match="no blueprint definition of kind 'Nope'"):
        py.add_blueprint(blueprint(c, "Nope"), c.key)
    with pytest.raises(Error, match=r"spec\.power: 'on' is not of type 'boolean'"):
        py.add_blueprint(blueprint(c, "Lamp", power="on"), c.key)
    py.add_blueprint(blueprint(c, "Lamp"), c.key)
    with pytest.raises(Error, match="already exists"):
        py.add_blueprint(blueprint(c, "Lamp"), c.key)
    with pytest.raises(Error, match="in use"):
        py.remove_blueprint_definition(c.name, "lamp", c.colony_key)
    with pytest.raises(Error, match="names no handler"):
        py.reconcile_blueprint(c.name, "lamp", c.key)
    with pytest.raises(Error, match="'ghost' does not exist"):
        py.update_blueprint_status(c.name, "ghost", {}, c.key)
    assert [b["spec"] for b in py.get_blueprints(c.name, c.key)] == [{"power": False}]


def test_a_located_blueprint_is_reconciled_by_executors_there(py: Any, c: Colony) -> None:
    # The executor of `c` has no location; this one names one the colony has not defined.
    there = generate_private_key()
    py.add_executor({"executorid": id_of(there), "executortype": "py-type",
                     "executorname": "there", "colonyname": c.name, "locationname": "lab-b"},
                    c.colony_key)  # fmt: skip
    py.approve_executor(c.name, "there", c.colony_key)
    assert py.get_executor(c.name, "there", c.key)["locationname"] == "lab-b"
    py.add_blueprint_definition(definition(c, "Lamp"), c.colony_key)
    located = blueprint(c, "Lamp")
    located["metadata"]["locationname"] = "lab-b"
    py.add_blueprint(located, c.key)
    with pytest.raises(Error):
        py.assign(c.name, 0.5, c.key)
    process = py.assign(c.name, 5, there)
    assert process.spec.kwargs == {"kind": "Lamp", "blueprintName": "lamp"}
