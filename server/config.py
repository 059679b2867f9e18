"""Server settings: one typed object, read from flags and COLONIES_* variables
at the edge (the CLI), never at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from pycolonies_like.core.rules import env_int


@dataclass(frozen=True)
class ServerSettings:
    server_id: str = ""
    host: str = "127.0.0.1"
    port: int = 50070
    http_port: int = 0  # the ColonyOS-compatible HTTP gateway; 0 = off
    data_dir: str = "./data"
    db_url: str | None = None  # postgresql://...; None = SQLite in data_dir
    sqlite_sync: str = "NORMAL"
    signature_window_s: float = 300.0
    max_message_bytes: int = 4 * 1024 * 1024
    sweep_interval_s: float = 1.0
    cron_interval_s: float = 1.0
    generator_interval_s: float = 1.0
    nonce_purge_interval_s: float = 60.0
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> ServerSettings:
        """Defaults, then COLONIES_* variables, then explicit overrides (flags)."""
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        if env.get("COLONIES_SERVER_ID"):
            values["server_id"] = env["COLONIES_SERVER_ID"]
        values["port"] = env_int(env, "COLONIES_SERVER_PORT", 50070)
        # The ColonyOS HTTP API cannot refuse replays: off unless asked for.
        values["http_port"] = env_int(env, "COLONIES_SERVER_HTTP_PORT", 0)
        if env.get("COLONIES_DATA_DIR"):
            values["data_dir"] = env["COLONIES_DATA_DIR"]
        db_url = db_url_from_env(env)
        if db_url:
            values["db_url"] = db_url
        values["db_pool_size"] = env_int(env, "COLONIES_DB_POOL_SIZE", 10, 1, 1000)
        if env.get("COLONIES_TLSCERT"):
            values["tls_cert"] = env["COLONIES_TLSCERT"]
        if env.get("COLONIES_TLSKEY"):
            values["tls_key"] = env["COLONIES_TLSKEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)  # type: ignore[arg-type]


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
