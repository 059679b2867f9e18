"""`colonies server start --workers N`: N server processes sharing the ports.

Python runs a server's requests on one core. On PostgreSQL, servers are
replicas of each other already (claims skip each other's locked rows, nonces
and wake-ups are shared), so N of them on one machine use N cores: each
process binds the same ports with SO_REUSEPORT and the kernel spreads new
connections over them. The supervisor here holds the ports (so that `--port
0` names one port for all), starts the workers, starts again one that dies,
and on SIGTERM or SIGINT stops them all gracefully.

SQLite is refused: its database has one writer, and the file is locked by
the one server that has it open.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from server.config import ServerSettings

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 60.0
RESTARTS = 5  # a worker dying this often within RESTART_WINDOW_S stops everything
RESTART_WINDOW_S = 60.0


def refusal(settings: ServerSettings, workers: int) -> str | None:
    """Why `workers` server processes cannot run with `settings`, if they cannot."""
    if workers > 1 and not (settings.db_url or "").startswith(("postgres://", "postgresql://")):
        return (
            f"--workers {workers} needs PostgreSQL (--db postgresql://...): a SQLite database "
            "has one writer and is locked by the one server that opened it"
        )
    return None


def reserve(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT and not listening: it
    holds the port (picks one for port 0) and takes no connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class Supervisor:
    def __init__(
        self, settings: ServerSettings, workers: int, worker_args: Sequence[str], port_file: str
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.worker_args = list(worker_args)
        self.port_file = port_file
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * workers
        self.deaths: list[float] = []
        self.stopping = False
        self._dir = tempfile.TemporaryDirectory(prefix="colonies-workers-")

    def _spawn(self, i: int, port: int, http_port: int) -> subprocess.Popen[bytes]:
        ready = Path(self._dir.name) / f"port{i}"
        ready.unlink(missing_ok=True)
        env = dict(os.environ)
        if self.settings.db_url:
            env["COLONIES_DB_URL"] = self.settings.db_url  # not on a command line
        if self.settings.server_id:
            env["COLONIES_SERVER_ID"] = self.settings.server_id
        cmd = [
            sys.executable, "-m", "pycolonies_like.cli.main", "server", "start",
            "--host", self.settings.host, "--port", str(port), "--http-port", str(http_port),
            "--port-file", str(ready), "--reuse-port", *self.worker_args,
        ]  # fmt: skip
        return subprocess.Popen(cmd, env=env)

    def run(self) -> int:
        s = self.settings
        held = [reserve(s.host, s.port)]
        port = held[0].getsockname()[1]
        http_port = 0
        if s.http_port:
            held.append(reserve(s.host, s.http_port))
            http_port = held[1].getsockname()[1]
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        try:
            self.procs = [self._spawn(i, port, http_port) for i in range(self.workers)]
            if not self._wait_ready():
                return 1
            if self.port_file:
                with open(self.port_file + ".tmp", "w") as f:
                    f.write(str(port))
                os.replace(self.port_file + ".tmp", self.port_file)
            log.info("%d workers serving gRPC on %s:%d", self.workers, s.host, port)
            while not self.stopping:
                time.sleep(0.2)
                for i, proc in enumerate(self.procs):
                    if proc is not None and proc.poll() is not None and not self.stopping:
                        if not self._may_restart(i, proc.returncode):
                            return 1
                        self.procs[i] = self._spawn(i, port, http_port)
            return 0
        finally:
            self._stop_all()
            for sock in held:
                sock.close()
            self._dir.cleanup()

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_S
        for i, proc in enumerate(self.procs):
            ready = Path(self._dir.name) / f"port{i}"
            while not ready.exists():
                if self.stopping or proc is None or proc.poll() is not None:
                    if not self.stopping:
                        log.error("worker %d exited while starting (code %s)", i,
                                  proc.returncode if proc else None)  # fmt: skip
                    return False
                if time.monotonic() > deadline:
                    log.error("worker %d did not start within %.0f s", i, READY_TIMEOUT_S)
                    return False
                time.sleep(0.05)
        return True

    def _may_restart(self, i: int, code: int | None) -> bool:
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESTART_WINDOW_S] + [now]
        if len(self.deaths) > RESTARTS:
            log.error("workers keep exiting (%d times in %.0f s); stopping", RESTARTS,
                      RESTART_WINDOW_S)  # fmt: skip
            return False
        log.warning("worker %d exited (code %s); starting it again", i, code)
        return True

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _stop_all(self) -> None:
        running = [p for p in self.procs if p is not None and p.poll() is None]
        for proc in running:
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.settings.grace_s + 10.0
        for proc in running:
            try:
                proc.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker %d did not stop in time; killing it", proc.pid)
                proc.kill()
                proc.wait()
