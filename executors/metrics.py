"""An executor runtime's Prometheus metrics (`colonies executor start --metrics-port`).

Labels are the runtime's registered function names (a process asking for
another name counts as `_unknown`), so the label set is bounded by the code
the runtime serves. A function call costs far more than an observation, so
plain prometheus-client metrics are fine here; the per-function children are
made once, when the function is first seen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

UNKNOWN = "_unknown"
OUTCOMES = ("closed", "failed", "cancelled")


class _Running(Collector):
    def __init__(self, running: Callable[[], Iterable[str]]) -> None:
        self._running = running

    def describe(self) -> Iterator[Metric]:
        yield self._family()

    def _family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "colonies_executor_running", "Functions running now", labels=["function"]
        )

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        counts: dict[str, int] = {}
        for name in self._running():
            counts[name] = counts.get(name, 0) + 1
        for name, n in counts.items():
            family.add_metric([name], n)
        yield family


class RuntimeMetrics:
    def __init__(self, known: Callable[[], Iterable[str]], running: Callable[[], Iterable[str]]):
        self._known = known
        self.registry = CollectorRegistry(auto_describe=True)
        self.seconds = Histogram(
            "colonies_executor_function_seconds", "Seconds a function ran", ["function"],
            registry=self.registry,
            buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
        )  # fmt: skip
        self.ended = Counter(
            "colonies_executor_processes", "Processes ended, by function and outcome",
            ["function", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.registry.register(_Running(running))
        self._children: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def label(self, funcname: str) -> str:
        return funcname if funcname in set(self._known()) else UNKNOWN

    def ended_call(self, funcname: str, outcome: str, seconds: float) -> None:
        name = self.label(funcname)
        children = self._children.get(name)
        if children is None:
            by_outcome = {o: self.ended.labels(name, o) for o in OUTCOMES}
            children = self._children[name] = (self.seconds.labels(name), by_outcome)
        children[0].observe(seconds)
        children[1][outcome].inc()

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serves /metrics on a thread; returns the bound port."""
        self._server, self._thread = start_http_server(port, host, registry=self.registry)
        return int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
