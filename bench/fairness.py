"""Fairness between colonies: prints figures, asserts nothing.

A small colony submits one process at a time (its executor waits on a session)
and measures submit -> start (the server's own times: the process'
`starttime - submissiontime`) and submit -> assignment received (the
client's clock): first on an idle server, then beside a second colony that
floods the same server with FLOOD processes (batches of 1,000, four in
flight) while four executors of its own drain them, in another OS process.

How the server shares: each colony (and executor type) has its own range of
the queue's key, and an executor claims only from its colony's range, so a
flood never stands in front of another colony's processes; the head of a
range is one index lookup however long the other ranges are. What the flood
still takes is the server's and the database's time: the figures show what
that costs the small colony.

    python bench/fairness.py [--flood 100000] [--samples 200] [--db postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import generate_private_key
from server.testing import ServerProcess, bootstrap

SMALL, FLOOD = "small", "flood"


def spec(colonyname: str, executortype: str) -> FuncSpec:
    return FuncSpec(funcname="work", conditions=Conditions(colonyname=colonyname,
                                                           executortype=executortype))  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(port: int, keys: object, samples: int) -> tuple[list[float], list[float]]:
    """Server-side and client-side submit -> start, in ms."""
    client = AsyncColonies("127.0.0.1", port)
    c, t = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    server_ms, client_ms = [], []
    async with client.session(c, keys.executor_key, capacity=1) as session:  # type: ignore[attr-defined]
        for _ in range(samples):
            await asyncio.sleep(0.01)
            t0 = time.perf_counter()
            await client.submit_func_spec(spec(c, t), keys.user_key)  # type: ignore[attr-defined]
            process = await session.next_assignment(30)
            assert process is not None
            client_ms.append((time.perf_counter() - t0) * 1000)
            server_ms.append((process.starttime - process.submissiontime) / 1e6)
            await session.close(process, [])
    await client.close_channel()
    return server_ms, client_ms


async def flood_async(port: int, keys: object, n: int, started: object, drained: object) -> None:
    client = AsyncColonies("127.0.0.1", port)
    c, t = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    done = 0
    finished = asyncio.Event()

    async def drain(prvkey: str) -> None:
        nonlocal done
        async with client.session(c, prvkey, capacity=4) as session:
            async for p in session.assignments():
                await session.close(p, [])
                done += 1
                if done >= n:
                    finished.set()

    drains = [asyncio.create_task(drain(k)) for k in keys.executor_keys]  # type: ignore[attr-defined]
    in_flight = asyncio.Semaphore(4)

    async def one(size: int) -> None:
        async with in_flight:
            await client.submit_batch([spec(c, t)] * size, keys.user_key)  # type: ignore[attr-defined]

    started.set()  # type: ignore[attr-defined]
    await asyncio.gather(*(one(min(1000, n - i)) for i in range(0, n, 1000)))
    await finished.wait()
    drained.value = time.time()  # type: ignore[attr-defined]
    for task in drains:
        task.cancel()
    await asyncio.gather(*drains, return_exceptions=True)
    await client.close_channel()


def flood(port: int, keys: object, n: int, started: object, drained: object) -> None:
    asyncio.run(flood_async(port, keys, n, started, drained))


def show(label: str, server_ms: list[float], client_ms: list[float]) -> None:
    s50, s99 = statistics.median(server_ms), percentile(server_ms, 99)
    c50, c99 = statistics.median(client_ms), percentile(client_ms, 99)
    print(f"  {label:<18} server p50 {s50:6.1f} ms  p99 {s99:6.1f} ms | "
          f"client p50 {c50:6.1f} ms  p99 {c99:6.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    args = parser.parse_args()
    key = generate_private_key()
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        srv = ServerProcess(os.path.join(tmp, "s"), server_key=key,
                            args=["--db", args.db] if args.db else []).start()  # fmt: skip
        try:
            admin = srv.client()
            small = bootstrap(admin, key, colonyname=SMALL, executors=1)
            big = bootstrap(admin, key, colonyname=FLOOD, executors=4)
            store = "postgresql" if args.db else "sqlite"
            print(f"store: {store}; small colony: {args.samples} processes one at a time; "
                  f"flood: {args.flood} processes")  # fmt: skip
            show("idle server", *asyncio.run(measure(srv.port, small, args.samples)))
            started, drained = multiprocessing.Event(), multiprocessing.Value("d", 0.0)
            flooder = multiprocessing.Process(
                target=flood, args=(srv.port, big, args.flood, started, drained)
            )
            flooder.start()
            started.wait(60)
            time.sleep(1.0)  # the flood is under way
            t0 = time.time()
            server_ms, client_ms = asyncio.run(measure(srv.port, small, args.samples))
            measured_until = time.time()
            show("beside the flood", server_ms, client_ms)
            flooder.join()
            left = "still" if drained.value > measured_until else "no longer"
            print(f"  (measured over {measured_until - t0:.1f} s; the flood was {left} "
                  f"running when the measurement ended)")  # fmt: skip
        finally:
            srv.kill()


if __name__ == "__main__":
    main()
