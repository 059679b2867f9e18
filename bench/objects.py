"""ColonyFS local object storage benchmark: prints figures, asserts nothing.

Starts `colonies server start` in a child process (SQLite) and moves one file
of --mib MiB through it with the SDK (no AWS_S3_* settings: the server's own
storage), --rounds times each way: upload_file (stream of 1 MiB chunks,
checked and renamed into place by the server) and download_file (stream,
checked by the client). Prints MiB/s and the server's CPU seconds per GiB.

    python bench/objects.py [--mib 256] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from server.testing import ServerProcess, bootstrap


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for key in [k for k in os.environ if k.startswith("AWS_S3_")]:
        del os.environ[key]
    with tempfile.TemporaryDirectory() as tmp, ServerProcess(os.path.join(tmp, "srv")) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key)
        src = Path(tmp) / "big.bin"
        with open(src, "wb") as f:
            for _ in range(args.mib):
                f.write(os.urandom(1024 * 1024))
        out = Path(tmp) / "out"
        out.mkdir()
        assert srv.proc is not None
        ups, downs, cpu_up, cpu_down = [], [], [], []
        for i in range(args.rounds):
            src.open("r+b").write(i.to_bytes(8, "big"))  # new content: a new object each round
            c0, t0 = cpu_seconds(srv.proc.pid), time.perf_counter()
            f = client.upload_file("dev", keys.user_key, filepath=str(src), label="/bench")
            c1, t1 = cpu_seconds(srv.proc.pid), time.perf_counter()
            client.download_file("dev", keys.user_key, dst=str(out), fileid=f.fileid)
            c2, t2 = cpu_seconds(srv.proc.pid), time.perf_counter()
            ups.append(args.mib / (t1 - t0))
            downs.append(args.mib / (t2 - t1))
            cpu_up.append((c1 - c0) * 1024 / args.mib)
            cpu_down.append((c2 - c1) * 1024 / args.mib)
        print(f"file {args.mib} MiB, {args.rounds} rounds (median)")
        print(f"  upload    {statistics.median(ups):8.1f} MiB/s   "
              f"server CPU {statistics.median(cpu_up):5.1f} s/GiB")  # fmt: skip
        print(f"  download  {statistics.median(downs):8.1f} MiB/s   "
              f"server CPU {statistics.median(cpu_down):5.1f} s/GiB")  # fmt: skip


if __name__ == "__main__":
    main()
