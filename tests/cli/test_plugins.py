"""Commands added to `colonies` by other packages, through entry points."""

from __future__ import annotations

import importlib.metadata
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import click
import pytest
from click.testing import CliRunner

from pycolonies_like.cli.common import cli_main
from pycolonies_like.cli.main import cli
from pycolonies_like.cli.plugins import GROUP, PluginGroup, add_plugin_commands


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_the_installed_package_registers_the_server_and_executor_commands() -> None:
    names = {e.name: e.value for e in entry_points(group=GROUP)}
    assert names == {
        "server": "server.cli.serve:server",
        "dev": "server.cli.dev:dev",
        "executor.types": "executors.cli:executor_types",
        "executor.start": "executors.cli:executor_start",
    }
    ctx = click.Context(cli)
    assert {"server", "dev", "executor", "process"} <= set(cli.list_commands(ctx))
    executor = cli.get_command(ctx, "executor")
    assert isinstance(executor, click.Group)
    assert {"start", "types", "add", "ls"} <= set(executor.list_commands(ctx))


def root() -> click.Group:
    @click.group(cls=PluginGroup)
    def group() -> None:
        pass

    @group.group(cls=PluginGroup)
    def executor() -> None:
        pass

    @executor.command()
    def ls() -> None:
        click.echo("listed")

    return group


def test_plugins_are_read_only_when_a_command_line_needs_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []

    def fake_entry_points(group: str) -> list[EntryPoint]:
        reads.append(group)
        return [entry("executor.types", "executors.cli:executor_types")]

    monkeypatch.setattr(importlib.metadata, "entry_points", fake_entry_points)
    group, runner = root(), CliRunner()
    assert runner.invoke(group, ["executor", "ls"]).output == "listed\n"
    assert reads == []  # built-in commands need no plug-in
    result: Any = runner.invoke(group, ["executor", "types", "--help"])
    assert result.exit_code == 0 and "List the executors" in result.output
    assert "types" in runner.invoke(group, ["executor", "--help"]).output
    assert reads == [GROUP]  # once


def test_a_nested_name_goes_under_its_group() -> None:
    group = root()
    add_plugin_commands(group, [entry("executor.types", "executors.cli:executor_types")])
    executor = group.commands["executor"]
    assert isinstance(executor, click.Group)
    assert executor.commands["types"].help.startswith("List the executors")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("broken", "no_such_module_for_colonies:command", "ModuleNotFoundError: No module named"),
        ("broken", "pycolonies_like.cli.plugins:GROUP", "TypeError: str is not a click command"),
        ("nowhere.broken", "executors.cli:executor_types", "there is no command group 'nowhere'"),
    ],
)
def test_a_plugin_that_fails_to_load_says_why_in_one_line(
    name: str, value: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    group = root()
    add_plugin_commands(
        group, [entry(name, value), entry("executor.types", "executors.cli:executor_types")]
    )
    assert cli_main(group, [name.split(".")[-1], "--any", "args"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: the command ")
    assert f"could not be loaded from {value}: " in err and why in err
    assert "executor" in group.commands  # the others are still there
    executor = group.commands["executor"]
    assert isinstance(executor, click.Group) and "types" in executor.commands
