"""Cron schedules: six fields, seconds first, as in ColonyOS; or fixed intervals."""

from __future__ import annotations

import random as _random
from datetime import datetime, timezone

from croniter import croniter

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.rules import NS_PER_SECOND

_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def validate_schedule(expression: str, interval: int, random: bool) -> None:
    """One of: a cron expression (interval -1 or 0), or an interval in seconds."""
    if expression and interval > 0:
        raise InvalidArgument("give either a cron expression or an interval, not both")
    if not expression:
        if interval <= 0:
            raise InvalidArgument("a cron needs an expression or an interval larger than 0")
        return
    if random:
        raise InvalidArgument("random is only supported with an interval")
    expr = expression.strip()
    if expr.lower() in _DESCRIPTORS:
        return
    if len(expr.split()) != 6:
        raise InvalidArgument(
            f"cron expression {expression!r} must have six fields: "
            "second minute hour day-of-month month day-of-week"
        )
    if not croniter.is_valid(expr, second_at_beginning=True):
        raise InvalidArgument(f"invalid cron expression {expression!r}")


def next_run(
    expression: str,
    interval: int,
    random: bool,
    after_ns: int,
    rng: _random.Random | None = None,
) -> int:
    """The first run time (Unix ns, UTC) strictly after `after_ns`."""
    if not expression:
        step = interval * NS_PER_SECOND
        if random:
            # A uniformly random moment within the next interval.
            step = max(1, int((rng or _random).random() * step))
        return after_ns + step
    start = datetime.fromtimestamp(after_ns / NS_PER_SECOND, tz=timezone.utc)
    expr = expression.strip()
    if expr.lower() in _DESCRIPTORS:
        it = croniter(expr, start)
    else:
        it = croniter(expr, start, second_at_beginning=True)
    nxt: datetime = it.get_next(datetime)
    return int(nxt.timestamp()) * NS_PER_SECOND + nxt.microsecond * 1000
