"""The README's "Seeing it run" commands: `colonies dev --http-port`, `colonies dashboard`,
`/metrics`, and `colonies executor start --metrics-port`."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from server.testing import free_port

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


def get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        return reply.status, reply.read().decode()
    finally:
        conn.close()


def wait_get(port: int, path: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, text = get(port, path)
            if status == 200:
                return text
        except OSError:
            pass
        assert time.monotonic() < deadline, f"nothing on {port}{path}"
        time.sleep(0.1)


def test_dev_dashboard_metrics_and_executor_metrics(tmp_path: Path) -> None:
    http_port, metrics_port = free_port(), free_port()
    data = tmp_path / ".colonies"
    dev = subprocess.Popen([*COLONIES, "dev", "--data-dir", str(data), "--port", "0",
                            "--http-port", str(http_port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    executor = None
    try:
        env_file = data / "dev.env"
        deadline = time.monotonic() + 30
        while not env_file.exists():
            assert dev.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        env = {**os.environ}
        for line in env_file.read_text().splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export ") :].partition("=")
                env[key] = value.strip("'\"")
        env["COLONIES_SERVER_HOST"] = "127.0.0.1"

        link = subprocess.run([*COLONIES, "dashboard"], env=env, capture_output=True, text=True,
                              timeout=60, check=True).stdout.strip()  # fmt: skip
        target = urlsplit(link)
        assert target.port == http_port and target.path == "/ui/login"
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", f"{target.path}?{target.query}")
        reply = conn.getresponse()
        reply.read()
        conn.close()
        assert reply.status == 303 and "colonies_session=" in reply.getheader("Set-Cookie", "")

        executor = subprocess.Popen(
            [*COLONIES, "executor", "start", "helloworld", "--metrics-port", str(metrics_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert "colonies_executor_running" in wait_get(metrics_port, "/metrics")
        done = subprocess.run(
            [*COLONIES, "function", "exec", "--func", "helloworld", "--targettype",
             "helloworld-executor", "--follow"], env=env, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        text = wait_get(metrics_port, "/metrics")
        assert 'colonies_executor_processes_total{function="helloworld",outcome="closed"} 1.0' in (
            text
        )
        server = wait_get(http_port, "/metrics")
        assert 'colonies_process_events_total{colony="dev",event="succeeded"' in server
    finally:
        for child in (executor, dev):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGINT)
                child.wait(20)
