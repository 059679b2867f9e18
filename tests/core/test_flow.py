"""Flow-control rules."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.flow import (
    MAX_RETENTION_S,
    Arrival,
    check_retention,
    concurrency_key,
    key_of,
    on_arrival,
    parse_duration,
    retention_cutoff,
)
from pycolonies_like.core.models import Concurrency, FuncSpec

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


# ------------------------------------------------------ concurrency keys --


def keyed(**concurrency: object) -> FuncSpec:
    return FuncSpec(funcname="f", kwargs={"customer_id": 42, "blob": {"a": 1}},
                    concurrency=Concurrency(**concurrency))  # type: ignore[arg-type]  # fmt: skip


def test_concurrency_keys() -> None:
    assert concurrency_key(keyed()) == ""
    assert concurrency_key(keyed(key="api", limit=2)) == "api"
    assert concurrency_key(keyed(kwarg="customer_id", limit=1)) == "customer_id=42"
    spec = keyed(kwarg="customer_id", limit=1)
    assert key_of(spec) == "customer_id=42"


@pytest.mark.parametrize(
    ("concurrency", "message"),
    [
        ({"limit": 2}, "needs a concurrency.key or concurrency.kwarg"),
        ({"key": "a", "kwarg": "customer_id", "limit": 1}, "not both"),
        ({"key": "a"}, "limit must be between 1 and"),
        ({"key": "a", "limit": -1}, "limit must be between 1 and"),
        ({"key": "a", "limit": True}, "limit must be between 1 and"),
        ({"key": "a", "limit": 1, "strategy": "drop"}, "strategy must be one of queue"),
        ({"kwarg": "missing", "limit": 1}, "'missing' is not among the kwargs"),
        ({"kwarg": "blob", "limit": 1}, "must be a string, number or boolean"),
        ({"key": "k" * 257, "limit": 1}, "longer than 256"),
    ],
)
def test_bad_concurrency_is_refused(concurrency: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        concurrency_key(keyed(**concurrency))


def test_what_a_new_process_does_to_its_key() -> None:
    for strategy in ("queue", "", "cancel_newest", "cancel_in_progress"):
        assert on_arrival(strategy, 1, 2) == Arrival()  # room left: nothing
    assert on_arrival("queue", 2, 2) == Arrival()  # waits its turn in the claim
    assert on_arrival("cancel_newest", 2, 2) == Arrival(cancel_new=True)
    assert on_arrival("cancel_in_progress", 2, 2) == Arrival(cancel_running=1)
    assert on_arrival("cancel_in_progress", 5, 2) == Arrival(cancel_running=4)
