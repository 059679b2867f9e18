"""`colonies fs` and `colonies snapshot`, run as commands against `colonies dev` and S3 (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_cli import Dev
from tests.s3 import S3Endpoint


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory, s3: S3Endpoint) -> Iterator[Dev]:
    d = Dev(tmp_path_factory.mktemp("devfs")).start()
    d.env.update(s3.env())
    yield d
    d.stop()


def test_upload_list_download_sync_and_remove(dev: Dev, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.bin"
    a.write_text("alpha\n")
    b.write_bytes(b"\x00" * 2048)
    dev.run("fs", "upload", "-l", "/exp", str(a), str(b))
    labels = json.loads(dev.run("--json", "fs", "ls").stdout)
    assert labels == [{"name": "/exp", "files": 2}]
    files = json.loads(dev.run("--json", "fs", "ls", "/exp").stdout)
    assert [(f["name"], f["size"]) for f in files] == [("a.txt", 6), ("b.bin", 2048)]
    out = tmp_path / "out"
    dev.run("fs", "download", "-l", "/exp", "-d", str(out))
    assert (out / "a.txt").read_text() == "alpha\n" and (out / "b.bin").stat().st_size == 2048
    # sync: a local change is uploaded with --keeplocal; without it the label wins.
    (out / "a.txt").write_text("changed\n")
    (out / "new.txt").write_text("new\n")
    result = dev.run("fs", "sync", "-l", "/exp", "-d", str(out), "--keeplocal")
    assert "uploaded a.txt" in result.stderr and "uploaded new.txt" in result.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.txt").write_text("stale\n")
    result = dev.run("fs", "sync", "-l", "/exp", "-d", str(elsewhere))
    assert (elsewhere / "a.txt").read_text() == "changed\n"
    assert (elsewhere / "new.txt").read_text() == "new\n"
    assert "in sync" in dev.run("fs", "sync", "-l", "/exp", "-d", str(elsewhere)).stderr
    snap = json.loads(dev.run("--json", "snapshot", "create", "-l", "/exp", "-n", "s1").stdout)
    assert len(snap["fileids"]) == 3
    listed = json.loads(dev.run("--json", "snapshot", "ls").stdout)
    assert [x["name"] for x in listed] == ["s1"]
    got = json.loads(dev.run("--json", "snapshot", "get", "--id", snap["snapshotid"]).stdout)
    assert got["name"] == "s1"
    dev.run("snapshot", "rm", "-n", "s1")
    removed = json.loads(dev.run("--json", "fs", "rm", "-l", "/exp", "-n", "a.txt").stdout)
    assert removed == {"removed": 2}


@pytest.mark.parametrize(
    ("args", "message"),
    [(["fs", "download", "-l", "/exp", "-n", "missing.txt"], "error: no file 'missing.txt'"),
     (["fs", "ls", "/a/../b"], "error: label '/a/../b' has an empty, '.' or '..' part"),
     (["fs", "rm", "-l", "/exp"], "error: give --label and --name, or --fileid"),
     (["snapshot", "get"], "error: give either --name or --id"),
     (["snapshot", "get", "-n", "nope"], "error: snapshot 'nope' does not exist")],
)  # fmt: skip
def test_refusals_are_one_line(dev: Dev, args: list[str], message: str) -> None:
    result = dev.run(*args, check=False)
    assert result.returncode != 0
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
