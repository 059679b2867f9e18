"""Process lifecycle benchmark: prints figures, asserts nothing.

Starts `colonies server start` in a child process (SQLite unless --db is
given), registers E executors, then measures:

  submit           processes/s, one Submit call each, and in batches
  assign+close     processes/s for E executors draining a full queue,
                   over executor sessions and over unary Assign/Close calls
  full lifecycle   processes/s with submitters and E executors running at once
  latency          submit -> assign for an idle, long-polling executor (p50/p99),
                   for a unary Assign and for a session
  queue depth      assign cost with 10 and with 100,000 waiting processes

    python bench/lifecycle.py [--processes 20000] [--executors 8] [--db postgresql://...]
                              [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.errors import NoProcessAvailable
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess

COLONY = "bench"
TYPE = "bench-executor"
CAPACITY = 1


def spec(funcname: str = "work", executortype: str = TYPE) -> FuncSpec:
    return FuncSpec(
        funcname=funcname,
        args=[1],
        conditions=Conditions(colonyname=COLONY, executortype=executortype),
    )


async def setup(client: AsyncColonies, server_key: str, executors: int) -> tuple[str, list[str]]:
    colony_key = generate_private_key()
    await client.add_colony({"colonyid": id_of(colony_key), "name": COLONY}, server_key)
    keys = []
    for i in range(executors):
        key = generate_private_key()
        await client.add_executor(
            {"executorid": id_of(key), "executortype": TYPE, "executorname": f"e{i}",
             "colonyname": COLONY}, colony_key,
        )  # fmt: skip
        await client.approve_executor(COLONY, f"e{i}", colony_key)
        keys.append(key)
    return colony_key, keys


async def submit_single(client: AsyncColonies, key: str, n: int, concurrency: int = 32) -> float:
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await client.submit_func_spec(spec(), key)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - t0)


async def submit_batches(client: AsyncColonies, key: str, n: int, batch: int = 200) -> float:
    t0 = time.perf_counter()
    sizes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    in_flight = asyncio.Semaphore(8)  # as a well-behaved submitter would

    async def one(size: int) -> None:
        async with in_flight:
            await client.submit_batch([spec()] * size, key)

    await asyncio.gather(*(one(size) for size in sizes))
    return n / (time.perf_counter() - t0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def latency_unary(
    client: AsyncColonies, user_key: str, key: str, samples: int
) -> list[float]:
    results = []
    for _ in range(samples):
        waiting = asyncio.create_task(client.assign(COLONY, 10, key))
        await asyncio.sleep(0.002)  # let the assign park on the server
        t0 = time.perf_counter()
        await client.submit_func_spec(spec(), user_key)
        process = await waiting
        results.append(time.perf_counter() - t0)
        await client.close(process.processid, [], key)
    return results


async def latency_session(
    client: AsyncColonies, user_key: str, key: str, samples: int
) -> list[float]:
    results = []
    async with client.session(COLONY, key, capacity=1) as session:
        for _ in range(samples):
            await asyncio.sleep(0.002)
            t0 = time.perf_counter()
            await client.submit_func_spec(spec(), user_key)
            process = await session.next_assignment(10)
            results.append(time.perf_counter() - t0)
            await session.close(process, [])
    return results


async def assign_cost(client: AsyncColonies, key: str, user_key: str, rounds: int) -> float:
    """Median seconds of one Assign+Close when processes are waiting."""
    costs = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        process = await client.assign(COLONY, 1, key)
        await client.close(process.processid, [], key)
        costs.append(time.perf_counter() - t0)
    return statistics.median(costs)


async def run(args: argparse.Namespace) -> None:
    n, e = args.processes, args.executors
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        server_key = generate_private_key()
        server_args = ["--db", args.db] if args.db else []
        server_args += ["--rate-limit", "0"]  # capacity, not the per-identity limit
        if args.sqlite_sync:
            server_args += ["--sqlite-sync", args.sqlite_sync]
        servers = [
            ServerProcess(
                os.path.join(tmp, f"s{i}"), server_key=server_key, args=server_args
            ).start()
            for i in range(args.replicas)
        ]
        clients = [AsyncColonies("127.0.0.1", s.port) for s in servers]
        try:
            client = clients[0]
            colony_key, keys = await setup(client, server_key, e)
            user_key = generate_private_key()
            await client.add_user(
                {"colonyname": COLONY, "userid": id_of(user_key), "name": "bench"}, colony_key
            )

            # executors are spread over the replicas
            def pick(i: int) -> AsyncColonies:
                return clients[i % len(clients)]

            store = (
                args.db.split("://")[0] if args.db else f"sqlite ({args.sqlite_sync or 'normal'})"
            )
            print(f"store: {store}; replicas: {args.replicas}; executors: {e}; processes: {n}")

            rate = await submit_single(client, user_key, n // 4)
            print(f"submit, one call each     {rate:8.0f} processes/s")
            rate = await drain_sessions_multi(pick, keys, n // 4)
            rate = await submit_batches(client, user_key, n)
            print(f"submit, batches of 200    {rate:8.0f} processes/s")
            rate = await drain_sessions_multi(pick, keys, n)
            print(f"assign+close, sessions    {rate:8.0f} processes/s")
            await submit_batches(client, user_key, n // 4)
            rate = await drain_unary_multi(pick, keys, n // 4)
            print(f"assign+close, unary calls {rate:8.0f} processes/s")

            t0 = time.perf_counter()
            submitter = asyncio.create_task(submit_batches(client, user_key, n, batch=50))
            await drain_sessions_multi(pick, keys, n)
            await submitter
            print(f"full lifecycle, sessions  {n / (time.perf_counter() - t0):8.0f} processes/s")

            lat = await latency_unary(client, user_key, keys[0], args.samples)
            print(
                f"submit->assign, unary Assign  p50 {percentile(lat, 50) * 1e3:6.2f} ms  "
                f"p99 {percentile(lat, 99) * 1e3:6.2f} ms"
            )
            lat = await latency_session(pick(1), user_key, keys[1 % e], args.samples)
            print(
                f"submit->assign, session       p50 {percentile(lat, 50) * 1e3:6.2f} ms  "
                f"p99 {percentile(lat, 99) * 1e3:6.2f} ms"
            )

            await submit_batches(client, user_key, 10 + args.rounds)
            shallow = await assign_cost(client, keys[0], user_key, args.rounds)
            await drain_unary_multi(lambda i: client, keys, 10)
            await submit_batches(client, user_key, args.deep + args.rounds, batch=1000)
            deep = await assign_cost(client, keys[0], user_key, args.rounds)
            print(
                f"assign+close with 10 waiting {shallow * 1e3:6.2f} ms, with {args.deep:,} waiting "
                f"{deep * 1e3:6.2f} ms (ratio {deep / shallow:.2f})"
            )
        finally:
            for c in clients:
                await c.close_channel()
            for s in servers:
                s.terminate()


async def drain_sessions_multi(pick, keys: list[str], n: int) -> float:  # type: ignore[no-untyped-def]
    done = 0
    finished = asyncio.Event()

    async def executor(i: int, key: str) -> None:
        nonlocal done
        async with pick(i).session(COLONY, key, capacity=CAPACITY) as session:
            async for process in session.assignments():
                await session.close(process, ["ok"])
                done += 1
                if done >= n:
                    finished.set()
                    return

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(executor(i, k)) for i, k in enumerate(keys)]
    await finished.wait()
    elapsed = time.perf_counter() - t0
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return n / elapsed


async def drain_unary_multi(pick, keys: list[str], n: int) -> float:  # type: ignore[no-untyped-def]
    done = 0

    async def executor(i: int, key: str) -> None:
        nonlocal done
        client = pick(i)
        while done < n:
            try:
                process = await client.assign(COLONY, 1, key)
            except NoProcessAvailable:
                continue
            await client.close(process.processid, ["ok"], key)
            done += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(executor(i, k) for i, k in enumerate(keys)))
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=20_000)
    parser.add_argument("--executors", type=int, default=8)
    parser.add_argument("--samples", type=int, default=500, help="latency samples")
    parser.add_argument("--rounds", type=int, default=300, help="assign-cost samples")
    parser.add_argument(
        "--deep", type=int, default=100_000, help="waiting processes for the depth test"
    )
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--sqlite-sync", choices=["normal", "full"])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
