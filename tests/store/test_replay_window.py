"""Replays at the edge of the signature window, through the verifier, on
both stores (SQLite: nonces checked in the server's memory; PostgreSQL: in
the shared table, batched), with the injected clock."""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

import pytest

from pycolonies_like import crypto, signing
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.errors import Unauthenticated
from server.auth import RequestVerifier
from server.store.nonces import NONCE_GRACE_NS
from server.store.sql import SqlStore
from server.store.sqlite import SqliteStore

WINDOW_S = 300
MS = 1_000_000
# The first message's timestamp, ms: a day ahead of the wall clock, so that the
# database's clock (PostgreSQL refuses a nonce that expired over a minute ago
# by its own) never overtakes the servers' injected clock during a run.
TS = (time.time_ns() // 1_000_000_000 + 86_400) * 1000
EXPIRES = (TS + WINDOW_S * 1000) * MS  # when its nonce expires, ns


class Readings:
    """A clock that gives its readings in order, then the last one for ever."""

    def __init__(self, *readings: int) -> None:
        self.readings = list(readings)

    def now_ns(self) -> int:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


Signed = tuple[bytes, str, int, str, str, bytes]


def signed(key: str, ts_ms: int, nonce: str) -> Signed:
    digest = signing.digest(signing.RPC_TAG, "/m", ts_ms, nonce, b"payload")
    return signing.RPC_TAG, "/m", ts_ms, nonce, crypto.sign_digest(digest, key).hex(), b"payload"


@pytest.fixture
async def verifier(store: SqlStore) -> RequestVerifier:
    verifier = RequestVerifier(store, ManualClock(TS * MS), window_s=WINDOW_S)
    await verifier.load()
    return verifier


async def test_a_copy_in_the_last_millisecond_of_its_window_is_refused(
    verifier: RequestVerifier,
) -> None:
    key = crypto.generate_private_key()
    first = signed(key, TS, "aa" * 16)
    assert await verifier.verify(*first)
    # In the window by the millisecond (now_ms == ts + window), past the
    # nonce's expiry by the nanosecond.
    verifier.clock = Readings(EXPIRES + MS // 2)
    with pytest.raises(Unauthenticated, match="replayed"):
        await verifier.verify(*first)


async def test_a_copy_beside_a_later_message_is_refused(verifier: RequestVerifier) -> None:
    """On PostgreSQL the two share one batch, whose `now` is the later one's."""
    key = crypto.generate_private_key()
    first = signed(key, TS, "aa" * 16)
    assert await verifier.verify(*first)
    fresh = signed(key, EXPIRES // MS, "bb" * 16)
    verifier.clock = Readings(EXPIRES - MS // 2, EXPIRES - MS // 2, EXPIRES + MS // 2)
    found = await asyncio.gather(verifier.verify(*first), verifier.verify(*fresh),
                                 return_exceptions=True)  # fmt: skip
    assert isinstance(found[0], Unauthenticated) and found[1] == crypto.id_of(key), found


async def test_its_signer_may_use_an_expired_nonce_again(verifier: RequestVerifier) -> None:
    key = crypto.generate_private_key()
    assert await verifier.verify(*signed(key, TS, "aa" * 16))
    later = signed(key, TS + WINDOW_S * 1000 + 1, "aa" * 16)
    verifier.clock = Readings(EXPIRES + 2 * MS)
    assert await verifier.verify(*later)
    with pytest.raises(Unauthenticated, match="replayed"):
        await verifier.verify(*later)


async def test_a_nonce_is_kept_a_while_after_it_expired() -> None:
    """So that a copy checked in the last moment of its window and remembered
    a moment later finds it, whenever the purge runs. (SQLite: by the
    server's clock; PostgreSQL's purge also goes by the database's clock,
    tests/store/test_pg_nonces.py.)"""
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(os.path.join(tmp, "colonies.db"))
        await store.open()
        try:
            verifier = RequestVerifier(store, ManualClock(TS * MS), window_s=WINDOW_S)
            key = crypto.generate_private_key()
            assert await verifier.verify(*signed(key, TS, "aa" * 16))
            await store.durable()
            for now, kept in ((EXPIRES + 1, True), (EXPIRES + NONCE_GRACE_NS, True),
                              (EXPIRES + NONCE_GRACE_NS + 1, False)):  # fmt: skip
                verifier.clock = Readings(now)
                verifier._last_purge = 0  # the purge is due
                await verifier.flush()
                assert ("aa" * 16 in verifier._seen) == kept
                # What the store keeps, and what a restarted server loads.
                restarted = RequestVerifier(store, Readings(now), window_s=WINDOW_S)
                await restarted.load()
                assert ("aa" * 16 in dict(await store.load_nonces(0))) == kept
                assert ("aa" * 16 in restarted._seen) == kept
        finally:
            await store.close()


async def test_a_copy_of_a_shed_call_in_its_last_millisecond_is_refused(
    verifier: RequestVerifier,
) -> None:
    key = crypto.generate_private_key()
    assert verifier.refuse_unverified(shed(TS, "aa" * 16))
    verifier.clock = Readings(EXPIRES + MS // 2)
    with pytest.raises(Unauthenticated, match="replayed"):
        await verifier.verify(*signed(key, TS, "aa" * 16))


async def test_a_shed_calls_nonce_is_kept_a_while_after_it_expired(
    verifier: RequestVerifier,
) -> None:
    assert verifier.refuse_unverified(shed(TS, "aa" * 16))
    for now, kept in ((EXPIRES + 1, True), (EXPIRES + NONCE_GRACE_NS, True),
                      (EXPIRES + NONCE_GRACE_NS + 1, False)):  # fmt: skip
        verifier.clock = Readings(now)
        verifier._last_purge = 0
        await verifier.flush()
        assert ("aa" * 16 in verifier._unverified) == kept


async def test_a_shed_call_out_of_its_window_is_not_kept(verifier: RequestVerifier) -> None:
    """Its time check refuses it anyway; kept, one far in the future would
    hold every later one in memory (they are forgotten in arrival order)."""
    for far in (TS + WINDOW_S * 1000 + 1, TS - WINDOW_S * 1000 - 1, 10**18):
        assert not verifier.refuse_unverified(shed(far, "ff" * 8))
    assert verifier.refuse_unverified(shed(TS + WINDOW_S * 1000, "ee" * 8))
    assert list(verifier._unverified) == ["ee" * 8]


def shed(ts_ms: int, nonce: str) -> tuple[tuple[str, str], ...]:
    """The metadata of a call refused before its signature is checked."""
    return (signing.TIMESTAMP_KEY, str(ts_ms)), (signing.NONCE_KEY, nonce)
