"""The load-shedding and connection flags of `colonies server start`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

_FLAGS: list[tuple[str, str, Any, str]] = [
    ("--rate-limit", "rate_limit", float, "Calls per second per identity (1000; 0 = no limit)."),
    ("--rate-burst", "rate_burst", float, "Calls an identity may make at once (2000)."),
    ("--max-inflight-per-identity", "max_inflight_per_identity", click.IntRange(0),
     "Calls of one identity in progress at once (256; 0 = no limit)."),
    ("--max-inflight", "max_inflight", click.IntRange(0),
     "Calls in progress at once, in all (4096; 0 = no limit)."),
    ("--handshake-timeout", "handshake_timeout_s", click.FloatRange(min=0.1),
     "Seconds a new connection has for its TLS handshake and first request (10)."),
    ("--idle-timeout", "idle_timeout_s", click.FloatRange(min=1),
     "Seconds a connection may stay open with nothing in progress (600)."),
    ("--max-connections", "max_connections", click.IntRange(1),
     "Open connections per listener, at most (4096; keep it below `ulimit -n`)."),
]  # fmt: skip


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for flag, name, kind, text in reversed(_FLAGS):
        command = click.option(flag, name, type=kind, help=text)(command)
    return command


def limit_settings(flags: dict[str, Any]) -> dict[str, Any]:
    """The settings given on the command line (the rest keep their defaults)."""
    return {name: flags.get(name) for _, name, _, _ in _FLAGS}
