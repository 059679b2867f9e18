"""`colonies fs` and `colonies snapshot` against `colonies dev` with no setup: no AWS_S3_*
settings, so the bytes go to the server's own storage under its data directory."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import Dev


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("devlocal")).start()
    for key in [k for k in d.env if k.startswith("AWS_S3_")]:
        del d.env[key]
    yield d
    d.stop()


def objects(dev: Dev) -> list[Path]:
    root = dev.data_dir / "objects"
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp"]


def test_files_and_snapshots_need_no_setup(dev: Dev, tmp_path: Path) -> None:
    a, big = tmp_path / "a.txt", tmp_path / "big.bin"
    a.write_text("alpha\n")
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    dev.run("fs", "upload", "-l", "/exp", str(a), str(big))
    assert len(objects(dev)) == 2
    files = json.loads(dev.run("--json", "fs", "ls", "/exp").stdout)
    assert [(f["name"], f["size"]) for f in files] == [
        ("a.txt", 6),
        ("big.bin", big.stat().st_size),
    ]
    out = tmp_path / "out"
    dev.run("fs", "download", "-l", "/exp", "-d", str(out))
    assert (out / "a.txt").read_text() == "alpha\n"
    assert (out / "big.bin").read_bytes() == big.read_bytes()
    (out / "a.txt").write_text("changed\n")
    result = dev.run("fs", "sync", "-l", "/exp", "-d", str(out), "--keeplocal")
    assert "uploaded a.txt" in result.stderr
    snap = json.loads(dev.run("--json", "snapshot", "create", "-l", "/exp", "-n", "s1").stdout)
    assert len(snap["fileids"]) == 2
    assert [x["name"] for x in json.loads(dev.run("--json", "snapshot", "ls").stdout)] == ["s1"]
    dev.run("snapshot", "rm", "-n", "s1")
    assert len(objects(dev)) == 3  # two revisions of a.txt, one of big.bin
    removed = json.loads(dev.run("--json", "fs", "rm", "-l", "/exp", "-n", "a.txt").stdout)
    assert removed == {"removed": 2}
    dev.run("fs", "rm", "-l", "/exp", "-n", "big.bin")
    assert objects(dev) == []
    assert json.loads(dev.run("--json", "fs", "ls").stdout) == []


def test_a_missing_file_is_said_in_one_line(dev: Dev, tmp_path: Path) -> None:
    result = dev.run("fs", "download", "-l", "/nothing", "-n", "x", "-d", str(tmp_path),
                     check=False)  # fmt: skip
    assert result.returncode != 0 and result.stderr.startswith("error: no file 'x'")
