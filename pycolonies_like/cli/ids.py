"""Ids as people type them: `-p/--processid ID` or a positional ID, whole or any unique
prefix of one (tables show the first 16 characters; `--wide` shows them whole)."""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings
from pycolonies_like.core.models import ProcessState

F = TypeVar("F", bound=Callable[..., Any])
ID_LENGTH = 64
SHORT = 16


def short(s: Settings, value: str) -> str:
    """An id as tables show it: its first 16 characters, whole with --wide."""
    return value if s.wide or not value else value[:SHORT]


def _wide_flag(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    settings = ctx.find_object(Settings)
    if value and settings is not None:
        settings.wide = True


def wide_option(f: F) -> F:
    """`--wide`: whole ids in tables."""
    option = click.option("--wide", is_flag=True, expose_value=False, callback=_wide_flag,
                          help="Show whole ids (tables show 16 characters).")  # fmt: skip
    return option(f)


def _processes(s: Settings) -> Iterable[str]:
    client, key = s.client(), s.key()
    for state in ProcessState:
        yield from (p.processid for p in client.list_processes(s.colony(), 1000, state, key))


def _workflows(s: Settings) -> Iterable[str]:
    return (g.processgraphid for g in s.client().get_processgraphs(s.colony(), 1000, s.key()))


def _crons(s: Settings) -> Iterable[str]:
    return (c.cronid for c in s.client().get_crons(s.colony(), 1000, s.key()))


def _generators(s: Settings) -> Iterable[str]:
    return (g.generatorid for g in s.client().get_generators(s.colony(), s.key(), 1000))


CANDIDATES: dict[str, Callable[[Settings], Iterable[str]]] = {
    "process": _processes,
    "workflow": _workflows,
    "cron": _crons,
    "generator": _generators,
}


def resolve(s: Settings, kind: str, given: str) -> str:
    """The whole id that `given` starts; refuses no match and several, naming them."""
    given = given.strip().lower()
    if len(given) >= ID_LENGTH or kind not in CANDIDATES:
        return given
    if not given or any(c not in string.hexdigits for c in given):
        raise CliError(f"{kind} id {given!r} is not an id (hex digits, or a prefix of them)")
    found = sorted({i for i in CANDIDATES[kind](s) if i.startswith(given)})
    if not found:
        raise CliError(f"{kind} {given!r} does not exist (no {kind} id starts with it)")
    if len(found) > 1:
        shown = ", ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
        raise CliError(f"{kind} id {given!r} is ambiguous: it starts {shown}")
    return found[0]


def takes_id(kind: str, name: str, *flags: str, required: bool = True) -> Callable[[F], F]:
    """The id of a `kind` as an option (`flags`) or a positional argument, resolved from a
    unique prefix, passed to the command as `name`."""
    positional = f"{name}_positional"

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def command(*args: Any, **kwargs: Any) -> Any:
            by_flag, by_position = kwargs.pop(name), kwargs.pop(positional)
            if by_flag and by_position and by_flag != by_position:
                raise CliError(f"two {kind} ids given: {by_flag!r} and {by_position!r}")
            value = by_flag or by_position
            if value:
                settings = click.get_current_context().find_object(Settings)
                assert settings is not None
                value = resolve(settings, kind, value)
            elif required:
                raise click.UsageError(f"give the {kind} id: {flags[-1]} ID, or just ID")
            kwargs[name] = value
            return f(*args, **kwargs)

        described = f"The {kind}'s id, or a unique prefix of it."
        command = click.option(*flags, name, metavar="ID", help=described)(command)
        command = click.argument(positional, required=False, metavar="[ID]")(command)
        return command  # type: ignore[return-value]

    return decorate
