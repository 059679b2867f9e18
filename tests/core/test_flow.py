"""Flow-control rules."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.flow import (
    MAX_RETENTION_S,
    NS_PER_SECOND,
    Arrival,
    check_rate_limit,
    check_retention,
    concurrency_key,
    key_of,
    on_arrival,
    parse_duration,
    rate_limit_of,
    retention_cutoff,
    tokens_at,
    units_of,
)
from pycolonies_like.core.models import Concurrency, FuncSpec, RateLimit

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


# -------------------------------------------------------------- rate limits --


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    per_second = RateLimit("c", "api", rate=10, unit="second", burst=5, tokens=0.0)
    assert tokens_at(per_second, 0, NS_PER_SECOND // 10) == 1.0
    assert tokens_at(per_second, 0, 10 * NS_PER_SECOND) == 5.0  # never above the burst
    assert tokens_at(per_second, NS_PER_SECOND, 0) == 0.0  # a clock behind adds nothing
    per_minute = RateLimit("c", "api", rate=6, unit="minute", burst=6, tokens=1.5)
    assert tokens_at(per_minute, 0, 10 * NS_PER_SECOND) == 2.5


def test_units_of_a_spec() -> None:
    assert units_of(FuncSpec()) == 0
    assert units_of(FuncSpec(ratelimit="api")) == 1
    assert units_of(FuncSpec(ratelimit="api", ratelimitunits=4)) == 4
    assert rate_limit_of(FuncSpec(ratelimit="api", ratelimitunits=4)) == "api"
    with pytest.raises(InvalidArgument, match="ratelimitunits must be a whole number"):
        rate_limit_of(FuncSpec(ratelimit="api", ratelimitunits=True))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (RateLimit("c", "a", 1.5, "second", 1), "rate must be a whole number"),  # type: ignore[arg-type]
        (RateLimit("c", "a", 10**7, "second", 1), "rate must be a whole number from 1 to"),
        (RateLimit("c", "a", 1, "second", 10**7), "burst must be a whole number from 1 to"),
        (RateLimit("c", "a", 1, "s", 1), "unit must be one of second, minute, got 's'"),
    ],
)
def test_bad_rate_limits(limit: RateLimit, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        check_rate_limit(limit)
