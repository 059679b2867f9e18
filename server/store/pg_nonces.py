"""Nonces on PostgreSQL, remembered together.

Every signed message's nonce is remembered in the shared table before the
message runs. The nonces asked for in one turn of the event loop go to the
database in one statement (one round trip and one pooled connection, however
many messages arrived together), which answers which of them were new.

A nonce asked for twice in one batch is refused the second time (two copies of
one signed message arrived together: one may run). A stored nonce is taken
again only once it has expired, judged at the latest `now` of the batch, and
only by a message that expires later than it (a later timestamp): a copy,
whose timestamp is the same, is refused whatever the clock says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from server.store.db import Database
from server.store.nonces import NONCE_GRACE_NS
from server.store.pg_statements import DB_NOW_NS, PURGE_NONCES, REMEMBER_NONCES

# (nonces, their expiry times, now) -> the nonces remembered (the new ones)
Run = Callable[[list[str], list[int], int], Awaitable[set[str]]]


class NonceBatches:
    def __init__(self, run: Run) -> None:
        self._run = run
        self._batch: dict[str, int] = {}
        self._now = 0
        self._done: asyncio.Future[set[str]] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    async def remember(self, nonce: str, expires_ns: int, now_ns: int) -> bool:
        """True when `nonce` was new (or expired) and is now remembered."""
        if self._done is None:
            loop = asyncio.get_running_loop()
            self._done = loop.create_future()
            self._done.add_done_callback(_retrieved)
            loop.call_soon(self._send)
        elif nonce in self._batch:
            return False
        self._batch[nonce] = expires_ns
        self._now = max(self._now, now_ns)
        # Shielded: a caller that goes away does not take its batch with it.
        return nonce in await asyncio.shield(self._done)

    def _send(self) -> None:
        batch, now, done = self._batch, self._now, self._done
        self._batch, self._now, self._done = {}, 0, None
        assert done is not None
        task = asyncio.create_task(self._remember(batch, now, done), name="nonces")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _remember(
        self, batch: dict[str, int], now: int, done: asyncio.Future[set[str]]
    ) -> None:
        try:
            # In one order everywhere: two batches holding the same nonces
            # (copies sent to two servers) wait for each other; a batch that
            # meets a purge's other order is run again (PostgresStore, retrying).
            nonces = sorted(batch)
            done.set_result(await self._run(nonces, [batch[n] for n in nonces], now))
        except asyncio.CancelledError:  # the server is stopping
            done.cancel()
            raise
        except Exception as err:  # every caller of the batch hears of it
            done.set_exception(err)


def _retrieved(done: asyncio.Future[set[str]]) -> None:
    # A batch whose callers all went away would otherwise have its error
    # logged as never retrieved; each caller still waiting raises it.
    if not done.cancelled():
        done.exception()


class PgNonces(Database):
    """The nonces of PostgresStore: remembered in batches (`_nonces`, which
    the store makes), purged and refused by the database's clock too."""

    _nonces: NonceBatches

    async def remember_nonce(self, nonce: str, expires_ns: int, now_ns: int) -> bool:
        """nonces.Nonces.remember_nonce, without waiting for the disk: the WAL
        is flushed in order, so the commit of whatever the request then
        changes makes its nonce durable too (a request that changes nothing
        has nothing to replay). One round trip, shared by the nonces asked
        for in the same turn of the event loop, and no flush."""
        return await self._nonces.remember(nonce, expires_ns, now_ns)

    async def _remember_nonces(self, nonces: list[str], expires: list[int], now: int) -> set[str]:
        async with self._write1() as tx:
            rows = await tx.fetchall(REMEMBER_NONCES, (nonces, expires, NONCE_GRACE_NS, now))
        return {row["nonce"] for row in rows}

    async def clock_ns(self) -> int | None:
        async with self._read() as tx:
            row = await tx.fetchone(f"SELECT {DB_NOW_NS} AS now")
        assert row is not None
        return int(row["now"])

    async def purge_nonces(self, now_ns: int) -> int:
        async with self._write1() as tx:
            return await tx.execute(PURGE_NONCES, (now_ns, NONCE_GRACE_NS))
