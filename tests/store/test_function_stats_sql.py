"""The statistics of a function's runs have one source: the SQL form that a
finish on PostgreSQL counts them with gives what core.function_stats gives,
on each dialect, for the column types the functions table really has."""

from __future__ import annotations

import dataclasses

import pytest

from pycolonies_like.core.function_stats import count_run, count_run_sql
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Function,
    Process,
    ProcessState,
)
from server.store.sql import SqlStore

S = 1_000_000_000
NOW = 1_800_000_000 * S
# (waited, ran) in nanoseconds: fractions of a second that no binary fraction
# holds exactly, zero, clocks that stepped back (negative spans count as 0),
# and long spans.
RUNS = [(2_500_000_001, 7 * S), (1, 3), (0, 0), (-5 * S, 333_333_333), (10**13 + 7, -1),
        (123_456_789, 987_654_321), (S // 3, 2 * S // 3)]  # fmt: skip


def process(n: int) -> Process:
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="t"))
    return Process(processid=f"{n:064x}", spec=spec, prioritytime=n, submissiontime=NOW)


async def test_the_sql_count_is_the_python_count(store: SqlStore) -> None:
    await store.add_colony(Colony("c" * 64, "dev"))
    await store.add_executor(Executor("e" * 64, "t", "e1", "dev", ExecutorState.APPROVED))
    expected = await store.add_function(Function("f" * 64, "e1", "t", "dev", "f"))
    for waited, ran in RUNS:
        start, end = NOW + waited, NOW + waited + ran
        async with store._tx() as tx:
            await tx.execute(
                f"UPDATE functions SET {count_run_sql(':submitted', ':started', ':ended')} "
                "WHERE functionid = :functionid",
                {"submitted": NOW, "started": start, "ended": end, "functionid": "f" * 64},
            )
        ran_process = dataclasses.replace(process(0), starttime=start, endtime=end)
        expected = count_run(expected, ran_process)
    (found,) = await store.list_functions("dev", "e1")
    assert found == expected  # exactly: the same double-precision arithmetic


@pytest.mark.parametrize("state", [ProcessState.SUCCESSFUL, ProcessState.FAILED])
async def test_a_finish_counts_a_successful_run_of_a_registered_function(
    store: SqlStore, state: ProcessState
) -> None:
    await store.add_colony(Colony("c" * 64, "dev"))
    executor = Executor("e" * 64, "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    expected = await store.add_function(Function("f" * 64, "e1", "t", "dev", "f"))
    for n, (waited, ran) in enumerate(RUNS[:3]):
        await store.add_processes([process(n)])
        claimed = await store.claim_process(executor, NOW + max(waited, 0))
        assert claimed is not None
        result = await store.finish_process(claimed.processid, claimed.attempt, state,
                                            claimed.starttime + ran, output=[n])  # fmt: skip
        assert result is not None and result.process.state == state
        assert result.process.output == [n]
        if state == ProcessState.SUCCESSFUL:
            expected = count_run(expected, result.process)
    (found,) = await store.list_functions("dev", "e1")
    assert found == expected
    assert found.counter == (3 if state == ProcessState.SUCCESSFUL else 0)


async def test_a_finish_of_another_executors_function_counts_nothing(store: SqlStore) -> None:
    await store.add_colony(Colony("c" * 64, "dev"))
    executor = Executor("e" * 64, "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    await store.add_executor(Executor("d" * 64, "t", "e2", "dev", ExecutorState.APPROVED))
    await store.add_function(Function("f" * 64, "e2", "t", "dev", "f"))
    await store.add_processes([process(1)])
    claimed = await store.claim_process(executor, NOW)
    assert claimed is not None
    finished = await store.finish_process(claimed.processid, claimed.attempt,
                                          ProcessState.SUCCESSFUL, NOW + S)  # fmt: skip
    assert finished is not None
    (other,) = await store.list_functions("dev", "e2")
    assert other.counter == 0
    # A second finish of the same attempt finds nothing to finish.
    assert await store.finish_process(claimed.processid, claimed.attempt,
                                      ProcessState.SUCCESSFUL, NOW + 2 * S) is None  # fmt: skip
