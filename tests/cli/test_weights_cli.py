"""`colonies colony weight ...`: setting, listing and removing fair-share weights."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.test_cli import Dev


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("dev")).start()
    yield d
    d.stop()


def test_set_list_remove(dev: Dev) -> None:
    assert "none" in dev.run("colony", "weight", "ls").stdout
    # The first form stays: `colony weight NAME WEIGHT`.
    assert (
        dev.run("colony", "weight", "dev", "3").stdout.strip() == "dev has weight 3 in colony dev"
    )
    assert json.loads(dev.run("--json", "colony", "weight", "ls").stdout) == [
        {"name": "dev", "kind": "executor", "weight": 3}]  # fmt: skip
    dev.run("colony", "weight", "set", "dev", "5")
    shown = dev.run("colony", "weight", "ls").stdout
    assert "dev" in shown and "executor" in shown and "5" in shown
    removed = dev.run("colony", "weight", "rm", "dev").stdout.strip()
    assert removed == "dev has the default weight 1 in colony dev"
    assert json.loads(dev.run("--json", "colony", "weight", "ls").stdout) == []


def test_refusals_are_one_line(dev: Dev) -> None:
    result = dev.run("colony", "weight", "rm", "ghost", check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: colony 'dev' has no user or executor named 'ghost'"
    result = dev.run("colony", "weight", "dev", "0", check=False)
    assert result.returncode == 1 and "weight must be between 1 and 1000" in result.stderr
    # Setting takes the colony owner's key: the executor's is refused.
    owner = dev.env["COLONIES_COLONY_PRVKEY"]
    dev.env["COLONIES_COLONY_PRVKEY"] = dev.env["COLONIES_PRVKEY"]
    try:
        result = dev.run("colony", "weight", "rm", "dev", check=False)
    finally:
        dev.env["COLONIES_COLONY_PRVKEY"] = owner
    assert result.returncode == 1 and "not the owner of colony 'dev'" in result.stderr
