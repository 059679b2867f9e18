"""A port that is taken: one line naming it and the flag to change it, a non-zero exit,
nothing left running."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", [["dev"], ["server", "start"]])
@pytest.mark.parametrize("flag", ["--port", "--http-port"])
def test_a_taken_port_is_one_line_and_a_non_zero_exit(
    command: list[str], flag: str, taken: int, tmp_path: Path
) -> None:
    ports = {"--port": "0", "--http-port": "0", flag: str(taken)}
    args = [*command, "--data-dir", str(tmp_path), *(x for kv in ports.items() for x in kv)]
    result = subprocess.run([*COLONIES, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    what = "gRPC" if flag == "--port" else "the HTTP API"
    errors = [line for line in result.stderr.splitlines() if "INFO" not in line
              and "WARNING" not in line]  # fmt: skip
    assert errors == [
        f"error: cannot serve {what} on 127.0.0.1:{taken}: the port is in use; "
        f"choose another port with {flag}"
    ], result.stderr
    assert result.stdout == ""
    # nothing left behind: the data directory can be opened again at once
    again = subprocess.run([*COLONIES, *args], capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "Traceback" not in again.stderr
