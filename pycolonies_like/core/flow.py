"""Flow-control rules: how long finished work is kept, concurrency keys, rate limits.

Pure functions, fed by the services and the store; no I/O here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import FuncSpec, RateLimit

NS_PER_SECOND = 1_000_000_000

# Ten years: a longer retention is a mistake, not a policy.
MAX_RETENTION_S = 10 * 366 * 86_400
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400}
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


def check_retention(seconds: int) -> int:
    """A colony's retention period in seconds; 0 keeps finished work for ever."""
    if not 0 <= seconds <= MAX_RETENTION_S:
        raise InvalidArgument(
            f"retention must be between 0 (keep for ever) and {MAX_RETENTION_S} seconds, "
            f"got {seconds}"
        )
    return seconds


def parse_duration(text: str) -> int:
    """Seconds of a duration written as a number with an optional unit: 90, 15m, 12h, 30d."""
    found = _DURATION.match(text)
    if found is None:
        raise InvalidArgument(f"{text!r} is not a duration: use e.g. 3600, 90m, 12h or 30d")
    return int(found.group(1)) * _UNITS[found.group(2)]


def retention_cutoff(now_ns: int, retention_s: int) -> int:
    """Finished work that ended before this time is removed (0: nothing is)."""
    if retention_s <= 0:
        return 0
    return max(now_ns - retention_s * NS_PER_SECOND, 0)


# -------------------------------------------------------- concurrency keys --

STRATEGIES = ("queue", "cancel_newest", "cancel_in_progress")
MAX_CONCURRENCY_LIMIT = 100_000
MAX_KEY_LENGTH = 256


def key_of(spec: FuncSpec) -> str:
    """The key of a spec already checked by concurrency_key ('' for none)."""
    c = spec.concurrency
    if c.kwarg:
        return f"{c.kwarg}={spec.kwargs.get(c.kwarg)}"
    return c.key


def concurrency_key(spec: FuncSpec) -> str:
    """The key a process counts under ('' for none): the literal key, or
    `kwarg=value` of the named keyword argument. Raises InvalidArgument when
    the spec's concurrency cannot be honoured."""
    c = spec.concurrency
    if not c.key and not c.kwarg:
        if c.limit:
            raise InvalidArgument("concurrency.limit needs a concurrency.key or concurrency.kwarg")
        return ""
    if c.key and c.kwarg:
        raise InvalidArgument("give concurrency.key or concurrency.kwarg, not both")
    if (
        isinstance(c.limit, bool)
        or not isinstance(c.limit, int)
        or not (1 <= c.limit <= MAX_CONCURRENCY_LIMIT)
    ):
        raise InvalidArgument(
            f"concurrency.limit must be between 1 and {MAX_CONCURRENCY_LIMIT}, got {c.limit!r}"
        )
    if (c.strategy or "queue") not in STRATEGIES:
        raise InvalidArgument(
            f"concurrency.strategy must be one of {', '.join(STRATEGIES)}, got {c.strategy!r}"
        )
    if c.kwarg:
        if c.kwarg not in spec.kwargs:
            raise InvalidArgument(f"concurrency.kwarg {c.kwarg!r} is not among the kwargs")
        value = spec.kwargs[c.kwarg]
        if isinstance(value, (dict, list)) or value is None:
            raise InvalidArgument(
                f"kwarg {c.kwarg!r} must be a string, number or boolean to be a concurrency key"
            )
    key = key_of(spec)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgument(f"the concurrency key is longer than {MAX_KEY_LENGTH} characters")
    return key


@dataclass(frozen=True)
class Arrival:
    """What a new process of a key does to the processes of that key."""

    cancel_new: bool = False  # it is cancelled before it waits
    cancel_running: int = 0  # this many of the oldest running ones are cancelled


def on_arrival(strategy: str, running: int, limit: int) -> Arrival:
    """The strategy's decision when a process of a key that has `running`
    running processes (of at most `limit`) is submitted. Processes that wait
    their turn ("queue") are held back by the claim instead."""
    if running < limit or strategy in ("", "queue"):
        return Arrival()
    if strategy == "cancel_newest":
        return Arrival(cancel_new=True)
    return Arrival(cancel_running=running - limit + 1)


# ------------------------------------------------------------- rate limits --

RATE_UNITS = {"second": 1, "minute": 60}
MAX_RATE = 1_000_000
MAX_BURST = 1_000_000
# A token due "now" may be a hair short in floating point; this much short counts as there.
TOKEN_SLACK = 1e-6


def check_rate_limit(limit: RateLimit) -> RateLimit:
    """A rate limit as defined by its colony's owner, checked field by field
    (its name is checked as every name is: rules.check_name)."""
    if limit.unit not in RATE_UNITS:
        raise InvalidArgument(f"unit must be one of {', '.join(RATE_UNITS)}, got {limit.unit!r}")
    for what, value, most in (("rate", limit.rate, MAX_RATE), ("burst", limit.burst, MAX_BURST)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
            raise InvalidArgument(f"{what} must be a whole number from 1 to {most}, got {value!r}")
    return limit


def rate_limit_of(spec: FuncSpec) -> str:
    """The rate limit a spec takes units of ('' for none); raises
    InvalidArgument when the spec's ratelimit fields cannot be honoured."""
    units = spec.ratelimitunits
    if isinstance(units, bool) or not isinstance(units, int) or not 0 <= units <= MAX_BURST:
        raise InvalidArgument(
            f"ratelimitunits must be a whole number from 1 to {MAX_BURST}, got {units!r}"
        )
    if not spec.ratelimit and units > 1:
        raise InvalidArgument("ratelimitunits needs a ratelimit")
    return spec.ratelimit


def units_of(spec: FuncSpec) -> int:
    """The tokens a start of the spec takes (0 when it names no rate limit)."""
    return max(spec.ratelimitunits, 1) if spec.ratelimit else 0


def period_ns(unit: str) -> int:
    return RATE_UNITS[unit] * NS_PER_SECOND


def tokens_at(limit: RateLimit, updated_ns: int, now_ns: int) -> float:
    """The tokens of a bucket that held `limit.tokens` at `updated_ns`, at `now_ns`:
    refilled at the limit's rate, never above its burst. (The store's
    conditional update computes the same in SQL: ratelimits.REFILL.)"""
    elapsed = max(now_ns - updated_ns, 0)
    return min(float(limit.burst), limit.tokens + elapsed * limit.rate / period_ns(limit.unit))
