"""How many times the PostgreSQL store waits for the database on the hot
paths: each round trip is a wait of the whole request (and, under load, of
a pooled connection). Counted from libpq's own trace of the protocol."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

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
from server.store.postgres import PostgresStore

S = 1_000_000_000
NOW = 1_800_000_000 * S


def ident(n: int) -> str:
    return f"{n:064x}"


def process(n: int) -> Process:
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="dev", executortype="t"))
    return Process(processid=ident(n), spec=spec, prioritytime=n, submissiontime=NOW)


@pytest.fixture
async def traced() -> AsyncIterator[tuple[PostgresStore, Callable[..., Awaitable[int]]]]:
    """A store on one connection whose protocol messages are traced; the
    second item counts the round trips of a call."""
    from tests.conftest import need_pg
    from tests.pg import temporary_database

    async with temporary_database(need_pg()) as url:
        store = PostgresStore(url, pool_size=1)
        await store.open()
        assert store._pool is not None
        pool = store._pool

        async def round_trips(call: Awaitable[Any]) -> int:
            with tempfile.TemporaryFile("w+") as trace:
                conn = await pool.getconn()  # the pool's only connection
                conn.pgconn.trace(trace.fileno())
                await pool.putconn(conn)
                await call
                conn = await pool.getconn()
                conn.pgconn.untrace()  # flushes the trace
                await pool.putconn(conn)
                trace.seek(0)
                directions = [line.split("\t")[1] for line in trace if "\t" in line]
            # A round trip: the client sends, then waits for the server's answer.
            return sum(1 for a, b in itertools.pairwise(directions) if (a, b) == ("F", "B"))

        try:
            yield store, round_trips
        finally:
            await store.close()


async def test_submit_claim_and_finish_round_trips(
    traced: tuple[PostgresStore, Callable[..., Awaitable[int]]],
) -> None:
    store, round_trips = traced
    await store.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(e1)
    await store.add_function(Function(ident(5), "e1", "t", "dev", "f"))
    # The submit reads its submitter's virtual time back (the fair queue key of
    # its processes, store/fairshare.py), then sends the rows and commits.
    assert await round_trips(store.add_processes([process(10), process(11), process(12)])) == 2
    # A claim records "last heard from" (once a second) in the same statement.
    assert await round_trips(store.claim_process(e1, NOW)) == 1
    assert await round_trips(store.claim_process(e1, NOW + 1)) == 1
    assert await round_trips(store.remember_nonce("ab" * 16, NOW + S, NOW)) == 1
    # The nonces of the messages that arrive together share it.
    together = asyncio.gather(*(store.remember_nonce(f"{n:032x}", NOW + S, NOW) for n in range(8)))
    assert await round_trips(together) == 1
    claimed = await store.claim_process(e1, NOW + 2)
    assert claimed is not None
    # The finish and the statistics of the function that ran it.
    finish = store.finish_process(claimed.processid, claimed.attempt, ProcessState.SUCCESSFUL,
                                  NOW + 3 * S, output=[1])  # fmt: skip
    assert await round_trips(finish) == 1
    (f,) = await store.list_functions("dev", "e1")
    assert f.counter == 1


async def test_a_sessions_end_and_next_claim_share_one_round_trip(
    traced: tuple[PostgresStore, Callable[..., Awaitable[int]]],
) -> None:
    store, round_trips = traced
    await store.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    await store.add_executor(e1)
    await store.add_processes([process(10), process(11)])
    first = await store.claim_process(e1, NOW)
    assert first is not None
    # BEGIN, the end, the claim and COMMIT travel together; one WAL flush.
    both = store.finish_and_claim(
        first.processid, first.attempt, ProcessState.SUCCESSFUL, NOW + S, output=[1],
        executorid=e1.executorid, claimer=e1,
    )  # fmt: skip
    assert await round_trips(both) == 1
    ended = await store.get_process(first.processid)
    assert ended is not None and ended.state == ProcessState.SUCCESSFUL and ended.output == [1]
    (running,) = await store.list_processes("dev", ProcessState.RUNNING, 10)
    assert running.processid == ident(11) and running.assignedexecutorid == e1.executorid
