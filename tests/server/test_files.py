"""ColonyFS over gRPC with the SDK: metadata on the server, bytes in S3 (moto)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like import (
    AlreadyExists,
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.core.models import File, FileRef, S3Object, Snapshot
from pycolonies_like.crypto import generate_private_key
from server.store.base import Store
from server.testing import ColonyKeys, ThreadedServer
from tests.s3 import S3Endpoint

SHA_OF_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_upload_download_revisions_and_checksums(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, s3_env: S3Endpoint,
    tmp_path: Path,
) -> None:  # fmt: skip
    name, key = colony.colonyname, colony.user_key
    src = tmp_path / "weights.bin"
    src.write_bytes(b"\x00\x01" * 70_000)
    first = client.upload_file(name, key, filepath=str(src), label="/models")
    assert (first.name, first.size, first.checksumalg) == ("weights.bin", 140_000, "SHA256")
    assert first.ref.s3object.bucket == s3_env.bucket and not first.ref.s3object.secretkey
    src.write_bytes(b"newer")
    second = client.upload_file(name, key, filepath=str(src), label="/models")
    assert second.sequencenr > first.sequencenr and second.fileid != first.fileid
    out = tmp_path / "out"
    out.mkdir()
    got = client.download_file(name, key, dst=str(out), label="/models", filename="weights.bin")
    assert Path(got).read_bytes() == b"newer"
    client.download_file(name, key, dst=str(out), fileid=first.fileid)
    assert (out / "weights.bin").read_bytes() == b"\x00\x01" * 70_000
    revisions = client.get_file(name, key, label="/models", filename="weights.bin", latest=False)
    assert [r.fileid for r in revisions] == [second.fileid, first.fileid]
    assert [(f.name, f.size) for f in client.get_files("/models", name, key)] == [
        ("weights.bin", 5)
    ]
    client.upload_data(name, key, filename="notes.txt", data=b"hi", label="/models/v2")
    assert client.download_data(name, key, label="/models/v2", filename="notes.txt") == b"hi"
    labels = {(x.name, x.files) for x in client.get_file_labels(name, key)}
    assert labels == {("/models", 1), ("/models/v2", 1)}
    # A file whose bytes do not match its checksum is never handed over.
    tampered = dataclasses.replace(second, fileid="", label="/bad", checksum=SHA_OF_EMPTY)
    client.add_file(tampered, key)
    with pytest.raises(FailedPrecondition, match=r"checksum of weights\.bin does not match"):
        client.download_file(name, key, dst=str(out), label="/bad", filename="weights.bin")
    assert (out / "weights.bin").read_bytes() == b"\x00\x01" * 70_000  # untouched
    with pytest.raises(FailedPrecondition, match=r"checksum of .* does not match"):
        client.download_data(name, key, label="/bad", filename="weights.bin")
    # delete_file removes the objects too.
    assert client.delete_file(name, key, label="/models", filename="weights.bin") == 2
    with pytest.raises(NotFound):
        client.get_file(name, key, label="/models", filename="weights.bin")
    with pytest.raises(FailedPrecondition, match="no such object"):
        client.download_data(name, key, fileid=tampered_id(client, name, key))


def tampered_id(client: Colonies, name: str, key: str) -> str:
    return client.get_file(name, key, label="/bad", filename="weights.bin")[0].fileid


def test_snapshots(server: ThreadedServer, client: Colonies, colony: ColonyKeys,
                   s3_env: S3Endpoint) -> None:  # fmt: skip
    name, key = colony.colonyname, colony.executor_key
    a = client.upload_data(name, key, filename="a", data=b"1", label="/ds")
    b = client.upload_data(name, key, filename="b", data=b"2", label="/ds/part")
    client.upload_data(name, key, filename="c", data=b"3", label="/dsx")  # not under /ds
    snap = client.create_snapshot(name, "/ds", "v1", key)
    assert sorted(snap.fileids) == sorted([a.fileid, b.fileid]) and snap.label == "/ds"
    client.upload_data(name, key, filename="a", data=b"newer", label="/ds")
    assert client.get_snapshot_by_name(name, "v1", key).fileids == snap.fileids
    assert client.get_snapshot_by_id(name, snap.snapshotid, key).name == "v1"
    empty = client.create_snapshot(name, "/nothing", "v0", key)
    assert empty.fileids == ()
    assert [s.name for s in client.get_snapshots(name, key)] == ["v0", "v1"]
    with pytest.raises(AlreadyExists, match="a snapshot named 'v1' already exists"):
        client.create_snapshot(name, "/ds", "v1", key)
    client.remove_snapshot(name, key, name="v1")
    with pytest.raises(NotFound):
        client.get_snapshot_by_name(name, "v1", key)
    with pytest.raises(NotFound):
        client.remove_snapshot(name, key, snapshotid=snap.snapshotid)
    assert client.remove_all_snapshots(name, key) == 1
    assert client.get_snapshots(name, key) == []


def s3ref(**kw: Any) -> FileRef:
    return FileRef("s3", S3Object(server="127.0.0.1", port=9000, bucket="b", object="o", **kw))


def a_file(colonyname: str, **kw: Any) -> File:
    values: dict[str, Any] = {
        "fileid": "",
        "colonyname": colonyname,
        "label": "/l",
        "name": "f",
        "size": 1,
        "checksum": SHA_OF_EMPTY,
        "ref": s3ref(),
    }
    return File(**{**values, **kw})  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [({"name": "../etc/passwd"}, r"must be a plain name"),
     ({"name": "/etc/passwd"}, r"must be a plain name"),
     ({"name": "a/b"}, r"must be a plain name"),
     ({"name": ".."}, r"must be a plain name"),
     ({"name": ""}, r"file name is required"),
     ({"name": "x" * 256}, r"file name is longer than 255"),
     ({"label": "/a/../b"}, r"has an empty, '\.' or '\.\.' part"),
     ({"label": "/a//b"}, r"has an empty"),
     ({"label": ""}, r"label is required"),
     ({"label": "/" + "x" * 1024}, r"label is longer than 1024"),
     ({"label": "/a\nb"}, r"control characters"),
     ({"size": -1}, r"size must be between 0 and"),
     ({"size": 6 * 2**40}, r"size must be between 0 and"),
     ({"checksum": "abc"}, r"checksum must be a SHA256 digest"),
     ({"checksumalg": "MD5"}, r"checksumalg must be SHA256"),
     ({"ref": FileRef("ftp", S3Object(bucket="b", object="o"))}, r"ref.protocol must be 's3' or 'local'"),
     ({"ref": FileRef("local", S3Object(object="0" * 64))}, r"a 'local' ref names"),
     ({"ref": FileRef("local", S3Object(bucket="b", object=SHA_OF_EMPTY))}, r"a 'local' ref"),
     ({"ref": s3ref(secretkey="s3cr3t")}, r"must not carry credentials"),
     ({"ref": s3ref(accesskey="AKIA")}, r"must not carry credentials"),
     ({"ref": FileRef("s3", S3Object(bucket="b"))}, r"needs a bucket and an object")],
)  # fmt: skip
def test_bad_files_are_refused_and_nothing_is_stored(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys,
    change: dict[str, Any], message: str,
) -> None:  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        client.add_file(a_file(colony.colonyname, **change), colony.user_key)
    assert client.get_file_labels(colony.colonyname, colony.user_key) == []


def test_who_may_do_what(server: ThreadedServer, client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    client.add_file(a_file(name), colony.user_key)
    client.create_snapshot(name, "/l", "s", colony.user_key)
    stranger = generate_private_key()
    calls = [
        lambda k: client.add_file(a_file(name), k),
        lambda k: client.get_file(name, k, label="/l", filename="f"),
        lambda k: client.get_files("/l", name, k),
        lambda k: client.get_file_labels(name, k),
        lambda k: client.remove_file(name, k, label="/l", filename="f"),
        lambda k: client.create_snapshot(name, "/l", "t", k),
        lambda k: client.get_snapshot_by_name(name, "s", k),
        lambda k: client.get_snapshots(name, k),
        lambda k: client.remove_snapshot(name, k, name="s"),
        lambda k: client.remove_all_snapshots(name, k),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="Access denied"):
            call(stranger)
    # The colony owner reads; writing is for members.
    assert client.get_files("/l", name, colony.colony_key)[0].name == "f"
    assert client.get_snapshot_by_name(name, "s", colony.colony_key).label == "/l"
    for call in (calls[0], calls[4], calls[5], calls[8], calls[9]):
        with pytest.raises(PermissionDenied, match="Access denied"):
            call(colony.colony_key)
    # Another colony's files are not reachable with this colony's name; whether that colony
    # exists is not told.
    with pytest.raises(PermissionDenied, match="is not a member of colony 'no-such-colony'"):
        client.get_files("/l", "no-such-colony", colony.user_key)


def test_lookups_that_find_nothing_or_are_ambiguous(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    name, key = colony.colonyname, colony.user_key
    with pytest.raises(NotFound, match="file 'nope' does not exist"):
        client.get_file(name, key, fileid="nope")
    with pytest.raises(NotFound, match="no file 'f' under label '/l'"):
        client.get_file(name, key, label="/l", filename="f")
    with pytest.raises(InvalidArgument, match="give a fileid, or a label and a name"):
        client.get_file(name, key, label="/l")
    with pytest.raises(InvalidArgument, match="Both 'fileid' and 'filename' cannot be set"):
        client.get_file(name, key, fileid="x", filename="f")
    with pytest.raises(NotFound, match="no such file"):
        client.remove_file(name, key, label="/l", filename="f")
    with pytest.raises(InvalidArgument, match="give a snapshotid or a name"):
        client.remove_snapshot(name, key)
    with pytest.raises(InvalidArgument, match="snapshot name is required"):
        client.create_snapshot(name, "/l", "", key)


def test_uploads_check_before_moving_bytes(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("AWS_S3_ENDPOINT", raising=False)
    name, key = colony.colonyname, colony.user_key
    with pytest.raises(InvalidArgument, match="label is required"):
        client.upload_data(name, key, filename="x", data=b"1")
    with pytest.raises(InvalidArgument, match="must be a plain name"):
        client.upload_data(name, key, filename="../x", data=b"1", label="/l")
    with pytest.raises(InvalidArgument, match="is not a file"):
        client.upload_file(name, key, filepath=str(tmp_path / "missing"), label="/l")
    assert client.get_file_labels(name, key) == []


async def test_the_store_limits_a_snapshot(store: Store) -> None:
    from pycolonies_like.core.models import Colony

    await store.add_colony(Colony("c" * 64, "fs"))
    for n in ("a", "b"):
        await store.add_file(a_file("fs", name=n, fileid=n * 64))
    wanted = Snapshot("s" * 64, "fs", "/l", "big")
    assert await store.create_snapshot(wanted, limit=1) is None
    assert await store.get_snapshot("fs", "", "big") is None
    taken = await store.create_snapshot(wanted, limit=2)
    assert taken is not None and sorted(taken.fileids) == ["a" * 64, "b" * 64]
