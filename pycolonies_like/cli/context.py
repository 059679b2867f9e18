"""Settings of a CLI invocation (flags over COLONIES_* variables) and output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.client import DEFAULT_PORT, Colonies
from pycolonies_like.core.models import Subscriptable
from pycolonies_like.core.rules import env_int


@dataclass
class Settings:
    host: str = "localhost"
    port: int = DEFAULT_PORT
    tls: bool = False
    prvkey: str = ""
    colonyname: str = ""
    colony_prvkey: str = ""
    server_prvkey: str = ""
    as_json: bool = False
    wide: bool = False
    _client: Colonies | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, **flags: Any) -> Settings:
        env = os.environ
        values: dict[str, Any] = {
            "host": env.get("COLONIES_SERVER_HOST", "localhost"),
            "port": env_int(env, "COLONIES_SERVER_PORT", DEFAULT_PORT),
            "tls": env.get("COLONIES_SERVER_TLS", env.get("COLONIES_TLS", "false")).lower()
            == "true",
            "prvkey": env.get("COLONIES_PRVKEY", ""),
            "colonyname": env.get("COLONIES_COLONY_NAME", ""),
            "colony_prvkey": env.get("COLONIES_COLONY_PRVKEY", ""),
            "server_prvkey": env.get("COLONIES_SERVER_PRVKEY", ""),
        }
        values.update({k: v for k, v in flags.items() if v is not None})
        return cls(**values)

    def client(self) -> Colonies:
        if self._client is None:
            self._client = Colonies(self.host, self.port, self.tls)
        return self._client

    def key(self, which: str = "prvkey") -> str:
        value: str = getattr(self, which)
        if not value:
            hint = {
                "prvkey": "COLONIES_PRVKEY (or --prvkey)",
                "colony_prvkey": "COLONIES_COLONY_PRVKEY",
                "server_prvkey": "COLONIES_SERVER_PRVKEY",
            }[which]
            raise CliError(
                f"no key to sign with: set {hint} (`source` the env file of `colonies dev`)"
            )
        return value

    def colony(self) -> str:
        if not self.colonyname:
            raise CliError("no colony: set COLONIES_COLONY_NAME or pass --colony")
        return self.colonyname


pass_settings = click.make_pass_decorator(Settings)


def when(ns: int) -> str:
    if not ns:
        return "-"
    return datetime.fromtimestamp(ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def plain(value: Any) -> Any:
    if isinstance(value, Subscriptable):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def emit(settings: Settings, data: Any, render: Callable[[], None]) -> None:
    """JSON with --json, otherwise the human rendering."""
    if settings.as_json:
        json.dump(plain(data), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        render()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        t.add_column(column, overflow="fold")
    count = 0
    for row in rows:
        t.add_row(*(str(v) for v in row))
        count += 1
    console = Console() if sys.stdout.isatty() else Console(width=160)
    if count == 0:
        console.print(f"{title}: none")
    else:
        console.print(t)


def fields(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    table(title, ("field", "value"), [(k, v) for k, v in pairs])


def info(message: str) -> None:
    """Status lines go to stderr so that stdout stays clean for output and logs."""
    click.echo(message, err=True)


def _json_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        settings = ctx.find_object(Settings)
        if settings is not None:
            settings.as_json = True


def accept_json_anywhere(command: click.Command) -> None:
    """Gives every command under `command` its own `--json`, so that it may follow the
    subcommand (`colonies process pss --json`) as well as precede it."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_json_anywhere(sub)
        return
    if any("--json" in p.opts for p in command.params if isinstance(p, click.Option)):
        return
    option = click.Option(["--json", "json_after"], is_flag=True, expose_value=False,
                          callback=_json_flag, help="Print JSON, for scripts.")  # fmt: skip
    command.params.append(option)
