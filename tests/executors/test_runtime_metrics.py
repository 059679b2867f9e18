"""The executor runtime's /metrics (`--metrics-port`), against a real server."""

from __future__ import annotations

import asyncio
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from executors.runtime import ExecutorRuntime
from pycolonies_like import Colonies
from server.testing import ColonyKeys, ThreadedServer
from tests.executors.test_runtime import TYPE, Running, final, settings, submit


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        text = reply.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_runtime_metrics_count_functions(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2, metrics_port=0))
    release = asyncio.Event()

    @runtime.function()
    def add(a: int, b: int) -> int:
        return a + b

    @runtime.function()
    def broken() -> None:
        raise ValueError("bad input")

    @runtime.function()
    async def hold() -> str:
        await release.wait()
        return "held"

    async with Running(runtime):
        port = runtime.metrics_port
        assert port > 0
        for pid in [submit(client, colony, "add", 1, 2), submit(client, colony, "broken"),
                    submit(client, colony, "nope")]:  # fmt: skip
            await asyncio.to_thread(final, client, colony, pid)
        held = submit(client, colony, "hold")
        for _ in range(200):
            now = await asyncio.to_thread(scrape, port)
            if now.get(("colonies_executor_running", (("function", "hold"),))) == 1:
                break
            await asyncio.sleep(0.05)
        assert now[("colonies_executor_running", (("function", "hold"),))] == 1
        release.set()
        await asyncio.to_thread(final, client, colony, held)
        await asyncio.sleep(0.1)
        after = await asyncio.to_thread(scrape, port)

    def ended(function: str, outcome: str) -> float:
        key = (("function", function), ("outcome", outcome))
        return after.get(("colonies_executor_processes_total", key), 0)

    assert ended("add", "closed") == 1
    assert ended("broken", "failed") == 1
    assert ended("_unknown", "failed") == 1  # no function of that name: bounded labels
    assert ended("hold", "closed") == 1
    assert after[("colonies_executor_function_seconds_count", (("function", "add"),))] == 1
    assert ("colonies_executor_running", (("function", "hold"),)) not in after
    assert "nope" not in str(after)
