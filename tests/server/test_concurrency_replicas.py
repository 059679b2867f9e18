"""Concurrency keys hold across two servers on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pycolonies_like import Concurrency, FuncSpec
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.models import Conditions
from pycolonies_like.crypto import generate_private_key
from server.testing import ServerProcess, bootstrap
from tests.conftest import need_pg
from tests.pg import database

pytestmark = pytest.mark.slow

# bench/concurrency.py runs the same with 2,000 processes.
N, KEYS, LIMIT, EXECUTORS = 1_000, 20, 2, 16


@pytest.fixture
def pg_url() -> Iterator[str]:
    with database(need_pg()) as url:
        yield url


def test_never_more_than_the_limit_run_per_key_across_two_servers(
    pg_url: str, tmp_path: Path
) -> None:
    key = generate_private_key()
    replicas = [
        ServerProcess(str(tmp_path / f"r{i}"), server_key=key, args=["--db", pg_url]).start()
        for i in range(2)
    ]
    try:
        keys = bootstrap(replicas[0].client(), key, executors=EXECUTORS)
        specs = [
            # Processes of a key come in runs longer than its limit, so the
            # executors claim more of one key at once than it allows.
            FuncSpec(funcname="work", kwargs={"customer_id": (i // (LIMIT + 1)) % KEYS},
                     conditions=Conditions(colonyname=keys.colonyname,
                                           executortype=keys.executortype),
                     concurrency=Concurrency(kwarg="customer_id", limit=LIMIT))
            for i in range(N)
        ]  # fmt: skip
        sampled: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            # One statement: a consistent snapshot of what runs, per key.
            with psycopg.connect(pg_url, autocommit=True) as conn:
                while not stop.is_set():
                    rows = conn.execute(
                        "SELECT concurrencykey, count(*) FROM processes WHERE state = 1 "
                        "GROUP BY concurrencykey"
                    ).fetchall()
                    sampled.append(max((n for _, n in rows), default=0))
                    time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        seen: Counter[str] = Counter()
        running: Counter[object] = Counter()
        most = 0

        async def run() -> None:
            nonlocal most
            clients = [AsyncColonies("127.0.0.1", s.port) for s in replicas]
            done = asyncio.Event()

            async def executor(i: int, prvkey: str) -> None:
                nonlocal most
                async with clients[i % 2].session(keys.colonyname, prvkey, capacity=1) as s:
                    async for p in s.assignments():
                        customer = p.spec.kwargs["customer_id"]
                        running[customer] += 1
                        most = max(most, running[customer])
                        await asyncio.sleep(random.uniform(0.001, 0.01))
                        running[customer] -= 1
                        await s.close(p, [])
                        seen[p.processid] += 1
                        if len(seen) >= N:
                            done.set()

            tasks = [asyncio.create_task(executor(i, k)) for i, k in enumerate(keys.executor_keys)]
            for start in range(0, N, 250):  # through both servers
                await clients[(start // 250) % 2].submit_batch(specs[start : start + 250],
                                                               keys.user_key)  # fmt: skip
            await asyncio.wait_for(done.wait(), 600)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for client in clients:
                await client.close_channel()

        asyncio.run(run())
        stop.set()
        sampler.join()
        assert len(seen) == N and set(seen.values()) == {1}  # all complete, each once
        assert most == LIMIT  # the executors never held more than LIMIT of a key at once
        assert len(sampled) > 100 and max(sampled) == LIMIT, (len(sampled), max(sampled))
        stats = replicas[1].client().stats(keys.colonyname, keys.colony_key)
        assert stats.successfulprocesses == N and stats.waitingprocesses == 0
    finally:
        for srv in replicas:
            srv.kill()
