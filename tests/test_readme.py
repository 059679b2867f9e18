"""The README's examples, run as written against `colonies dev`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_the_two_commands_are_the_makefile_targets() -> None:
    first = blocks("bash")[0]
    assert "make dev" in first and "make test" in first
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndev: " in makefile and "colonies dev" in makefile
    assert "\ntest: " in makefile and "pytest" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@contextmanager
def dev_server(tmp_path: Path, **extra: str) -> Iterator[dict[str, str]]:
    """`colonies dev` with its data in tmp_path/.colonies, until it has written its
    env file; yields the environment to run the example's commands in (with `extra`)."""
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONUNBUFFERED": "1",
           **extra}  # fmt: skip
    dev = subprocess.Popen(
        [sys.executable, "-m", "pycolonies_like.cli.main", "dev", "--data-dir",
         str(tmp_path / ".colonies"), "--port", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        env_file = tmp_path / ".colonies" / "dev.env"
        deadline = time.monotonic() + 30
        while not env_file.exists():
            assert time.monotonic() < deadline and dev.poll() is None
            time.sleep(0.05)
        yield env
    finally:
        dev.terminate()
        dev.wait(20)


def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    bindir = str(Path(sys.executable).parent)
    # No AWS_S3_* settings: the files example runs on the server's own storage.
    no_s3 = {k: "" for k in os.environ if k.startswith("AWS_S3_")}
    with dev_server(tmp_path, **no_s3) as env:
        shell_blocks = blocks("bash")[1:]
        python_blocks = blocks("python")
        assert len(shell_blocks) == 5 and len(python_blocks) == 2
        (tmp_path / "submit.py").write_text(python_blocks[0])
        (tmp_path / "greeter.py").write_text(python_blocks[1])
        script = "\n".join([
            "set -euo pipefail",
            *shell_blocks,
            f'export PATH="{bindir}:$PATH"',
            'test "$(python submit.py)" = "helloworld"',
            "python greeter.py &",
            'test "$(colonies function exec --func greet --targettype greeter --args world --wait)" = "hello world"',
            'colonies process pss --count 100 > listing.txt',
            "kill -INT $(jobs -p)",
            "wait",
        ])  # fmt: skip
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=180)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Hello from executor" in result.stdout
        assert "tick 3" in result.stdout
        assert "helloworld\n" in result.stdout  # the GPU process, on the executor with GPUs
        assert "successful" in result.stderr  # the workflow's final state
        assert "Traceback" not in result.stderr
        assert (tmp_path / "copy" / "results.txt").read_text() == "accuracy 0.93\n"
        listing = (tmp_path / "listing.txt").read_text()
        assert "greet" in listing and "helloworld" in listing and "shell" in listing


def test_the_python_snippet_runs_with_pycolonies_too(tmp_path: Path) -> None:
    """With `colonies dev --http-port N`, `source .colonies/pycolonies.env` and the snippet's
    import changed to pycolonies, the published client runs it against the HTTP API."""
    import socket

    import pytest

    pytest.importorskip("pycolonies")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        http_port = probe.getsockname()[1]
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONUNBUFFERED": "1"}
    data = tmp_path / ".colonies"
    dev = subprocess.Popen(
        [sys.executable, "-m", "pycolonies_like.cli.main", "dev", "--data-dir", str(data),
         "--port", "0", "--http-port", str(http_port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (data / "pycolonies.env").exists():
            assert time.monotonic() < deadline and dev.poll() is None
            time.sleep(0.05)
        snippet = blocks("python")[0]
        ours = "from pycolonies_like import Conditions, FuncSpec, colonies_client"
        assert ours in snippet
        (tmp_path / "ours.py").write_text(snippet)
        (tmp_path / "theirs.py").write_text(
            snippet.replace(ours, "from pycolonies import Conditions, FuncSpec, colonies_client")
        )
        script = "\n".join([
            "set -euo pipefail",
            "source .colonies/dev.env",
            "colonies executor start helloworld &",
            'test "$(python ours.py)" = "helloworld"',
            "source .colonies/pycolonies.env",
            'test "$COLONIES_SERVER_PORT" = "' + str(http_port) + '"',
            'test "$(python theirs.py)" = "helloworld"',
            "kill -INT $(jobs -p)",
            "wait",
        ])  # fmt: skip
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
    finally:
        dev.terminate()
        banner = dev.communicate(timeout=20)[0]
    assert f"source {data.resolve() / 'pycolonies.env'}" in banner
    assert f'export PATH="{bindir}:$PATH"' in banner and "colonies process pss" in banner


def test_the_channel_example_runs_as_written(tmp_path: Path) -> None:
    [executor] = blocks("python chat-executor")
    [client] = blocks("python chat-client")
    (tmp_path / "chatter.py").write_text(executor)
    (tmp_path / "chat.py").write_text(client)
    with dev_server(tmp_path) as env:
        script = "\n".join([
            "set -euo pipefail",
            "source .colonies/dev.env",
            "python chatter.py &",
            "python chat.py",
            "kill -INT $(jobs -p)",
            "wait",
        ])  # fmt: skip
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        printed = [line for line in result.stdout.splitlines() if not line.startswith("Executor ")]
        assert printed == ["HELLO", "HOW ARE YOU?"]  # the executor says when it (un)registers
        assert "Traceback" not in result.stderr


def test_the_blueprint_example_runs_as_written(tmp_path: Path) -> None:
    [reconciler] = blocks("python greeting-reconciler")
    [shell] = blocks("bash greeting")
    (tmp_path / "reconciler.py").write_text(reconciler)
    with dev_server(tmp_path) as env:
        script = "\n".join([
            "set -euo pipefail",
            "source .colonies/dev.env",
            "python reconciler.py &",
            shell,
            "for i in $(seq 100); do",
            "  colonies --json blueprint get hello > hello.json",
            "  grep -q 'Hello, world!' hello.json && break",
            "  sleep 0.2",
            "done",
            "kill -INT $(jobs -p)",
            "wait",
        ])  # fmt: skip
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        got = json.loads((tmp_path / "hello.json").read_text())
        assert got["status"] == {"said": "Hello, world!", "generation": 1}
        assert "Traceback" not in result.stderr
