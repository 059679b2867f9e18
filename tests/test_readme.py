"""The README's examples, run as written against `colonies dev`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from tests.s3 import S3Endpoint

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


def test_the_tour_runs_as_written(tmp_path: Path, s3: S3Endpoint) -> None:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "PYTHONUNBUFFERED": "1",
           **s3.env()}  # fmt: skip
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
    finally:
        dev.terminate()
        dev.wait(20)
