"""Commands that other packages add to `colonies`, as entry points.

The server and the executor runtime sit above the SDK, so the SDK's CLI does
not import them: they register their commands in setup.cfg instead,

    [options.entry_points]
    pycolonies_like.commands =
        server = server.cli.serve:server
        executor.start = executors.cli:executor_start

where the name is the command's path (`executor.start` goes under the
`colonies executor` group) and the value a click command. A plug-in that
fails to load still appears, and says why in one line when it is run.

Plug-ins are looked up only when a command line needs one (a name that is
not built in, or a listing for --help): reading the installed packages'
metadata is not free, and most commands do not need it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import click

from pycolonies_like.cli.common import CliError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "pycolonies_like.commands"


class PluginGroup(click.Group):
    """A group that reads the plug-ins on first need, into the group at the top.

    The top group and every group that plug-ins extend are PluginGroups."""

    plugins_loaded = False
    parent_group: PluginGroup | None = None

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(cmd, name)
        if isinstance(cmd, PluginGroup):
            cmd.parent_group = self

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and self._load_plugins():
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def _load_plugins(self) -> bool:
        """Adds the plug-ins under the top group; False when that was done already."""
        top = self
        while top.parent_group is not None:
            top = top.parent_group
        if top.plugins_loaded:
            return False
        top.plugins_loaded = True
        add_plugin_commands(top)
        return True


def add_plugin_commands(root: click.Group, entries: Iterable[EntryPoint] | None = None) -> None:
    """Adds each command of the `pycolonies_like.commands` entry points to `root`."""
    if entries is None:
        from importlib.metadata import entry_points

        entries = entry_points(group=GROUP)
    for entry in sorted(entries, key=lambda e: e.name):
        *parents, name = entry.name.split(".")
        group = root
        try:
            for parent in parents:
                sub = group.commands.get(parent)
                if not isinstance(sub, click.Group):
                    raise LookupError(f"there is no command group {parent!r}")
                group = sub
            command = entry.load()
            if not isinstance(command, click.Command):
                raise TypeError(f"{type(command).__name__} is not a click command")
        except Exception as err:  # any error of a plug-in's import: report it, go on
            group.add_command(_unavailable(name, entry, err), name)
        else:
            from pycolonies_like.cli.context import accept_json_anywhere

            accept_json_anywhere(command)
            group.add_command(command, name)


def _unavailable(name: str, entry: EntryPoint, err: Exception) -> click.Command:
    reason = (str(err).strip().splitlines() or [""])[0]
    message = (
        f"the command {entry.name.replace('.', ' ')!r} could not be loaded from {entry.value}: "
        f"{type(err).__name__}{': ' + reason if reason else ''}"
    )

    def fail() -> None:
        raise CliError(message)

    return click.Command(
        name,
        callback=fail,
        help=f"Not available: {message}.",
        short_help="(failed to load)",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
