"""Shared CLI plumbing: one-line errors, environment settings, output."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pycolonies_like.core.errors import ColoniesError


class CliError(click.ClickException):
    """An error shown as one line: `error: ...`."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


def cli_main(group: click.Group, argv: list[str] | None) -> int:
    try:
        group.main(args=argv, prog_name="colonies", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as err:
        if isinstance(err, CliError):
            err.show()
        else:
            click.echo(f"error: {err.format_message()}", err=True)
            if isinstance(err, click.UsageError) and err.ctx is not None:
                click.echo(f"(see: {err.ctx.command_path} --help)", err=True)
        return err.exit_code
    except ColoniesError as err:
        click.echo(f"error: {err}", err=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as err:
        click.echo(f"error: {err}", err=True)
        return 1
    return 0


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
