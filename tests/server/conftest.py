"""The `store` fixture: the conformance suite runs once per store.

PostgreSQL is used when COLONIES_TEST_PG names a server (a database is
created per test and dropped after). Without it the PostgreSQL cases are
skipped, unless COLONIES_REQUIRE_PG is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator

import pytest

from server.store.base import Store
from server.store.sqlite import SqliteStore


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
