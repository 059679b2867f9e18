"""What the server counts while it works, in plain integers and dicts.

The request path only adds to these (a dict lookup and an addition); turning
them into Prometheus' families happens at scrape time (`server/metrics.py`),
and so does anything that needs the database. Labels stay bounded: a counter
keyed by values that callers choose (colony, executor type) takes at most
`MAX_SERIES` keys; later keys are counted under `OTHER`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

MAX_SERIES = 1000
OTHER = "_other"

# Seconds; for latencies from a millisecond to a minute.
LATENCY_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    30.0, 60.0,
)  # fmt: skip
# Seconds a process waited in the queue before an executor took it.
WAIT_BUCKETS: tuple[float, ...] = (
    0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
)  # fmt: skip
# Changes in one commit.
BATCH_BUCKETS: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)

K = TypeVar("K", bound=Hashable)


class Histogram:
    """Counts per bucket (cumulated only when exported), a sum and a count."""

    __slots__ = ("bounds", "buckets", "count", "sum")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        self.buckets = [0] * (len(self.bounds) + 1)  # the last one is +Inf
        self.sum = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.buckets[bisect_left(self.bounds, value)] += 1
        self.sum += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound, observations at or below it), as Prometheus wants them."""
        out: list[tuple[str, int]] = []
        total = 0
        for bound, n in zip((*self.bounds, float("inf")), self.buckets, strict=True):
            total += n
            out.append(("+Inf" if bound == float("inf") else repr(float(bound)), total))
        return out


class Bounded(Generic[K]):
    """Maps a key to a bounded key: itself while fewer than `limit` keys are known."""

    def __init__(self, other: K, limit: int = MAX_SERIES) -> None:
        self.known: set[K] = set()
        self.other = other
        self.limit = limit

    def __call__(self, key: K) -> K:
        if key in self.known:
            return key
        if len(self.known) >= self.limit:
            return self.other
        self.known.add(key)
        return key


class ServerCounters:
    """Everything the request path counts; one per server."""

    def __init__(self, max_series: int = MAX_SERIES) -> None:
        # (event kind name, colony, executor type) -> count
        self.process_events: dict[tuple[str, str, str], int] = {}
        # (colony, executor type) -> seconds from submission to assignment
        self.queue_wait: dict[tuple[str, str], Histogram] = {}
        # (method, status code name) -> seconds
        self.rpc: dict[tuple[str, str], Histogram] = {}
        self.sessions_open = 0
        self.sessions_opened = 0
        self._pair = Bounded[tuple[str, str]]((OTHER, OTHER), max_series)

    def process_event(self, kind: str, colonyname: str, executortype: str) -> None:
        colonyname, executortype = self._pair((colonyname, executortype))
        key = (kind, colonyname, executortype)
        events = self.process_events
        events[key] = events.get(key, 0) + 1

    def assigned(self, colonyname: str, executortype: str, waited_s: float) -> None:
        key = self._pair((colonyname, executortype))
        h = self.queue_wait.get(key)
        if h is None:
            h = self.queue_wait[key] = Histogram(WAIT_BUCKETS)
        h.observe(waited_s)

    def rpc_done(self, method: str, code: str, seconds: float) -> None:
        # Methods come from the service's descriptor and codes from grpc: bounded.
        key = (method, code)
        h = self.rpc.get(key)
        if h is None:
            h = self.rpc[key] = Histogram(LATENCY_BUCKETS)
        h.observe(seconds)


class CommitCounters:
    """What a store counts about its write transactions."""

    def __init__(self) -> None:
        self.seconds = Histogram(LATENCY_BUCKETS)
        self.batch = Histogram(BATCH_BUCKETS)
        self.failed = 0
