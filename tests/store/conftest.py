"""Migrated databases of each dialect, opened by their stores."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from server.store.postgres import PostgresStore
from server.store.sql import SqlStore


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SqlStore]:
    if request.param == "sqlite":
        from server.store.sqlite import SqliteStore

        with tempfile.TemporaryDirectory() as tmp:
            sqlite = SqliteStore(os.path.join(tmp, "colonies.db"))
            await sqlite.open()
            try:
                yield sqlite
            finally:
                await sqlite.close()
        return
    async with _postgres() as postgres:
        yield postgres


@pytest.fixture
async def postgres_store() -> AsyncIterator[PostgresStore]:
    """A migrated PostgreSQL database alone (tests of PostgreSQL's own paths)."""
    async with _postgres() as postgres:
        yield postgres


@asynccontextmanager
async def _postgres() -> AsyncIterator[PostgresStore]:
    from tests.conftest import need_pg
    from tests.pg import temporary_database

    async with temporary_database(need_pg()) as url:
        postgres = PostgresStore(url)
        await postgres.open()
        try:
            yield postgres
        finally:
            await postgres.close()
