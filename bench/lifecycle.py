"""Process lifecycle benchmark: prints figures, asserts nothing.

Starts `colonies server start` in a child process (SQLite unless --db is
given), registers E executors, then measures:

  submit           processes/s, one Submit call each, and in batches
  assign+close     processes/s for E executors draining a full queue,
                   over executor sessions and over unary Assign/Close calls
  full lifecycle   processes/s with submitters and E executors running at once
  latency          submit -> assign for an idle, long-polling executor (p50/p99),
                   for a unary Assign and for a session
  queue depth      assign cost with 10 and with 100,000 waiting processes, of a mix
                   of requirement shapes (--shapes): half of them ask for more than
                   the measuring executor has (GPUs, more CPUs, another location)
                   and wait ahead of the rest in priority

    python bench/lifecycle.py [--processes 20000] [--executors 8] [--db postgresql://...]
                              [--replicas 2] [--workers 2] [--depth-only] [--shapes 8]
                              [--lifecycle-only]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.errors import NoProcessAvailable
from pycolonies_like.core.models import GPU, Conditions, FuncSpec
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


async def database_cpu(url: str | None) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the benchmark's database
    (from /proc: PostgreSQL on this machine), by pid; empty on SQLite."""
    if not url or not url.startswith("postgres"):
        return {}
    import psycopg

    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in await cursor.fetchall()]
    return {pid: cpu_seconds(pid) for pid in pids}


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


async def submit_batches(
    client: AsyncColonies, key: str, n: int, batch: int = 200,
    make: Callable[[int], FuncSpec] | None = None,
) -> float:  # fmt: skip
    t0 = time.perf_counter()
    starts = range(0, n, batch)
    in_flight = asyncio.Semaphore(8)  # as a well-behaved submitter would

    async def one(start: int) -> None:
        size = min(batch, n - start)
        specs = [make(start + i) for i in range(size)] if make else [spec()] * size
        async with in_flight:
            await client.submit_batch(specs, key)

    await asyncio.gather(*(one(start) for start in starts))
    return n / (time.perf_counter() - t0)


# The measuring executor of the depth test has these; half the shapes ask for more.
DEEP_HARDWARE = {"hardware": [{"cpu": "64", "mem": "256Gi", "storage": "1Ti"}]}
RUNNABLE = [{}, {"cpu": "1"}, {"cpu": "2", "mem": "4Gi"}, {"cpu": "8", "mem": "32Gi"},
            {"cpu": "500m", "storage": "100Gi"}, {"mem": "128Gi"}, {"cpu": "64", "mem": "1Gi"},
            {"cpu": "3"}]  # fmt: skip
UNRUNNABLE = [{"gpu": {"count": 1}}, {"cpu": "128"}, {"locationname": "elsewhere"},
              {"gpu": {"name": "a100", "count": 4}}, {"mem": "1Ti"}, {"storage": "10Ti"},
              {"nodes": 4}, {"cpu": "65", "mem": "1Gi"}]  # fmt: skip


