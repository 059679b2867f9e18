"""The `store` fixture: the conformance suite runs once per store.

PostgreSQL is used when COLONIES_TEST_PG names a server (a database is
created per test and dropped after). Without it the PostgreSQL cases are
skipped, unless COLONIES_REQUIRE_PG is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest

from pycolonies_like import Colonies
from pycolonies_like.core.clock import ManualClock
from server.store.base import Store
from server.store.sqlite import SqliteStore
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import need_pg, unique


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(os.path.join(tmp, "colonies.db"))
            await store.open()
            try:
                yield store
            finally:
                await store.close()
        return
    from tests.conftest import need_pg
    from tests.pg import temporary_database

    async with temporary_database(need_pg()) as url:
        from server.store.postgres import PostgresStore

        store = PostgresStore(url)
        await store.open()
        try:
            yield store
        finally:
            await store.close()


# -- A server with short lease timeouts whose time moves when the test says so.

ACK_S = 2.0
LEASE_S = 4.0


@pytest.fixture(params=["sqlite", "postgresql"])
def leased(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[ThreadedServer]:
    """A server with short lease timeouts whose time moves when the test says so."""
    settings = dict(
        clock=clock, signature_window_s=10**9, sweep_interval_s=3600, cron_interval_s=3600,
        generator_interval_s=3600, retention_interval_s=3600, ready_interval_s=3600,
        assign_ack_timeout_s=ACK_S, lease_timeout_s=LEASE_S, cleanup_interval_s=3600,
    )  # fmt: skip
    if request.param == "sqlite":
        with ThreadedServer(**settings) as srv:  # type: ignore[arg-type]
            yield srv
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(db_url=url, **settings) as srv:  # type: ignore[arg-type]
        yield srv


@pytest.fixture
def lclient(leased: ThreadedServer) -> Colonies:
    return leased.client()


@pytest.fixture
def lcolony(leased: ThreadedServer, lclient: Colonies) -> ColonyKeys:
    return bootstrap(lclient, leased.server_key, colonyname=unique(), executors=2)


def sweep(server: ThreadedServer) -> int:
    return int(server.call(server.services.processes.sweep()))


def wake(server: ThreadedServer) -> int:
    return int(server.call(server.services.processes.wake_due()))
