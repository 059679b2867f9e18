"""`colonies dashboard`: a signed one-time login link, used as a browser would."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from urllib.parse import urlsplit

from server.testing import ThreadedServer, bootstrap
from tests.conftest import unique

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COLONIES, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})  # fmt: skip


def test_the_printed_link_logs_in_once() -> None:
    with ThreadedServer(http=True, history_interval_s=0) as srv:
        keys = bootstrap(srv.client(), srv.server_key, colonyname=unique(), executors=1)
        result = run("--prvkey", keys.user_key, "dashboard",
                     env={"COLONIES_SERVER_HOST": "127.0.0.1",
                          "COLONIES_SERVER_HTTP_PORT": str(srv.http_port)})  # fmt: skip
        assert result.returncode == 0, result.stderr
        link = result.stdout.strip()
        assert link.startswith(f"http://127.0.0.1:{srv.http_port}/ui/login?t=")
        assert keys.user_key not in link
        target = urlsplit(link)
        for expected in (303, 401):  # the second use is refused
            conn = http.client.HTTPConnection("127.0.0.1", srv.http_port, timeout=10)
            conn.request("GET", f"{target.path}?{target.query}")
            reply = conn.getresponse()
            reply.read()
            conn.close()
            assert reply.status == expected


def test_bad_input_is_one_line() -> None:
    result = run("--prvkey", "00" * 32, "dashboard", "--url", "ftp://somewhere")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --url must start with http:// or https://, got 'ftp://somewhere'"
    )
    result = run("dashboard", env={"COLONIES_PRVKEY": ""})
    assert result.returncode == 1 and result.stderr.startswith("error: no key to sign with")
