"""`colonies ratelimit`: named budgets of process starts (the colony owner
defines and removes them; members read them, with the budget left)."""

from __future__ import annotations

import click

from pycolonies_like.cli.context import Settings, emit, fields, pass_settings, table
from pycolonies_like.core.models import RateLimit


@click.group()
def ratelimit() -> None:
    """Rate limits: N process starts per second or minute, with a burst. A spec
    takes from one with "ratelimit": "NAME" (and "ratelimitunits", default 1);
    a process whose limit is spent waits until its tokens are due."""


def _rate(r: RateLimit) -> str:
    return f"{r.rate}/{r.unit}"


def _left(r: RateLimit) -> str:
    return f"{r.tokens:.2f} of {r.burst}"


@ratelimit.command("add")
@click.argument("name")
@click.option("--rate", type=int, required=True, help="Process starts per --per.")
@click.option("--per", "unit", default="second", show_default=True,
              help="second or minute.")  # fmt: skip
@click.option("--burst", type=int, help="At most this many at once (default: --rate).")
@pass_settings
def ratelimit_add(s: Settings, name: str, rate: int, unit: str, burst: int | None) -> None:
    """Define a rate limit NAME (colony owner)."""
    r = s.client().add_rate_limit(s.colony(), name, rate, s.key("colony_prvkey"), unit=unit,
                                  burst=burst)  # fmt: skip
    emit(s, r, lambda: click.echo(f"Rate limit {r.name}: {_rate(r)}, burst {r.burst}"))


@ratelimit.command("ls")
@pass_settings
def ratelimit_ls(s: Settings) -> None:
    """List the colony's rate limits, with the budget left now."""
    found = s.client().get_rate_limits(s.colony(), s.key())
    rows = [(r.name, _rate(r), r.burst, f"{r.tokens:.2f}") for r in found]
    emit(s, found, lambda: table("Rate limits", ("name", "rate", "burst", "tokens left"), rows))


@ratelimit.command("get")
@click.argument("name")
@pass_settings
def ratelimit_get(s: Settings, name: str) -> None:
    """Show a rate limit and the budget left now."""
    r = s.client().get_rate_limit(s.colony(), name, s.key())
    emit(s, r, lambda: fields(f"Rate limit {name}", [
        ("rate", _rate(r)), ("burst", r.burst), ("tokens left", _left(r)),
    ]))  # fmt: skip


@ratelimit.command("rm")
@click.argument("name")
@pass_settings
def ratelimit_rm(s: Settings, name: str) -> None:
    """Remove a rate limit (colony owner); processes waiting for it then start
    when their due time comes."""
    s.client().remove_rate_limit(s.colony(), name, s.key("colony_prvkey"))
    emit(s, {"removed": name}, lambda: click.echo(f"Rate limit {name} removed", err=True))


ratelimit.add_command(ratelimit_rm, "remove")

__all__ = ["ratelimit"]
