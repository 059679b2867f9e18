"""A function's running statistics: how long its processes waited and ran.

Kept as running figures (count, min, max, exact mean) so that recording one
more run needs only the function's row, never its history. Pure functions.
"""

from __future__ import annotations

import dataclasses

from pycolonies_like.core.models import Function, Process
from pycolonies_like.core.rules import NS_PER_SECOND


def run_times(process: Process) -> tuple[float, float]:
    """Seconds a process waited (submitted to started) and ran (started to ended)."""
    waited = max(process.starttime - process.submissiontime, 0) / NS_PER_SECOND
    ran = max(process.endtime - process.starttime, 0) / NS_PER_SECOND
    return waited, ran


def count_run(function: Function, process: Process) -> Function:
    """`function` with one more successful run of `process` counted in."""
    waited, ran = run_times(process)
    f, n = function, function.counter
    return dataclasses.replace(
        f,
        counter=n + 1,
        minwaittime=waited if n == 0 else min(f.minwaittime, waited),
        maxwaittime=waited if n == 0 else max(f.maxwaittime, waited),
        minexectime=ran if n == 0 else min(f.minexectime, ran),
        maxexectime=ran if n == 0 else max(f.maxexectime, ran),
        avgwaittime=(f.avgwaittime * n + waited) / (n + 1),
        avgexectime=(f.avgexectime * n + ran) / (n + 1),
    )


def count_run_sql(submitted: str, started: str, ended: str) -> str:
    """count_run as the SET list of an UPDATE of the function's row, for a
    statement that counts a run where it ends it. `submitted`, `started` and
    `ended` are SQL (columns, in nanoseconds); the arithmetic is in double
    precision, as Python's. Tests hold the two forms equal."""
    second = f"CAST({NS_PER_SECOND} AS DOUBLE PRECISION)"

    def seconds(since: str, until: str) -> str:
        span = f"({until} - {since})"
        return f"(CAST(CASE WHEN {span} > 0 THEN {span} ELSE 0 END AS DOUBLE PRECISION) / {second})"

    def first_or(column: str, better: str, value: str) -> str:
        return (f"{column} = CASE WHEN counter = 0 OR {value} {better} {column} THEN {value} "
                f"ELSE {column} END")  # fmt: skip

    waited, ran = seconds(submitted, started), seconds(started, ended)
    return ", ".join([
        "counter = counter + 1",
        first_or("minwaittime", "<", waited),
        first_or("maxwaittime", ">", waited),
        first_or("minexectime", "<", ran),
        first_or("maxexectime", ">", ran),
        f"avgwaittime = (avgwaittime * counter + {waited}) / (counter + 1)",
        f"avgexectime = (avgexectime * counter + {ran}) / (counter + 1)",
    ])  # fmt: skip
