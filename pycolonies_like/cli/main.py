"""`colonies`: the command line for operators and developers.

Settings come from COLONIES_* variables (as in ColonyOS), with flags to
override them. Errors print one line and exit non-zero.
"""

from __future__ import annotations

import sys

import click

from pycolonies_like.cli.common import CliError, cli_main
from pycolonies_like.cli.dev import dev
from pycolonies_like.cli.security import security
from pycolonies_like.cli.server import server


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pycolonies-like", prog_name="colonies")
def cli() -> None:
    """pycolonies-like: colonies, executors, processes and workflows."""


cli.add_command(server)
cli.add_command(security)
cli.add_command(dev)


def main(argv: list[str] | None = None) -> int:
    return cli_main(cli, argv)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["CliError", "cli", "main"]
