"""`colonies`: the command line for operators and developers.

Settings come from COLONIES_* variables (as in ColonyOS), with flags to
override them. Errors print one line and exit non-zero. The server's and the
executors' commands (`server`, `dev`, `executor start|types`) come from their
own packages, as entry points (see `pycolonies_like.cli.plugins`).
"""

from __future__ import annotations

import sys

import click

from pycolonies_like.cli.admin import colony, executor, user
from pycolonies_like.cli.blueprints import blueprint, location
from pycolonies_like.cli.channels import channel
from pycolonies_like.cli.common import CliError, cli_main
from pycolonies_like.cli.context import Settings, accept_json_anywhere
from pycolonies_like.cli.dashboard import dashboard
from pycolonies_like.cli.flows import cron, generator, workflow
from pycolonies_like.cli.fs import fs, snapshot
from pycolonies_like.cli.plugins import PluginGroup
from pycolonies_like.cli.ratelimits import ratelimit
from pycolonies_like.cli.security import security
from pycolonies_like.cli.work import attribute, function, log, process


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pycolonies-like", prog_name="colonies")
@click.option("--host", help="Server host (COLONIES_SERVER_HOST, default localhost).")
@click.option("--port", type=int, help="Server gRPC port (COLONIES_SERVER_PORT, default 50070).")
@click.option("--tls/--insecure", default=None, help="TLS to the server (COLONIES_SERVER_TLS).")
@click.option("--prvkey", help="Your private key (COLONIES_PRVKEY).")
@click.option("--colony", "colonyname", help="Colony name (COLONIES_COLONY_NAME).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
@click.pass_context
def cli(
    ctx: click.Context, host: str | None, port: int | None, tls: bool | None, prvkey: str | None,
    colonyname: str | None, as_json: bool,
) -> None:  # fmt: skip
    """pycolonies-like: colonies, executors, processes and workflows."""
    ctx.obj = Settings.from_env(
        host=host, port=port, tls=tls, prvkey=prvkey, colonyname=colonyname, as_json=as_json
    )


for command in (security, colony, executor, user, function, process, log, attribute, channel,
                workflow, cron, generator, blueprint, location, ratelimit, dashboard, fs,
                snapshot):  # fmt: skip
    cli.add_command(command)
accept_json_anywhere(cli)


def main(argv: list[str] | None = None) -> int:
    return cli_main(cli, argv)


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["CliError", "cli", "main"]
