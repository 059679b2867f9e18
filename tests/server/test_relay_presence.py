"""The relay's presence on PostgreSQL: a server alone on its database sends no
notifications; a server that joins is relayed to before it serves; a server
left alone again stops sending; a server relays while it cannot tell whether
it is alone (its listener is down, its own activity is hidden, or another
connection's activity cannot be read)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest

from server.hub import Hub
from server.loops import LoopState
from server.store import pg_relay
from server.store.pg_relay import Listeners, PgRelay
from server.store.postgres import PostgresStore
from server.testing import ThreadedServer, bootstrap
from tests.conftest import need_pg, spec
from tests.pg import database

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    with database(need_pg()) as url:
        yield url


@pytest.fixture
def counting_often(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_relay, "PRESENCE_EVERY", 0.2)


def relay_of(srv: ThreadedServer) -> PgRelay:
    relay = srv.server.hub.relay
    assert isinstance(relay, PgRelay)
    return relay


def until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def hidden(url: str) -> str:
    """`url` for connections whose activity pg_stat_activity does not show."""
    return f"{url}{'&' if '?' in url else '?'}options={quote('-c track_activities=off')}"


def some_work(srv: ThreadedServer) -> None:
    client = srv.client()
    keys = bootstrap(client, srv.server_key, executors=1)
    client.submit(spec(keys.colonyname), keys.user_key)
    process = client.assign(keys.colonyname, 5, keys.executor_key)
    client.close(process.processid, [], keys.executor_key)


def test_a_server_alone_on_its_database_sends_nothing(pg_url: str) -> None:
    with ThreadedServer(db_url=pg_url) as srv:
        relay = relay_of(srv)
        assert relay.alone
        some_work(srv)
        time.sleep(0.3)
        assert relay.sent == 0 and relay._outbox == []


def test_a_server_that_joins_is_relayed_to_before_it_serves(pg_url: str) -> None:
    with ThreadedServer(db_url=pg_url) as first:
        assert relay_of(first).alone
        # The first server is busy for a while: the second waits for its welcome.
        first.loop.call_soon_threadsafe(time.sleep, 1.5)
        started = time.monotonic()
        with ThreadedServer(db_url=pg_url, server_key=first.server_key) as second:
            assert time.monotonic() - started > 1.0
            assert not relay_of(first).alone and not relay_of(second).alone
            a, b = first.client(), second.client()
            keys = bootstrap(a, first.server_key, executors=1)
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


def test_a_server_left_alone_stops_sending(pg_url: str, counting_often: None) -> None:
    with ThreadedServer(db_url=pg_url) as first:
        relay = relay_of(first)
        with ThreadedServer(db_url=pg_url, server_key=first.server_key):
            assert not relay.alone
            time.sleep(0.6)  # counts meanwhile see the second server
            assert not relay.alone
        assert until(lambda: relay.alone, 10)


def test_a_server_relays_while_its_listener_is_down(pg_url: str) -> None:
    """A newcomer's hello is not heard meanwhile."""
    with ThreadedServer(db_url=pg_url) as srv:
        relay = relay_of(srv)
        assert relay.alone
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (relay._listener_pid,))
        assert until(lambda: relay.state == LoopState.FAILED, 10)
        assert not relay.alone
        # Back: it counts again, and finds itself alone.
        assert until(lambda: relay.state == LoopState.RUNNING and relay.alone, 15)


def test_a_server_that_cannot_see_who_listens_always_relays(
    pg_url: str, counting_often: None
) -> None:
    with ThreadedServer(db_url=hidden(pg_url)) as srv:
        relay = relay_of(srv)
        assert srv.call(relay._listeners()) is None
        time.sleep(0.6)
        assert not relay.alone
        # A listener the server cannot see either hears it.
        with psycopg.connect(hidden(pg_url), autocommit=True) as listener:
            listener.execute(pg_relay.LISTEN)
            some_work(srv)
            heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert heard and heard[0].startswith(relay.origin + "\n")


def test_a_server_relays_while_a_hidden_connection_might_listen(
    pg_url: str, counting_often: None
) -> None:
    with ThreadedServer(db_url=pg_url) as srv:
        relay = relay_of(srv)
        assert relay.alone
        with psycopg.connect(hidden(pg_url), autocommit=True) as listener:
            listener.execute(pg_relay.LISTEN)
            assert until(lambda: not relay.alone, 5)
            some_work(srv)
            heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert heard and heard[0].startswith(relay.origin + "\n")
        assert until(lambda: relay.alone, 5)  # gone: alone again


@pytest.fixture
def two_roles() -> Iterator[tuple[str, str]]:
    """A database owned by a role of its own, and the URLs of that role and of
    another (neither a superuser: each cannot read the other's activity)."""
    admin = need_pg()
    tag = secrets.token_hex(4)
    owner, other, name = f"colonies_t_a_{tag}", f"colonies_t_b_{tag}", f"colonies_t_{tag}"
    parts = urlsplit(admin)

    def url(role: str) -> str:
        host = f"{parts.hostname}:{parts.port or 5432}"
        return urlunsplit((parts.scheme, f"{role}@{host}", f"/{name}", parts.query, ""))

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {owner} LOGIN")
        conn.execute(f"CREATE ROLE {other} LOGIN")
        conn.execute(f"CREATE DATABASE {name} OWNER {owner}")
    try:
        yield url(owner), url(other)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"DROP ROLE IF EXISTS {owner}")
            conn.execute(f"DROP ROLE IF EXISTS {other}")


