"""`colonies server`: run and check a server."""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from pycolonies_like.cli.common import CliError
from server.cli.limits import limit_options, limit_settings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group()
def server() -> None:
    """Run and check a server."""


@server.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, help="gRPC port (or COLONIES_SERVER_PORT; default 50070).")
@click.option(
    "--http-port",
    type=int,
    help="HTTP port: health, /metrics, the dashboard and the ColonyOS-compatible API "
    "(COLONIES_SERVER_HTTP_PORT, default 50080); 0 = off.",
)
@click.option(
    "--colonyos-api/--no-colonyos-api",
    default=None,
    help="Serve the ColonyOS-compatible API on the HTTP port; its requests can be "
    "replayed (COLONIES_COLONYOS_API; off).",
)
@click.option(
    "--metrics/--no-metrics",
    "metrics",
    default=None,
    help="Serve Prometheus metrics at /metrics on the HTTP port (COLONIES_METRICS; on).",
)
@click.option(
    "--dashboard/--no-dashboard",
    default=None,
    help="Serve the web dashboard under /ui on the HTTP port (COLONIES_DASHBOARD; on).",
)
@click.option(
    "--data-dir", help="Directory of the SQLite database (or COLONIES_DATA_DIR; default ./data)."
)
@click.option(
    "--db", "db_url", help="postgresql://... to use PostgreSQL (or COLONIES_DB_* variables)."
)
@click.option("--server-id", help="Id of the server owner (or COLONIES_SERVER_ID).")
@click.option(
    "--sqlite-sync",
    type=click.Choice(["normal", "full"]),
    help="normal survives kill -9; full also a power cut.",
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve TLS with this certificate.",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False),
    help="Private key of the TLS certificate.",
)
@click.option(
    "--systemd", is_flag=True, help="Speak the sd_notify protocol (READY, STATUS, WATCHDOG)."
)
@click.option(
    "--port-file",
    type=click.Path(dir_okay=False),
    help="Write the bound gRPC port here once serving (for --port 0).",
)
@click.option("--signature-window", type=float, help="Seconds a signed request stays valid (300).")
@click.option("--max-message-size", type=int, help="Largest request in bytes (4 MiB).")
@click.option(
    "--db-pool-size",
    type=click.IntRange(1, 1000),
    help="PostgreSQL connections per server (or COLONIES_DB_POOL_SIZE; 10).",
)
@limit_options
@click.option(
    "--lease-timeout",
    type=float,
    help="Seconds an executor may stay silent (no session, no heartbeat) before its work "
    "goes back to the queue (or COLONIES_LEASE_TIMEOUT; 30).",
)
@click.option(
    "--remove-silent-after",
    type=float,
    help="Seconds an executor may stay silent before it is removed and its running work "
    "requeued, as ColonyOS does (or COLONIES_STALE_EXECUTOR_DURATION; 600; 0 = never).",
)
@click.option(
    "--assign-ack-timeout",
    type=float,
    help="Seconds an assignment may stay unconfirmed by its executor before it goes back "
    "to the queue (or COLONIES_ASSIGN_ACK_TIMEOUT; 10).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    default=1,
    show_default=True,
    help="Server processes sharing the ports, one core each (PostgreSQL only).",
)
@click.option("--reuse-port", is_flag=True, hidden=True)  # set by --workers for each worker
@click.option("-v", "--verbose", is_flag=True)
def start(
    host: str, port: int | None, http_port: int | None, colonyos_api: bool | None,
    metrics: bool | None, dashboard: bool | None, data_dir: str | None, db_url: str | None,
    server_id: str | None, sqlite_sync: str | None, tls_cert: str | None, tls_key: str | None,
    systemd: bool, port_file: str | None, signature_window: float | None,
    max_message_size: int | None, db_pool_size: int | None, lease_timeout: float | None,
    remove_silent_after: float | None, assign_ack_timeout: float | None, workers: int,
    reuse_port: bool, verbose: bool,
    **limits: Any,
) -> None:  # fmt: skip
    """Start a server (SQLite in the data dir unless a database is given)."""
    from pycolonies_like.core.errors import ColoniesError, InvalidArgument
    from pycolonies_like.core.rules import check_id
    from server.app import ColoniesServer, run, serve
    from server.config import PortUnavailable, ServerSettings
    from server.loops import LoopState

    try:
        settings = ServerSettings.from_env(
            host=host, port=port, http_port=http_port, colonyos_api=colonyos_api,
            metrics=metrics, dashboard=dashboard, data_dir=data_dir, db_url=db_url,
            server_id=server_id, sqlite_sync=sqlite_sync.upper() if sqlite_sync else None,
            tls_cert=tls_cert, tls_key=tls_key, signature_window_s=signature_window,
            max_message_bytes=max_message_size, db_pool_size=db_pool_size,
            lease_timeout_s=lease_timeout, assign_ack_timeout_s=assign_ack_timeout,
            remove_silent_after_s=remove_silent_after,
            reuse_port=reuse_port,
            **limit_settings(limits),
        )  # fmt: skip
    except ColoniesError as err:
        raise CliError(str(err)) from None
    if settings.server_id:
        try:
            check_id("server id", settings.server_id)
        except InvalidArgument as err:
            raise CliError(str(err)) from None
    _setup_logging(verbose)
    if workers > 1:
        from server.cli.workers import Supervisor, refusal

        why = refusal(settings, workers)
        if why is None and systemd:
            why = "--systemd is not supported with --workers"
        if why:
            raise CliError(why)
        worker_args = [f"--data-dir={settings.data_dir}"]
        for flag, value in (("--tls-cert", tls_cert), ("--tls-key", tls_key),
                            ("--signature-window", signature_window),
                            ("--max-message-size", max_message_size),
                            ("--db-pool-size", db_pool_size)):  # fmt: skip
            if value is not None:
                worker_args.append(f"{flag}={value}")
        if verbose:
            worker_args.append("--verbose")
        try:
            code = Supervisor(settings, workers, worker_args, port_file or "").run()
        except OSError as err:
            raise CliError(f"cannot start the server: {err}") from None
        raise SystemExit(code)
    notifier = None
    if systemd:
        from pycolonies_like.systemd import SystemdNotifier

        notifier = SystemdNotifier.from_env()

    def ready(running: ColoniesServer) -> None:
        if port_file:
            with open(port_file + ".tmp", "w") as f:
                f.write(str(running.port))
            os.replace(port_file + ".tmp", port_file)
        if notifier:

            def healthy() -> bool:  # while none of the server's loops has failed
                return all(s != LoopState.FAILED for s in running.loop_states().values())

            notifier.serving(f"serving gRPC on port {running.port}", healthy)

    try:
        run(serve(settings, ready=ready))
    except (ColoniesError, PortUnavailable) as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(f"cannot start the server: {err}") from None
    finally:
        if notifier:
            notifier.stopping()


