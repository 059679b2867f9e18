"""The rules of fair shares: the queue keys of start-time fair queuing."""

from __future__ import annotations

import pytest

from pycolonies_like.core import fairness
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.rules import NS_PER_DAY


def test_weights_are_bounded() -> None:
    assert fairness.step(1) == fairness.COST_NS
    assert fairness.step(2) == fairness.COST_NS // 2
    assert fairness.step(fairness.MAX_WEIGHT) >= 1
    for bad in (0, -1, fairness.MAX_WEIGHT + 1):
        with pytest.raises(InvalidArgument, match="weight must be between"):
            fairness.check_weight(bad)


def test_stamps_put_priority_first() -> None:
    assert fairness.stamps(100, 10, [0, 0, 1]) == [100, 110, 120 - NS_PER_DAY]
    assert fairness.head_virtual_time(120 - NS_PER_DAY, 1) == 120


def test_v_is_the_earliest_head_or_now() -> None:
    assert fairness.system_virtual_time(50, []) == 50
    assert fairness.system_virtual_time(50, [30, 40]) == 30
    assert fairness.system_virtual_time(50, [70]) == 50  # heads ahead of now
