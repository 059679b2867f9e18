"""Builds and runs a server: store, services, transports, background loops."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

import pycolonies_like
from pycolonies_like import tracing
from pycolonies_like.core.clock import Clock, SystemClock
from pycolonies_like.core.errors import InvalidArgument, ResourceExhausted, StorageError
from pycolonies_like.proto import colonies_pb2 as pb
from server.auth import RequestVerifier
from server.config import PortUnavailable, ServerSettings, bind_reason, check_port_free
from server.counters import ServerCounters
from server.hub import Hub
from server.limits import Limits, RepeatedErrors, connection_limit, raise_descriptor_limit
from server.loops import Loop, LoopState
from server.metrics import ServerMetrics, StatisticsHistory
from server.objects import LocalObjects
from server.service import Services, build_services
from server.store import Store, open_store
from server.transport.grpc_api import SERVICE_NAME, GrpcApi

log = logging.getLogger(__name__)


class ColoniesServer:
    """A running server. `await start()` returns the bound gRPC port."""

    def __init__(
        self, settings: ServerSettings, *, clock: Clock | None = None, store: Store | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store: Store | None = store
        self.hub = Hub()
        self.counters = ServerCounters()
        self.services: Services | None = None
        self.metrics: ServerMetrics | None = None
        self.history: StatisticsHistory | None = None
        self.dashboard: Any = None  # set when the HTTP port serves the dashboard
        self.verifier: RequestVerifier | None = None
        self.limits = Limits(0, 1, 0, 0)
        self.port = 0
        self.http_port = 0
        self.loops: list[Loop] = []
        self._grpc: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._extra_stop: list[Callable[[], object]] = []
        self._stopped = asyncio.Event()

    async def start(self) -> int:
        s = self.settings
        if self.store is None:
            self.store = await open_store(s.db_url, s.data_dir, **self._store_options())
        self.hub.relay = await self.store.start_relay(self.hub)
        objects = LocalObjects(
            Path(s.data_dir) / "objects", s.max_object_bytes, s.object_grace_s, self.clock.now_ns
        )
        services = build_services(
            self.store, self.hub, self.clock, s.server_id, self.counters, s.lease_policy(),
            objects,
        )  # fmt: skip
        self.services = services
        verifier = RequestVerifier(self.store, self.clock, s.signature_window_s)
        await verifier.load()
        self.verifier = verifier
        info = pb.ServerInfo(
            version=pycolonies_like.__version__,
            store=self.store.kind,
            signature_window_ms=int(s.signature_window_s * 1000),
        )
        options = [
            ("grpc.max_receive_message_length", s.max_message_bytes),
            ("grpc.max_send_message_length", max(s.max_message_bytes, 16 * 1024 * 1024)),
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.http2.min_ping_interval_without_data_ms", 5_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.so_reuseport", int(s.reuse_port)),
            # Slow and idle clients: a connection has this long for its TLS handshake,
            # one with no call in progress is closed, and there are only so many.
            ("grpc.server_handshake_timeout_ms", int(s.handshake_timeout_s * 1000)),
            ("grpc.max_connection_idle_ms", int(s.idle_timeout_s * 1000)),
            ("grpc.max_allowed_incoming_connections", connection_limit(s.max_connections)),
            ("grpc.max_metadata_size", 16 * 1024),
        ]
        self.limits = Limits(
            s.rate_limit, s.rate_burst, s.max_inflight_per_identity, s.max_inflight
        )
        server = grpc.aio.server(options=options)
        api = GrpcApi(services, verifier, info, self.limits)
        server.add_generic_rpc_handlers((api.handler(),))
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        address = f"{s.host}:{s.port}"
        self._grpc = server
        try:
            check_port_free(s.host, s.port, "gRPC", "--port", s.reuse_port)
            if s.tls_cert and s.tls_key:
                with open(s.tls_cert, "rb") as cert, open(s.tls_key, "rb") as key:
                    credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
                self.port = server.add_secure_port(address, credentials)
            else:
                self.port = server.add_insecure_port(address)
        except PortUnavailable:
            await self.stop(0)
            raise
        except RuntimeError:  # grpc's "Failed to bind": it keeps the reason to itself
            self.port = 0
        if self.port == 0:
            await self.stop(0)
            raise PortUnavailable(s.host, s.port, "gRPC", "--port", bind_reason(None))
        await server.start()
        await self._set_health(True)
        self.history = StatisticsHistory(self.store, self.clock.now_ns, s.history_size)
        self._start_loops(services, verifier)
        self.metrics = ServerMetrics(services, self.store, self.hub, self.loops)
        if not s.server_id:
            log.warning("no server id given: nobody can add colonies (set COLONIES_SERVER_ID)")
        log.info("serving gRPC on %s:%d (store: %s)", s.host, self.port, self.store.kind)
        return self.port

    def _store_options(self) -> dict[str, object]:
        s = self.settings
        if s.db_url and s.db_url.startswith(("postgres://", "postgresql://")):
            return {"pool_size": s.db_pool_size}
        return {"synchronous": s.sqlite_sync}

    def _start_loops(self, services: Services, verifier: RequestVerifier) -> None:
        s = self.settings

        def durably(step: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                await step()
                await services.durable()  # a failed commit marks the loop failed

            return run

        async def nonces() -> None:
            await verifier.flush(s.nonce_purge_interval_s)

        self.loops = [
            Loop("deadlines", durably(services.processes.sweep), s.sweep_interval_s),
            Loop("ready", durably(services.processes.wake_due), s.ready_interval_s),
            Loop("channels", durably(services.channels.purge), max(s.sweep_interval_s, 1.0)),
            Loop("crons", durably(services.schedules.run_due_crons), s.cron_interval_s),
            Loop("generators", durably(services.schedules.run_generators), s.generator_interval_s),
            Loop("retention", durably(services.retention.purge), s.retention_interval_s),
            Loop("nonces", durably(nonces), 1.0),
            Loop("health", self._check_health, 1.0),
        ]
        if s.remove_silent_after_s > 0:
            remove = durably(services.colonies.remove_silent)
            self.loops.append(Loop("silent executors", remove, s.cleanup_interval_s))
        sweep_objects = services.files.sweep_objects  # uploads no file names, past their grace
        self.loops.append(Loop("objects", sweep_objects, s.cleanup_interval_s))
        if self.history is not None and s.history_interval_s > 0:
            self.loops.append(Loop("statistics", self.history.sample, s.history_interval_s))
        for loop in self.loops:
            loop.start()

    async def _check_health(self) -> None:
        assert self.services is not None
        try:
            await self.services.ping()
        except ResourceExhausted:
            return  # busy, not away: every database connection is in use
        except StorageError:
            await self._set_health(False)
            raise
        await self._set_health(True)

    async def _set_health(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in ("", SERVICE_NAME):
            await self._health.set(name, status)

    def loop_states(self) -> dict[str, LoopState]:
        return {loop.name: loop.state for loop in self.loops}

    def on_stop(self, callback: Callable[[], object]) -> None:
        self._extra_stop.append(callback)

    async def stop(self, grace: float | None = None) -> None:
        if self._stopped.is_set():
            return
        grace = self.settings.grace_s if grace is None else grace
        await self._set_health(False)
        if self.services is not None:
            self.services.close()  # parked assigns return, streams end
        for callback in self._extra_stop:
            result = callback()
            if asyncio.iscoroutine(result):
                await result
        if self._grpc is not None:
            await self._grpc.stop(grace)
        for loop in self.loops:
            await loop.stop()
        if self.hub.relay is not None:
            await self.hub.relay.stop()
        if self.store is not None:
            await self.store.close()
        self._stopped.set()

    async def wait_stopped(self) -> None:
        await self._stopped.wait()


async def serve(
    settings: ServerSettings, ready: Callable[[ColoniesServer], None] | None = None
) -> None:
    """Runs until SIGTERM or SIGINT, then stops gracefully."""
    raise_descriptor_limit()
    asyncio.get_running_loop().set_exception_handler(RepeatedErrors())
    tracing.configure("colonies-server")  # OTLP when OTEL_EXPORTER_OTLP_* ask for it
    server = ColoniesServer(settings)
    await server.start()
    if settings.http_port:
        from server.transport.web import start_http

        try:
            await start_http(server, settings.http_port)
        except BaseException:
            await server.stop(0)
            raise
    # What start-up made (modules, descriptors, caches) lives as long as the server:
    # frozen, the collector's full passes skip it instead of walking it mid-request.
    gc.collect()
    gc.freeze()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    if ready is not None:
        ready(server)
    await stopping.wait()
    log.info("stopping (grace %.0f s)", settings.grace_s)
    await server.stop()
    tracing.shutdown()


def event_loop_choice() -> str:
    """uvloop (the default, when installed) or asyncio: COLONIES_EVENT_LOOP.
    Only the default falls back to asyncio; uvloop asked for by name must be there."""
    asked = os.environ.get("COLONIES_EVENT_LOOP", "").strip().lower()
    choice = asked or "uvloop"
    if choice not in ("uvloop", "asyncio"):
        raise InvalidArgument(f"COLONIES_EVENT_LOOP must be uvloop or asyncio, not {choice!r}")
    if choice == "uvloop":
        try:
            import uvloop  # noqa: F401
        except ImportError:
            if asked:
                raise InvalidArgument(
                    "COLONIES_EVENT_LOOP=uvloop, but uvloop is not installed "
                    "(install it, or ask for asyncio)"
                ) from None
            return "asyncio"
    return choice


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new loop of the chosen kind (event_loop_choice)."""
    if event_loop_choice() == "uvloop":
        import uvloop

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, None]) -> None:
    """Runs a server's coroutine to its end on the chosen loop (event_loop_choice):
    uvloop serves the same work with less of the server's CPU."""
    try:
        choice = event_loop_choice()
    except InvalidArgument:
        main.close()
        raise
    if choice == "uvloop":
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)
