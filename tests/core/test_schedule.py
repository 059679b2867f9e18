"""Cron schedules: six fields with seconds, descriptors, intervals."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.schedule import next_run, validate_schedule

S = 1_000_000_000
BASE = int(datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()) * S


def test_every_five_seconds() -> None:
    assert next_run("*/5 * * * * *", -1, False, BASE) == BASE + 5 * S
    assert next_run("*/5 * * * * *", -1, False, BASE + 1) == BASE + 5 * S


def test_seconds_come_first_as_in_colonyos() -> None:
    when = next_run("0 30 14 * * *", -1, False, BASE)
    assert datetime.fromtimestamp(when / S, tz=timezone.utc) == datetime(
        2026, 1, 1, 14, 30, tzinfo=timezone.utc
    )


def test_descriptor() -> None:
    assert next_run("@hourly", -1, False, BASE) == BASE + 3600 * S


def test_interval() -> None:
    assert next_run("", 10, False, BASE) == BASE + 10 * S


def test_random_interval_stays_within_the_interval() -> None:
    rng = random.Random(1)
    values = {next_run("", 10, True, BASE, rng) - BASE for _ in range(50)}
    assert all(0 < v <= 10 * S for v in values) and len(values) > 40


@pytest.mark.parametrize(
    ("expression", "interval", "random_", "message"),
    [
        ("* * * * *", -1, False, "six fields"),
        ("61 * * * * *", -1, False, "invalid cron expression"),
        ("", -1, False, "larger than 0"),
        ("", 0, False, "larger than 0"),
        ("*/5 * * * * *", 10, False, "not both"),
        ("*/5 * * * * *", -1, True, "only supported with an interval"),
    ],
)
def test_invalid_schedules(expression: str, interval: int, random_: bool, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        validate_schedule(expression, interval, random_)
