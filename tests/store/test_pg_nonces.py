"""Nonces on PostgreSQL, remembered a batch per turn of the event loop
(server/store/pg_nonces.py), against a real database."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from typing import Any

import psycopg
import pytest

from pycolonies_like import crypto, signing
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.errors import StorageError, Unauthenticated
from server.auth import RequestVerifier
from server.store.nonces import NONCE_GRACE_NS
from server.store.pg_statements import DB_NOW_NS
from server.store.postgres import PostgresStore
from tests.pg import waiting_on_locks

S = 1_000_000_000
MS = 1_000_000
WINDOW_S = 300


@pytest.fixture
def now() -> int:
    """The servers' clock of a test: the wall clock, as the database's (which
    refuses a nonce that expired over a minute ago by its own)."""
    return time.time_ns()


def nonce(n: int) -> str:
    return f"{n:032x}"


async def test_copies_asked_for_together_run_once(postgres_store: PostgresStore, now: int) -> None:
    asked = [nonce(1), nonce(2), nonce(1), nonce(3), nonce(1)]
    found = await asyncio.gather(*(postgres_store.remember_nonce(n, now + S, now) for n in asked))
    assert found == [True, True, False, True, False]
    # Each is remembered: a later copy is refused, in a batch of its own too.
    again = await asyncio.gather(*(postgres_store.remember_nonce(nonce(n), now + S, now)
                                   for n in (3, 4, 2)))  # fmt: skip
    assert again == [False, True, False]


async def test_the_expiry_is_judged_at_the_batch_latest_now(
    postgres_store: PostgresStore, now: int
) -> None:
    assert await postgres_store.remember_nonce(nonce(1), now + S, now)
    # In one batch: one message's now before the stored expiry, one after it.
    found = await asyncio.gather(
        postgres_store.remember_nonce(nonce(2), now + 3 * S, now),
        postgres_store.remember_nonce(nonce(1), now + 3 * S, now + 2 * S),
    )
    assert found == [True, True]
    assert not await postgres_store.remember_nonce(nonce(1), now + 3 * S, now + 2 * S)


async def test_two_servers_remember_each_nonce_once(
    postgres_store: PostgresStore, now: int
) -> None:
    """Copies of the same messages sent to two servers at once, in opposite
    orders: each nonce is remembered by exactly one of them, and their
    batches wait for each other without a deadlock."""
    other = PostgresStore(postgres_store.url)
    await other.open()
    try:
        for round_ in range(5):
            names = [nonce(1000 * round_ + i) for i in range(40)]
            calls = [postgres_store.remember_nonce(n, now + S, now) for n in names]
            calls += [other.remember_nonce(n, now + S, now) for n in reversed(names)]
            found = await asyncio.gather(*calls)
            first, second = found[:40], found[40:][::-1]
            assert [a + b for a, b in zip(first, second, strict=True)] == [1] * 40
    finally:
        await other.close()


async def test_a_caller_that_goes_away_leaves_its_batch(
    postgres_store: PostgresStore, now: int
) -> None:
    gone = asyncio.create_task(postgres_store.remember_nonce(nonce(1), now + S, now))
    stays = asyncio.create_task(postgres_store.remember_nonce(nonce(2), now + S, now))
    await asyncio.sleep(0)  # both have joined the batch
    gone.cancel()
    assert await stays
    with pytest.raises(asyncio.CancelledError):
        await gone
    # The nonce of the call that went away was remembered all the same.
    assert not await postgres_store.remember_nonce(nonce(1), now + S, now)


async def test_a_failed_batch_fails_each_caller(postgres_store: PostgresStore, now: int) -> None:
    await postgres_store.close()
    found = await asyncio.gather(
        *(postgres_store.remember_nonce(nonce(n), now + S, now) for n in (1, 2)),
        return_exceptions=True,
    )
    assert all(isinstance(f, StorageError) for f in found), found


async def test_a_failed_batch_whose_callers_went_away_reports_nothing(
    postgres_store: PostgresStore, now: int
) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        await postgres_store.close()
        gone = asyncio.create_task(postgres_store.remember_nonce(nonce(1), now + S, now))
        await asyncio.sleep(0)  # it has joined its batch
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        await asyncio.sleep(0.05)  # the batch has failed
        del gone
        gc.collect()
        await asyncio.sleep(0)
        assert reported == []  # no error left unread to report
    finally:
        loop.set_exception_handler(None)


async def test_a_batch_stopped_midway_stops_its_callers(
    postgres_store: PostgresStore, now: int
) -> None:
    """The server stopping while a batch waits on the database: its callers
    are cancelled with it, and it remembered nothing."""
    held, fresh = nonce(1), nonce(2)
    assert await postgres_store.remember_nonce(held, now + S, now)
    async with await psycopg.AsyncConnection.connect(postgres_store.url) as other:
        await other.execute("UPDATE nonces SET expires = expires WHERE nonce = %s", (held,))
        calls = asyncio.gather(
            postgres_store.remember_nonce(held, now + 3 * S, now + 2 * S),
            postgres_store.remember_nonce(fresh, now + S, now),
            return_exceptions=True,
        )
        await asyncio.sleep(0.3)  # the batch waits for the row `other` holds
        (sending,) = postgres_store._nonces._sending
        sending.cancel()
        found = await asyncio.wait_for(calls, 5)
        assert all(isinstance(f, asyncio.CancelledError) for f in found), found
        await other.rollback()
    assert await postgres_store.remember_nonce(fresh, now + S, now)


async def test_a_batch_meeting_a_purge_in_the_other_order_runs_again(
    postgres_store: PostgresStore, now: int
) -> None:
    """Two expired nonces remembered again in one batch while a purge takes
    their rows in the other order (a transaction deleting the second, then
    the first): PostgreSQL aborts one of the two, and the batch runs again."""
    first, second = nonce(1), nonce(2)
    assert await postgres_store.remember_nonce(first, now - 1, now - 10)
    assert await postgres_store.remember_nonce(second, now - 2, now - 10)
    async with await psycopg.AsyncConnection.connect(postgres_store.url) as purge:
        await purge.execute("DELETE FROM nonces WHERE nonce = %s", (second,))
        batch = asyncio.gather(
            postgres_store.remember_nonce(first, now + S, now),
            postgres_store.remember_nonce(second, now + S, now),
            return_exceptions=True,
        )
        async with (
            await psycopg.AsyncConnection.connect(postgres_store.url) as admin,
            asyncio.timeout(10),
        ):
            # Until the batch, having taken the first row, waits for the second.
            while not batch.done() and not await waiting_on_locks(admin):
                await asyncio.sleep(0.01)
        with contextlib.suppress(psycopg.errors.DeadlockDetected):
            await purge.execute("DELETE FROM nonces WHERE nonce = %s", (first,))
            await purge.commit()
        found = await asyncio.wait_for(batch, 10)
    assert found == [True, True], found


async def db_now(store: PostgresStore) -> int:
    async with await psycopg.AsyncConnection.connect(store.url) as conn:
        cursor = await conn.execute(f"SELECT {DB_NOW_NS}")
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_the_database_clock_bounds_the_purge(postgres_store: PostgresStore) -> None:
    """A server whose clock runs ahead purges only what the database's clock
    says expired a while ago; a nonce that may have been purged by it is
    refused (a server whose clock runs behind would take it for live)."""
    recent, old = nonce(1), nonce(2)
    async with await psycopg.AsyncConnection.connect(postgres_store.url) as conn:
        # As if remembered earlier: `old` expired over a minute ago by the
        # database's clock, `recent` half a minute ago.
        await conn.execute(
            f"INSERT INTO nonces (nonce, expires) VALUES (%s, {DB_NOW_NS} - %s), "
            f"(%s, {DB_NOW_NS} - %s)",
            (old, NONCE_GRACE_NS + S, recent, NONCE_GRACE_NS // 2),
        )
        await conn.commit()
    ahead = await db_now(postgres_store) + 3600 * S  # a server an hour ahead
    assert await postgres_store.purge_nonces(ahead - NONCE_GRACE_NS) == 1
    kept = dict(await postgres_store.load_nonces(0))
    assert recent in kept and old not in kept
    # A nonce the purge may have removed is not remembered again, whatever
    # the server's clock says.
    expired = kept[recent] - NONCE_GRACE_NS
    assert not await postgres_store.remember_nonce(old, expired, 0)
    assert await postgres_store.remember_nonce(nonce(3), kept[recent] + 60 * S, 0)


async def test_two_servers_a_minute_and_a_half_apart(postgres_store: PostgresStore) -> None:
    """Server B's clock runs 90 s ahead of A's (which is the database's):
    B's purge does not forget a nonce whose message A still accepts."""
    now = await db_now(postgres_store)
    ts = now // MS - (WINDOW_S * 1000 - 10_000)  # 10 s left in its window
    key = crypto.generate_private_key()
    digest = signing.digest(signing.RPC_TAG, "/m", ts, nonce(1), b"p")
    message = (signing.RPC_TAG, "/m", ts, nonce(1), crypto.sign_digest(digest, key).hex(), b"p")
    a = RequestVerifier(postgres_store, ManualClock(now), window_s=WINDOW_S)
    b = RequestVerifier(postgres_store, ManualClock(now + 90 * S), window_s=WINDOW_S)
    assert await a.verify(*message)
    b._last_purge = 0
    await b.flush()
    with pytest.raises(Unauthenticated, match="replayed"):
        await a.verify(*message)


@pytest.mark.parametrize(("offset_s", "warned"), [(0, ""), (-120, "120 s behind"),
                                                  (45, "45 s ahead of")])  # fmt: skip
async def test_a_server_far_from_the_database_clock_is_warned(
    postgres_store: PostgresStore, caplog: pytest.LogCaptureFixture, offset_s: int, warned: str
) -> None:
    clock = ManualClock(await db_now(postgres_store) + offset_s * S)
    with caplog.at_level(logging.WARNING, logger="server.auth"):
        await RequestVerifier(postgres_store, clock, window_s=WINDOW_S).load()
    warnings = [r.getMessage() for r in caplog.records if r.name == "server.auth"]
    if warned:
        assert len(warnings) == 1 and warned in warnings[0] and "NTP" in warnings[0], warnings
    else:
        assert warnings == []


async def test_a_batch_racing_the_store_close_fails_as_storage_unavailable(
    postgres_store: PostgresStore, now: int
) -> None:
    # close() has closed the pool while a call still holds it, as at shutdown.
    pool = postgres_store._pool
    assert pool is not None
    await pool.close()
    with pytest.raises(StorageError, match="the store is closed"):
        await postgres_store.remember_nonce("n-closing", now + 60 * S, now)
