"""Nonces of signed requests, remembered to refuse replays."""

from __future__ import annotations

from collections.abc import Sequence

from server.store.db import Database

# How long a nonce is kept after it expired: longer than any wait between a
# call's time check and its nonce's write (a signature recovery and, on a
# shared store, a statement). On PostgreSQL the database's clock also bounds
# it: a nonce is purged, and refused, by that clock (pg_statements), so
# neither the servers' skew nor a long wait reopens a purged nonce.
NONCE_GRACE_NS = 60 * 1_000_000_000

UPSERT = (
    "INSERT INTO nonces (nonce, expires) VALUES (?, ?) ON CONFLICT (nonce) "
    "DO UPDATE SET expires = excluded.expires"
)


class Nonces(Database):
    async def remember_nonce(self, nonce: str, expires_ns: int, now_ns: int) -> bool:
        # An expired nonce may be remembered again by a message that expires
        # later (a later timestamp); a live one, or a copy, is refused.
        async with self._write1() as tx:
            inserted = await tx.execute(
                f"{UPSERT} WHERE nonces.expires < ? AND nonces.expires < excluded.expires",
                (nonce, expires_ns, now_ns),
            )
        return inserted == 1

    async def save_nonces(self, nonces: Sequence[tuple[str, int]]) -> None:
        if nonces:
            async with self._tx() as tx:
                await tx.executemany(UPSERT, nonces)

    async def load_nonces(self, now_ns: int) -> list[tuple[str, int]]:
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT nonce, expires FROM nonces WHERE expires >= ?", (now_ns,)
            )
        return [(r["nonce"], r["expires"]) for r in found]

    async def clock_ns(self) -> int | None:
        return None  # the server's clock alone

    async def purge_nonces(self, now_ns: int) -> int:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM nonces WHERE expires < ?", (now_ns,))
