"""pycolonies' own file, label and snapshot methods against our gateway and
a real S3-compatible server (moto, started by the tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ThreadedServer
from tests.conftest import unique
from tests.s3 import S3Endpoint

pycolonies = pytest.importorskip("pycolonies")


class Colony:
    """As pycolonies' own suite sets one up: a colony and an approved executor."""

    def __init__(self, py: Any, server_key: str) -> None:
        self.colony_key = generate_private_key()
        self.name = unique("python-test-")
        py.add_colony({"colonyid": id_of(self.colony_key), "name": self.name}, server_key)
        self.key = generate_private_key()
        self.executorname = unique("test-executor-")
        py.add_executor({"executorname": self.executorname, "executorid": id_of(self.key),
                         "colonyname": self.name, "executortype": "test-executor-type"},
                        self.colony_key)  # fmt: skip
        py.approve_executor(self.name, self.executorname, self.colony_key)


@pytest.fixture
def c(py: Any, gw: ThreadedServer) -> Colony:
    return Colony(py, gw.server_key)


def test_create_snapshot(py: Any, c: Colony) -> None:  # pycolonies' test, as written there
    py.create_snapshot(c.name, "test_label", "test_name", c.key)
    snapshots = py.get_snapshots(c.name, c.key)
    assert len(snapshots) == 1
    snapshot = py.get_snapshot_by_name(c.name, "test_name", c.key)
    assert snapshot["name"] == "test_name"
    snapshot2 = py.get_snapshot_by_id(c.name, snapshot["snapshotid"], c.key)
    assert snapshot2["name"] == "test_name"


def test_upload_file(py: Any, c: Colony, s3_env: S3Endpoint, tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    (src / "hello.txt").write_text("hello\n")
    py.upload_file(c.name, c.key, filepath=str(src / "hello.txt"), label="/test")
    got = py.download_file(c.name, c.key, dst=str(dst), label="/test", filename="hello.txt")
    assert got == str(dst / "hello.txt")
    assert (dst / "hello.txt").read_text() == "hello\n"


def test_upload_data_and_get_file(py: Any, c: Colony, s3_env: S3Endpoint) -> None:
    py.upload_data(c.name, c.key, filename="data", label="/testdata", data=b"testdata")
    assert py.download_data(c.name, c.key, label="/testdata", filename="data") == b"testdata"
    file = py.get_file(c.name, c.key, label="/testdata", filename="data")
    assert len(file) == 1 and file[0]["name"] == "data"
    assert file[0]["ref"]["s3object"]["bucket"] == s3_env.bucket
    assert file[0]["checksumalg"] == "SHA256" and file[0]["size"] == 8


def test_revisions_labels_snapshots_and_removal(py: Any, c: Colony, s3_env: S3Endpoint) -> None:
    for data in (b"one", b"two"):
        py.upload_data(c.name, c.key, filename="a.txt", label="/run", data=data)
    py.upload_data(c.name, c.key, filename="b.txt", label="/run/sub", data=b"sub")
    py.upload_data(c.name, c.key, filename="c.txt", label="/runs", data=b"other")
    assert py.download_data(c.name, c.key, label="/run", filename="a.txt") == b"two"
    revisions = py.get_file(c.name, c.key, label="/run", filename="a.txt", latest=False)
    assert [r["size"] for r in revisions] == [3, 3]
    assert revisions[0]["sequencenr"] > revisions[1]["sequencenr"]
    files = py.get_files("/run", c.name, c.key)
    assert [(f["name"], f["size"]) for f in files] == [("a.txt", 3)]
    labels = {x["name"]: x["files"] for x in py.get_file_labels(c.name, c.key)}
    assert labels == {"/run": 1, "/run/sub": 1, "/runs": 1}
    exact = py.get_file_labels(c.name, c.key, name="/run", exact=True)
    assert [x["name"] for x in exact] == ["/run", "/run/sub"]
    snapshot = py.create_snapshot(c.name, "/run", "before", c.key)
    assert sorted(snapshot["fileids"]) == sorted(
        [revisions[0]["fileid"], py.get_file(c.name, c.key, label="/run/sub",
                                            filename="b.txt")[0]["fileid"]]
    )  # fmt: skip
    py.delete_file(c.name, c.key, label="/run", filename="a.txt")
    with pytest.raises(Exception, match=r"no file .a\.txt. under label ./run."):
        py.get_file(c.name, c.key, label="/run", filename="a.txt")
    assert py.get_snapshot_by_name(c.name, "before", c.key)["fileids"] == snapshot["fileids"]