@server.command()
@click.pass_obj
def status(settings: object) -> None:
    """Show the server's version, store and clock (any key will do)."""
    from pycolonies_like.cli.context import Settings, emit, fields, when
    from pycolonies_like.crypto import generate_private_key

    assert isinstance(settings, Settings)
    info = settings.client().server_info(settings.prvkey or generate_private_key())
    data = {"version": info.version, "store": info.store, "time": info.time,
            "signature_window_ms": info.signature_window_ms}  # fmt: skip
    emit(settings, data, lambda: fields(
        f"Server {settings.host}:{settings.port}",
        [("version", info.version), ("store", info.store), ("server time", when(info.time)),
         ("signature window", f"{info.signature_window_ms / 1000:.0f} s")],
    ))  # fmt: skip


@server.command()
@click.option("--timeout", type=float, default=5.0, show_default=True)
@click.pass_obj
def alive(settings: object, timeout: float) -> None:
    """Exit 0 when the server reports SERVING on the gRPC health service, 1 otherwise."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from pycolonies_like.cli.context import Settings, emit

    assert isinstance(settings, Settings)
    target = f"{settings.host}:{settings.port}"
    channel = (
        grpc.secure_channel(target, grpc.ssl_channel_credentials())
        if settings.tls
        else grpc.insecure_channel(target)
    )
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="colonies.v1.Colonies"), timeout=timeout
        )
    except grpc.RpcError as err:
        raise CliError(f"server {target} is not answering: {err.code().name}") from None
    finally:
        channel.close()
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        raise CliError(f"server {target} is not serving")
    emit(settings, {"alive": True, "server": target}, lambda: click.echo("alive"))
