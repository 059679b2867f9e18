"""The server's event loop: uvloop when installed, asyncio's own when asked for
(COLONIES_EVENT_LOOP=asyncio); both serve the gRPC API and the ColonyOS gateway."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.crypto import generate_private_key, id_of
from server.app import event_loop_choice, new_event_loop
from server.testing import ThreadedServer

uvloop = pytest.importorskip("uvloop")


def test_uvloop_is_the_default_and_asyncio_can_be_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLONIES_EVENT_LOOP", raising=False)
    assert event_loop_choice() == "uvloop"
    for value, kind in (("asyncio", "asyncio"), (" UVLOOP ", "uvloop"), ("", "uvloop")):
        monkeypatch.setenv("COLONIES_EVENT_LOOP", value)
        assert event_loop_choice() == kind
    monkeypatch.setenv("COLONIES_EVENT_LOOP", "trio")
    with pytest.raises(InvalidArgument, match="COLONIES_EVENT_LOOP must be uvloop or asyncio"):
        event_loop_choice()


@pytest.mark.parametrize("kind", ["asyncio", "uvloop"])
def test_each_loop_serves_both_apis(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.setenv("COLONIES_EVENT_LOOP", kind)
    loop = new_event_loop()
    assert isinstance(loop, uvloop.Loop) == (kind == "uvloop")
    loop.close()
    with ThreadedServer(http=True) as srv:
        assert isinstance(srv.loop, uvloop.Loop) == (kind == "uvloop")
        colony_key = generate_private_key()
        client = srv.client()
        colony = {"colonyid": id_of(colony_key), "name": "loop"}
        client.add_colony(colony, srv.server_key)  # gRPC: grpc.aio on the server's loop
        assert [c.name for c in client.list_colonies(srv.server_key)] == ["loop"]
        body = json.dumps({"payloadtype": "versionmsg", "payload": ""}).encode()
        url = f"http://127.0.0.1:{srv.http_port}/api"
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as r:
            assert json.loads(r.read())["payloadtype"] == "versionmsg"


def test_an_unknown_loop_is_a_cli_message(tmp_path: Path) -> None:
    env = {**os.environ, "COLONIES_EVENT_LOOP": "trio"}
    done = subprocess.run(
        [sys.executable, "-m", "pycolonies_like.cli.main", "server", "start", "--port", "0",
         "--http-port", "0", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "COLONIES_EVENT_LOOP must be uvloop or asyncio, not 'trio'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# Runs the CLI with uvloop's import blocked (as if it were not installed).
_NO_UVLOOP = (
    "import runpy, sys; sys.modules['uvloop'] = None; sys.argv[0] = 'colonies'; "
    "runpy.run_module('pycolonies_like.cli.main', run_name='__main__')"
)


def test_uvloop_asked_for_by_name_and_missing_is_a_cli_message(tmp_path: Path) -> None:
    env = {**os.environ, "COLONIES_EVENT_LOOP": "uvloop"}
    done = subprocess.run(
        [sys.executable, "-c", _NO_UVLOOP, "server", "start", "--port", "0",
         "--http-port", "0", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "COLONIES_EVENT_LOOP=uvloop, but uvloop is not installed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_without_uvloop_the_default_falls_back_to_asyncio() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLONIES_EVENT_LOOP"}
    code = (
        "import sys; sys.modules['uvloop'] = None; "
        "from server.app import event_loop_choice; print(event_loop_choice())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "asyncio"
