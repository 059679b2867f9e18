"""A trace follows a process from submit through assign to close, across the
client, the server and the executor (OpenTelemetry's in-memory exporter)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from executors.runtime import ExecutorRuntime
from pycolonies_like import Colonies, ProcessState, tracing
from server.testing import ColonyKeys, ThreadedServer
from tests.executors.test_runtime import TYPE, Running, final, settings, submit


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(None)
        provider.shutdown()


def by_name(exporter: InMemorySpanExporter) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for span in exporter.get_finished_spans():
        out.setdefault(span.name, []).append(span)
    return out


async def test_one_trace_from_submit_to_close(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, spans: InMemorySpanExporter
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony))

    @runtime.function()
    def add(a: int, b: int) -> int:
        return a + b

    @runtime.function()
    def broken() -> None:
        raise ValueError("bad input")

    async with Running(runtime):
        ok = submit(client, colony, "add", 1, 2)
        bad = submit(client, colony, "broken")
        for pid in (ok, bad):
            await asyncio.to_thread(final, client, colony, pid)
        await asyncio.sleep(0.2)  # the executor's span ends after its report

    process = client.get_process(ok, colony.user_key)
    assert tracing.TRACEPARENT in process.spec.env
    found = by_name(spans)
    [submit_span] = [s for s in found["colonies submit add"]]
    assert submit_span.kind == SpanKind.PRODUCER
    trace_id = submit_span.context.trace_id

    def of(name: str, pid: str) -> Any:
        [span] = [s for s in found[name] if s.attributes["colonies.process_id"] == pid]
        return span

    queued, ran = of("colonies queued", ok), of("colonies run", ok)
    executed = of("colonies run add", ok)
    for span in (queued, ran, executed):
        assert span.context.trace_id == trace_id
        assert span.parent.span_id == submit_span.context.span_id
    assert executed.kind == SpanKind.CONSUMER
    assert queued.end_time <= ran.start_time <= ran.end_time
    assert ran.attributes["colonies.state"] == "successful"
    assert executed.status.status_code != StatusCode.ERROR

    failed_run, failed_exec = of("colonies run", bad), of("colonies run broken", bad)
    assert failed_run.status.status_code == StatusCode.ERROR
    assert failed_exec.status.status_code == StatusCode.ERROR
    assert "ValueError: bad input" in failed_exec.status.description
    assert failed_run.context.trace_id != trace_id  # another submit, another trace


def test_a_workflows_processes_share_its_trace(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, spans: InMemorySpanExporter
) -> None:
    c, t = colony.colonyname, colony.executortype
    graph = client.submit_workflow(
        {"colonyname": c, "functionspecs": [
            {"nodename": "a", "funcname": "f", "conditions": {"colonyname": c, "executortype": t}},
            {"nodename": "b", "funcname": "f", "conditions": {"colonyname": c, "executortype": t,
                                                              "dependencies": ["a"]}}]},
        colony.user_key,
    )  # fmt: skip
    for _ in range(2):
        p = client.assign(c, 5, colony.executor_key)
        client.close(p.processid, [], colony.executor_key)
    assert client.get_processgraph(graph.processgraphid, colony.user_key).state == (
        ProcessState.SUCCESSFUL
    )
    found = by_name(spans)
    [root] = found["colonies submit workflow"]
    runs = [s for s in found["colonies run"] if s.attributes.get("colonies.workflow_id")
            == graph.processgraphid]  # fmt: skip
    assert len(runs) == 2 and len(found["colonies queued"]) >= 2
    assert {s.context.trace_id for s in runs} == {root.context.trace_id}


def test_silent_without_a_tracer_provider(client: Colonies, colony: ColonyKeys) -> None:
    assert not tracing.enabled()
    pid = submit(client, colony, "anything")
    assert tracing.TRACEPARENT not in client.get_process(pid, colony.user_key).spec.env


def test_a_given_trace_context_is_kept(
    client: Colonies, colony: ColonyKeys, spans: InMemorySpanExporter
) -> None:
    mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    from tests.conftest import spec

    s = spec(colony.colonyname, executortype=TYPE, env={"TRACEPARENT": mine})
    p = client.submit_func_spec(s, colony.user_key)
    assert client.get_process(p.processid, colony.user_key).spec.env["TRACEPARENT"] == mine


def test_configure_exports_only_when_asked() -> None:
    assert tracing.configure("colonies-test", env={}) is False
    assert not tracing.enabled()
    try:
        assert tracing.configure(
            "colonies-test", env={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}
        )
        assert tracing.enabled()
    finally:
        tracing.shutdown()
        tracing.use(None)
    assert not tracing.enabled()
