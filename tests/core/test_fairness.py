"""The rules of fair shares: the queue keys of start-time fair queuing, and
deficit round robin between colonies."""

from __future__ import annotations

import pytest

from pycolonies_like.core import fairness
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.fairness import DeficitRoundRobin
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


def drain(drr: DeficitRoundRobin[str]) -> list[int]:
    served = []
    while (t := drr.pop()) is not None:
        served.append(t)
    return served


def test_a_small_flow_is_served_between_a_floods_items() -> None:
    drr: DeficitRoundRobin[str] = DeficitRoundRobin(quantum=1000)
    flood = [drr.push("flood", 1000) for _ in range(5)]
    small = drr.push("small", 1)
    served = drain(drr)
    # At most one of the flood's batches goes before the small one.
    assert served.index(small) <= 1
    assert sorted(served) == sorted([*flood, small])


def test_an_item_bigger_than_the_quantum_waits_rounds() -> None:
    drr: DeficitRoundRobin[str] = DeficitRoundRobin(quantum=100)
    big = drr.push("a", 250)
    smalls = [drr.push("b", 100) for _ in range(3)]
    # a saves 100 a round; b spends its 100 a round: b, b, then a's 250.
    assert drain(drr) == [smalls[0], smalls[1], big, smalls[2]]


def test_weights_share_the_rounds() -> None:
    drr: DeficitRoundRobin[str] = DeficitRoundRobin(quantum=10)
    a = [drr.push("a", 10, weight=2) for _ in range(6)]
    b = [drr.push("b", 10) for _ in range(3)]
    assert drain(drr) == [a[0], a[1], b[0], a[2], a[3], b[1], a[4], a[5], b[2]]


def test_cancelled_items_are_not_served() -> None:
    drr: DeficitRoundRobin[str] = DeficitRoundRobin(quantum=10)
    first, second = drr.push("a", 1), drr.push("a", 1)
    drr.cancel("a", first)
    assert len(drr) == 1
    assert drain(drr) == [second]
    drr.cancel("missing", 1)  # nothing to forget
    with pytest.raises(ValueError):
        DeficitRoundRobin(quantum=0)
