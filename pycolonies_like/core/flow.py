"""Flow-control rules: how long finished work is kept.

Pure functions, fed by the services and the store; no I/O here.
"""

from __future__ import annotations

import re

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.rules import NS_PER_SECOND

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
