"""Dashboard sessions: who a session cookie stands for, until when."""

from __future__ import annotations

from server.store.db import Database


class Sessions(Database):
    async def add_session(self, tokenhash: str, identity: str, csrf: str, expires_ns: int) -> None:
        async with self._write1() as tx:
            await tx.execute(
                "INSERT INTO dashboard_sessions (tokenhash, identity, csrf, expires) "
                "VALUES (?, ?, ?, ?)",
                (tokenhash, identity, csrf, expires_ns),
            )

    async def get_session(self, tokenhash: str) -> tuple[str, str, int] | None:
        """(identity, csrf token, expiry) of a session, expired or not; None if unknown."""
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT identity, csrf, expires FROM dashboard_sessions WHERE tokenhash = ?",
                (tokenhash,),
            )
        return (row["identity"], row["csrf"], row["expires"]) if row else None

    async def remove_session(self, tokenhash: str) -> bool:
        async with self._write1() as tx:
            n = await tx.execute("DELETE FROM dashboard_sessions WHERE tokenhash = ?", (tokenhash,))
        return n == 1

    async def purge_sessions(self, now_ns: int) -> int:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM dashboard_sessions WHERE expires <= ?", (now_ns,))

    async def count_sessions(self, now_ns: int) -> int:
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT COUNT(*) AS n FROM dashboard_sessions WHERE expires > ?", (now_ns,)
            )
        return int(row["n"]) if row else 0
