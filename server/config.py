"""Server settings: one typed object, read from flags and COLONIES_* variables
at the edge (the CLI), never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.rules import REMOVE_SILENT_AFTER_S, LeasePolicy, env_int


@dataclass(frozen=True)
class ServerSettings:
    server_id: str = ""
    host: str = "127.0.0.1"
    port: int = 50070
    http_port: int = 0  # health, /metrics, the dashboard and the ColonyOS API; 0 = off
    # Serve the ColonyOS-compatible API on the HTTP port: only when asked for, as its
    # requests carry no timestamp or nonce (a captured request can be replayed).
    colonyos_api: bool = False
    metrics: bool = True  # serve /metrics on the HTTP port
    dashboard: bool = True  # serve the web dashboard under /ui on the HTTP port
    history_interval_s: float = 10.0  # how often colony statistics are sampled; 0 = never
    history_size: int = 360  # samples kept per colony
    data_dir: str = "./data"
    db_url: str | None = None  # postgresql://...; None = SQLite in data_dir
    sqlite_sync: str = "NORMAL"
    signature_window_s: float = 300.0
    max_message_bytes: int = 4 * 1024 * 1024
    max_object_bytes: int = 8 * 2**30  # one file kept by the server (local object storage)
    # Uploaded objects no file revision names, and leftover partial uploads, are
    # removed by the cleanup loop once this old (COLONIES_OBJECT_GRACE, 1 h).
    object_grace_s: float = 3600.0
    sweep_interval_s: float = 1.0
    ready_interval_s: float = 0.1  # how often delayed runs and retries are woken
    cron_interval_s: float = 1.0
    generator_interval_s: float = 1.0
    nonce_purge_interval_s: float = 60.0
    retention_interval_s: float = 10.0
    grace_s: float = 5.0
    tls_cert: str | None = None
    tls_key: str | None = None
    db_pool_size: int = 10
    # Load shedding (server/limits.py); 0 turns a limit off.
    rate_limit: float = 1000.0  # calls per second per identity
    rate_burst: float = 2000.0
    max_inflight_per_identity: int = 256
    max_inflight: int = 4096
    # Slow and idle connections.
    handshake_timeout_s: float = 10.0  # TLS and HTTP/2 preface, HTTP request headers
    idle_timeout_s: float = 600.0  # a connection with no call in progress
    max_connections: int = 4096  # per listener, kept below the descriptor limit
    # An assignment not confirmed by its executor within assign_ack_timeout_s,
    # or whose executor is silent (no session, no heartbeat) for
    # lease_timeout_s, goes back to the queue, whatever maxexectime is.
    assign_ack_timeout_s: float = 10.0
    lease_timeout_s: float = 30.0
    # An executor silent this long (not heard from: no poll, session or
    # heartbeat) is removed, its running work requeued, as ColonyOS does
    # (COLONIES_STALE_EXECUTOR_DURATION, 600 s); 0 = never. Checked every
    # cleanup_interval_s (COLONIES_CLEANUP_INTERVAL, 60 s).
    remove_silent_after_s: float = REMOVE_SILENT_AFTER_S
    cleanup_interval_s: float = 60.0
    reuse_port: bool = False  # share the ports with other server processes (--workers)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> ServerSettings:
        """Defaults, then COLONIES_* variables, then explicit overrides (flags)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("COLONIES_SERVER_ID"):
            values["server_id"] = env["COLONIES_SERVER_ID"]
        values["port"] = env_int(env, "COLONIES_SERVER_PORT", 50070)
        values["http_port"] = env_int(env, "COLONIES_SERVER_HTTP_PORT", 50080)
        if env.get("COLONIES_DATA_DIR"):
            values["data_dir"] = env["COLONIES_DATA_DIR"]
        db_url = db_url_from_env(env)
        if db_url:
            values["db_url"] = db_url
        values["db_pool_size"] = env_int(env, "COLONIES_DB_POOL_SIZE", 10, 1, 1000)
        values["max_object_bytes"] = env_int(env, "COLONIES_MAX_OBJECT_BYTES", 8 * 2**30, 0, 2**62)
        if env.get("COLONIES_COLONYOS_API"):
            values["colonyos_api"] = env_bool(env, "COLONIES_COLONYOS_API")
        if env.get("COLONIES_METRICS"):
            values["metrics"] = env_bool(env, "COLONIES_METRICS")
        if env.get("COLONIES_DASHBOARD"):
            values["dashboard"] = env_bool(env, "COLONIES_DASHBOARD")
        for var, name in (("COLONIES_ASSIGN_ACK_TIMEOUT", "assign_ack_timeout_s"),
                          ("COLONIES_LEASE_TIMEOUT", "lease_timeout_s"),
                          ("COLONIES_STALE_EXECUTOR_DURATION", "remove_silent_after_s"),
                          ("COLONIES_CLEANUP_INTERVAL", "cleanup_interval_s"),
                          ("COLONIES_OBJECT_GRACE", "object_grace_s")):  # fmt: skip
            if env.get(var, "").strip():
                values[name] = env_seconds(env, var)
        if env.get("COLONIES_TLSCERT"):
            values["tls_cert"] = env["COLONIES_TLSCERT"]
        if env.get("COLONIES_TLSKEY"):
            values["tls_key"] = env["COLONIES_TLSKEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = replace(cls(), **values)  # type: ignore[arg-type]
        settings.lease_policy()  # refuses impossible timeouts now
        if settings.object_grace_s < 0:
            raise InvalidArgument(
                f"COLONIES_OBJECT_GRACE must not be negative, got {settings.object_grace_s}"
            )
        return settings

    def lease_policy(self) -> LeasePolicy:
        return LeasePolicy(
            self.assign_ack_timeout_s, self.lease_timeout_s, self.remove_silent_after_s
        )


def env_seconds(env: Mapping[str, str], name: str) -> float:
    text = env[name].strip()
    try:
        return float(text)
    except ValueError:
        raise InvalidArgument(f"{name} must be a number of seconds, got {text!r}") from None


def env_bool(env: Mapping[str, str], name: str) -> bool:
    value = env[name].strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise InvalidArgument(f"{name} must be true or false, got {env[name]!r}")


def db_url_from_env(env: Mapping[str, str]) -> str | None:
    """COLONIES_DB_URL, or a URL built from ColonyOS' COLONIES_DB_* variables."""
    if env.get("COLONIES_DB_URL"):
        return env["COLONIES_DB_URL"]
    if env.get("COLONIES_DB_TYPE", "").lower() in ("postgresql", "postgres") or env.get(
        "COLONIES_DB_HOST"
    ):
        from urllib.parse import quote

        user = quote(env.get("COLONIES_DB_USER", "postgres"), safe="")
        password = env.get("COLONIES_DB_PASSWORD", "")
        auth = f"{user}:{quote(password, safe='')}" if password else user
        host = env.get("COLONIES_DB_HOST", "localhost")
        port = env.get("COLONIES_DB_PORT", "5432")
        name = env.get("COLONIES_DB_NAME", "postgres")
        return f"postgresql://{auth}@{host}:{port}/{name}"
    return None


class PortUnavailable(OSError):
    """A port the server was told to listen on cannot be had: one line for the
    operator, naming the port and the flag that changes it."""

    def __init__(self, host: str, port: int, what: str, flag: str, reason: str) -> None:
        super().__init__(
            f"cannot serve {what} on {host}:{port}: {reason}; choose another port with {flag}"
        )


def bind_reason(err: BaseException | None) -> str:
    """Why a bind failed, in words (grpc gives no errno: in use is by far the likeliest)."""
    import errno

    if isinstance(err, OSError) and err.errno not in (None, errno.EADDRINUSE):
        return err.strerror or str(err)
    return "the port is in use"


def check_port_free(host: str, port: int, what: str, flag: str, reuse_port: bool = False) -> None:
    """Binds the address for a moment, as the server will, so that a port in use is
    reported in one line before gRPC's own log line about it. `reuse_port`: the
    port is shared with the other workers of a server (SO_REUSEPORT)."""
    import socket

    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        return  # the server reports a host it cannot resolve
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                probe.bind(address)
            except OSError as err:
                raise PortUnavailable(host, port, what, flag, bind_reason(err)) from None
