"""The deadline rule has one source: its SQL form gives what the Python gives,
on each dialect, for the column types the processes table really has."""

from __future__ import annotations

import dataclasses

import pytest

from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
)
from pycolonies_like.core.rules import deadline_sql, exec_deadline, wait_deadline
from server.store.sql import SqlStore

NOW = 1_800_000_000 * 1_000_000_000
LIMITS = [-1, 0, 1, 7, 3_600, 10**8]


def process(n: int, limit: int) -> Process:
    spec = FuncSpec(funcname="f", maxexectime=limit, maxwaittime=limit,
                    conditions=Conditions(colonyname="dev", executortype="t"))  # fmt: skip
    return Process(processid=f"{n:064x}", spec=spec, prioritytime=n, submissiontime=NOW)


@pytest.mark.parametrize("now", [0, NOW])
async def test_the_sql_deadline_is_the_python_deadline(store: SqlStore, now: int) -> None:
    await store.add_colony(Colony("c" * 64, "dev"))
    await store.add_processes([process(n, limit) for n, limit in enumerate(LIMITS)])
    async with store._read() as tx:
        found = await tx.fetchall(
            f"SELECT maxexectime, {deadline_sql(':now', 'maxexectime')} AS execdeadline, "
            f"maxwaittime, {deadline_sql(':now', 'maxwaittime')} AS waitdeadline "
            "FROM processes ORDER BY prioritytime",
            {"now": now},
        )
    assert [(r["maxexectime"], r["execdeadline"]) for r in found] == [
        (limit, exec_deadline(now, limit)) for limit in LIMITS
    ]
    assert [(r["maxwaittime"], r["waitdeadline"]) for r in found] == [
        (limit, wait_deadline(now, limit)) for limit in LIMITS
    ]


async def test_claims_heartbeats_and_requeues_follow_the_rule(store: SqlStore) -> None:
    await store.add_colony(Colony("c" * 64, "dev"))
    executor = Executor("e" * 64, "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(executor)
    for n, limit in enumerate(LIMITS):
        await store.add_processes([dataclasses.replace(process(n, limit), prioritytime=0)])
        claimed = await store.claim_process(executor, NOW)
        assert claimed is not None and claimed.execdeadline == exec_deadline(NOW, limit)
        beat = await store.extend_deadline(claimed.processid, claimed.attempt, NOW + 5)
        assert beat is not None and beat.execdeadline == exec_deadline(NOW + 5, limit)
        back = await store.requeue_process(claimed.processid, claimed.attempt, NOW + 9,
                                           count_retry=False)  # fmt: skip
        assert back is not None and back.waitdeadline == wait_deadline(NOW + 9, limit)
        await store.remove_process(claimed.processid)
