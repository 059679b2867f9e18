"""Channel benchmark: prints figures, asserts nothing.

Starts `colonies server start` in child processes (SQLite unless --db is
given; with --replicas 2 the submitter uses one server and the executor the
other), submits a process with a channel, assigns it, then measures:

  append        entries/s appended by the submitter (one call each, N in flight;
                the rate limit is per process, so each round uses a new process)
  round trip    submitter appends -> executor, following the channel, answers ->
                submitter, following it, receives (p50/p99)

    python bench/channels.py [--entries 400] [--samples 200] [--db postgresql://...]
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
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess

COLONY = "bench"
TYPE = "bench-executor"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def running(user: AsyncColonies, executor: AsyncColonies, user_key: str,
                  executor_key: str) -> str:  # fmt: skip
    spec = FuncSpec(funcname="chat", channels=["chat"],
                    conditions=Conditions(colonyname=COLONY, executortype=TYPE))  # fmt: skip
    process = await user.submit_func_spec(spec, user_key)
    await executor.assign(COLONY, 5, executor_key)
    return str(process.processid)


async def appends(client: AsyncColonies, pid: str, key: str, n: int, in_flight: int) -> float:
    numbers = iter(range(1, n + 1))

    async def worker() -> None:
        for seq in numbers:
            await client.channel_append(pid, "chat", seq, b"x" * 100, key)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return n / (time.perf_counter() - t0)


async def round_trips(user: AsyncColonies, executor: AsyncColonies, pid: str, user_key: str,
                      executor_key: str, samples: int) -> list[float]:  # fmt: skip
    me, them = id_of(user_key), id_of(executor_key)

    async def echo() -> None:
        async for entry in executor.follow_channel(pid, "chat", executor_key, timeout=120):
            if entry.senderid == me:
                await executor.channel_append(pid, "chat", entry.sequence, b"re",
                                              executor_key, in_reply_to=entry.sequence)  # fmt: skip
                if entry.sequence == samples:
                    return

    answers: asyncio.Queue[int] = asyncio.Queue()

    async def listen() -> None:
        async for entry in user.follow_channel(pid, "chat", user_key, timeout=120):
            if entry.senderid == them:
                await answers.put(entry.inreplyto)
                if entry.inreplyto == samples:
                    return

    tasks = [asyncio.create_task(echo()), asyncio.create_task(listen())]
    await asyncio.sleep(0.5)  # both are following
    results = []
    for seq in range(1, samples + 1):
        t0 = time.perf_counter()
        await user.channel_append(pid, "chat", seq, b"ping", user_key)
        assert await asyncio.wait_for(answers.get(), 30) == seq
        results.append(time.perf_counter() - t0)
        await asyncio.sleep(0.005)  # stays below the per-process rate limit
    await asyncio.gather(*tasks)
    return results


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        server_key = generate_private_key()
        server_args = ["--db", args.db] if args.db else []
        servers = [
            ServerProcess(os.path.join(tmp, f"s{i}"), server_key=server_key, args=server_args)
            for i in range(args.replicas)
        ]
        for srv in servers:
            srv.start()
        clients = [AsyncColonies("127.0.0.1", s.port) for s in servers]
        user, executor = clients[0], clients[-1]
        try:
            colony_key, executor_key, user_key = (generate_private_key() for _ in range(3))
            await user.add_colony({"colonyid": id_of(colony_key), "name": COLONY}, server_key)
            await user.add_executor({"executorid": id_of(executor_key), "executortype": TYPE,
                                     "executorname": "e", "colonyname": COLONY},
                                    colony_key)  # fmt: skip
            await user.approve_executor(COLONY, "e", colony_key)
            await user.add_user({"colonyname": COLONY, "userid": id_of(user_key), "name": "u"},
                                colony_key)  # fmt: skip
            store = args.db.split("://")[0] if args.db else "sqlite"
            print(f"store: {store}; replicas: {args.replicas}")
            rates = []
            for _ in range(3):
                pid = await running(user, executor, user_key, executor_key)
                rates.append(await appends(user, pid, user_key, args.entries, 16))
            print(f"append, 16 in flight      {statistics.median(rates):8.0f} entries/s "
                  f"(median of 3 rounds of {args.entries})")  # fmt: skip
            pid = await running(user, executor, user_key, executor_key)
            times = await round_trips(user, executor, pid, user_key, executor_key, args.samples)
            print(f"round trip (append -> answer seen)  p50 {percentile(times, 50) * 1000:6.1f} ms"
                  f"   p99 {percentile(times, 99) * 1000:6.1f} ms")  # fmt: skip
        finally:
            for client in clients:
                await client.close_channel()
            for srv in servers:
                srv.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=400, help="appends per round (<= 500)")
    parser.add_argument("--samples", type=int, default=200, help="round-trip samples")
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    parser.add_argument("--replicas", type=int, default=1)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
