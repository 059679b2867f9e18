"""A noisy neighbour: prints figures, asserts nothing.

Starts `colonies server start` (SQLite) in a child process. A quiet identity
calls GetColony every 10 ms in a process of its own; its latency is measured
alone, then while a noisy identity (--noisy-processes processes of
--noisy-threads threads, raw calls without the SDK's retries) calls as fast as
it can. Prints the quiet identity's p50/p99 in both phases, and how many of the
noisy calls were served and refused (RESOURCE_EXHAUSTED).

    python bench/noisy.py [--seconds 10] [--rate-limit 1000] [--rate-burst 2000]
                          [--noisy-threads 8] [--noisy-processes 2] [--profile out.svg]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.testing import ServerProcess, bootstrap


def quiet(port: int, colonyname: str, key: str, seconds: float) -> None:
    from pycolonies_like.client import Colonies

    client = Colonies("127.0.0.1", port)
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t = time.monotonic()
        client.get_colony(colonyname, key)
        samples.append(time.monotonic() - t)
        time.sleep(0.01)
    print(json.dumps(samples))


def noisy(port: int, colonyname: str, key: str, seconds: float, threads: int) -> None:
    import grpc

    from pycolonies_like import signing
    from pycolonies_like.proto import colonies_pb2 as pb

    method = "/colonies.v1.Colonies/GetColony"
    payload = pb.ColonyNameRequest(colonyname=colonyname).SerializeToString()
    counts = {"served": 0, "refused": 0, "other": 0}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def hammer() -> None:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            call = channel.unary_unary(method)
            while time.monotonic() < end:
                metadata = signing.sign_call(key, method, payload)
                try:
                    call(payload, metadata=metadata, timeout=10)
                    outcome = "served"
                except grpc.RpcError as err:
                    exhausted = err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                    outcome = "refused" if exhausted else "other"
                with lock:
                    counts[outcome] += 1

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps(counts))


def percentiles(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"


def child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def main() -> None:
    if sys.argv[1:2] == ["--quiet"]:
        quiet(int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]))
        return
    if sys.argv[1:2] == ["--noisy"]:
        noisy(int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate-limit", default="1000")
    parser.add_argument("--rate-burst", default="2000")
    parser.add_argument("--noisy-threads", type=int, default=8)
    parser.add_argument("--noisy-processes", type=int, default=2)
    parser.add_argument("--profile", metavar="SVG", help="a py-spy flame graph of the server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        limits = ["--rate-limit", args.rate_limit, "--rate-burst", args.rate_burst]
        srv = ServerProcess(tmp, args=limits).start()
        try:
            keys = bootstrap(srv.client(), srv.server_key, executors=1)
            port, colony, s = str(srv.port), keys.colonyname, str(args.seconds)
            alone = child("--quiet", port, colony, keys.user_key, s)
            baseline = json.loads(alone.communicate()[0])
            together = child("--quiet", port, colony, keys.user_key, s)
            threads = str(args.noisy_threads)
            noise = [child("--noisy", port, colony, keys.executor_key, s, threads)
                     for _ in range(args.noisy_processes)]  # fmt: skip
            spy = None
            if args.profile:
                assert srv.proc is not None
                record = ["py-spy", "record", "--pid", str(srv.proc.pid), "--output", args.profile,
                          "--duration", str(int(args.seconds))]  # fmt: skip
                spy = subprocess.Popen(record)
            during = json.loads(together.communicate()[0])
            if spy is not None:
                spy.wait()
            counts = [json.loads(n.communicate()[0]) for n in noise]
        finally:
            srv.terminate()
    served = sum(c["served"] for c in counts)
    refused = sum(c["refused"] for c in counts)
    rate, seconds = args.rate_limit, args.seconds
    print(f"rate limit {rate}/s (bursts of {args.rate_burst}) per identity; noisy identity: "
          f"{served / seconds:.0f} calls/s served, {refused / seconds:.0f}/s refused")  # fmt: skip
    print(f"quiet identity alone:         {percentiles(baseline)} ({len(baseline)} calls)")
    print(f"quiet identity with the noise: {percentiles(during)} ({len(during)} calls)")


if __name__ == "__main__":
    main()
