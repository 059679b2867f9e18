"""ColonyFS with the server's own object storage (no AWS_S3_* settings): bytes
uploaded and downloaded through the server, on both stores."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pycolonies_like import (
    AsyncColonies,
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.core.models import Colony, File, FileRef, S3Object
from pycolonies_like.crypto import generate_private_key
from pycolonies_like.local_objects import CHUNK, ref
from pycolonies_like.proto import colonies_pb2 as pb
from server.store.base import Store
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import unique


@pytest.fixture(autouse=True)
def _no_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_S3_ENDPOINT", raising=False)


def stored(server: ThreadedServer, colonyname: str) -> list[Path]:
    """The objects the server keeps for a colony."""
    colony = hashlib.sha256(colonyname.encode()).hexdigest()
    return sorted(p for p in (Path(server.data_dir) / "objects" / colony).rglob("*")
                  if p.is_file())  # fmt: skip


def in_progress(server: ThreadedServer) -> list[Path]:
    """Uploads not finished (the server's tests run one at a time)."""
    return list((Path(server.data_dir) / "objects" / "tmp").glob("*"))


def chunks(colonyname: str, body: bytes, size: int | None = None,
           sha: str | None = None) -> Iterator[pb.ObjectChunk]:  # fmt: skip
    yield pb.ObjectChunk(colonyname=colonyname, size=len(body) if size is None else size,
                         sha256=sha or hashlib.sha256(body).hexdigest())  # fmt: skip
    for start in range(0, len(body), CHUNK):
        yield pb.ObjectChunk(data=body[start : start + CHUNK])


def test_files_round_trip_through_the_server_in_chunks(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    name, key = colony.colonyname, colony.user_key
    src = tmp_path / "weights.bin"
    body = bytes(range(256)) * (3 * CHUNK // 256 + 7)  # three chunks and a bit
    src.write_bytes(body)
    moved: list[int] = []
    first = client.upload_file(name, key, filepath=str(src), label="/models", progress=moved.append)
    assert first.ref.protocol == "local" and first.ref.s3object.object == first.checksum
    assert first.size == len(body) == sum(moved) and len(moved) == 4
    assert first.checksum == hashlib.sha256(body).hexdigest()
    out = tmp_path / "out"
    out.mkdir()
    got = client.download_file(name, key, dst=str(out), label="/models", filename="weights.bin")
    assert Path(got).read_bytes() == body and [p.name for p in out.iterdir()] == ["weights.bin"]
    client.upload_data(name, key, filename="notes.txt", data=b"hi", label="/models")
    assert client.download_data(name, key, label="/models", filename="notes.txt") == b"hi"
    assert len(stored(server, name)) == 2 and in_progress(server) == []


def test_an_object_goes_with_the_last_revision_that_names_it(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    name, key = colony.colonyname, colony.user_key
    a = client.upload_data(name, key, filename="a", data=b"same", label="/l")
    b = client.upload_data(name, key, filename="b", data=b"same", label="/l")
    client.upload_data(name, key, filename="a", data=b"other", label="/l")
    assert len(stored(server, name)) == 2  # the same bytes are kept once
    assert client.remove_file(name, key, fileid=a.fileid) == 1
    assert len(stored(server, name)) == 2  # "b" still names them
    assert client.delete_file(name, key, label="/l", filename="b") == 1
    assert len(stored(server, name)) == 1
    with pytest.raises(NotFound, match=f"no object {b.checksum}"):
        list(client.rpc.DownloadObject(pb.ObjectRequest(colonyname=name, sha256=b.checksum), key))
    assert client.delete_file(name, key, label="/l", filename="a") == 1
    assert stored(server, name) == []


@pytest.mark.parametrize(
    ("body", "size", "sha", "message"),
    [(b"abc", 2, None, "the upload sent more than the 2 bytes declared"),
     (b"abc", 5, None, "the upload ended after 3 of the 5 bytes declared"),
     (b"abc", None, hashlib.sha256(b"abd").hexdigest(), "checksum does not match"),
     (b"abc", None, "ABC", "sha256 must be a SHA-256 digest"),
     (b"abc", -1, None, "size must not be negative")],
)  # fmt: skip
def test_a_bad_upload_is_refused_and_leaves_nothing(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, body: bytes,
    size: int | None, sha: str | None, message: str,
) -> None:  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        client.rpc.UploadObject(chunks(colony.colonyname, body, size, sha), colony.user_key)
    assert stored(server, colony.colonyname) == [] and in_progress(server) == []


def test_the_first_message_carries_no_data_and_is_what_is_signed(
    client: Colonies, colony: ColonyKeys, server: ThreadedServer
) -> None:
    head = pb.ObjectChunk(colonyname=colony.colonyname, size=1, sha256="0" * 64, data=b"x")
    with pytest.raises(InvalidArgument, match="the first message of an upload carries no data"):
        client.rpc.UploadObject(iter([head]), colony.user_key)
    assert stored(server, colony.colonyname) == []


def test_a_revision_needs_its_object_uploaded_first(client: Colonies, colony: ColonyKeys) -> None:
    sha = hashlib.sha256(b"never sent").hexdigest()
    f = File("", colony.colonyname, "/l", "f", size=10, checksum=sha, ref=ref(sha))
    with pytest.raises(FailedPrecondition, match="upload the bytes first"):
        client.add_file(f, colony.user_key)
    assert client.get_file_labels(colony.colonyname, colony.user_key) == []


def test_objects_are_for_members_and_stay_in_their_colony(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    name = colony.colonyname
    f = client.upload_data(name, colony.user_key, filename="f", data=b"secret", label="/l")
    stranger = generate_private_key()
    with pytest.raises(PermissionDenied, match="Access denied"):
        client.rpc.UploadObject(chunks(name, b"x"), stranger)
    request = pb.ObjectRequest(colonyname=name, sha256=f.checksum)
    with pytest.raises(PermissionDenied, match="Access denied"):
        list(client.rpc.DownloadObject(request, stranger))
    # The colony owner reads, as it reads metadata; uploading is for members.
    assert client.download_data(name, colony.colony_key, fileid=f.fileid) == b"secret"
    with pytest.raises(PermissionDenied, match="Access denied"):
        client.rpc.UploadObject(chunks(name, b"x"), colony.colony_key)
    # A member of another colony cannot reach this colony's object by its digest.
    other = bootstrap(client, server.server_key, colonyname=unique(), executors=0)
    elsewhere = pb.ObjectRequest(colonyname=other.colonyname, sha256=f.checksum)
    with pytest.raises(NotFound, match="no object"):
        list(client.rpc.DownloadObject(elsewhere, other.user_key))


def test_the_size_limit_is_said(tmp_path: Path) -> None:
    with ThreadedServer(max_object_bytes=1000) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key)
        with pytest.raises(InvalidArgument, match="size 1001 is over the server's limit of 1000"):
            client.upload_data("dev", keys.user_key, filename="f", data=b"x" * 1001, label="/l")
        client.upload_data("dev", keys.user_key, filename="f", data=b"x" * 1000, label="/l")
        assert len(stored(srv, "dev")) == 1


def test_a_corrupt_download_is_not_handed_over(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    name, key = colony.colonyname, colony.user_key
    f = client.upload_data(name, key, filename="f.txt", data=b"original", label="/l")
    [path] = stored(server, name)
    path.write_bytes(b"tampered")
    with pytest.raises(FailedPrecondition, match=r"checksum of f\.txt does not match"):
        client.download_file(name, key, dst=str(tmp_path), fileid=f.fileid)
    assert list(tmp_path.iterdir()) == []


def test_the_async_client_moves_bytes_too(
    server: ThreadedServer, colony: ColonyKeys, tmp_path: Path
) -> None:
    src = tmp_path / "a.bin"
    src.write_bytes(b"\x07" * (CHUNK + 3))

    async def go() -> bytes:
        async with AsyncColonies("127.0.0.1", server.port) as c:
            name, key = colony.colonyname, colony.user_key
            await c.upload_file(name, key, filepath=str(src), label="/a")
            await c.upload_data(name, key, filename="b", data=b"bee", label="/a")
            out = tmp_path / "out"
            out.mkdir()
            got = await c.download_file(name, key, dst=str(out), label="/a", filename="a.bin")
            assert Path(got).read_bytes() == src.read_bytes()
            data = await c.download_data(name, key, label="/a", filename="b")
            await c.delete_file(name, key, label="/a", filename="b")
            return data

    assert asyncio.run(go()) == b"bee"
    assert len(stored(server, colony.colonyname)) == 1


async def test_the_store_counts_the_revisions_naming_a_local_object(store: Store) -> None:
    await store.add_colony(Colony("c" * 64, "fs"))
    sha = hashlib.sha256(b"x").hexdigest()
    s3 = FileRef("s3", S3Object(bucket="b", object="o"))
    for n, where in (("a", ref(sha)), ("b", ref(sha)), ("c", s3)):
        await store.add_file(File(n * 64, "fs", "/l", n, size=1, checksum=sha, ref=where))
    assert await store.local_object_refs("fs", sha) == 2  # the S3 revision is not counted
    assert await store.local_object_refs("other", sha) == 0
    await store.remove_file_by_id("fs", "a" * 64)
    assert await store.local_object_refs("fs", sha) == 1


def test_a_removed_colony_takes_its_objects(server: ThreadedServer, client: Colonies) -> None:
    keys = bootstrap(client, server.server_key, colonyname=unique(), executors=0)
    client.upload_data(keys.colonyname, keys.user_key, filename="f", data=b"bytes", label="/l")
    assert len(stored(server, keys.colonyname)) == 1
    client.remove_colony(keys.colonyname, server.server_key)
    assert stored(server, keys.colonyname) == []


def test_the_cleanup_loop_sweeps_uploads_no_file_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's cleanup loop runs the sweep (tests/service/test_object_sweep.py
    has its cases): bytes uploaded and never named go once past the grace."""
    from pycolonies_like.core.clock import ManualClock

    clock = ManualClock(time.time_ns())
    with ThreadedServer(clock=clock, cleanup_interval_s=0.05, object_grace_s=60) as srv:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, colonyname=unique())
        named = client.upload_data(keys.colonyname, keys.user_key, filename="named",
                                   label="/kept", data=b"named")  # fmt: skip
        orphan = b"never named"
        client.rpc.UploadObject(chunks(keys.colonyname, orphan), keys.user_key)
        assert len(stored(srv, keys.colonyname)) == 2
        time.sleep(0.2)  # passes of the loop within the grace: both stay
        assert len(stored(srv, keys.colonyname)) == 2
        clock.advance(61)
        deadline = time.monotonic() + 10
        while len(stored(srv, keys.colonyname)) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.name for p in stored(srv, keys.colonyname)] == [named.checksum]
