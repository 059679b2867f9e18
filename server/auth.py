"""Authenticates requests: recovers the signer, checks the time window and nonce.

A request is accepted once: its nonce is remembered until a minute after its
timestamp has left the window, and the timestamp check refuses it after that.
A remembered nonce is taken again only by a message with a later timestamp
once the first has expired: a copy, whose timestamp is the same, is refused
as long as the nonce is kept. When several servers share the store (PostgreSQL),
every nonce is checked in the store.
A server alone on its store (SQLite) checks them in memory and writes each one
in the same commit as the change it guards: the reply waits for that commit,
so a request acknowledged before a crash is still refused after the restart.
A call refused before its signature is checked (load shedding) has its nonce
remembered too, in this server's memory, so a copy of it cannot run later.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Sequence

from pycolonies_like import crypto, signing
from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import Unauthenticated
from server.store.base import Store
from server.store.nonces import NONCE_GRACE_NS

# A server whose clock is further than this from the database's is warned at
# start (nonces are purged, and refused, by the database's clock too).
CLOCK_SKEW_WARNING_S = 30.0
# How many nonces of calls refused unverified are remembered (past that, calls
# are verified before they are refused).
MAX_UNVERIFIED = 100_000
log = logging.getLogger(__name__)
_NONCE = re.compile(r"^[0-9a-f]{16,64}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{130}$")


class RequestVerifier:
    def __init__(self, store: Store, clock: Clock, window_s: float = 300.0) -> None:
        self.store = store
        self.clock = clock
        self.window_ms = int(window_s * 1000)
        self._seen: dict[str, int] = {}
        # Nonces of calls refused before their signature was checked (load
        # shedding): a captured copy of such a call must not run later, when
        # its sender has already sent it again under a new nonce.
        self._unverified: OrderedDict[str, int] = OrderedDict()
        self._last_purge = 0

    async def load(self) -> None:
        if not self.store.shared:
            self._seen = dict(await self.store.load_nonces(self._forgotten_before()))
        theirs = await self.store.clock_ns()
        if theirs is not None:
            skew_s = (self.clock.now_ns() - theirs) / 1e9
            if abs(skew_s) > CLOCK_SKEW_WARNING_S:
                log.warning(
                    "this server's clock is %.0f s %s the database's: keep them within a "
                    "minute (NTP); further behind, calls in the last part of their "
                    "signature window are refused as replayed",
                    abs(skew_s), "behind" if skew_s < 0 else "ahead of",
                )  # fmt: skip

    def _forgotten_before(self) -> int:
        # A nonce is forgotten a while after it expired, not at once: a copy
        # of its message checked in time (in the last moment of its window)
        # and remembered a moment later still finds it, and is refused.
        return self.clock.now_ns() - NONCE_GRACE_NS

    async def flush(self, purge_every_s: float = 60.0) -> None:
        """Purges long expired nonces now and then."""
        now = self.clock.now_ns()
        if now - self._last_purge >= purge_every_s * 1e9:
            self._last_purge = now
            before = self._forgotten_before()
            self._seen = {n: e for n, e in self._seen.items() if e >= before}
            while self._unverified and next(iter(self._unverified.values())) < before:
                self._unverified.popitem(last=False)
            await self.store.purge_nonces(before)

    def refuse_unverified(self, metadata: Sequence[tuple[str, str | bytes]]) -> bool:
        """Remembers the nonce of a call about to be refused unverified, so that
        no copy of the call runs later; False when it cannot be remembered
        (no well-formed nonce and timestamp, or too many remembered): then the
        call must be verified like any other."""
        values = _signed_values(metadata)
        nonce, timestamp = values.get(signing.NONCE_KEY, ""), values.get(signing.TIMESTAMP_KEY)
        if not _NONCE.match(nonce) or len(self._unverified) >= MAX_UNVERIFIED:
            return False
        try:
            ts = int(timestamp or "")
        except ValueError:
            return False
        if abs(self.clock.now_ns() // 1_000_000 - ts) > self.window_ms:
            return False  # refused by its time alone, once verified; not kept
        expires_ns = (ts + self.window_ms) * 1_000_000
        self._unverified[nonce] = max(expires_ns, self._unverified.get(nonce, 0))
        return True

    async def _remember(self, nonce: str, expires_ns: int) -> bool:
        now = self.clock.now_ns()
        if _taken(self._unverified.get(nonce, 0), expires_ns, now):
            return False
        if self.store.shared:
            return await self.store.remember_nonce(nonce, expires_ns, now)
        known = self._seen.get(nonce)
        if known is not None and _taken(known, expires_ns, now):
            return False
        # Written in the group commit the request's own changes join; the
        # transport awaits that commit before the reply leaves.
        await self.store.save_nonces([(nonce, expires_ns)])
        self._seen[nonce] = expires_ns
        return True

    async def verify(
        self,
        tag: bytes,
        method: str,
        timestamp: str | int | None,
        nonce: str | None,
        signature: str | None,
        payload: bytes,
    ) -> str:
        """The id of the signer, or Unauthenticated explaining what is wrong."""
        if not signature or timestamp in (None, "") or not nonce:
            raise Unauthenticated(
                "the request is not signed: x-colonies-timestamp, x-colonies-nonce and "
                "x-colonies-signature are required"
            )
        try:
            ts = int(timestamp)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise Unauthenticated("x-colonies-timestamp must be Unix milliseconds") from None
        now_ms = self.clock.now_ns() // 1_000_000
        if abs(now_ms - ts) > self.window_ms:
            raise Unauthenticated(
                f"the request was signed {abs(now_ms - ts) / 1000:.0f} s away from the server "
                f"clock; the limit is {self.window_ms / 1000:.0f} s (check the client's clock)"
            )
        if not _NONCE.match(nonce):
            raise Unauthenticated("x-colonies-nonce must be 16 to 64 lowercase hex characters")
        if not _SIGNATURE.match(signature):
            raise Unauthenticated("x-colonies-signature must be 130 lowercase hex characters")
        digest = signing.digest(tag, method, ts, nonce, payload)
        caller = crypto.recover_id(digest, bytes.fromhex(signature))
        expires_ns = (ts + self.window_ms) * 1_000_000
        if not await self._remember(nonce, expires_ns):
            raise Unauthenticated("replayed request: this nonce was used already")
        return caller

    async def verify_metadata(
        self, method: str, metadata: Sequence[tuple[str, str | bytes]], payload: bytes
    ) -> str:
        values = _signed_values(metadata)
        return await self.verify(
            signing.RPC_TAG,
            method,
            values.get(signing.TIMESTAMP_KEY),
            values.get(signing.NONCE_KEY),
            values.get(signing.SIGNATURE_KEY),
            payload,
        )


def _taken(remembered: int, expires_ns: int, now_ns: int) -> bool:
    """Whether a nonce remembered until `remembered` refuses a message that
    would be remembered until `expires_ns`: until it expires, and always a
    message that expires no later (a copy has the same timestamp; the store's
    upserts say the same)."""
    return remembered >= now_ns or remembered >= expires_ns


def _signed_values(metadata: Sequence[tuple[str, str | bytes]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in metadata:
        if key in (signing.TIMESTAMP_KEY, signing.NONCE_KEY, signing.SIGNATURE_KEY):
            values[key] = value.decode() if isinstance(value, bytes) else value
    return values
