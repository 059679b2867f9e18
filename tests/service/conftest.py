"""The service tier: services built by the factory on a real store and a
ManualClock, called directly (no gRPC). Every test runs on SQLite, and on
PostgreSQL when COLONIES_TEST_PG names a server (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from server.store.base import Store
from tests.service.world import World


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One throwaway database for the tier: creating one per test costs more
    than the tests themselves, so each test empties it instead."""
    from tests.conftest import need_pg
    from tests.pg import database

    with database(need_pg()) as url:
        yield url


def _empty(url: str) -> None:
    """Deletes every row (but the migrations'); DELETE with foreign keys
    unchecked takes milliseconds where TRUNCATE takes a quarter second."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'schema_migrations'"
        )]  # fmt: skip
        try:
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
                for table in tables:
                    conn.execute(f"DELETE FROM {table}")
        except psycopg.errors.InsufficientPrivilege:
            conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        from server.store.sqlite import SqliteStore

        store: Store = SqliteStore(str(tmp_path / "colonies.db"))
    else:
        from server.store.postgres import PostgresStore

        url = request.getfixturevalue("pg_url")
        store = PostgresStore(url)
        request.addfinalizer(lambda: _empty(url))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def world(store: Store) -> World:
    return await World.build(store)
