"""What an executor runtime is told: where the server is, who it is, how much it runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from executors.machine import Overrides
from pycolonies_like.core.rules import env_int


@dataclass
class ExecutorSettings:
    host: str = "localhost"
    port: int = 50070
    tls: bool = False
    colonyname: str = ""
    prvkey: str = ""  # the executor's own key, when it is registered already
    colony_prvkey: str = ""  # to register an executor of its own
    name: str = ""
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    grace_s: float = 30.0
    systemd: bool = False
    # Log kept per process while the server is away; beyond it the oldest lines go.
    log_buffer_lines: int = 10_000
    log_buffer_chars: int = 16 * 1024 * 1024
    # On shutdown, after the grace period: how long undelivered reports may wait.
    flush_s: float = 5.0
    # Serve Prometheus metrics on this port (0: any free port); None: no metrics.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    # What it registers itself with: where it is, and what the machine has
    # (detected, with these overrides; see executors/machine.py).
    locationname: str = ""
    machine: Overrides = field(default_factory=Overrides)
    # Where the ColonyFS mounts of processes (their spec's `fs`) go; "": a
    # directory of this executor under the system's temporary directory.
    fs_dir: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> ExecutorSettings:
        env = os.environ
        values: dict[str, Any] = {
            "host": env.get("COLONIES_SERVER_HOST", "localhost"),
            "port": env_int(env, "COLONIES_SERVER_PORT", 50070),
            "tls": env.get("COLONIES_SERVER_TLS", "false").lower() == "true",
            "colonyname": env.get("COLONIES_COLONY_NAME", ""),
            "prvkey": env.get("COLONIES_EXECUTOR_PRVKEY", "") or env.get("COLONIES_PRVKEY", ""),
            "colony_prvkey": env.get("COLONIES_COLONY_PRVKEY", ""),
            "locationname": env.get("COLONIES_EXECUTOR_LOCATION", ""),
            "fs_dir": env.get("COLONIES_EXECUTOR_FSDIR", ""),
            "machine": Overrides.from_env(env),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
