"""Retention soak, compressed with an injected clock: prints the database size
over simulated time, asserts nothing.

A steady load runs through the store at a simulated RATE processes a second
(each submitted, claimed, logged to, given an attribute and closed), while the
retention loop's step runs every 10 simulated seconds with a RETENTION period.
Once the oldest work is past the period, the size should stay flat: rows are
removed as fast as they come, and the database reuses the freed pages.

    python bench/retention_soak.py [--minutes 30] [--rate 20] [--retention 300]
                                   [--db postgresql://...]

Sizes: SQLite: the file, and the pages in use; PostgreSQL: pg_database_size.
PostgreSQL reuses the space of removed rows once they are vacuumed: when the
server runs with autovacuum off (as test servers often do), the soak runs
VACUUM on the store's tables every simulated minute in its place.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    LogEntry,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import priority_time
from server.service.retention import RetentionService
from server.store import open_store
from server.store.base import Store

COLONY = "soak"
S = 1_000_000_000


def ident(n: int) -> str:
    return f"{n:064x}"


async def size_of(store: Store, path: str | None) -> tuple[int, int]:
    """(bytes on disk, bytes in use)."""
    async with store._read() as tx:  # type: ignore[attr-defined]
        if path is not None:
            pages = await tx.fetchone("PRAGMA page_count")
            free = await tx.fetchone("PRAGMA freelist_count")
            page = await tx.fetchone("PRAGMA page_size")
            used = (pages[0] - free[0]) * page[0]  # type: ignore[index]
            wal = path + "-wal"
            disk = os.path.getsize(path) + (os.path.getsize(wal) if os.path.exists(wal) else 0)
            return disk, used
        row = await tx.fetchone("SELECT pg_database_size(current_database()) AS n")
        return row["n"], row["n"]  # type: ignore[index]


async def autovacuum_on(store: Store) -> bool:
    async with store._read() as tx:  # type: ignore[attr-defined]
        row = await tx.fetchone("SELECT current_setting('autovacuum') AS on")
    return bool(row and row["on"] == "on")


async def vacuum_tables(store: Store) -> None:
    async with store._read() as tx:  # type: ignore[attr-defined]
        await tx.execute("VACUUM processes, queue, logs, attributes, processgraphs, concurrency")


async def one_second(store: Store, executor: Executor, now: int, first: int, rate: int) -> None:
    """The load of one simulated second: `rate` processes through their whole life."""
    batch = []
    for n in range(first + 1, first + rate + 1):
        spec = FuncSpec(funcname="f", args=["x" * 64],
                        conditions=Conditions(colonyname=COLONY, executortype="t"))  # fmt: skip
        batch.append(Process(processid=ident(1_000_000 + n), spec=spec, initiatorid=ident(3),
                             initiatorname="u", prioritytime=priority_time(now, 0),
                             submissiontime=now))  # fmt: skip
    await store.add_processes(batch)
    for n, p in enumerate(batch, start=first + 1):
        claimed = await store.claim_process(executor, now)
        assert claimed is not None
        await store.add_log(LogEntry(p.processid, COLONY, "e", "a line of log " * 4, now))
        attribute = Attribute(ident(10_000_000 + n), p.processid, COLONY, "", 1, "k", "v" * 32)
        await store.add_attribute(attribute, now)
        await store.finish_process(
            p.processid, claimed.attempt, ProcessState.SUCCESSFUL, now, output=["done"]
        )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="colonies-soak-") as tmp:
        path = None if args.db else os.path.join(tmp, "colonies.db")
        store = await open_store(args.db, tmp)
        clock = ManualClock()
        retention = RetentionService(store, clock)
        await store.add_colony(Colony(ident(1), COLONY))
        await store.set_retention(COLONY, args.retention)
        executor = Executor(ident(2), "t", "e", COLONY, ExecutorState.APPROVED, clock.now_ns())
        await store.add_executor(executor)
        n = 0
        vacuum = path is None and not await autovacuum_on(store)
        if vacuum:
            print("autovacuum is off: VACUUM runs every simulated minute in its place")
        started = time.monotonic()
        print(f"store: {store.kind}; {args.rate} processes/s for {args.minutes} simulated "
              f"minutes; retention {args.retention} s")  # fmt: skip
        print(f"{'minute':>6} {'processes':>10} {'kept':>7} {'on disk':>10} {'in use':>10}")
        for second in range(args.minutes * 60):
            await one_second(store, executor, clock.now_ns(), n, args.rate)
            n += args.rate
            if second % 10 == 9:
                await retention.purge()
            await store.durable()
            clock.advance(1)
            if second % 60 == 59 and vacuum:
                await vacuum_tables(store)
            if second % 60 == 59 and (second // 60 + 1) % args.every == 0:
                disk, used = await size_of(store, path)
                stats = await store.colony_statistics(COLONY)
                kept = len(await store.list_processes(COLONY, ProcessState.SUCCESSFUL, 1_000_000))
                assert stats.successfulprocesses == n
                print(f"{second // 60 + 1:>6} {n:>10} {kept:>7} {disk / 1e6:>8.2f}MB "
                      f"{used / 1e6:>8.2f}MB", flush=True)  # fmt: skip
        print(f"wall time {time.monotonic() - started:.0f} s; statistics count all {n}")
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=int, default=20, help="processes per simulated second")
    parser.add_argument("--retention", type=int, default=300, help="seconds")
    parser.add_argument("--every", type=int, default=2, help="print every N simulated minutes")
    parser.add_argument("--db", help="postgresql://... (default: SQLite in a temp dir)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
