"""Fair shares: prints figures, asserts nothing.

Between colonies: a small colony submits one process at a time (its executor
waits on a session) and measures submit -> start (the server's own times:
the process' `starttime - submissiontime`) and submit -> assignment received
(the client's clock): first on an idle server, then beside a second colony
that floods the same server with FLOOD processes (batches of 1,000, four in
flight) while four executors of its own drain them, in another OS process.

Within a colony: a second user of the flooding colony submits one process at
a time, and the flood's own executors run it: submit -> start as the server
timed it, and submit -> end as its client saw it (the close is immediate);
first beside the idle executors, then beside the flood.

How the server shares (docs/ARCHITECTURE.md, "Fair shares"): each colony has
its own ranges of the queue, and the event loop serves the requests in
progress in turn, a big batch a slice at a time; within a colony the queue key
is the submitter's virtual time (start-time fair queuing), so a later
submitter's process sorts near the head, not behind the flood.

With `--flood-rate R` the flood is paced: its batches are submitted and its
processes closed no faster than R a second in all, so the small colony's
figures can be read against how busy the flood keeps the server.

    python bench/fairness.py [--flood 100000] [--flood-rate 0] [--samples 200]
                             [--within-samples 50] [--db postgresql://...]
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

from bench.lifecycle import cpu_seconds
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess, bootstrap

SMALL, FLOOD = "small", "flood"


def spec(colonyname: str, executortype: str) -> FuncSpec:
    return FuncSpec(funcname="work", conditions=Conditions(colonyname=colonyname,
                                                           executortype=executortype))  # fmt: skip


Samples = tuple[list[float], list[float], list[float]]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(port: int, keys: object, samples: int) -> Samples:
    """Server-side and client-side submit -> start, and the submit call
    itself as the client saw it, in ms."""
    client = AsyncColonies("127.0.0.1", port)
    c, t = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    server_ms, client_ms, call_ms = [], [], []
    async with client.session(c, keys.executor_key, capacity=1) as session:  # type: ignore[attr-defined]
        for _ in range(samples):
            await asyncio.sleep(0.01)
            t0 = time.perf_counter()
            await client.submit_func_spec(spec(c, t), keys.user_key)  # type: ignore[attr-defined]
            call_ms.append((time.perf_counter() - t0) * 1000)
            process = await session.next_assignment(30)
            assert process is not None
            client_ms.append((time.perf_counter() - t0) * 1000)
            server_ms.append((process.starttime - process.submissiontime) / 1e6)
            await session.close(process, [])
    await client.close_channel()
    return server_ms, client_ms, call_ms


class Pace:
    """At most `rate` events a second over all who wait (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self.gap = 1 / rate if rate else 0.0
        self.next = time.monotonic()

    async def wait(self, n: int = 1) -> None:
        if not self.gap:
            return
        now = time.monotonic()
        at = max(now, self.next)
        self.next = at + n * self.gap
        await asyncio.sleep(at - now)


async def flood_async(
    port: int, keys: object, n: int, rate: float, started: object, drained: object, stop: object
) -> None:
    """Submits `n` processes (0: none) while the colony's executors run
    whatever is queued (the flood's and another user's), both no faster than
    `rate` a second (0: as fast as they can); ends once the flood's are done
    and `stop` is set (`drained`: when they were done)."""
    client = AsyncColonies("127.0.0.1", port)
    submitting, closing = Pace(rate), Pace(rate)
    c, t = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    flooder = id_of(keys.user_key)  # type: ignore[attr-defined]
    done = 0
    finished = asyncio.Event()
    if not n:
        drained.value = time.time()  # type: ignore[attr-defined]

    async def drain(prvkey: str) -> None:
        nonlocal done
        async with client.session(c, prvkey, capacity=4) as session:
            async for p in session.assignments():
                await closing.wait()
                await session.close(p, [])
                if p.initiatorid == flooder:
                    done += 1
                    if done == n:
                        drained.value = time.time()  # type: ignore[attr-defined]

    async def stopped() -> None:
        while not stop.is_set() or (n and done < n):  # type: ignore[attr-defined]
            await asyncio.sleep(0.05)
        finished.set()

    drains = [asyncio.create_task(drain(k)) for k in keys.executor_keys]  # type: ignore[attr-defined]
    watch = asyncio.create_task(stopped())
    in_flight = asyncio.Semaphore(4)

    async def one(size: int) -> None:
        async with in_flight:
            await submitting.wait(size)
            await client.submit_batch([spec(c, t)] * size, keys.user_key)  # type: ignore[attr-defined]

    started.set()  # type: ignore[attr-defined]
    await asyncio.gather(*(one(min(1000, n - i)) for i in range(0, n, 1000)))
    await finished.wait()
    for task in (*drains, watch):
        task.cancel()
    await asyncio.gather(*drains, watch, return_exceptions=True)
    await client.close_channel()


def flood(
    port: int, keys: object, n: int, rate: float, started: object, drained: object, stop: object
) -> None:
    asyncio.run(flood_async(port, keys, n, rate, started, drained, stop))


async def measure_within(port: int, keys: object, prvkey: str, samples: int) -> Samples:
    """A second user of the flooding colony: submit -> start (server) and
    submit -> end seen by its client, in ms; the colony's executors run it."""
    client = AsyncColonies("127.0.0.1", port)
    c, t = keys.colonyname, keys.executortype  # type: ignore[attr-defined]
    server_ms, client_ms, call_ms = [], [], []
    for _ in range(samples):
        await asyncio.sleep(0.01)
        t0 = time.perf_counter()
        submitted = await client.submit_func_spec(spec(c, t), prvkey)
        call_ms.append((time.perf_counter() - t0) * 1000)
        process = await client.wait(submitted, 600, prvkey)
        client_ms.append((time.perf_counter() - t0) * 1000)
        server_ms.append((process.starttime - process.submissiontime) / 1e6)
    await client.close_channel()
    return server_ms, client_ms, call_ms


def run_beside(
    runner: asyncio.Runner,
    srv: ServerProcess,
    keys: object,
    n: int,
    measure: object,
    rate: float = 0,
) -> tuple[Samples, float, bool, float]:
    """Runs `measure()` beside a flood of `n` (0: the idle executors only)
    paced at `rate` a second (0: unpaced); with how long the measurement
    took, whether the flood still ran at its end, and the server's CPU time
    over it (cores busy)."""
    # Spawned, not forked: this process has gRPC channels open.
    ctx = multiprocessing.get_context("spawn")
    started, drained, stop = ctx.Event(), ctx.Value("d", 0.0), ctx.Event()
    assert srv.proc is not None
    flooder = ctx.Process(target=flood, args=(srv.port, keys, n, rate, started, drained, stop))
    flooder.start()
    started.wait(60)
    time.sleep(1.0 if n else 0.2)  # the flood is under way
    t0, cpu0 = time.time(), cpu_seconds(srv.proc.pid)
    samples = runner.run(measure())  # type: ignore[operator]
    measured_until, cpu = time.time(), cpu_seconds(srv.proc.pid) - cpu0
    stop.set()
    flooder.join()
    took = measured_until - t0
    return samples, took, drained.value > measured_until, cpu / took


def ended(took: float, still: bool, busy: float) -> None:
    print(f"  (measured over {took:.1f} s, the server busy {busy:.2f} cores; the flood was "
          f"{'still' if still else 'no longer'} running when the measurement ended)")  # fmt: skip


def show(label: str, samples: Samples) -> None:
    server_ms, client_ms, call_ms = samples
    s50, s99 = statistics.median(server_ms), percentile(server_ms, 99)
    c50, c99 = statistics.median(client_ms), percentile(client_ms, 99)
    print(f"  {label:<18} server p50 {s50:6.1f} ms  p99 {s99:6.1f} ms | "
          f"client p50 {c50:6.1f} ms  p99 {c99:6.1f} ms")  # fmt: skip
    m50, m99 = statistics.median(call_ms), percentile(call_ms, 99)
    print(f"  {'':<18} (of which the submit call, as its client saw it: "
          f"p50 {m50:.1f} ms, p99 {m99:.1f} ms)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=100_000)
    parser.add_argument(
        "--flood-rate",
        type=float,
        default=0,
        help="processes/s the flood submits and closes at most (0: unpaced)",
    )
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--within-samples", type=int, default=50, help="0: between colonies only")
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    args = parser.parse_args()
    key = generate_private_key()
    # One event loop for every measurement: gRPC's asyncio poller is bound to
    # the loop it first ran on, and complains at exit when loops come and go.
    with asyncio.Runner() as runner, tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        srv = ServerProcess(os.path.join(tmp, "s"), server_key=key,
                            args=["--db", args.db] if args.db else []).start()  # fmt: skip
        try:
            admin = srv.client()
            small = bootstrap(admin, key, colonyname=SMALL, executors=1)
            big = bootstrap(admin, key, colonyname=FLOOD, executors=4)
            store = "postgresql" if args.db else "sqlite"
            paced = f" paced at {args.flood_rate:g}/s" if args.flood_rate else ""
            print(f"store: {store}; small colony: {args.samples} processes one at a time; "
                  f"flood: {args.flood} processes{paced}")  # fmt: skip
            show("idle server", runner.run(measure(srv.port, small, args.samples)))
            samples, took, still, busy = run_beside(
                runner,
                srv,
                big,
                args.flood,
                lambda: measure(srv.port, small, args.samples),
                args.flood_rate,
            )
            show("beside the flood", samples)
            ended(took, still, busy)
            if not args.within_samples:
                return
            print(f"within the flooding colony: a second user, {args.within_samples} "
                  "processes one at a time, run by the flood's executors "
                  "(client: submit -> end seen)")  # fmt: skip
            other = generate_private_key()
            admin.add_user({"colonyname": FLOOD, "userid": id_of(other), "name": "other"},
                           big.colony_key)  # fmt: skip
            within = lambda: measure_within(srv.port, big, other, args.within_samples)  # noqa: E731
            samples, *_ = run_beside(runner, srv, big, 0, within)
            show("idle executors", samples)
            samples, took, still, busy = run_beside(
                runner, srv, big, args.flood, within, args.flood_rate
            )
            show("beside the flood", samples)
            ended(took, still, busy)
        finally:
            srv.kill()


if __name__ == "__main__":
    main()