def shaped(shapes: int) -> Callable[[int], FuncSpec]:
    """Specs cycling over `shapes` requirement shapes; the unrunnable half come
    first in priority, so that a claim that scanned would read them all."""
    runnable = RUNNABLE[: max(1, shapes // 2)]
    unrunnable = UNRUNNABLE[: shapes - len(runnable)]
    cycle = [(c, 0) for c in runnable] + [(c, 1) for c in unrunnable]

    def make(i: int) -> FuncSpec:
        conditions, priority = cycle[i % len(cycle)]
        s = spec()
        s.priority = priority
        for key, value in conditions.items():
            setattr(s.conditions, key, GPU(**value) if key == "gpu" else value)
        return s

    return make


def runnable_only(shapes: int) -> Callable[[int], FuncSpec]:
    """The runnable shapes of `shaped` (the first of its cycle), in turn."""
    make, n = shaped(shapes), max(1, shapes // 2)
    return lambda i: make(i % n)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of its children that are still running (a
    server's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    return total + sum(cpu_seconds(int(c)) for c in children)


def ceiling(cpu_per_item: float, items: str) -> str:
    """What this machine's cores allow, by CPU alone, when each item costs
    `cpu_per_item` seconds of CPU over every process taking part."""
    cores = os.cpu_count() or 1
    return (
        f"  by CPU alone, this machine's {cores} cores allow at most "
        f"{cores / cpu_per_item:.0f} {items}/s ({cpu_per_item * 1e6:.0f} us of CPU per item, "
        "every process above counted)"
    )


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


async def depth(
    client: AsyncColonies, colony_key: str, user_key: str, args: argparse.Namespace
) -> None:
    """Assign cost with 10 waiting, then with args.deep waiting, of mixed shapes."""
    key = generate_private_key()
    await client.add_executor(
        {"executorid": id_of(key), "executortype": TYPE, "executorname": "deep",
         "colonyname": COLONY, "capabilities": DEEP_HARDWARE}, colony_key,
    )  # fmt: skip
    await client.approve_executor(COLONY, "deep", colony_key)
    mixed, runnable = shaped(args.shapes), runnable_only(args.shapes)
    await submit_batches(client, user_key, 10, make=mixed)
    await submit_batches(client, user_key, args.rounds, make=runnable)
    shallow = await assign_cost(client, key, user_key, args.rounds)
    await submit_batches(client, user_key, args.deep, batch=1000, make=mixed)
    await submit_batches(client, user_key, args.rounds, make=runnable)
    deep = await assign_cost(client, key, user_key, args.rounds)
    print(
        f"assign+close with 10 waiting {shallow * 1e3:6.2f} ms, with {args.deep:,} waiting "
        f"{deep * 1e3:6.2f} ms (ratio {deep / shallow:.2f}; {args.shapes} requirement shapes, "
        "half of them beyond the executor and ahead in priority)"
    )


async def run(args: argparse.Namespace) -> None:
    n, e = args.processes, args.executors
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        server_key = generate_private_key()
        server_args = ["--db", args.db] if args.db else []
        server_args += ["--rate-limit", "0"]  # capacity, not the per-identity limit
        if args.workers > 1:
            server_args += ["--workers", str(args.workers)]
        if args.sqlite_sync:
            server_args += ["--sqlite-sync", args.sqlite_sync]
        servers = [
            ServerProcess(
                os.path.join(tmp, f"s{i}"), server_key=server_key, args=server_args
            ).start()
            for i in range(args.replicas)
        ]
        # One channel is one connection, and the workers of a server share
        # connections out as they come: a few channels per worker.
        channels = 1 if args.workers == 1 else 4 * args.workers
        clients = [AsyncColonies("127.0.0.1", s.port) for s in servers for _ in range(channels)]
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
            print(f"store: {store}; replicas: {args.replicas}; workers: {args.workers}; "
                  f"executors: {e}; processes: {n}")  # fmt: skip

            if args.depth_only:
                await depth(client, colony_key, user_key, args)
                return
            if not args.lifecycle_only:
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

            pids = [s.proc.pid for s in servers if s.proc is not None]
            cpu0 = sum(cpu_seconds(pid) for pid in pids)
            db0, own0 = await database_cpu(args.db), time.process_time()
            t0 = time.perf_counter()
            submitter = asyncio.create_task(submit_batches(client, user_key, n, batch=50))
            await drain_sessions_multi(pick, keys, n)
            await submitter
            wall = time.perf_counter() - t0
            cpu = sum(cpu_seconds(pid) for pid in pids) - cpu0
            own = time.process_time() - own0
            print(f"full lifecycle, sessions  {n / wall:8.0f} processes/s; server CPU "
                  f"{cpu / n * 1e6:.0f} us per process ({cpu / wall:.2f} cores busy)")  # fmt: skip
            db1 = await database_cpu(args.db)
            db = 0.0
            if db1:  # backends that started meanwhile count from zero
                db = sum(t - db0.get(pid, 0.0) for pid, t in db1.items())
                print(f"  beside it: PostgreSQL's backends {db / n * 1e6:.0f} us, this "
                      f"benchmark's clients {own / n * 1e6:.0f} us of CPU per process")  # fmt: skip
            else:
                print(f"  beside it: this benchmark's clients {own / n * 1e6:.0f} us of CPU "
                      "per process")  # fmt: skip
            print(ceiling((cpu + db + own) / n, "processes"))
            if args.lifecycle_only:
                return

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

            await depth(client, colony_key, user_key, args)
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
    parser.add_argument(
        "--shapes", type=int, default=8, help="requirement shapes in the depth test (2-16)"
    )
    parser.add_argument("--depth-only", action="store_true", help="only the queue depth test")
    parser.add_argument(
        "--lifecycle-only", action="store_true", help="only the full lifecycle over sessions"
    )
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    parser.add_argument("--sqlite-sync", choices=["normal", "full"])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