def test_a_server_relays_while_another_role_might_listen(
    two_roles: tuple[str, str], counting_often: None
) -> None:
    mine, theirs = two_roles
    with ThreadedServer(db_url=mine) as srv:
        relay = relay_of(srv)
        assert relay.alone
        with psycopg.connect(theirs, autocommit=True) as listener:
            listener.execute(pg_relay.LISTEN)
            assert until(lambda: not relay.alone, 5)
            some_work(srv)
            heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert heard and heard[0].startswith(relay.origin + "\n")


def test_the_metrics_say_whether_a_server_relays(pg_url: str) -> None:
    from tests.server.test_metrics import scrape, value

    with ThreadedServer(db_url=pg_url, http=True) as first:
        some_work(first)
        samples = scrape(first)
        assert value(samples, "colonies_relay_alone") == 1
        assert value(samples, "colonies_relay_notifications_total") == 0
        with ThreadedServer(db_url=pg_url, server_key=first.server_key):
            client = first.client()
            keys = bootstrap(client, first.server_key, colonyname="other", executors=1)
            client.submit(spec(keys.colonyname), keys.user_key)
            assert until(lambda: value(scrape(first), "colonies_relay_notifications_total") > 0, 5)
            assert value(scrape(first), "colonies_relay_alone") == 0


def test_sqlite_has_no_relay_metrics() -> None:
    from tests.server.test_metrics import scrape

    with ThreadedServer(http=True) as srv:
        assert not any(name.startswith("colonies_relay") for name, _ in scrape(srv))


# Races of presence, on relays alone (no servers): each was a lost wake-up.


async def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


@contextlib.asynccontextmanager
async def two_stores(url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    a, b = PostgresStore(url), PostgresStore(url)
    await a.open()
    await b.open()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_a_count_begun_before_a_reconnect_does_not_make_a_server_alone(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A's count sees nobody but comes back late; meanwhile A's listener
    drops, B starts (A misses its hello), A reconnects and finds B."""
    monkeypatch.setattr(pg_relay, "PRESENCE_EVERY", 0.1)
    async with two_stores(pg_url) as (store_a, store_b):
        a = PgRelay(pg_url, Hub(), store_a)
        await a.start()
        b = PgRelay(pg_url, Hub(), store_b)
        try:
            assert a.alone
            real = PgRelay._listeners
            hold, held = asyncio.Event(), asyncio.Event()

            async def late(self: PgRelay) -> Listeners | None:
                found = await real(self)
                task = asyncio.current_task()
                if self is a and task and task.get_name() == "relay:presence" and not held.is_set():
                    held.set()
                    await hold.wait()
                return found

            monkeypatch.setattr(PgRelay, "_listeners", late)
            await asyncio.wait_for(held.wait(), 5)
            gate = asyncio.Event()
            connect = psycopg.AsyncConnection.connect

            async def gated(*args: Any, **kwargs: Any) -> Any:
                if kwargs.get("application_name") == pg_relay.APPLICATION + a.origin:
                    await gate.wait()
                return await connect(*args, **kwargs)

            monkeypatch.setattr(pg_relay.psycopg.AsyncConnection, "connect", gated)
            async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as admin:
                await admin.execute("SELECT pg_terminate_backend(%s)", (a._listener_pid,))
            assert await _eventually(lambda: a.state == LoopState.FAILED)
            await b.start()
            gate.set()  # A reconnects, says hello, counts B
            assert await _eventually(lambda: a.state == LoopState.RUNNING and not a._greeting)
            assert not a.alone
            hold.set()  # the count from before lands
            await asyncio.sleep(0.05)
            assert not a.alone
            a.hub.relay = a
            woken = b.hub.signals.listen("log:x")
            a.hub.signal("log:x")
            assert await _eventually(woken.is_set, 5)
        finally:
            await a.stop()
            await b.stop()


async def test_a_hello_that_could_not_be_sent_is_sent_again(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with two_stores(pg_url) as (store_a, store_b):
        a = PgRelay(pg_url, Hub(), store_a)
        await a.start()
        b = PgRelay(pg_url, Hub(), store_b)
        try:
            assert a.alone
            real = PgRelay._notify
            failed: list[list[str]] = []

            async def flaky(self: PgRelay, batch: list[str]) -> None:
                if self is b and not failed:
                    failed.append(batch)
                    raise psycopg.OperationalError("connection lost")
                await real(self, batch)

            monkeypatch.setattr(PgRelay, "_notify", flaky)
            await b.start()
            assert failed and not a.alone
            a.hub.relay = a
            woken = b.hub.signals.listen("log:y")
            a.hub.signal("log:y")
            assert await _eventually(woken.is_set, 5)
        finally:
            await a.stop()
            await b.stop()
