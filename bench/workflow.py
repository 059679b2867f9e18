"""Workflow benchmark: prints figures, asserts nothing.

Runs layered DAGs (fan-out / fan-in: a root, then layers of W parallel nodes
each followed by a join node) on a server started in a child process, with E
executors that close every process at once, and prints for each size the
wall time from submit to the workflow's end, nodes per second, and the
dispatch overhead per node (wall time x executors / nodes: the executor time
each node costs when the work itself is free).

    python bench/workflow.py [--sizes 1000 10000] [--executors 8] [--db postgresql://...]
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

from bench.lifecycle import ceiling, cpu_seconds, database_cpu
from pycolonies_like.client import GRAPH_ENDS, AsyncColonies
from pycolonies_like.core.models import Conditions, FuncSpec, ProcessState, Workflow
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess

COLONY = "bench"
TYPE = "dag-executor"


def layered(size: int, width: int) -> Workflow:
    """A root, then layers of `width` nodes, each layer joined by one node."""

    def node(name: str, deps: list[str]) -> FuncSpec:
        return FuncSpec(nodename=name, funcname="step", conditions=Conditions(
            colonyname=COLONY, executortype=TYPE, dependencies=deps))  # fmt: skip

    specs = [node("root", [])]
    previous = "root"
    layer = 0
    while len(specs) < size:
        names = [f"l{layer}n{i}" for i in range(min(width, size - len(specs) - 1))]
        specs += [node(name, [previous]) for name in names]
        join = f"join{layer}"
        specs.append(node(join, names or [previous]))
        previous, layer = join, layer + 1
    return Workflow(colonyname=COLONY, functionspecs=specs[:size])


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        server_key = generate_private_key()
        server_args = ["--db", args.db] if args.db else []
        server_args += ["--rate-limit", "0"]  # capacity, not the per-identity limit
        server_args += ["--max-message-size", str(64 * 1024 * 1024)]
        srv = ServerProcess(os.path.join(tmp, "s"), server_key=server_key, args=server_args).start()
        big = [("grpc.max_send_message_length", 64 * 1024 * 1024)]
        client = AsyncColonies("127.0.0.1", srv.port, options=big)
        try:
            colony_key = generate_private_key()
            await client.add_colony({"colonyid": id_of(colony_key), "name": COLONY}, server_key)
            user_key = generate_private_key()
            await client.add_user({"colonyname": COLONY, "userid": id_of(user_key), "name": "u"},
                                  colony_key)  # fmt: skip
            keys = []
            for i in range(args.executors):
                key = generate_private_key()
                await client.add_executor({"executorid": id_of(key), "executortype": TYPE,
                                           "executorname": f"e{i}", "colonyname": COLONY},
                                          colony_key)  # fmt: skip
                await client.approve_executor(COLONY, f"e{i}", colony_key)
                keys.append(key)
            store = args.db.split(":")[0] if args.db else "sqlite"
            print(f"store: {store}; executors: {args.executors} (capacity {args.capacity} "
                  f"each); layers of {args.width}")  # fmt: skip
            for size in args.sizes:
                await one(client, keys, user_key, size, args, srv)
        finally:
            await client.close_channel()
            srv.terminate()


async def one(client: AsyncColonies, keys: list[str], user_key: str, size: int,
              args: argparse.Namespace, srv: ServerProcess) -> None:  # fmt: skip
    wf = layered(size, args.width)

    async def executor(key: str) -> None:
        async with client.session(COLONY, key, capacity=args.capacity) as session:
            async for process in session.assignments():
                await session.close(process, [process.spec.nodename])

    workers = [asyncio.create_task(executor(k)) for k in keys]
    await asyncio.sleep(0.5)  # sessions open
    assert srv.proc is not None
    cpu0, own0, db0 = cpu_seconds(srv.proc.pid), time.process_time(), await database_cpu(args.db)
    started = time.perf_counter()
    graph = await client.submit_workflow(wf, user_key)
    submitted = time.perf_counter() - started
    final = None
    async for event in client.events(COLONY, user_key, processgraphid=graph.processgraphid,
                                     include_current=True, kinds=GRAPH_ENDS):  # fmt: skip
        if event.processgraph is not None and event.processgraph.state.is_final:
            final = event.processgraph
            break
    wall = time.perf_counter() - started
    cpu, own = cpu_seconds(srv.proc.pid) - cpu0, time.process_time() - own0
    db1 = await database_cpu(args.db)
    db = sum(t - db0.get(pid, 0.0) for pid, t in db1.items())
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    assert final is not None and final.state == ProcessState.SUCCESSFUL, final
    print(f"{size:6d} nodes: {wall:6.2f} s end to end (submit {submitted:.2f} s), "
          f"{size / wall:6.0f} nodes/s, dispatch overhead {wall * len(keys) / size * 1e3:.2f} "
          f"ms per node")  # fmt: skip
    backends = f"PostgreSQL's backends {db / size * 1e6:.0f} us, " if db1 else ""
    print(f"  CPU per node: server {cpu / size * 1e6:.0f} us, {backends}this benchmark's "
          f"clients {own / size * 1e6:.0f} us")  # fmt: skip
    print(ceiling((cpu + db + own) / size, "nodes"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--width", type=int, default=250, help="nodes per layer")
    parser.add_argument("--executors", type=int, default=8)
    parser.add_argument("--capacity", type=int, default=1)
    parser.add_argument("--db", help="postgresql://... (default: SQLite)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
