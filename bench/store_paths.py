"""The store's hot paths without the server around them: prints figures,
asserts nothing.

E concurrent workers each repeat what an executor's requests cost the store:
remember a nonce and claim, remember a nonce and finish (successfully, with
the function's statistics counted). Submits go in batches first. Shows what
the database path costs, free of gRPC and signatures.

    python bench/store_paths.py [--processes 3000] [--workers 8] [--db postgresql://...]
                                [--nodes 2000 --width 100]
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.core.dag import build_graph
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Function,
    Process,
    ProcessState,
    Workflow,
)
from server.store import open_store

NS = 1_000_000_000


def ident() -> str:
    return secrets.token_hex(32)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        store = await open_store(args.db, tmp)
        try:
            await store.add_colony(Colony(ident(), "bench"))
            executors = [Executor(ident(), "t", f"e{i}", "bench", ExecutorState.APPROVED)
                         for i in range(args.workers)]  # fmt: skip
            for e in executors:
                await store.add_executor(e)
                await store.add_function(Function(ident(), e.executorname, "t", "bench", "work"))
            where = Conditions(colonyname="bench", executortype="t")
            spec = FuncSpec(funcname="work", args=[1], conditions=where)
            n = args.processes
            t0 = time.perf_counter()
            for start in range(0, n, 200):
                now = time.time_ns()
                batch = [
                    Process(processid=ident(), spec=spec, prioritytime=now + i, submissiontime=now)
                    for i in range(min(200, n - start))
                ]
                await store.add_processes(batch)
                await store.durable()
            print(f"store: {store.kind}; workers: {args.workers}; processes: {n}")
            print(f"submit, batches of 200   {n / (time.perf_counter() - t0):8.0f} processes/s")

            claims: list[float] = []
            finishes: list[float] = []

            async def worker(e: Executor) -> None:
                while True:
                    t = time.perf_counter()
                    await store.remember_nonce(secrets.token_hex(16), time.time_ns() + 60 * NS,
                                               time.time_ns())  # fmt: skip
                    p = await store.claim_process(e, time.time_ns())
                    await store.durable()
                    claims.append(time.perf_counter() - t)
                    if p is None:
                        return
                    t = time.perf_counter()
                    await store.remember_nonce(secrets.token_hex(16), time.time_ns() + 60 * NS,
                                               time.time_ns())  # fmt: skip
                    await store.finish_process(p.processid, p.attempt, ProcessState.SUCCESSFUL,
                                               time.time_ns(), output=["ok"])  # fmt: skip
                    await store.durable()
                    finishes.append(time.perf_counter() - t)

            t0 = time.perf_counter()
            await asyncio.gather(*(worker(e) for e in executors))
            rate = n / (time.perf_counter() - t0)
            print(f"claim+finish             {rate:8.0f} processes/s; median claim "
                  f"{statistics.median(claims) * 1e3:.2f} ms, finish "
                  f"{statistics.median(finishes) * 1e3:.2f} ms")  # fmt: skip

            if args.nodes:
                await workflow(store, executors, args.nodes, args.width)
        finally:
            await store.close()


async def workflow(store: Any, executors: list[Executor], size: int, width: int) -> None:
    """A layered workflow (a root, then layers of `width` nodes each joined by
    one node) run to its end by the workers: every join is a fan-in."""
    specs = [FuncSpec(nodename="root", funcname="work",
                      conditions=Conditions(executortype="t"))]  # fmt: skip
    previous, layer = "root", 0
    while len(specs) < size:
        names = [f"l{layer}n{i}" for i in range(min(width, size - len(specs) - 1))]
        specs += [FuncSpec(nodename=n, funcname="work",
                           conditions=Conditions(executortype="t", dependencies=[previous]))
                  for n in names]  # fmt: skip
        specs.append(FuncSpec(nodename=f"join{layer}", funcname="work",
                              conditions=Conditions(executortype="t",
                                                    dependencies=names or [previous])))  # fmt: skip
        previous, layer = f"join{layer}", layer + 1
    wf = Workflow(colonyname="bench", functionspecs=specs[:size])
    graph, processes = build_graph(wf, new_id=ident, initiatorid="", initiatorname="",
                                   now_ns=time.time_ns())  # fmt: skip
    await store.add_graph(graph, processes)
    await store.durable()
    finishes: list[float] = []
    done = asyncio.Event()

    async def worker(e: Executor) -> None:
        while not done.is_set():
            p = await store.claim_process(e, time.time_ns())
            await store.durable()
            if p is None:
                await asyncio.sleep(0.001)
                continue
            t = time.perf_counter()
            now = time.time_ns()
            result = await store.finish_process(
                p.processid, p.attempt, ProcessState.SUCCESSFUL, now, output=[p.spec.nodename]
            )
            await store.durable()
            finishes.append(time.perf_counter() - t)
            if result is not None and result.graph is not None and result.graph.state.is_final:
                done.set()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(e) for e in executors))
    wall = time.perf_counter() - t0
    print(f"workflow, {size} nodes in layers of {width}: {wall:.2f} s, {size / wall:.0f} nodes/s; "
          f"median finish {statistics.median(finishes) * 1e3:.2f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--nodes", type=int, default=0, help="then run a workflow this big")
    parser.add_argument("--width", type=int, default=100, help="nodes per workflow layer")
    parser.add_argument("--db", help="postgresql://... (default: SQLite in a temporary folder)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
