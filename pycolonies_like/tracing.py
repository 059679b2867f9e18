"""OpenTelemetry tracing, when the `otel` extra is installed (`pip install
'pycolonies-like[otel]'`); without it every function here does nothing.

A process carries its trace in its spec, as the W3C trace context in
`env["TRACEPARENT"]` (and `TRACESTATE`): the environment-variable carrier of
OpenTelemetry, so a shell command run for the process inherits it too. The
SDK puts it there on submit (all processes of a workflow get the same one,
so they share its trace), the server adds its spans to it (queued, run,
ended), and the executor runtime runs the function inside a span of it.

Spans are recorded when a tracer provider is in use: one the application
set as OpenTelemetry's global provider, one given to `use()`, or the OTLP
exporter `configure()` sets up when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set. Otherwise nothing is recorded.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

TRACEPARENT = "TRACEPARENT"
TRACESTATE = "TRACESTATE"
INSTRUMENTATION = "pycolonies_like"

try:
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    _PROPAGATOR: Any = TraceContextTextMapPropagator()
except ImportError:  # the `otel` extra is not installed
    trace = None  # type: ignore[assignment]
    _PROPAGATOR = None

_provider: Any = None  # given to use() or made by configure(); else the global one
_cache: tuple[Any, Any] = (None, None)  # (provider, its tracer)


def available() -> bool:
    return trace is not None


def use(provider: Any) -> None:
    """Records spans with this tracer provider (None: back to the global one)."""
    global _provider
    _provider = provider


def _tracer() -> Any:
    """The tracer to record with, None when nobody set up a provider (cached:
    servers ask on every state change)."""
    global _cache
    if trace is None:
        return None
    provider = _provider if _provider is not None else trace.get_tracer_provider()
    known, tracer = _cache
    if provider is known:
        return tracer
    if isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider)):
        tracer = None  # record nothing, at no cost
    else:
        tracer = provider.get_tracer(INSTRUMENTATION)
    _cache = (provider, tracer)
    return tracer


def enabled() -> bool:
    return _tracer() is not None


def configure(service_name: str, env: Mapping[str, str] | None = None) -> bool:
    """Exports spans over OTLP when the OTEL_EXPORTER_OTLP_* variables ask for it;
    True when it did. Silent (False) when they do not or the extra is missing."""
    env = os.environ if env is None else env
    wanted = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if not wanted:
        return False
    try:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning("OTEL_EXPORTER_OTLP_ENDPOINT is set but the `otel` extra is not installed")
        return False
    resource = Resource.create({"service.name": env.get("OTEL_SERVICE_NAME", service_name)})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use(provider)
    log.info("tracing: exporting spans over OTLP to %s", wanted)
    return True


def shutdown() -> None:
    """Flushes and stops the provider configure() made (its spans are exported)."""
    if _provider is not None and hasattr(_provider, "shutdown"):
        _provider.shutdown()


def context_of(env: Mapping[str, str]) -> Any:
    """The trace context a process' env carries (None without one)."""
    if _PROPAGATOR is None or TRACEPARENT not in env:
        return None
    carrier = {"traceparent": env[TRACEPARENT]}
    if TRACESTATE in env:
        carrier["tracestate"] = env[TRACESTATE]
    return _PROPAGATOR.extract(carrier)


@contextmanager
def submitting(name: str, envs: Sequence[MutableMapping[str, str]]) -> Iterator[None]:
    """A client span around a submit; its context goes into each spec's env
    (a spec that carries a trace context already keeps it)."""
    tracer = _tracer()
    if tracer is None:
        yield
        return
    with tracer.start_as_current_span(name, kind=trace.SpanKind.PRODUCER) as span:
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier)
        for env in envs:
            if TRACEPARENT not in env and "traceparent" in carrier:
                env[TRACEPARENT] = carrier["traceparent"]
                if "tracestate" in carrier:
                    env[TRACESTATE] = carrier["tracestate"]
        span.set_attribute("colonies.processes", len(envs))
        yield


def record(
    name: str, env: Mapping[str, str], start_ns: int, end_ns: int,
    attributes: Mapping[str, Any], error: str = "",
) -> None:  # fmt: skip
    """A finished span in the trace the env carries (nothing without one)."""
    tracer = _tracer()
    if tracer is None:
        return
    parent = context_of(env)
    if parent is None:
        return
    span = tracer.start_span(
        name, context=parent, kind=trace.SpanKind.INTERNAL, start_time=start_ns,
        attributes=dict(attributes),
    )  # fmt: skip
    if error:
        span.set_status(trace.Status(trace.StatusCode.ERROR, error))
    span.end(end_time=max(end_ns, start_ns))


@contextmanager
def running(name: str, env: Mapping[str, str], attributes: Mapping[str, Any]) -> Iterator[Any]:
    """A consumer span around running a process' function, in its trace; yields
    a setter for how it ended (an error message fails the span)."""
    tracer = _tracer()
    parent = context_of(env) if tracer is not None else None
    if parent is None:
        yield lambda error: None
        return
    with tracer.start_as_current_span(
        name, context=parent, kind=trace.SpanKind.CONSUMER, attributes=dict(attributes)
    ) as span:

        def ended(error: str) -> None:
            if error:
                span.set_status(trace.Status(trace.StatusCode.ERROR, error))

        yield ended
