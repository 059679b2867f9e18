"""A spec's `fs` honoured by the executor runtime, against a real server (both stores) with
its own object storage: files mounted before the function runs, changes synced back after,
and each conflict rule of executors/mounts.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from executors.context import ProcessContext
from executors.runtime import ExecutorRuntime
from pycolonies_like import Colonies, InvalidArgument, ProcessState
from pycolonies_like.core.models import Filesystem, SnapshotMount, SyncDirMount
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.executors.test_runtime import TYPE, Running, final, settings


@pytest.fixture(autouse=True)
def _no_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_S3_ENDPOINT", raising=False)


def dir_mount(label: str, folder: str, *, keepfiles: bool = False, onstart: bool = False,
              onclose: bool = False) -> SyncDirMount:  # fmt: skip
    return SyncDirMount.from_dict({
        "label": label, "dir": folder, "keepfiles": keepfiles,
        "onconflicts": {"onstart": {"keeplocal": onstart}, "onclose": {"keeplocal": onclose}},
    })  # fmt: skip


def upload(client: Colonies, colony: ColonyKeys, label: str, name: str, data: bytes) -> None:
    client.upload_data(colony.colonyname, colony.user_key, filename=name, data=data, label=label)


def newest(client: Colonies, colony: ColonyKeys, label: str, name: str) -> bytes:
    return client.download_data(colony.colonyname, colony.user_key, label=label, filename=name)


def names(client: Colonies, colony: ColonyKeys, label: str) -> list[str]:
    return [f.name for f in client.get_files(label, colony.colonyname, colony.user_key)]


async def run(server: ThreadedServer, client: Colonies, colony: ColonyKeys, root: Path,
              fn: Any, fs: Filesystem) -> Any:  # fmt: skip
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, fs_dir=str(root)))
    runtime.function(name="work")(fn)
    async with Running(runtime):
        pid = client.submit(spec(colony.colonyname, "work", executortype=TYPE, fs=fs),
                            colony.user_key).processid  # fmt: skip
        return await asyncio.to_thread(final, client, colony, pid)


async def test_labels_are_mounted_and_changes_synced_back(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    upload(client, colony, "/in", "a.txt", b"alpha")
    upload(client, colony, "/in", "b.txt", b"beta")
    seen: dict[str, Any] = {}

    def work(ctx: ProcessContext) -> str:
        assert ctx.fsdir is not None
        data = ctx.fsdir / "data"
        seen["files"] = sorted(p.name for p in data.iterdir())
        seen["a"] = (data / "a.txt").read_bytes()
        (data / "a.txt").write_bytes(b"alpha, changed")
        (data / "result.txt").write_bytes(b"42")
        seen["dir"] = data
        return "ok"

    fs = Filesystem(mount="/cfs", dirs=[dir_mount("/in", "data")])
    done = await run(server, client, colony, tmp_path, work, fs)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    assert seen["files"] == ["a.txt", "b.txt"] and seen["a"] == b"alpha"
    assert seen["dir"] == tmp_path / "cfs" / "data"
    assert newest(client, colony, "/in", "a.txt") == b"alpha, changed"
    assert newest(client, colony, "/in", "result.txt") == b"42"
    revisions = client.get_file(colony.colonyname, colony.user_key, label="/in",
                                filename="b.txt", latest=False)  # fmt: skip
    assert len(revisions) == 1  # unchanged: not uploaded again
    assert not seen["dir"].exists()  # keepfiles is off


@pytest.mark.parametrize("keeplocal", [False, True])
async def test_on_start_the_label_wins_unless_keeplocal(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path, keeplocal: bool
) -> None:
    upload(client, colony, "/start", "a.txt", b"remote")
    here = tmp_path / "m" / "d"
    here.mkdir(parents=True)
    (here / "a.txt").write_bytes(b"local")
    seen: list[bytes] = []

    def work(ctx: ProcessContext) -> None:
        assert ctx.fsdir is not None
        seen.append((ctx.fsdir / "d" / "a.txt").read_bytes())

    fs = Filesystem(mount="m", dirs=[dir_mount("/start", "d", keepfiles=True, onstart=keeplocal)])
    done = await run(server, client, colony, tmp_path, work, fs)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    assert seen == [b"local" if keeplocal else b"remote"]
    assert (here / "a.txt").exists()  # keepfiles
    # A file kept locally and unchanged by the function is not uploaded.
    assert newest(client, colony, "/start", "a.txt") == b"remote"


@pytest.mark.parametrize("keeplocal", [False, True])
async def test_on_close_a_label_changed_meanwhile(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path, keeplocal: bool
) -> None:
    upload(client, colony, "/close", "a.txt", b"v1")

    def work(ctx: ProcessContext) -> None:
        assert ctx.fsdir is not None
        (ctx.fsdir / "d" / "a.txt").write_bytes(b"ours")
        upload(client, colony, "/close", "a.txt", b"theirs")  # someone else, meanwhile

    fs = Filesystem(mount="m", dirs=[dir_mount("/close", "d", keepfiles=True, onclose=keeplocal)])
    done = await run(server, client, colony, tmp_path, work, fs)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    aside = f"a.txt.conflict-{done.processid[:8]}"
    local = tmp_path / "m" / "d"
    if keeplocal:
        assert newest(client, colony, "/close", "a.txt") == b"ours"
        assert names(client, colony, "/close") == ["a.txt"]
        assert (local / "a.txt").read_bytes() == b"ours"
    else:
        assert newest(client, colony, "/close", "a.txt") == b"theirs"
        assert newest(client, colony, "/close", aside) == b"ours"
        assert (local / "a.txt").read_bytes() == b"theirs"
        assert (local / aside).read_bytes() == b"ours"


async def test_a_change_with_no_remote_change_is_uploaded_whatever_onclose_says(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    upload(client, colony, "/quiet", "a.txt", b"v1")

    def work(ctx: ProcessContext) -> None:
        assert ctx.fsdir is not None
        (ctx.fsdir / "d" / "a.txt").write_bytes(b"v2")

    fs = Filesystem(mount="m", dirs=[dir_mount("/quiet", "d", onclose=False)])
    done = await run(server, client, colony, tmp_path, work, fs)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    assert newest(client, colony, "/quiet", "a.txt") == b"v2"
    assert names(client, colony, "/quiet") == ["a.txt"]


async def test_snapshots_are_mounted_read_only_and_removed_unless_kept(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    upload(client, colony, "/snap", "top.txt", b"top")
    upload(client, colony, "/snap/sub", "deep.txt", b"deep")
    kept = client.create_snapshot(colony.colonyname, "/snap", "kept", colony.user_key)
    upload(client, colony, "/snap", "top.txt", b"top, later")  # not in "kept"
    seen: dict[str, bytes] = {}

    def work(ctx: ProcessContext) -> None:
        assert ctx.fsdir is not None
        seen["byid"] = (ctx.fsdir / "byid" / "top.txt").read_bytes()
        seen["deep"] = (ctx.fsdir / "byid" / "sub" / "deep.txt").read_bytes()
        seen["bylabel"] = (ctx.fsdir / "bylabel" / "top.txt").read_bytes()
        (ctx.fsdir / "byid" / "top.txt").write_bytes(b"not synced")

    fs = Filesystem(mount="m", snapshots=[
        SnapshotMount(snapshotid=kept.snapshotid, dir="byid", keepsnapshot=True),
        SnapshotMount(label="/snap", dir="bylabel", keepfiles=True),
    ])  # fmt: skip
    done = await run(server, client, colony, tmp_path, work, fs)
    assert done.state == ProcessState.SUCCESSFUL, done.errors
    assert seen == {"byid": b"top", "deep": b"deep", "bylabel": b"top, later"}
    assert [s.name for s in client.get_snapshots(colony.colonyname, colony.user_key)] == ["kept"]
    assert newest(client, colony, "/snap", "top.txt") == b"top, later"
    assert not (tmp_path / "m" / "byid").exists() and (tmp_path / "m" / "bylabel").is_dir()


async def test_a_mount_that_cannot_be_made_fails_the_process_before_it_runs(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, tmp_path: Path
) -> None:
    ran: list[bool] = []
    fs = Filesystem(snapshots=[SnapshotMount(snapshotid="f" * 64, dir="s")])
    done = await run(server, client, colony, tmp_path, lambda: ran.append(True), fs)
    assert done.state == ProcessState.FAILED and ran == []
    assert done.errors[0].startswith("fs: cannot mount the process' files: snapshot")


@pytest.mark.parametrize(
    ("fs", "message"),
    [({"dirs": [{"label": "/l", "dir": "../up"}]}, r"^fs\.dirs\[0\]\.dir '\.\./up' must not"),
     ({"dirs": [{"label": "/l", "dir": "/etc"}]}, r"^fs\.dirs\[0\]\.dir '/etc' must be a relative"),
     ({"dirs": [{"label": "/a/../b", "dir": "d"}]}, r"^fs\.dirs\[0\]\.label: label '/a/\.\./b'"),
     ({"dirs": [{"label": "", "dir": "d"}]}, r"^fs\.dirs\[0\]\.label: label is required"),
     ({"mount": "../x"}, r"^fs\.mount '\.\./x' must not contain '\.\.'"),
     ({"snapshots": [{"dir": "s"}]}, r"^fs\.snapshots\[0\]: give a snapshotid, or a label"),
     ({"snapshots": [{"label": "/x", "dir": "a/../../b"}]}, r"^fs\.snapshots\[0\]\.dir")],
)  # fmt: skip
def test_paths_that_climb_or_are_absolute_are_refused_at_submit(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, fs: dict[str, Any],
    message: str,
) -> None:  # fmt: skip
    wanted = spec(colony.colonyname, "work", executortype=TYPE, fs=fs)
    with pytest.raises(InvalidArgument, match=message):
        client.submit(wanted, colony.user_key)
    assert client.list_processes(colony.colonyname, 10, ProcessState.WAITING, colony.user_key) == []
