"""Dashboard sessions: a login turns into a random token bound to an identity.

The token goes to the browser (an HttpOnly cookie); the store keeps only its
SHA-256, with the identity, a CSRF token and the expiry, so every server
sharing the database -- and every worker of one -- knows the session, and a
read of the database does not hand out live tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import ResourceExhausted, Unauthenticated
from server.store.base import Store

MAX_SESSIONS = 100_000


@dataclass(frozen=True)
class Session:
    identity: str
    csrf: str
    expires_ns: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def open(self, identity: str, lifetime_s: float) -> tuple[str, Session]:
        """A new session for an identity already proven (a verified login link)."""
        now = self.clock.now_ns()
        await self.store.purge_sessions(now)
        if await self.store.count_sessions(now) >= MAX_SESSIONS:
            raise ResourceExhausted("too many dashboard sessions; try again later")
        token = secrets.token_urlsafe(32)
        session = Session(identity, secrets.token_urlsafe(24), now + int(lifetime_s * 1e9))
        await self.store.add_session(_hash(token), identity, session.csrf, session.expires_ns)
        return token, session

    async def get(self, token: str) -> Session:
        """The live session of a token; Unauthenticated if unknown or expired."""
        found = await self.store.get_session(_hash(token)) if token else None
        if found is None:
            raise Unauthenticated("not logged in: open a link from `colonies dashboard`")
        identity, csrf, expires = found
        if expires <= self.clock.now_ns():
            await self.store.remove_session(_hash(token))
            raise Unauthenticated("the session has expired: log in again")
        return Session(identity, csrf, expires)

    async def close(self, token: str) -> None:
        await self.store.remove_session(_hash(token))
