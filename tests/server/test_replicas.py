"""Several servers on one PostgreSQL database, and a database that goes away."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pycolonies_like import ResourceExhausted, StorageError, Unavailable, signing
from pycolonies_like.client import AsyncColonies
from pycolonies_like.crypto import generate_private_key
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ServerProcess, ThreadedServer, bootstrap
from tests.conftest import need_pg, spec
from tests.pg import TcpProxy, database, terminate_connections

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    with database(need_pg()) as url:
        yield url


@pytest.fixture
def replicas(pg_url: str, tmp_path: Path) -> Iterator[list[ServerProcess]]:
    key = generate_private_key()
    servers = [
        ServerProcess(str(tmp_path / f"r{i}"), server_key=key, args=["--db", pg_url]).start()
        for i in range(2)
    ]
    yield servers
    for srv in servers:
        srv.kill()


@pytest.mark.timeout(360)  # 10,000 processes through two servers: minutes on a loaded machine
def test_ten_thousand_processes_over_two_servers_each_assigned_once(
    replicas: list[ServerProcess], pg_url: str
) -> None:
    first = replicas[0].client()
    keys = bootstrap(first, replicas[0].server_key, executors=8)
    n = 10_000
    received: list[str] = []

    async def executors() -> None:
        clients = [AsyncColonies("127.0.0.1", s.port) for s in replicas]
        done = asyncio.Event()

        async def run(i: int, key: str) -> None:
            async with clients[i % 2].session(keys.colonyname, key, capacity=2) as session:
                async for process in session.assignments():
                    received.append(process.processid)
                    await session.close(process, [i])
                    if len(received) >= n:
                        done.set()

        tasks = [asyncio.create_task(run(i, k)) for i, k in enumerate(keys.executor_keys)]
        for start in range(0, n, 500):  # submit through both servers
            await clients[(start // 500) % 2].submit_batch(
                [spec(keys.colonyname)] * 500, keys.user_key
            )
        await asyncio.wait_for(done.wait(), 300)
        await asyncio.sleep(0.5)  # nothing more may arrive
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.close_channel()

    asyncio.run(executors())
    assert len(received) == n and len(set(received)) == n
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT state, attempt, count(*) FROM processes GROUP BY state, attempt"
        ).fetchall()
        assert rows == [(2, 1, n)], rows  # all successful, each on its first and only attempt
        assert conn.execute("SELECT count(*) FROM queue").fetchone() == (0,)
        by_executor = Counter(r[0] for r in conn.execute(
            "SELECT assignedexecutorname FROM processes").fetchall())  # fmt: skip
    assert len(by_executor) == 8  # every executor, on both servers, took work


def test_a_process_submitted_to_one_server_wakes_an_executor_on_the_other(
    replicas: list[ServerProcess],
) -> None:
    a, b = replicas[0].client(), replicas[1].client()
    keys = bootstrap(a, replicas[0].server_key, executors=1)
    got: list[object] = []
    poller = threading.Thread(
        target=lambda: got.append(b.assign(keys.colonyname, 10, keys.executor_key))
    )
    poller.start()
    time.sleep(0.3)
    started = time.monotonic()
    submitted = a.submit(spec(keys.colonyname), keys.user_key)
    poller.join(10)
    assert got and got[0].processid == submitted.processid  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1.0  # woken by NOTIFY, not by a timeout
    done = threading.Thread(target=lambda: got.append(a.wait(submitted, 10, keys.user_key)))
    done.start()
    time.sleep(0.2)
    b.close(got[0].processid, ["across"], keys.executor_key)  # type: ignore[attr-defined]
    done.join(10)
    assert got[1].output == ["across"]  # type: ignore[attr-defined]


def test_a_request_cannot_be_replayed_to_the_other_server(replicas: list[ServerProcess]) -> None:
    payload = pb.GetServerInfoRequest().SerializeToString()
    method = "/colonies.v1.Colonies/GetServerInfo"
    metadata = signing.sign_call(generate_private_key(), method, payload)
    for i, srv in enumerate(replicas):
        with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
            call = channel.unary_unary(method)
            if i == 0:
                call(payload, metadata=metadata, timeout=5)
            else:
                with pytest.raises(grpc.RpcError) as err:
                    call(payload, metadata=metadata, timeout=5)
                assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_crons_start_once_per_tick_and_deadlines_requeue_once(
    replicas: list[ServerProcess], pg_url: str
) -> None:
    a = replicas[0].client()
    keys = bootstrap(a, replicas[0].server_key, executors=1)
    from pycolonies_like import Conditions, FuncSpec, Workflow

    wf = Workflow(colonyname=keys.colonyname, functionspecs=[FuncSpec(
        nodename="tick", funcname="tick",
        conditions=Conditions(colonyname=keys.colonyname, executortype="nobody"))])  # fmt: skip
    a.add_cron("every-second", "* * * * * *", False, wf, keys.colonyname, keys.user_key)
    a.submit(spec(keys.colonyname, maxexectime=1, maxretries=5), keys.user_key)
    a.assign(keys.colonyname, 5, keys.executor_key)  # ...and never closed
    time.sleep(3.5)  # both servers run every loop once a second
    with psycopg.connect(pg_url) as conn:
        starts = sorted(r[0] for r in conn.execute("SELECT submissiontime FROM processgraphs"))
        retries = conn.execute(
            "SELECT retries, state FROM processes WHERE processgraphid = ''"
        ).fetchone()
    assert 2 <= len(starts) <= 5, starts
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # One run per tick, not one per server: two servers running one tick start
    # milliseconds apart, while a tick run late by a loaded machine is still
    # hundreds of milliseconds from the next.
    assert all(gap > 0.2e9 for gap in gaps), gaps
    assert retries == (1, 0), retries  # requeued once after its deadline, not once per server


def test_the_server_survives_killed_database_connections(
    replicas: list[ServerProcess], pg_url: str
) -> None:
    client = replicas[0].client()
    keys = bootstrap(client, replicas[0].server_key, executors=0)
    acknowledged: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def submitter() -> None:
        while not stop.is_set():
            try:
                acknowledged.append(client.submit(spec(keys.colonyname), keys.user_key).processid)
            except (Unavailable, StorageError) as err:
                failures.append(str(err))
                time.sleep(0.05)

    worker = threading.Thread(target=submitter)
    worker.start()
    time.sleep(0.5)
    for _ in range(3):
        assert terminate_connections(pg_url) > 0
        time.sleep(0.4)
    time.sleep(1.0)
    stop.set()
    worker.join(10)
    assert all("database" in f for f in failures)
    before = len(acknowledged)
    acknowledged.append(
        client.submit(spec(keys.colonyname), keys.user_key).processid
    )  # serving again
    with psycopg.connect(pg_url) as conn:
        stored = {r[0] for r in conn.execute("SELECT processid FROM processes").fetchall()}
    assert set(acknowledged) <= stored and before > 10


def test_health_goes_not_serving_while_the_database_is_away(pg_url: str, tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    target = urlsplit(pg_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    srv = ThreadedServer(str(tmp_path), db_url=proxy.url(pg_url)).start()
    try:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, executors=0)

        def health() -> int:
            with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
                reply = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=""), timeout=5
                )
            return reply.status

        assert health() == health_pb2.HealthCheckResponse.SERVING
        proxy.cut()
        with pytest.raises((Unavailable, StorageError), match="database is unavailable"):
            client.submit(spec(keys.colonyname), keys.user_key)
        deadline = time.monotonic() + 15
        while health() != health_pb2.HealthCheckResponse.NOT_SERVING:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert srv.server.loop_states()["health"].value == "failed"
        proxy.restore()
        deadline = time.monotonic() + 30
        while health() != health_pb2.HealthCheckResponse.SERVING:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert client.submit(spec(keys.colonyname), keys.user_key).state == 0
    finally:
        srv.stop()
        proxy.close()


async def test_a_busy_pool_makes_calls_wait_then_says_busy_not_unavailable(pg_url: str) -> None:
    from server.store.postgres import PostgresStore

    store = PostgresStore(pg_url, pool_size=1)
    store.connect_timeout_s, store.busy_timeout_s = 0.2, 0.6
    await store.open()
    try:
        # The only connection is taken: the call waits, then is refused as busy.
        async with store._connection():
            with pytest.raises(ResourceExhausted, match="busy: all 1 database connections"):
                await store.list_colonies()
        # Freed in time, a waiting call goes through.
        async with store._connection():
            waiting = asyncio.create_task(store.list_colonies())
            await asyncio.sleep(0.3)
            assert not waiting.done()
        assert await waiting == []
    finally:
        await store.close()
