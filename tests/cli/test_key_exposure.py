"""A command submitted to the shell executor cannot read the executor's keys:
the tour's set-up (every key of dev.env in the executor's environment), with
the executor running as an unprivileged user as it should."""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import COLONIES, Dev

ATTACK = (
    "tr '\\0' '\\n' < /proc/$PPID/environ | grep PRVKEY || echo environ-unreadable; "
    "env | grep PRVKEY || echo env-clean; "
    "head -c 64 /proc/$PPID/mem >/dev/null 2>&1 || echo mem-unreadable"
)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("dev")).start()
    yield d
    d.stop()


def unprivileged_executor(dev: Dev, kind: str) -> subprocess.Popen[str]:
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run the executor as another user")
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *COLONIES,
               "executor", "start", kind]  # fmt: skip
    child = subprocess.Popen(command, env=dev.env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, cwd=str(Path.cwd()))  # fmt: skip
    dev.children.append(child)
    assert child.stdout is not None
    line = child.stdout.readline()
    assert "registered" in line, line + child.stdout.read()
    return child


def test_submitted_commands_cannot_read_the_executors_keys(dev: Dev) -> None:
    child = unprivileged_executor(dev, "shell")
    try:
        result = dev.run("function", "exec", "--func", "shell", "--targettype", "shell",
                         "--args", ATTACK, "--follow", timeout=60)  # fmt: skip
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(15)
    out = result.stdout
    for name in ("COLONIES_COLONY_PRVKEY", "COLONIES_SERVER_PRVKEY", "COLONIES_PRVKEY"):
        assert dev.env[name] not in out
    assert "PRVKEY=" not in out
    assert "environ-unreadable" in out and "env-clean" in out and "mem-unreadable" in out
