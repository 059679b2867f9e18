"""Throwaway servers for tests and benchmarks (yours too).

with ThreadedServer() as srv:              # in this process, own event loop
    colony = bootstrap(srv.client(), srv.server_key, executors=1)

with ServerProcess(data_dir) as srv:       # a real `colonies server start`
    ...
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycolonies_like.client import Colonies
from pycolonies_like.core.clock import Clock
from pycolonies_like.crypto import generate_private_key, id_of
from server.app import ColoniesServer, new_event_loop
from server.config import ServerSettings
from server.service import Services


@dataclass
class ColonyKeys:
    server_key: str
    colonyname: str
    colony_key: str
    executor_keys: list[str] = field(default_factory=list)
    executor_names: list[str] = field(default_factory=list)
    executortype: str = "test-executor"
    user_key: str = ""

    @property
    def executor_key(self) -> str:
        return self.executor_keys[0]


def bootstrap(
    client: Colonies,
    server_key: str,
    *,
    colonyname: str = "dev",
    executors: int = 1,
    executortype: str = "test-executor",
    user: bool = True,
) -> ColonyKeys:
    """Creates a colony with approved executors (and a user); returns the keys."""
    keys = ColonyKeys(server_key, colonyname, generate_private_key(), executortype=executortype)
    client.add_colony({"colonyid": id_of(keys.colony_key), "name": colonyname}, server_key)
    for i in range(executors):
        key = generate_private_key()
        name = f"{executortype}-{i}"
        client.add_executor(
            {"executorid": id_of(key), "executortype": executortype, "executorname": name,
             "colonyname": colonyname},
            keys.colony_key,
        )  # fmt: skip
        client.approve_executor(colonyname, name, keys.colony_key)
        keys.executor_keys.append(key)
        keys.executor_names.append(name)
    if user:
        keys.user_key = generate_private_key()
        client.add_user(
            {"colonyname": colonyname, "userid": id_of(keys.user_key), "name": "user"},
            keys.colony_key,
        )
    return keys


class ThreadedServer:
    """A server running in a background thread of this process, on port 0."""

    def __init__(
        self,
        data_dir: str | None = None,
        *,
        clock: Clock | None = None,
        server_key: str | None = None,
        http: bool = False,
        **settings: Any,
    ) -> None:
        self.http = http
        self.http_port = 0
        self.server_key = server_key or generate_private_key()
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="colonies-")
        self.data_dir = data_dir or self._tmp.name  # type: ignore[union-attr]
        if http:
            settings.setdefault("colonyos_api", True)  # what http=True is mostly for
        self.settings = ServerSettings(
            server_id=id_of(self.server_key), port=0, data_dir=self.data_dir, **settings
        )
        self.clock = clock
        self.loop = new_event_loop()  # the server's kind of loop (COLONIES_EVENT_LOOP)
        self.server = ColoniesServer(self.settings, clock=clock)
        self.port = 0
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._clients: list[Colonies] = []

    def start(self) -> ThreadedServer:
        try:
            self.port = self.loop.run_until_complete(self.server.start())
            if self.http:
                from server.transport.http_gateway import start_gateway

                self.http_port = self.loop.run_until_complete(start_gateway(self.server, 0))
        except BaseException:
            self.loop.run_until_complete(self.server.stop(grace=0))
            self.loop.close()
            raise
        self._thread.start()
        return self

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        """Runs a coroutine on the server's loop (e.g. a sweep) and returns its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def services(self) -> Services:
        """The started server's services (run their coroutines with `call`)."""
        assert self.server.services is not None, "the server is not started"
        return self.server.services

    def client(self) -> Colonies:
        client = Colonies("127.0.0.1", self.port)
        self._clients.append(client)
        return client

    def stop(self) -> None:
        for client in self._clients:
            client.close_channel()
        if self._thread.is_alive():
            self.call(self.server.stop(grace=0.5))
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
        self.loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServerProcess:
    """`colonies server start` as a child process, listening on a free port."""

    def __init__(
        self,
        data_dir: str,
        *,
        server_key: str | None = None,
        args: Sequence[str] = (),
        env: dict[str, str] | None = None,
        log_path: str | None = None,
        port: int = 0,
    ) -> None:
        self.data_dir = data_dir
        self.requested_port = port
        self.server_key = server_key or generate_private_key()
        self.args = list(args)
        self.env = env or {}
        self.port_file = str(Path(data_dir) / "port")
        self.log_path = log_path or str(Path(data_dir) / "server.log")
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self, timeout: float = 20.0) -> ServerProcess:
        Path(self.data_dir).mkdir(parents=True, exist_ok=True)
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        env = {**os.environ, "COLONIES_SERVER_ID": id_of(self.server_key), **self.env}
        cmd = [
            sys.executable, "-m", "pycolonies_like.cli.main", "server", "start",
            "--port", str(self.requested_port), "--data-dir", self.data_dir,
            "--port-file", self.port_file, "--http-port", "0", *self.args,
        ]  # fmt: skip
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"server did not start: {self.log()}")
            time.sleep(0.02)
        self.port = int(Path(self.port_file).read_text())
        return self

    def log(self) -> str:
        try:
            return Path(self.log_path).read_text()[-4000:]
        except OSError:
            return ""

    def client(self) -> Colonies:
        return Colonies("127.0.0.1", self.port)

    def terminate(self, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def free_port() -> int:
    """A port nobody listens on right now (for tests that restart a server)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
