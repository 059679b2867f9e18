"""Stores: one semantic protocol, implemented for SQLite and PostgreSQL."""

from __future__ import annotations

from server.store.base import FinishResult, Member, Store


async def open_store(url: str | None, data_dir: str, **options: object) -> Store:
    """Opens the store named by `url`: a postgresql:// URL, or SQLite in `data_dir`."""
    if url and url.startswith(("postgresql://", "postgres://")):
        from server.store.postgres import PostgresStore

        store: Store = PostgresStore(url, **options)  # type: ignore[arg-type]
    else:
        from server.store.sqlite import SqliteStore

        path = url[len("sqlite://") :] if url and url.startswith("sqlite://") else None
        store = SqliteStore(path or f"{data_dir}/colonies.db", **options)  # type: ignore[arg-type]
    await store.open()
    return store


__all__ = ["FinishResult", "Member", "Store", "open_store"]
