"""What a server's relay sends over PostgreSQL: prints figures, asserts nothing.

Starts `colonies server start --db URL` on the given database (a fresh one:
nobody else may be connected to it), then runs the full lifecycle of N
processes (one submitter in batches of 50, E executors over sessions) and
prints processes/s, the server's CPU per process (from /proc) and the
notifications it sent to other servers meanwhile, from its metrics
(`colonies_relay_notifications_total`; a server alone on its database sends
none). A server of a version without that metric is said to be one.

    python bench/relay.py --db postgresql://.../fresh [--processes 3000] [--executors 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.gateway import free_port
from bench.lifecycle import COLONY, cpu_seconds, drain_sessions_multi, setup, submit_batches
from pycolonies_like.client import AsyncColonies
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess


def relay_metrics(http_port: int) -> dict[str, float] | None:
    """The server's relay metrics; None when it has none."""
    with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("colonies_relay")
    }
    return found or None


async def run(args: argparse.Namespace) -> None:
    n = args.processes
    http_port = free_port()
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        key = generate_private_key()
        server = ServerProcess(
            os.path.join(tmp, "s"), server_key=key,
            args=["--db", args.db, "--rate-limit", "0", "--http-port", str(http_port)],
        ).start()  # fmt: skip
        try:
            client = AsyncColonies("127.0.0.1", server.port)
            colony_key, keys = await setup(client, key, args.executors)
            user_key = generate_private_key()
            await client.add_user(
                {"colonyname": COLONY, "userid": id_of(user_key), "name": "bench"}, colony_key
            )
            assert server.proc is not None
            before = relay_metrics(http_port)
            cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
            submitter = asyncio.create_task(submit_batches(client, user_key, n, batch=50))
            await drain_sessions_multi(lambda i: client, keys, n)
            await submitter
            wall = time.perf_counter() - t0
            cpu = cpu_seconds(server.proc.pid) - cpu0
            await asyncio.sleep(0.5)  # what is still on its way
            after = relay_metrics(http_port)
            await client.close_channel()
        finally:
            server.kill()
    if before is None or after is None:
        sent = "no relay metrics (an earlier version, which sends every wake-up)"
    else:
        batches = after["colonies_relay_notifications_total"]
        batches -= before["colonies_relay_notifications_total"]
        alone = "alone" if after["colonies_relay_alone"] else "not alone"
        sent = f"{batches:.0f} batches of notifications sent ({alone})"
    print(
        f"full lifecycle {n / wall:.0f} processes/s; server CPU {cpu / n * 1e6:.0f} us per "
        f"process; {sent}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="postgresql://... (a fresh database)")
    parser.add_argument("--processes", type=int, default=3000)
    parser.add_argument("--executors", type=int, default=8)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
