"""What every part of the SQL store stands on: transactions, rows, the dialect.

Statements are written once, in the SQL that SQLite and PostgreSQL share, with
`?` (positional) or `:name` (named) placeholders. Rows are read by column
name. A `Dialect` supplies the little that differs between the two databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pycolonies_like.core.models import Executor
from server.counters import CommitCounters
from server.hub import Hub, Relay

Params = Sequence[Any] | Mapping[str, Any]

# A named placeholder (`:name`); not a PostgreSQL cast (`::text`).
NAMED = re.compile(r"(?<![:\w]):(\w+)")


class UniqueViolation(Exception):
    """Raised by a Tx when an insert breaks a unique constraint."""


class Row(Protocol):
    """A result row, read by column name (sqlite3.Row, or a dict from psycopg)."""

    def __getitem__(self, key: str, /) -> Any: ...


class Dialect:
    """What differs between SQLite and PostgreSQL, and nothing else.

    Both speak the same upserts (INSERT ... ON CONFLICT ... DO UPDATE with
    `excluded`) and RETURNING, so neither needs a hook here.
    """

    name = "sql"
    # Appended to a SELECT whose rows the transaction is about to change.
    lock_rows = ""

    def bind(self, sql: str, params: Params) -> tuple[str, Params]:
        """A statement and its parameters, as the driver takes them."""
        return sql, params

    def bind_many(self, sql: str, rows: Iterable[Params]) -> tuple[str, list[Params]]:
        return sql, list(rows)

    async def pick(self, tx: Tx, executor: Executor) -> str | None:
        """The claim's choice: the id of the best queued process for `executor`
        (lowest prioritytime among rows for any executor of its type or for it
        by name), held for this transaction."""
        raise NotImplementedError


class Tx(Protocol):
    """Statements inside one transaction (or one autocommit statement)."""

    @property
    def dialect(self) -> Dialect: ...

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Runs a statement; returns the number of rows it changed."""
        ...

    async def send(self, sql: str, params: Params = ()) -> None:
        """Runs a write whose row count nobody reads. It may travel to the
        database with the next statement (PostgreSQL); its errors surface
        there, or at the commit."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


class Database:
    """The base of every part of the store: how to run statements.

    `_tx()` opens a transaction; `_read()` runs reads that need none;
    `_write1()` runs a write that is one statement (atomic on its own).
    """

    kind = "sql"
    shared = False

    def __init__(self) -> None:
        self.commits = CommitCounters()  # commit latency and batch size, for /metrics

    def pool_usage(self) -> tuple[int, int] | None:
        """(connections in use, pool size), for stores with a connection pool."""
        return None

    def _tx(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def _read(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def _write1(self) -> AbstractAsyncContextManager[Tx]:
        return self._tx()

    def _tx_unflushed(self) -> AbstractAsyncContextManager[Tx]:
        """A transaction whose commit need not wait for the disk: a later
        commit that does flushes it too (the log is written in order). Only
        for work that is redone if it is lost (see Graphs.settle_process)."""
        return self._tx()

    async def durable(self) -> None:
        """Returns once every change made so far is committed (see SqliteStore)."""
        return None

    async def start_relay(self, hub: Hub) -> Relay | None:
        """No other server can share this database: nothing to relay."""
        return None


def marks(values: Sequence[Any]) -> str:
    """Positional placeholders for an IN list of `values`."""
    return ", ".join("?" * len(values))
