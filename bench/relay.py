"""What a server's relay sends over PostgreSQL: prints figures, asserts nothing.

Starts `colonies server start --db URL` on the given database (a fresh one:
nobody else may listen on it), then runs the full lifecycle of N processes
(one submitter in batches of 50, E executors over sessions) while a listener
the server cannot see (its activity is hidden from pg_stat_activity) counts the
notifications on the servers' channel. Prints processes/s, the server's CPU
per process (from /proc) and the notifications, messages and bytes heard.
A server alone on its database should send none; run it against an older
version of the server for the figures before.

    python bench/relay.py --db postgresql://.../fresh [--processes 3000] [--executors 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lifecycle import COLONY, cpu_seconds, drain_sessions_multi, setup, submit_batches
from pycolonies_like.client import AsyncColonies
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ServerProcess

CHANNEL = "colonies_hub"


class Ear(threading.Thread):
    """Listens on the channel over a connection whose activity is hidden."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{url}?options={quote('-c track_activities=off')}"
        self.notifications = self.messages = self.bytes = 0
        self.listening = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while not self.done.is_set():
                for note in conn.notifies(timeout=0.5):
                    self.notifications += 1
                    self.messages += note.payload.count("\n")  # after the origin line
                    self.bytes += len(note.payload)


async def run(args: argparse.Namespace) -> None:
    n = args.processes
    with tempfile.TemporaryDirectory(prefix="colonies-bench-") as tmp:
        key = generate_private_key()
        server = ServerProcess(
            os.path.join(tmp, "s"), server_key=key, args=["--db", args.db, "--rate-limit", "0"]
        ).start()
        ear = Ear(args.db)
        try:
            ear.start()
            ear.listening.wait(10)
            client = AsyncColonies("127.0.0.1", server.port)
            colony_key, keys = await setup(client, key, args.executors)
            user_key = generate_private_key()
            await client.add_user(
                {"colonyname": COLONY, "userid": id_of(user_key), "name": "bench"}, colony_key
            )
            assert server.proc is not None
            cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
            submitter = asyncio.create_task(submit_batches(client, user_key, n, batch=50))
            await drain_sessions_multi(lambda i: client, keys, n)
            await submitter
            wall = time.perf_counter() - t0
            cpu = cpu_seconds(server.proc.pid) - cpu0
            await asyncio.sleep(1)  # what is still on its way
            await client.close_channel()
        finally:
            ear.done.set()
            server.kill()
        print(
            f"full lifecycle {n / wall:.0f} processes/s; server CPU {cpu / n * 1e6:.0f} us per "
            f"process; heard {ear.notifications} notifications, {ear.messages} messages, "
            f"{ear.bytes} bytes ({ear.bytes / n:.0f} per process)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="postgresql://... (a fresh database)")
    parser.add_argument("--processes", type=int, default=3000)
    parser.add_argument("--executors", type=int, default=8)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
