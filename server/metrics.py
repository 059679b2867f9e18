"""The server's Prometheus metrics and its short statistics history.

Nothing here runs on the request path: the request path counts in plain
integers (`server/counters.py`) and this module turns the counts into metric
families when Prometheus scrapes `/metrics`. The waiting-process gauges need
the database: one grouped query over the waiting index, run per scrape
(`ServerMetrics.render`), not per request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from pycolonies_like.core.models import Statistics
from server.counters import OTHER, Bounded, Histogram, ServerCounters
from server.loops import Loop, LoopState
from server.service import Services
from server.store import Store

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _histogram(
    family: HistogramMetricFamily, labels: list[str], h: Histogram
) -> HistogramMetricFamily:
    family.add_metric(labels, h.cumulative(), h.sum)
    return family


class ServerCollector(Collector):
    """Reads the server's counters at scrape time."""

    def __init__(self, counters: ServerCounters, store: Store, hub: Any, loops: list[Loop]) -> None:
        self.counters = counters
        self.store = store
        self.hub = hub
        self.loops = loops
        # Set by ServerMetrics.render just before each scrape.
        self.waiting: list[tuple[str, str, int, int]] = []
        self.now_ns = 0
        self._pair = Bounded[tuple[str, str]]((OTHER, OTHER))

    def collect(self) -> Iterator[Metric]:
        c = self.counters
        events = CounterMetricFamily(
            "colonies_process_events",
            "Process state changes: submitted, assigned, succeeded, failed, retried "
            "(requeued), cancelled; by colony and executor type",
            labels=["event", "colony", "executortype"],
        )
        for (kind, colony, executortype), n in list(c.process_events.items()):
            events.add_metric([kind.lower(), colony, executortype], n)
        yield events

        wait = HistogramMetricFamily(
            "colonies_queue_wait_seconds",
            "Seconds from a process' submission to its assignment",
            labels=["colony", "executortype"],
        )
        for (colony, executortype), h in list(c.queue_wait.items()):
            _histogram(wait, [colony, executortype], h)
        yield wait

        rpc = HistogramMetricFamily(
            "colonies_rpc_seconds",
            "Seconds to answer a unary gRPC call (parked assigns included), by method and code",
            labels=["method", "code"],
        )
        for (method, code), h in list(c.rpc.items()):
            _histogram(rpc, [method, code], h)
        yield rpc

        waiting = GaugeMetricFamily(
            "colonies_waiting_processes",
            "Processes waiting in the queue, by colony and executor type",
            labels=["colony", "executortype"],
        )
        oldest = GaugeMetricFamily(
            "colonies_oldest_waiting_seconds",
            "Age of the oldest waiting process, by colony and executor type",
            labels=["colony", "executortype"],
        )
        merged: dict[tuple[str, str], tuple[int, int]] = {}
        for colony, executortype, n, first in self.waiting:
            key = self._pair((colony, executortype))
            had_n, had_first = merged.get(key, (0, first))
            merged[key] = (had_n + n, min(had_first, first))
        for (colony, executortype), (n, first) in merged.items():
            waiting.add_metric([colony, executortype], n)
            oldest.add_metric([colony, executortype], max(self.now_ns - first, 0) / 1e9)
        yield waiting
        yield oldest

        parked = self.hub.dispatcher.count()
        yield GaugeMetricFamily("colonies_parked_assigns", "Assigns waiting for work", value=parked)
        yield GaugeMetricFamily(
            "colonies_event_subscriptions",
            "Open event streams (subscriptions and sessions' watches)",
            value=self.hub.bus.count(),
        )
        yield GaugeMetricFamily(
            "colonies_sessions_open", "Open executor sessions", value=c.sessions_open
        )
        yield CounterMetricFamily(
            "colonies_sessions_opened", "Executor sessions opened", value=c.sessions_opened
        )

        relay = getattr(self.hub, "relay", None)
        if relay is not None and hasattr(relay, "sent"):
            yield CounterMetricFamily(
                "colonies_relay_notifications",
                "Batches of wake-ups sent to the other servers on the database (PostgreSQL)",
                value=relay.sent,
            )
            yield GaugeMetricFamily(
                "colonies_relay_alone",
                "1 while no other server listens on the database: wake-ups are not sent",
                value=1 if relay.alone else 0,
            )

        commits = self.store.commits
        yield _histogram(
            HistogramMetricFamily(
                "colonies_store_commit_seconds",
                "Seconds to commit a write transaction (SQLite: one group commit; "
                "PostgreSQL: BEGIN to COMMIT)",
                labels=[],
            ),
            [],
            commits.seconds,
        )
        yield _histogram(
            HistogramMetricFamily(
                "colonies_store_commit_batch", "Changes committed together", labels=[]
            ),
            [],
            commits.batch,
        )
        yield CounterMetricFamily(
            "colonies_store_commit_failures", "Commits that failed", value=commits.failed
        )
        pool = self.store.pool_usage()
        if pool is not None:
            yield GaugeMetricFamily(
                "colonies_db_pool_in_use", "Database connections in use", value=pool[0]
            )
            yield GaugeMetricFamily(
                "colonies_db_pool_size", "Database connections at most", value=pool[1]
            )

        loops = GaugeMetricFamily(
            "colonies_loop_up",
            "1 while the background loop runs, 0 once it has failed",
            labels=["loop"],
        )
        for loop in self.loops:
            loops.add_metric([loop.name], 0 if loop.state == LoopState.FAILED else 1)
        yield loops


class ServerMetrics:
    """The registry of one server, rendered on demand."""

    def __init__(self, services: Services, store: Store, hub: Any, loops: list[Loop]) -> None:
        self.services = services
        self.collector = ServerCollector(services.counters, store, hub, loops)
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self.collector)
        self._store = store

    async def render(self) -> bytes:
        self.collector.waiting = await self._store.waiting_summary()
        self.collector.now_ns = self.services.now_ns()
        return generate_latest(self.registry)


@dataclass(frozen=True)
class Sample:
    time: int  # Unix ns
    waiting: int
    running: int
    successful: int
    failed: int
    cancelled: int


class StatisticsHistory:
    """A short history of each colony's process counts, sampled by a loop, so the
    dashboard can draw it without Prometheus. Kept in memory: it starts afresh
    when the server restarts."""

    def __init__(self, store: Store, now_ns: Any, size: int = 360) -> None:
        self._store = store
        self._now_ns = now_ns
        self.size = size
        self.samples: dict[str, deque[Sample]] = {}

    async def sample(self) -> None:
        colonies = await self._store.list_colonies()
        now = self._now_ns()
        names = set()
        for colony in colonies:
            names.add(colony.name)
            stats: Statistics = await self._store.colony_statistics(colony.name)
            history = self.samples.setdefault(colony.name, deque(maxlen=self.size))
            sample = Sample(
                now, stats.waitingprocesses, stats.runningprocesses,
                stats.successfulprocesses, stats.failedprocesses, stats.cancelledprocesses,
            )  # fmt: skip
            history.append(sample)
        for gone in set(self.samples) - names:
            del self.samples[gone]

    def of(self, colonyname: str) -> list[dict[str, int]]:
        return [asdict(s) for s in self.samples.get(colonyname, ())]
