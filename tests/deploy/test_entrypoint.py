"""docker/entrypoint.sh: server flags, `colonies` commands, and COLONIES_*_FILE secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ENTRYPOINT = Path(__file__).resolve().parents[2] / "docker" / "entrypoint.sh"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Runs the entrypoint with a `colonies` that reports its arguments and settings."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "colonies"
    fake.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "env = {k: v for k, v in os.environ.items() if k.startswith('COLONIES_')}\n"
        "print(json.dumps({'argv': sys.argv[1:], 'env': env}))\n"
    )
    fake.chmod(0o755)

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("COLONIES_")}
        return subprocess.run(["sh", str(ENTRYPOINT), *args], capture_output=True, text=True,
                              env={**base, "PATH": f"{bindir}:{base['PATH']}", **env})  # fmt: skip

    return run


def seen(result: subprocess.CompletedProcess[str]) -> dict:  # type: ignore[type-arg]
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_flags_go_to_the_server_and_commands_to_colonies(run) -> None:  # type: ignore[no-untyped-def]
    assert seen(run("--port", "50443"))["argv"] == [
        "server", "start", "--host", "0.0.0.0", "--port", "50443"
    ]  # fmt: skip
    assert seen(run("security", "generate"))["argv"] == ["security", "generate"]
    assert seen(run("colonies", "--json", "server", "status"))["argv"] == [
        "--json", "server", "status"
    ]  # fmt: skip


def test_file_variables_become_settings(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "password"
    secret.write_text("s3cret with spaces\n")
    env = seen(run("server", "start", COLONIES_DB_PASSWORD_FILE=str(secret),
                   COLONIES_SERVER_ID="abc"))["env"]  # fmt: skip
    assert env == {"COLONIES_DB_PASSWORD": "s3cret with spaces", "COLONIES_SERVER_ID": "abc"}


def test_a_file_variable_that_clashes_or_is_missing_stops_it(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "id"
    secret.write_text("abc")
    both = run(COLONIES_SERVER_ID="x", COLONIES_SERVER_ID_FILE=str(secret))
    assert both.returncode == 2 and "both COLONIES_SERVER_ID and" in both.stderr
    missing = run(COLONIES_SERVER_ID_FILE=str(tmp_path / "nope"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
