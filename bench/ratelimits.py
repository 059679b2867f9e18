"""Rate limits: the achieved start rate against the configured one. Prints
figures, asserts nothing.

Starts R `colonies server start` replicas (on one PostgreSQL database with
--db, else one server on SQLite), defines a limit of RATE starts per second
with a burst of BURST, submits BURST + RATE * SECONDS processes naming it and
runs E executors (sessions, capacity 1, spread over the replicas). Prints the
most starts seen in any one second (at most BURST + RATE) and the start rate
after the burst.

    python bench/ratelimits.py [--db postgresql://...] [--rate 50] [--burst 10]
                               [--seconds 5] [--executors 8] [--replicas 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like import FuncSpec
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.models import Conditions
from pycolonies_like.crypto import generate_private_key
from server.testing import ColonyKeys, ServerProcess, bootstrap
from tests.pg import database


async def drive(args: argparse.Namespace, replicas: list[ServerProcess], keys: ColonyKeys,
                total: int) -> list[float]:  # fmt: skip
    specs = [FuncSpec(funcname="work", ratelimit="api",
                      conditions=Conditions(colonyname=keys.colonyname,
                                            executortype=keys.executortype))
             for _ in range(total)]  # fmt: skip
    clients = [AsyncColonies("127.0.0.1", s.port) for s in replicas]
    done = asyncio.Event()
    starts: list[float] = []

    async def executor(i: int, prvkey: str) -> None:
        async with clients[i % len(clients)].session(keys.colonyname, prvkey, capacity=1) as s:
            async for p in s.assignments():
                starts.append(time.perf_counter())
                await s.close(p, [])
                if len(starts) >= total:
                    done.set()

    tasks = [asyncio.create_task(executor(i, k)) for i, k in enumerate(keys.executor_keys)]
    await asyncio.sleep(0.5)  # the sessions are open: the burst is taken at once
    for start in range(0, total, 250):
        await clients[(start // 250) % len(clients)].submit_batch(specs[start : start + 250],
                                                                  keys.user_key)  # fmt: skip
    await asyncio.wait_for(done.wait(), 60 + 2 * args.seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.close_channel()
    return sorted(starts)


@contextlib.contextmanager
def servers(args: argparse.Namespace, key: str) -> Iterator[list[ServerProcess]]:
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        extra: list[str] = []
        count = 1
        if args.db:
            extra, count = ["--db", stack.enter_context(database(args.db))], args.replicas
        replicas = [ServerProcess(os.path.join(tmp, f"r{i}"), server_key=key, args=extra).start()
                    for i in range(count)]  # fmt: skip
        try:
            yield replicas
        finally:
            for srv in replicas:
                srv.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="", help="postgresql://... (a database is made)")
    parser.add_argument("--rate", type=int, default=50, help="starts per second")
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--executors", type=int, default=8)
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args()
    key = generate_private_key()
    total = args.burst + args.rate * args.seconds
    with servers(args, key) as replicas:
        keys = bootstrap(replicas[0].client(), key, executors=args.executors)
        replicas[0].client().add_rate_limit(keys.colonyname, "api", args.rate, keys.colony_key,
                                            burst=args.burst)  # fmt: skip
        starts = asyncio.run(drive(args, replicas, keys, total))
    where = f"{len(replicas)} replicas on PostgreSQL" if args.db else "1 server on SQLite"
    most, lo = 0, 0
    for hi, t in enumerate(starts):  # the most starts in any one-second window
        while t - starts[lo] >= 1.0:
            lo += 1
        most = max(most, hi - lo + 1)
    steady = (len(starts) - args.burst) / (starts[-1] - starts[args.burst - 1])
    print(f"limit {args.rate}/s, burst {args.burst}; {total} processes, "
          f"{args.executors} executors, {where}")  # fmt: skip
    print(f"  most starts in any second: {most} (the limit allows {args.burst + args.rate})")
    print(f"  start rate after the burst: {steady:.1f}/s (configured {args.rate}/s)")


if __name__ == "__main__":
    main()
