"""A function's running statistics of wait and run times."""

from __future__ import annotations

import statistics

import pytest

from pycolonies_like.core.function_stats import count_run, run_times
from pycolonies_like.core.models import FuncSpec, Function, Process

S = 1_000_000_000


def run(submitted: float, started: float, ended: float) -> Process:
    return Process(processid="p", spec=FuncSpec(funcname="f"), submissiontime=int(submitted * S),
                   starttime=int(started * S), endtime=int(ended * S))  # fmt: skip


def fresh() -> Function:
    return Function("id", "e1", "t", "dev", "f", "about f")


def test_run_times_are_seconds_of_waiting_and_running() -> None:
    assert run_times(run(10, 12.5, 20)) == (2.5, 7.5)


def test_times_never_go_negative() -> None:
    # A clock that stepped back between submit and start, or start and end.
    assert run_times(run(10, 9, 8)) == (0.0, 0.0)


def test_the_first_run_sets_every_figure() -> None:
    f = count_run(fresh(), run(0, 2, 5))
    assert f.counter == 1
    assert (f.minwaittime, f.maxwaittime, f.avgwaittime) == (2, 2, 2)
    assert (f.minexectime, f.maxexectime, f.avgexectime) == (3, 3, 3)
    assert (f.functionid, f.funcname, f.description) == ("id", "f", "about f")


def test_later_runs_keep_min_max_and_the_exact_mean() -> None:
    waits, execs = [4.0, 1.0, 7.0, 2.0], [0.5, 9.0, 3.0, 3.5]
    f = fresh()
    for wait, took in zip(waits, execs, strict=True):
        f = count_run(f, run(100, 100 + wait, 100 + wait + took))
    assert f.counter == 4
    assert (f.minwaittime, f.maxwaittime) == (min(waits), max(waits))
    assert (f.minexectime, f.maxexectime) == (min(execs), max(execs))
    assert f.avgwaittime == pytest.approx(statistics.mean(waits))
    assert f.avgexectime == pytest.approx(statistics.mean(execs))


def test_a_zero_first_run_is_the_minimum() -> None:
    f = count_run(count_run(fresh(), run(0, 0, 0)), run(0, 3, 4))
    assert (f.minwaittime, f.minexectime, f.maxwaittime, f.maxexectime) == (0, 0, 3, 1)
