"""What ships: the wheel's contents, and deployment files that match the CLI."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


@pytest.mark.slow
def test_the_wheel_carries_migrations_protos_and_plugins(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("pycolonies_like-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("server/store/migrations/sqlite/0001_init.sql",
                   "server/store/migrations/sqlite/0002_workflows.sql",
                   "pycolonies_like/proto/colonies_pb2.py", "executors/shell.py",
                   "server/transport/dashboard_static/index.html",
                   "server/transport/dashboard_static/app.js",
                   "server/transport/dashboard_static/style.css"):  # fmt: skip
        assert needed in names, needed
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "colonies = pycolonies_like.cli.main:main" in text
    assert "shell = executors.shell:plugin" in text


def exec_lines() -> list[tuple[str, list[str]]]:
    found = []
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart="):
                found.append((unit.name, shlex.split(line.split("=", 1)[1].replace("%i", "shell"))))
    dockerfile = (ROOT / "Dockerfile").read_text()
    entry = re.search(r"^ENTRYPOINT (\[.*\])", dockerfile, re.M)
    cmd = re.search(r"^CMD (\[.*\])", dockerfile, re.M)
    assert entry is not None and cmd is not None
    import json

    # docker/entrypoint.sh runs `colonies` with the command's arguments.
    assert json.loads(entry.group(1)) == ["docker-entrypoint"]
    found.append(("Dockerfile", ["colonies", *json.loads(cmd.group(1))]))
    return found


@pytest.mark.parametrize(("source", "argv"), exec_lines())
def test_deployment_commands_are_valid(source: str, argv: list[str]) -> None:
    assert argv[0].endswith("colonies")
    result = subprocess.run([*COLONIES, *argv[1:], "--help"], capture_output=True, text=True)
    assert result.returncode == 0, f"{source}: {result.stderr}"


def test_the_dockerfile_copies_what_exists() -> None:
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY") and "--from" not in line:
            for path in line.split()[1:-1]:
                assert (ROOT / path).exists(), path
