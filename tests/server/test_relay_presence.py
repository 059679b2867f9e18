"""The relay's presence on PostgreSQL: a server alone on its database sends no
notifications; a server that joins is relayed to before it serves; a server
left alone again stops sending; a server that cannot tell always relays."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest

from server.store import pg_relay
from server.store.pg_relay import PgRelay
from server.testing import ThreadedServer, bootstrap
from tests.conftest import need_pg, spec
from tests.pg import database

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    with database(need_pg()) as url:
        yield url


def relay_of(srv: ThreadedServer) -> PgRelay:
    relay = srv.server.hub.relay
    assert isinstance(relay, PgRelay)
    return relay


def until(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return bool(condition())  # type: ignore[operator]


def hidden(url: str) -> str:
    """`url` for connections whose activity pg_stat_activity does not show."""
    return f"{url}?options={quote('-c track_activities=off')}"


def test_a_server_alone_on_its_database_sends_nothing(pg_url: str) -> None:
    with ThreadedServer(db_url=pg_url) as srv:
        relay = relay_of(srv)
        assert relay.alone
        # A listener the server cannot see hears nothing of its work.
        with psycopg.connect(hidden(pg_url), autocommit=True) as listener:
            listener.execute(pg_relay.LISTEN)
            client = srv.client()
            keys = bootstrap(client, srv.server_key, executors=1)
            client.submit(spec(keys.colonyname), keys.user_key)
            process = client.assign(keys.colonyname, 5, keys.executor_key)
            client.close(process.processid, [], keys.executor_key)
            assert list(listener.notifies(timeout=1)) == []


def test_a_server_that_joins_is_relayed_to_before_it_serves(pg_url: str) -> None:
    with ThreadedServer(db_url=pg_url) as first:
        assert relay_of(first).alone
        with ThreadedServer(db_url=pg_url, server_key=first.server_key) as second:
            # Its start waited for the first server's welcome.
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


def test_a_server_left_alone_stops_sending(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_relay, "PRESENCE_EVERY", 0.2)
    with ThreadedServer(db_url=pg_url) as first:
        relay = relay_of(first)
        with ThreadedServer(db_url=pg_url, server_key=first.server_key):
            assert not relay.alone
            time.sleep(0.6)  # counts meanwhile see the second server
            assert not relay.alone
        assert until(lambda: relay.alone, 10)


def test_a_server_that_cannot_see_who_listens_always_relays(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_relay, "PRESENCE_EVERY", 0.2)
    with ThreadedServer(db_url=hidden(pg_url)) as srv:
        relay = relay_of(srv)
        assert srv.call(relay._listeners()) is None
        time.sleep(0.6)
        assert not relay.alone
        # A listener of its own that the server cannot see either hears it.
        with psycopg.connect(hidden(pg_url), autocommit=True) as listener:
            listener.execute(pg_relay.LISTEN)
            client = srv.client()
            keys = bootstrap(client, srv.server_key, executors=1)
            client.submit(spec(keys.colonyname), keys.user_key)
            heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        assert heard and heard[0].startswith(relay.origin + "\n")
