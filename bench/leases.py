"""Stuck-work benchmark: prints figures, asserts nothing.

Starts `colonies server start` in a child process (SQLite unless --db is
given) and measures two things:

  flaky pollers    F executors call Assign and abandon it at random (client
                   deadline 10-300 ms) while N processes arrive, closing
                   whatever they do receive; after `--settle` seconds, how
                   many are still RUNNING though nobody received them; then
                   a healthy executor drains the queue: completed, completed
                   twice, lost
  kill -9          an executor (a child process with a session) takes a
                   process with maxexectime 0 and is killed; the time until
                   the process is back in the queue (each of R runs)

    python bench/leases.py [--processes 1000] [--pollers 4] [--kills 5]
                           [--db postgresql://...] [--lease-timeout 3] [--ack-timeout 2]

Lease settings are passed to the server only when it knows them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like import NoProcessAvailable, ProcessState
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ServerProcess, bootstrap

TYPE = "bench-executor"


def spec(colonyname: str) -> FuncSpec:
    return FuncSpec(funcname="work", maxexectime=0,
                    conditions=Conditions(colonyname=colonyname, executortype=TYPE))  # fmt: skip


def server_knows_leases() -> bool:
    help_text = subprocess.run(
        [sys.executable, "-m", "pycolonies_like.cli.main", "server", "start", "--help"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    return "--lease-timeout" in help_text


def flaky_pollers(srv: ServerProcess, n: int, pollers: int, settle: float) -> None:
    client = srv.client()
    keys = bootstrap(client, srv.server_key, colonyname="flaky", executors=pollers + 1,
                     executortype=TYPE)  # fmt: skip
    name = keys.colonyname
    stop = threading.Event()
    received: Counter[str] = Counter()

    def flaky(key: str, seed: int) -> None:
        rng = random.Random(seed)
        own = srv.client()
        while not stop.is_set():
            request = pb.AssignRequest(colonyname=name, timeout=1)
            try:
                got = own.rpc.Assign(request, key, timeout=rng.uniform(0.01, 0.3))
            except Exception:
                continue
            received[got.processid] += 1
            try:
                own.close(got.processid, ["ok"], key, attempt=got.attempt)
            except Exception:
                pass

    threads = [threading.Thread(target=flaky, args=(k, i), daemon=True)
               for i, k in enumerate(keys.executor_keys[1:])]  # fmt: skip
    for t in threads:
        t.start()
    submitted = []
    t0 = time.monotonic()
    for _ in range(n):
        submitted.append(client.submit(spec(name), keys.user_key).processid)
        time.sleep(0.005)
    arrival = time.monotonic() - t0
    stop.set()
    for t in threads:
        t.join()
    time.sleep(settle)
    stuck = client.stats(name, keys.user_key).runningprocesses
    print(f"flaky pollers: {n} processes arrived in {arrival:.1f} s while {pollers} pollers "
          f"abandoned assigns at random; they received and closed {len(received)}")  # fmt: skip
    print(f"  RUNNING though nobody received them, {settle:.0f} s after the last arrival: "
          f"{stuck}")  # fmt: skip
    closed: Counter[str] = received.copy()
    t0 = time.monotonic()
    drain_until = t0 + max(30.0, settle * 3)
    while len(closed) < n and time.monotonic() < drain_until:
        try:
            got = client.assign(name, 0.5, keys.executor_key)
        except NoProcessAvailable:
            continue
        client.close(got["processid"], ["ok"], keys.executor_key)
        closed[got.processid] += 1
    states = Counter(client.get_process(pid, keys.user_key).state for pid in submitted)
    twice = sum(1 for c in closed.values() if c > 1)
    print(f"  a healthy executor then completed {states[ProcessState.SUCCESSFUL]} of {n} "
          f"in {time.monotonic() - t0:.1f} s; completed twice: {twice}; "
          f"still running: {states[ProcessState.RUNNING]}; "
          f"lost: {n - sum(states.values())}")  # fmt: skip


EXECUTOR = textwrap.dedent(
    """
    import asyncio, sys
    from pycolonies_like.client import AsyncColonies

    async def main(port, colonyname, key):
        async with AsyncColonies("127.0.0.1", port) as client:
            async with client.session(colonyname, key, capacity=1) as session:
                process = await session.next_assignment(30)
                print(process.processid, flush=True)
                await asyncio.sleep(3600)  # works, silently, until killed

    asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
    """
)


def kill_nine(srv: ServerProcess, runs: int, limit: float) -> None:
    client = srv.client()
    keys = bootstrap(client, srv.server_key, colonyname="kills", executors=1, executortype=TYPE)
    times = []
    for _ in range(runs):
        p = client.submit(spec(keys.colonyname), keys.user_key)
        child = subprocess.Popen(
            [sys.executable, "-c", EXECUTOR, str(srv.port), keys.colonyname, keys.executor_key],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        child.stdout.readline()
        time.sleep(2.0)  # it has confirmed the assignment and works
        child.kill()
        t0 = time.monotonic()
        child.wait()
        back = None
        while time.monotonic() - t0 < limit:
            if client.get_process(p.processid, keys.user_key).state == ProcessState.WAITING:
                back = time.monotonic() - t0
                break
            time.sleep(0.05)
        times.append(back)
        client.cancel(p.processid, keys.user_key)  # the next run starts from an empty queue
    came_back = [t for t in times if t is not None]
    line = ", ".join("never" if t is None else f"{t:.2f}" for t in times)
    print(f"kill -9 of an executor (maxexectime 0): back in the queue after [{line}] s "
          f"(limit {limit:.0f} s)")  # fmt: skip
    if came_back:
        print(f"  median {statistics.median(came_back):.2f} s, min {min(came_back):.2f} s, "
              f"max {max(came_back):.2f} s, {len(came_back)} of {runs} back")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1000)
    parser.add_argument("--pollers", type=int, default=4)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--db", default=None)
    parser.add_argument("--lease-timeout", type=float, default=3.0)
    parser.add_argument("--ack-timeout", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    server_args = ["--db", args.db] if args.db else []
    leases = server_knows_leases()
    if leases:
        server_args += ["--lease-timeout", str(args.lease_timeout),
                        "--assign-ack-timeout", str(args.ack_timeout)]  # fmt: skip
    print(
        f"store: {'postgresql' if args.db else 'sqlite'}; leases: "
        + (f"ack {args.ack_timeout:g} s, lease {args.lease_timeout:g} s" if leases else "none")
    )
    with tempfile.TemporaryDirectory() as tmp:
        srv = ServerProcess(tmp, args=server_args).start()
        try:
            flaky_pollers(srv, args.processes, args.pollers, args.settle)
            kill_nine(srv, args.kills, limit=max(20.0, args.lease_timeout * 4))
        finally:
            srv.kill()


if __name__ == "__main__":
    main()
