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
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

import click

from pycolonies_like.cli.common import CliError

GROUP = "pycolonies_like.commands"


def add_plugin_commands(root: click.Group, entries: Iterable[EntryPoint] | None = None) -> None:
    """Adds each command of the `pycolonies_like.commands` entry points to `root`."""
    found = entry_points(group=GROUP) if entries is None else entries
    for entry in sorted(found, key=lambda e: e.name):
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
