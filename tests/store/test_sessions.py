"""Dashboard sessions in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from server.store.sql import SqlStore


async def test_sessions_are_added_read_expired_and_removed(store: SqlStore) -> None:
    await store.add_session("h1", "alice", "csrf1", 100)
    await store.add_session("h2", "bob", "csrf2", 200)
    await store.durable()
    assert await store.get_session("h1") == ("alice", "csrf1", 100)
    assert await store.get_session("nope") is None
    assert await store.count_sessions(now_ns=150) == 1
    assert await store.purge_sessions(now_ns=150) == 1
    assert await store.get_session("h1") is None
    assert await store.remove_session("h2") is True
    assert await store.remove_session("h2") is False
    assert await store.count_sessions(now_ns=0) == 0
