"""Load shedding: a token bucket per identity, and calls in flight per identity
and in all, so that one tenant cannot starve the others.

A refused call fails with RESOURCE_EXHAUSTED (RateLimited) and says when to
retry; it has done nothing. The SDK retries such calls with backoff.

Refusing must cost less than serving, or a greedy identity still starves the
others through the refusals alone. So:
- a connection whose calls have all been signed by one identity is remembered
  with it; while that identity is over its budget, the connection's next call
  is refused before its signature is even checked (`refuse_early`);
- a refusal is held (a timer, no work) until the caller's turn could come,
  at most `HOLD_MAX_S`, and the retry hint says only what is left of the wait:
  a client that honours the hint loses nothing, one that ignores it and calls
  again at once is slowed to about its rate (`hold`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from pycolonies_like.core.errors import RateLimited

log = logging.getLogger(__name__)


HOLD_MAX_S = 1.0  # a refusal is held no longer than this
HOLD_PER_IDENTITY = 64  # refusals held at once per identity; beyond, refused at once
HOLD_TOTAL = 4096  # and in all
MIXED = ""  # a connection used by more than one identity: never refused early
PEER_TTL_S = 5.0  # a connection's identity is trusted this long after its last checked call


@dataclass
class _Bucket:
    tokens: float
    at: float
    inflight: int = 0
    held: int = 0


class Limits:
    def __init__(
        self,
        rate: float,
        burst: float,
        inflight_per_identity: int,
        inflight_total: int,
        clock: Callable[[], float] = time.monotonic,
        remembered: int = 100_000,
    ) -> None:
        self.rate = rate  # requests per second per identity; 0 = no rate limit
        self.burst = max(burst, 1.0)
        self.inflight_per_identity = inflight_per_identity  # 0 = no limit
        self.inflight_total = inflight_total  # 0 = no limit
        self.inflight = 0
        self._clock = clock
        self._remembered = remembered
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # connection -> (identity or MIXED, when a call over it was last checked); a
        # peer address may come back as another connection, hence the time to live.
        self._peers: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self.held = 0

    def admit(self, identity: str) -> None:
        """Counts a call in, or raises RateLimited; every admitted call is `release`d."""
        now = self._clock()
        bucket = self._buckets.get(identity)
        if bucket is None:
            bucket = self._buckets[identity] = _Bucket(self.burst, now)
            if len(self._buckets) > self._remembered:
                self._forget_idle()
        else:
            self._buckets.move_to_end(identity)
        if self.inflight_total and self.inflight >= self.inflight_total:
            raise RateLimited(
                f"the server is busy: {self.inflight} calls in progress; try again shortly", 0.1
            )
        if self.inflight_per_identity and bucket.inflight >= self.inflight_per_identity:
            raise RateLimited(
                f"too many calls in progress for {identity[:12]}... "
                f"(at most {self.inflight_per_identity} at once); try again shortly",
                0.05,
            )
        if self.rate > 0:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens < 1.0:
                wait = (1.0 - bucket.tokens) / self.rate
                raise RateLimited(
                    f"rate limit: {identity[:12]}... may make {self.rate:g} calls per second "
                    f"(bursts of {self.burst:g}); retry in {wait:.2f} s",
                    wait,
                )
            bucket.tokens -= 1.0
        bucket.inflight += 1
        self.inflight += 1

    def note_peer(self, peer: str, identity: str) -> None:
        """Remembers who signed a call that came over `peer` (a connection)."""
        if not peer:
            return
        known = self._peers.get(peer)
        now = self._clock()
        if known is None:
            self._peers[peer] = (identity, now)
            if len(self._peers) > self._remembered:
                self._peers.popitem(last=False)
        else:
            self._peers[peer] = (identity if known[0] == identity else MIXED, now)

    def refuse_early(self, peer: str) -> tuple[str, RateLimited] | None:
        """The refusal for a call over `peer` whose one identity is over its budget
        now (takes nothing from the bucket), or None: then check the call fully."""
        identity, at = self._peers.get(peer, (MIXED, 0.0))
        if not identity or self._clock() - at > PEER_TTL_S:
            return None
        bucket = self._buckets.get(identity)
        if bucket is None:
            return None
        if self.inflight_per_identity and bucket.inflight >= self.inflight_per_identity:
            return identity, RateLimited(
                f"too many calls in progress for {identity[:12]}... "
                f"(at most {self.inflight_per_identity} at once); try again shortly",
                0.05,
            )
        if self.rate > 0:
            tokens = min(self.burst, bucket.tokens + (self._clock() - bucket.at) * self.rate)
            if tokens < 1.0:
                wait = (1.0 - tokens) / self.rate
                return identity, RateLimited(
                    f"rate limit: {identity[:12]}... may make {self.rate:g} calls per second "
                    f"(bursts of {self.burst:g}); retry in {wait:.2f} s",
                    wait,
                )
        return None

    def hold(self, identity: str, err: RateLimited) -> float:
        """How long to hold the refusal `err` of a call by `identity` before it
        leaves (0: at once), and takes that time off its retry hint. A held
        refusal is `unhold`-ed when it leaves."""
        bucket = self._buckets.get(identity)
        if bucket is None or bucket.held >= HOLD_PER_IDENTITY or self.held >= HOLD_TOTAL:
            return 0.0
        # Refusals held already for this identity are ahead of this one in line.
        step = 1.0 / self.rate if self.rate > 0 else err.retry_after_s
        wait = err.retry_after_s + bucket.held * step
        seconds = min(wait, HOLD_MAX_S)
        err.retry_after_s = max(wait - seconds, 0.0)
        bucket.held += 1
        self.held += 1
        return seconds

    def unhold(self, identity: str) -> None:
        bucket = self._buckets.get(identity)
        if bucket is not None and bucket.held > 0:
            bucket.held -= 1
        self.held = max(0, self.held - 1)

    async def refuse(self, identity: str, err: RateLimited) -> NoReturn:
        """Raises `err`, after holding it as `hold` says."""
        seconds = self.hold(identity, err)
        if seconds > 0:
            try:
                await asyncio.sleep(seconds)
            finally:
                self.unhold(identity)
        raise err

    def release(self, identity: str) -> None:
        bucket = self._buckets.get(identity)
        if bucket is not None and bucket.inflight > 0:
            bucket.inflight -= 1
        self.inflight = max(0, self.inflight - 1)

    def _forget_idle(self) -> None:
        # Oldest first; a forgotten identity starts again with a full bucket.
        for identity in list(self._buckets)[: len(self._buckets) // 2]:
            bucket = self._buckets[identity]
            if bucket.inflight == 0 and bucket.held == 0:
                del self._buckets[identity]


def raise_descriptor_limit() -> int:
    """Raises this process' soft limit of open files to its hard limit; returns it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1_048_576 if hard == resource.RLIM_INFINITY else hard
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def connection_limit(wanted: int) -> int:
    """Connections per listener: as asked, but below the descriptor limit, so that
    accepting never fails with "Too many open files" (two listeners, the database,
    the files of the store and some room)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    room = max(16, (soft - 256) // 2)
    return max(1, min(wanted, room))


class RepeatedErrors:
    """An event loop exception handler that logs an error once, then how many more of
    the same came, at most once a minute: a flood of failing accepts (say) must not
    fill the disk with the same line."""

    def __init__(self, every_s: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.every_s = every_s
        self._clock = clock
        self._seen: dict[str, tuple[float, int]] = {}

    def __call__(self, loop: Any, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        key = f"{context.get('message', '')}|{type(exc).__name__}|{exc}"
        now = self._clock()
        first, count = self._seen.get(key, (0.0, -1))
        if count >= 0 and now - first < self.every_s:
            self._seen[key] = (first, count + 1)
            return
        if count > 0:
            log.error("%d more times in %.0f s: %s", count, now - first, context.get("message"))
        self._seen[key] = (now, 0)
        if len(self._seen) > 1000:
            self._seen.clear()
        loop.default_exception_handler(context)
