"""`colonies --json security generate` prints JSON, like every other command under --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pycolonies_like.crypto import id_of

COLONIES = [sys.executable, "-m", "pycolonies_like.cli.main"]


@pytest.mark.parametrize("argv", [["--json", "security", "generate"],
                                  ["security", "generate", "--json"]])  # fmt: skip
def test_generate_prints_json_with_either_flag(argv: list[str]) -> None:
    result = subprocess.run([*COLONIES, *argv], capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    assert data["id"] == id_of(data["prvkey"]) and data["file"] is None


def test_generate_to_a_file_keeps_the_key_out_of_the_json(tmp_path: Path) -> None:
    out = tmp_path / "key"
    result = subprocess.run([*COLONIES, "--json", "security", "generate", "--out", str(out)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    data = json.loads(result.stdout)
    assert data == {"id": id_of(out.read_text().strip()), "prvkey": None, "file": str(out)}
