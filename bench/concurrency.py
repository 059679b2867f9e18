"""Concurrency keys across servers: prints figures, asserts nothing.

Starts R `colonies server start` replicas on one PostgreSQL database, E
executors (sessions, capacity 1, spread over the replicas), submits N
processes over K keys (taken from the kwarg `customer_id`) with limit L, and
samples the database meanwhile for the most processes RUNNING with one key.
Prints the throughput and the sampled maximum (which should be L).

    python bench/concurrency.py --db postgresql://... [--processes 2000] [--keys 20]
                                [--limit 2] [--executors 16] [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from pycolonies_like import Concurrency, FuncSpec
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.models import Conditions
from pycolonies_like.crypto import generate_private_key
from server.testing import ServerProcess, bootstrap
from tests.pg import database


def sampler(url: str, stop: threading.Event, out: list[int]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        while not stop.is_set():
            rows = conn.execute(
                "SELECT concurrencykey, count(*) FROM processes WHERE state = 1 "
                "GROUP BY concurrencykey"
            ).fetchall()
            out.append(max((n for _, n in rows), default=0))
            time.sleep(0.002)


async def drive(args: argparse.Namespace, replicas: list[ServerProcess], keys: object) -> float:
    colonyname, executortype = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    specs = [
        FuncSpec(funcname="work", kwargs={"customer_id": i % args.keys},
                 conditions=Conditions(colonyname=colonyname, executortype=executortype),
                 concurrency=Concurrency(kwarg="customer_id", limit=args.limit))
        for i in range(args.processes)
    ]  # fmt: skip
    clients = [AsyncColonies("127.0.0.1", s.port) for s in replicas]
    done = asyncio.Event()
    seen: set[str] = set()

    async def executor(i: int, prvkey: str) -> None:
        async with clients[i % len(clients)].session(colonyname, prvkey, capacity=1) as s:
            async for p in s.assignments():
                await asyncio.sleep(args.work_ms / 1000)
                await s.close(p, [])
                seen.add(p.processid)
                if len(seen) >= args.processes:
                    done.set()

    tasks = [asyncio.create_task(executor(i, k))
             for i, k in enumerate(keys.executor_keys)]  # type: ignore[attr-defined]  # fmt: skip
    started = time.perf_counter()
    for start in range(0, args.processes, 250):
        client = clients[(start // 250) % len(clients)]
        await client.submit_batch(specs[start : start + 250], keys.user_key)  # type: ignore[attr-defined]
    await asyncio.wait_for(done.wait(), 1800)
    elapsed = time.perf_counter() - started
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.close_channel()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="postgresql://... (a database is made)")
    parser.add_argument("--processes", type=int, default=2_000)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--executors", type=int, default=16)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--work-ms", type=float, default=5.0, help="each process' run time")
    args = parser.parse_args()
    key = generate_private_key()
    with database(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        replicas = [ServerProcess(os.path.join(tmp, f"r{i}"), server_key=key,
                                  args=["--db", url]).start()
                    for i in range(args.replicas)]  # fmt: skip
        try:
            keys = bootstrap(replicas[0].client(), key, executors=args.executors)
            stop, sampled = threading.Event(), []  # type: ignore[var-annotated]
            thread = threading.Thread(target=sampler, args=(url, stop, sampled))
            thread.start()
            elapsed = asyncio.run(drive(args, replicas, keys))
            stop.set()
            thread.join()
        finally:
            for srv in replicas:
                srv.kill()
    print(f"{args.processes} processes, {args.keys} keys, limit {args.limit}, "
          f"{args.executors} executors, {args.replicas} replicas on PostgreSQL")  # fmt: skip
    print(f"  completed in {elapsed:.1f} s ({args.processes / elapsed:.0f} processes/s)")
    print(f"  most RUNNING with one key, over {len(sampled)} samples: {max(sampled, default=0)}")


if __name__ == "__main__":
    main()
