"""The sd_notify protocol, against a real notification socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from pycolonies_like.crypto import generate_private_key, id_of
from pycolonies_like.systemd import SystemdNotifier


def receive(sock: socket.socket, wanted: str, timeout: float = 20) -> list[str]:
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            messages.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if any(wanted in m for m in messages):
            return messages
    raise AssertionError(f"no {wanted!r} among {messages}")


def test_notifier_sends_datagrams(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        notifier = SystemdNotifier.from_env({"NOTIFY_SOCKET": path})
        notifier.ready("up")
        assert "READY=1" in receive(sock, "READY=1")[0]
    assert not SystemdNotifier.from_env({}).notify("READY=1")  # no socket: a no-op


def test_server_reports_ready_and_pings_the_watchdog(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, socket.socket() as taken:
        sock.bind(path)
        # The HTTP port the server would default to is in use (as 50080 may be on a
        # developer's machine): the test binds port 0 only, so it still starts.
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000",
               "COLONIES_SERVER_ID": id_of(generate_private_key()),
               "COLONIES_SERVER_HTTP_PORT": str(taken.getsockname()[1])}  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "pycolonies_like.cli.main", "server", "start", "--port", "0",
             "--http-port", "0", "--data-dir", str(tmp_path / "data"), "--systemd"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            messages = receive(sock, "READY=1")
            assert any("STATUS=serving gRPC" in m for m in messages)
            receive(sock, "WATCHDOG=1", timeout=5)
        finally:
            proc.terminate()
            proc.wait(20)
        assert "STOPPING=1" in "".join(receive(sock, "STOPPING=1", timeout=5))


def test_an_executor_reports_ready_when_connected(tmp_path: Path) -> None:
    from server.testing import ThreadedServer, bootstrap

    path = str(tmp_path / "notify")
    with ThreadedServer() as srv, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        keys = bootstrap(srv.client(), srv.server_key, executors=0)
        env = {**os.environ, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000",
               "COLONIES_SERVER_HOST": "127.0.0.1", "COLONIES_SERVER_PORT": str(srv.port),
               "COLONIES_COLONY_NAME": keys.colonyname,
               "COLONIES_COLONY_PRVKEY": keys.colony_key}  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "pycolonies_like.cli.main", "executor", "start", "helloworld",
             "--systemd"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert any("connected" in m for m in receive(sock, "READY=1"))
            receive(sock, "WATCHDOG=1", timeout=5)
        finally:
            proc.terminate()
            assert proc.wait(20) == 0
