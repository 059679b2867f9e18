"""What PostgreSQL spends on the claim and the finish statements themselves:
prints figures, asserts nothing.

Fills a fresh database through the store (one colony, one executor, N
waiting processes), then on one connection of its own takes the processes
with each claim statement in turn (rounds of `--per-round` claims each,
alternating, each claim committed on its own), reads the CPU time of that
connection's backend from /proc, and prints the median per claim of each
statement, then `EXPLAIN (ANALYZE, BUFFERS)` of the claims and of the
finish, run in a transaction that is rolled back. PostgreSQL must run on
this machine (its backend's CPU is read from /proc).

    python bench/claim_sql.py --db postgresql://... [--processes 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lifecycle import cpu_seconds
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Process,
    ProcessState,
)
from server.store import open_store, queue
from server.store.pg_statements import CLAIM, CLAIM_PLAIN, FINISH_ALONE
from server.store.postgres import DIALECT

STATEMENTS = {"CLAIM (keys, rate limits)": CLAIM, "CLAIM_PLAIN": CLAIM_PLAIN}


async def fill(db: str, n: int) -> Executor:
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        store = await open_store(db, tmp)
        try:
            await store.add_colony(Colony(secrets.token_hex(32), "bench"))
            e = Executor(secrets.token_hex(32), "t", "e", "bench", ExecutorState.APPROVED)
            await store.add_executor(e)
            spec = FuncSpec(funcname="work", args=[1], conditions=Conditions(
                colonyname="bench", executortype="t"))  # fmt: skip
            for start in range(0, n, 500):
                now = time.time_ns()
                await store.add_processes([
                    Process(processid=secrets.token_hex(32), spec=spec, prioritytime=now + i,
                            submissiontime=now)
                    for i in range(min(500, n - start))
                ])  # fmt: skip
            return e
        finally:
            await store.close()


def claims(conn: psycopg.Connection, sql: str, params: dict, n: int) -> tuple[float, float]:  # type: ignore[type-arg]
    """Backend CPU seconds per claim and per finish (FINISH_ALONE) over n
    claims, each committed and its process finished at once (the /proc
    readings between the two are sampled ticks: their sums are fair)."""
    pid = conn.info.backend_pid
    query, values = DIALECT.bind(sql, params)
    cursor = psycopg.RawCursor(conn, row_factory=dict_row)
    claiming = finishing = 0.0
    for _ in range(n):
        t0 = cpu_seconds(pid)
        row = cursor.execute(query, values, prepare=True).fetchone()
        conn.commit()
        t1 = cpu_seconds(pid)
        assert row is not None and row["approved"] == 1, "the executor is not approved"
        assert row["processid"] is not None, "nothing left to claim"
        finish = queue.finish_params(row["processid"], row["attempt"], ProcessState.SUCCESSFUL,
                                     time.time_ns(), ["ok"], [], params["executorid"])  # fmt: skip
        cursor.execute(*DIALECT.bind(FINISH_ALONE, finish), prepare=True).fetchone()
        conn.commit()
        claiming += t1 - t0
        finishing += cpu_seconds(pid) - t1
    return claiming / n, finishing / n


def explain(conn: psycopg.Connection, title: str, sql: str, params: dict, whole: bool) -> None:  # type: ignore[type-arg]
    query, values = DIALECT.bind(sql, params)
    print(f"\n-- EXPLAIN (ANALYZE, BUFFERS) {title}")
    for (line,) in (
        psycopg.RawCursor(conn).execute("EXPLAIN (ANALYZE, BUFFERS) " + query, values).fetchall()
    ):
        if whole or not line.startswith(" ") or "Buffers" in line:
            print(line)
    conn.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="postgresql://... (a fresh database)")
    parser.add_argument("--processes", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=800)
    parser.add_argument("--plans", action="store_true", help="print whole plans")
    args = parser.parse_args()
    needed = args.rounds * args.per_round * len(STATEMENTS) + 50 * len(STATEMENTS) + 10
    executor = asyncio.run(fill(args.db, max(args.processes, needed)))
    params = queue.claim_params(executor, time.time_ns(), 0)
    with psycopg.connect(args.db) as conn:
        conn.execute("SET synchronous_commit = off")  # the CPU, not the disk
        conn.commit()
        for sql in STATEMENTS.values():
            claims(conn, sql, params, 50)  # prepared, warm
        spent: dict[str, list[float]] = {name: [] for name in STATEMENTS}
        finishes: list[float] = []
        for _ in range(args.rounds):
            for name, sql in STATEMENTS.items():
                claim_s, finish_s = claims(conn, sql, params, args.per_round)
                spent[name].append(claim_s)
                finishes.append(finish_s)
        print(f"backend CPU per claim, committed, median of {args.rounds} rounds of "
              f"{args.per_round} ({args.processes} processes waiting at the start):")  # fmt: skip
        for name, values in [*spent.items(), ("and per finish: FINISH_ALONE", finishes)]:
            print(f"  {name:28s} {statistics.median(values) * 1e6:7.0f} us  "
                  f"(rounds: {', '.join(f'{v * 1e6:.0f}' for v in values)})")  # fmt: skip
        for name, sql in STATEMENTS.items():
            explain(conn, name, sql, params, args.plans)
        cursor = psycopg.RawCursor(conn, row_factory=dict_row)
        claimed = cursor.execute(*DIALECT.bind(CLAIM_PLAIN, params)).fetchone()
        conn.commit()
        assert claimed is not None and claimed["processid"] is not None
        finish = queue.finish_params(claimed["processid"], claimed["attempt"],
                                     ProcessState.SUCCESSFUL, time.time_ns(), ["ok"], [],
                                     executor.executorid)  # fmt: skip
        explain(conn, "FINISH_ALONE", FINISH_ALONE, finish, args.plans)


if __name__ == "__main__":
    main()
