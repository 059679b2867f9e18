"""`colonies server start --workers N`: N server processes on the same port
(PostgreSQL), supervised, stopped together; refused on SQLite."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from pycolonies_like import ProcessState
from server.testing import ServerProcess, bootstrap
from tests.conftest import need_pg, spec
from tests.pg import database


def children(pid: int) -> set[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {int(c) for c in found}


def wait_for(check, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pycolonies_like.cli.main", "server", "start", "--workers", "2",
           "--port", "0", "--http-port", "0", "--data-dir", str(tmp_path)]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_DB")}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "--workers 2 needs PostgreSQL (--db postgresql://...)" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "colonies.db").exists()  # refused before opening anything


def test_workers_share_the_port_restart_and_stop_together(tmp_path: Path) -> None:
    with database(need_pg()) as url:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            http_port = probe.getsockname()[1]
        args = ["--workers", "2", "--db", url, "--http-port", str(http_port)]
        srv = ServerProcess(str(tmp_path), args=args).start(timeout=60)
        try:
            assert srv.proc is not None
            workers = children(srv.proc.pid)
            assert len(workers) == 2
            client = srv.client()
            keys = bootstrap(client, srv.server_key, executors=1)
            # New connections go to either worker; every one is served.
            for _ in range(6):
                other = srv.client()
                p = other.submit(spec(keys.colonyname), keys.user_key)
                assert other.get_process(p.processid, keys.user_key).state == ProcessState.WAITING
                other.close_channel()

            # The HTTP port is shared too.
            for _ in range(4):
                with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/health") as health:
                    assert health.status == 200

            # A worker that dies is started again; the port keeps serving meanwhile.
            victim = sorted(workers)[0]
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda: len(children(srv.proc.pid) - {victim}) == 2)
            for _ in range(4):
                assert client.stats(keys.colonyname, keys.user_key).waitingprocesses == 6
                client.close_channel()
                client = srv.client()
            running = client.assign(keys.colonyname, 5, keys.executor_key)
            client.close(running.processid, ["done"], keys.executor_key)
            client.close_channel()

            survivors = children(srv.proc.pid)
            assert srv.terminate(timeout=60) == 0
            for pid in survivors:
                assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(
                    f"/proc/{pid}/status").read_text()  # fmt: skip
        finally:
            srv.kill()
