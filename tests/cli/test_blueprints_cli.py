"""`colonies blueprint ...` and `colonies location ...`, run as a user would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import Dev

DEFINITION = """\
kind: Greeting
metadata:
  name: greetings
spec:
  names:
    kind: Greeting
  schema:
    type: object
    required: [text]
    properties:
      text: {type: string}
  handler:
    executorType: greeter
    functionName: reconcile
"""


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("dev")).start()
    yield d
    d.stop()


def test_definitions_blueprints_and_history(dev: Dev, tmp_path: Path) -> None:
    (tmp_path / "def.yaml").write_text(DEFINITION)
    result = dev.run("blueprint", "definition", "add", "--file", str(tmp_path / "def.yaml"))
    assert result.stderr.strip() == "kind Greeting defined (greetings)"
    listing = json.loads(dev.run("--json", "blueprint", "definition", "ls").stdout)
    assert [(d["metadata"]["name"], d["spec"]["handler"]["executorType"]) for d in listing] == [
        ("greetings", "greeter"),
    ]  # fmt: skip
    hello = tmp_path / "hello.json"
    hello.write_text(json.dumps({"kind": "Greeting", "metadata": {"name": "hello"},
                                 "spec": {"text": "hello"}}))  # fmt: skip
    blueprintid = dev.run("blueprint", "add", "--file", str(hello)).stdout.strip()
    assert len(blueprintid) == 64
    hello.write_text(json.dumps({"kind": "Greeting", "metadata": {"name": "hello"},
                                 "spec": {"text": "hey"}}))  # fmt: skip
    assert dev.run("blueprint", "update", "--file", str(hello)).stderr.strip() == "generation 2"
    got = json.loads(dev.run("--json", "blueprint", "get", "hello").stdout)
    assert got["spec"] == {"text": "hey"} and got["metadata"]["generation"] == 2
    assert "hello" in dev.run("blueprint", "ls", "--kind", "Greeting").stdout
    history = json.loads(dev.run("--json", "blueprint", "history", "hello").stdout)
    assert [(h["changetype"], h["generation"]) for h in history] == [("update", 2), ("create", 1)]
    processid = dev.run("blueprint", "reconcile", "hello", "--force").stdout.strip()
    process = json.loads(dev.run("--json", "process", "get", "-p", processid).stdout)
    assert process["spec"]["kwargs"] == {"kind": "Greeting", "blueprintName": "hello",
                                         "force": True}  # fmt: skip
    dev.run("blueprint", "remove", "hello")
    dev.run("blueprint", "definition", "remove", "greetings")
    assert json.loads(dev.run("--json", "blueprint", "ls").stdout) == []


def test_refusals_are_one_line(dev: Dev, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed")
    result = dev.run("blueprint", "add", "--file", str(bad), check=False)
    assert result.returncode == 1 and "is not valid YAML or JSON" in result.stderr
    bad.write_text("- a list")
    result = dev.run("blueprint", "add", "--file", str(bad), check=False)
    assert result.returncode == 1 and "must hold an object" in result.stderr
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("kind: Nope\nmetadata: {name: x}\nspec: {}\n")
    result = dev.run("blueprint", "add", "--file", str(unknown), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no blueprint definition of kind 'Nope' in colony 'dev'"
    result = dev.run("blueprint", "get", "ghost", check=False)
    assert result.returncode == 1 and "'ghost' does not exist" in result.stderr


def test_locations(dev: Dev) -> None:
    locationid = dev.run("location", "add", "--name", "lab", "--lat", "59.3").stdout.strip()
    assert len(locationid) == 64
    [found] = json.loads(dev.run("--json", "location", "ls").stdout)
    assert (found["name"], found["lat"]) == ("lab", 59.3)
    assert (
        json.loads(dev.run("--json", "location", "get", "lab").stdout)["locationid"] == locationid
    )
    result = dev.run("location", "add", "--name", "lab", check=False)
    assert result.returncode == 1 and "already exists" in result.stderr
    dev.run("location", "remove", "lab")
    assert json.loads(dev.run("--json", "location", "ls").stdout) == []
