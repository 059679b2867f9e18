"""Reading back big logs: prints figures, asserts nothing.

Starts `colonies server start` (SQLite, with the ColonyOS HTTP gateway) in a
child process, has an executor write --lines log entries of 256 KiB, then reads
them all back at once: one gRPC GetLogs(count=lines), then the SDK's
get_process_log, and --readers concurrent gateway readers (`getlogsmsg`,
continuing with `since` as ColonyOS clients do). Meanwhile a quiet client of
another identity calls GetColony in a loop. Prints the server's resident
memory (before, and its peak while the reads run), what each read got back,
and the quiet client's latency p50/p99 before and during the reads.

    python bench/readback.py [--lines 800] [--readers 3] [--profile out.svg]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pycolonies_like.core.errors import ColoniesError
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import Crypto
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ServerProcess, bootstrap, free_port

LINE = 256 * 1024


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def gateway_logs(port: int, key: str, colonyname: str, pid: str, count: int) -> str:
    """Reads the whole log as a ColonyOS client would, continuing with `since`."""
    since, got, sizes, status = 0, 0, [], 0
    while got < count:
        msg = {"msgtype": "getlogsmsg", "colonyname": colonyname, "processid": pid,
               "count": count - got, "since": since}  # fmt: skip
        payload = base64.b64encode(json.dumps(msg).encode()).decode()
        body = json.dumps({"payloadtype": "getlogsmsg", "payload": payload,
                           "signature": Crypto().sign(payload, key)}).encode()  # fmt: skip
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api", data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=300) as reply:
                data = reply.read()
                status = reply.status
        except urllib.error.HTTPError as err:
            return f"HTTP {err.code}, {len(err.read()) / 2**20:.1f} MiB"
        except OSError as err:
            return f"failed: {err}"
        entries = json.loads(base64.b64decode(json.loads(data)["payload"]))
        if not entries:
            break
        sizes.append(len(data))
        got += len(entries)
        since = entries[-1]["timestamp"]
    return (f"HTTP {status}, {got} entries in {len(sizes)} replies, the largest "
            f"{max(sizes) / 2**20:.1f} MiB")  # fmt: skip


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        return "n/a"
    cuts = statistics.quantiles(samples, n=100)
    return f"p50 {statistics.median(samples) * 1000:.1f} ms / p99 {cuts[98] * 1000:.1f} ms"


def quiet_client(port: int, colonyname: str, key: str) -> None:
    """Calls GetColony every 10 ms until stdin closes; prints "start latency" lines."""
    from pycolonies_like.client import Colonies

    client = Colonies("127.0.0.1", port)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    while not stop.is_set():
        at = time.time()
        try:
            client.get_colony(colonyname, key)
        except ColoniesError:
            pass
        print(at, time.time() - at, flush=True)
        time.sleep(0.01)


def main() -> None:
    if sys.argv[1:2] == ["--quiet"]:
        quiet_client(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=800)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--profile", metavar="SVG", help="a py-spy flame graph of the reads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        http_port = free_port()
        srv = ServerProcess(tmp, args=["--http-port", str(http_port), "--colonyos-api"]).start()
        try:
            run(srv, http_port, args.lines, args.readers, args.profile)
        finally:
            srv.terminate()


def run(
    srv: ServerProcess, http_port: int, lines: int, readers: int, profile: str | None = None
) -> None:
    assert srv.proc is not None
    server_pid = srv.proc.pid
    client = srv.client()
    keys = bootstrap(client, srv.server_key, executors=1)
    conditions = Conditions(colonyname=keys.colonyname, executortype=keys.executortype)
    spec = FuncSpec(funcname="f", conditions=conditions)
    client.submit(spec, keys.user_key)
    process = client.assign(keys.colonyname, 5, keys.executor_key)
    started = time.monotonic()
    for i in range(lines):
        client.add_log(process.processid, f"{i:06d}" + "x" * (LINE - 6), keys.executor_key)
    print(f"wrote {lines} log lines of 256 KiB in {time.monotonic() - started:.1f} s")

    # The quiet client runs in a process of its own, so that the readers'
    # decoding in this one does not count against its latency.
    quiet = subprocess.Popen(
        [sys.executable, __file__, "--quiet", str(srv.port), keys.colonyname, keys.colony_key],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(4)
    baseline_end = time.time()
    before = rss_mib(server_pid)
    peak = before
    results: dict[str, str] = {}

    def grpc_read() -> None:
        # One call for everything: a server that builds replies of any size
        # refuses it only after building it; a bounded one says `more`.
        request = pb.GetLogsRequest(processid=process.processid, count=lines)
        try:
            reply = srv.client().rpc.GetLogs(request, keys.user_key)
            more = getattr(reply, "more", "n/a")
            size = reply.ByteSize() / 2**20
            results["grpc"] = f"{size:.1f} MiB, {len(reply.logs)} entries, more={more}"
        except ColoniesError as err:
            results["grpc"] = f"{type(err).__name__}: {err}"
        # Then the SDK, which continues page after page where it can.
        try:
            entries = srv.client().get_process_log(
                keys.colonyname, process.processid, lines, 0, keys.user_key
            )
            results["grpc, the SDK"] = f"{len(entries)} entries"
        except ColoniesError as err:
            results["grpc, the SDK"] = f"{type(err).__name__}: {err}"

    def gateway_read(n: int) -> None:
        results[f"gateway {n}"] = gateway_logs(
            http_port, keys.user_key, keys.colonyname, process.processid, lines
        )

    attack = [threading.Thread(target=grpc_read)]
    attack += [threading.Thread(target=gateway_read, args=(n,)) for n in range(readers)]
    spy = None
    if profile:
        record = ["py-spy", "record", "--pid", str(server_pid), "--output", profile]
        spy = subprocess.Popen(record, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    for t in attack:
        t.start()
    while any(t.is_alive() for t in attack):
        peak = max(peak, rss_mib(server_pid))
        time.sleep(0.02)
    took = time.monotonic() - started
    attack_end = time.time()
    if spy is not None:
        spy.send_signal(2)  # py-spy writes its graph on SIGINT
        spy.wait()
    out, _ = quiet.communicate("")
    samples = [tuple(map(float, line.split())) for line in out.splitlines()]
    baseline = [lat for at, lat in samples if at + lat < baseline_end]
    during = [lat for at, lat in samples if baseline_end <= at < attack_end]
    print(f"reads took {took:.1f} s")
    for name, outcome in sorted(results.items()):
        print(f"  {name}: {outcome}")
    print(f"server memory: {before:.0f} MiB before, {peak:.0f} MiB peak during the reads "
          f"(high-water mark {rss_mib(server_pid, 'VmHWM'):.0f} MiB)")  # fmt: skip
    print(f"quiet client GetColony: before {percentiles(baseline)}; "
          f"during the reads {percentiles(during)} ({len(during)} calls)")  # fmt: skip


if __name__ == "__main__":
    main()
