"""Flow-control rules."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.flow import (
    MAX_RETENTION_S,
    check_retention,
    parse_duration,
    retention_cutoff,
)

S = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("0", 0), ("90", 90), ("90s", 90), ("15m", 900), ("12h", 43_200), (" 30d ", 2_592_000)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "-1", "1w", "1.5h", "h", "10 days"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument, match="is not a duration"):
        parse_duration(text)


def test_retention_bounds() -> None:
    assert check_retention(0) == 0
    assert check_retention(MAX_RETENTION_S) == MAX_RETENTION_S
    for bad in (-1, MAX_RETENTION_S + 1):
        with pytest.raises(InvalidArgument, match="retention must be between 0"):
            check_retention(bad)


def test_the_cutoff() -> None:
    assert retention_cutoff(1000 * S, 0) == 0  # keep for ever
    assert retention_cutoff(1000 * S, 60) == 940 * S
    assert retention_cutoff(10 * S, 60) == 0  # never before the epoch
