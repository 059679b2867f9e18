"""The cleanup loop's sweep of the server's object storage: bytes uploaded
but never named by a file revision, and partial uploads left by a server
that stopped, go once past their grace; what a revision names, and an upload
in progress, never go. On each store, with the world's clock."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pycolonies_like.core.colonyfs import File, FileRef, S3Object
from pycolonies_like.core.errors import FailedPrecondition
from server.hub import Hub
from server.objects import LocalObjects
from server.service import build_services
from server.service.files import FileService
from server.service.guard import new_id
from server.store.base import Store
from tests.service.world import World

GRACE = 3600


@pytest.fixture
async def world(store: Store, tmp_path: Path) -> World:
    return await World.build(store, objects_dir=tmp_path / "objects")


def files(world: World) -> FileService:
    return world.services.files


def objects(world: World) -> LocalObjects:
    return files(world).objects


async def upload(world: World, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    await files(world).upload_object(world.user, world.colony, len(data), sha, chunks())
    return sha


async def add_file(world: World, sha: str, size: int, name: str = "f") -> File:
    file = File(fileid="", colonyname=world.colony, label="/data", name=name, size=size,
                checksum=sha, ref=FileRef(protocol="local", s3object=S3Object(object=sha)))  # fmt: skip
    return await files(world).add_file(world.user, file)


async def test_an_unreferenced_object_goes_after_its_grace_not_before(world: World) -> None:
    sha = await upload(world, b"never named")
    world.clock.advance(GRACE - 1)
    assert await files(world).sweep_objects() == 0
    assert objects(world).exists(world.colony, sha)
    world.clock.advance(2)
    assert await files(world).sweep_objects() == 1
    assert not objects(world).exists(world.colony, sha)


async def test_an_object_a_revision_names_is_never_removed(world: World) -> None:
    named = await upload(world, b"named")
    await add_file(world, named, 5)
    orphan = await upload(world, b"orphan")
    world.clock.advance(10 * GRACE)
    assert await files(world).sweep_objects() == 1
    assert objects(world).exists(world.colony, named)
    assert not objects(world).exists(world.colony, orphan)


async def test_naming_an_object_renews_its_time(world: World) -> None:
    """An object uploaded long ago and named now gets a new time: a sweep on
    another server sharing the directory, which has not seen the new revision
    yet, does not take it for an old unreferenced one."""
    sha = await upload(world, b"late")
    world.clock.advance(GRACE - 1)
    await add_file(world, sha, 4)
    path = objects(world).path(world.colony, sha)
    assert path.stat().st_mtime_ns == world.clock.now_ns()


async def test_an_upload_in_progress_is_never_removed(world: World) -> None:
    data = b"x" * 1000
    sha = hashlib.sha256(data).hexdigest()
    go_on = asyncio.Event()

    async def chunks() -> AsyncIterator[bytes]:
        yield data[:10]
        await go_on.wait()
        yield data[10:]

    upload_task = asyncio.ensure_future(
        files(world).upload_object(world.user, world.colony, len(data), sha, chunks())
    )
    tmp = objects(world).root / "tmp"
    for _ in range(100):
        if tmp.is_dir() and os.listdir(tmp):
            break
        await asyncio.sleep(0.01)
    (partial,) = os.listdir(tmp)
    old = world.clock.now_ns() - 10 * GRACE * 10**9
    os.utime(tmp / partial, ns=(old, old))  # as old as can be: still being written
    world.clock.advance(10 * GRACE)
    assert await files(world).sweep_objects() == 0
    assert (tmp / partial).exists()
    go_on.set()
    await upload_task
    assert objects(world).exists(world.colony, sha)
    assert await files(world).sweep_objects() == 0  # just uploaded: within its grace


async def test_a_partial_upload_left_by_a_stopped_server_goes(world: World) -> None:
    tmp = objects(world).root / "tmp"
    tmp.mkdir(parents=True)
    leftover = tmp / "0123abcd"
    leftover.write_bytes(b"half")
    old = world.clock.now_ns() - (GRACE - 1) * 10**9
    os.utime(leftover, ns=(old, old))
    assert await files(world).sweep_objects() == 0
    world.clock.advance(2)
    assert await files(world).sweep_objects() == 1
    assert not leftover.exists()


async def test_a_pass_is_bounded_and_the_next_goes_on(world: World) -> None:
    shas = [await upload(world, f"object {i}".encode()) for i in range(5)]
    world.clock.advance(GRACE + 1)
    assert [await files(world).sweep_objects(limit=2) for _ in range(3)] == [2, 2, 1]
    assert not any(objects(world).exists(world.colony, sha) for sha in shas)
    assert await files(world).sweep_objects(limit=2) == 0


async def test_a_sweep_never_takes_an_object_another_server_is_naming(
    world: World, store: Store
) -> None:
    """Two servers (or workers) sharing the directory: while one adds a
    revision naming an old object (its commit not yet seen by the other), the
    other's sweep leaves the object alone; once committed, it is referenced."""
    mine = objects(world)
    other = build_services(
        store, Hub(), world.clock, new_id(),
        objects=LocalObjects(mine.root, mine.max_bytes, GRACE, world.clock.now_ns),
    ).files  # fmt: skip
    sha = await upload(world, b"old bytes")
    world.clock.advance(GRACE + 1)
    async with other.objects.pinned(world.colony, sha) as present:
        assert present
        world.clock.advance(GRACE + 1)  # as if the pin's renewal were already old
        assert await files(world).sweep_objects() == 0
        assert mine.exists(world.colony, sha)
    # Unpinned and still unnamed: the next pass past the grace removes it,
    # and naming it then is refused (upload first), never half-applied.
    world.clock.advance(GRACE + 1)
    assert await files(world).sweep_objects() == 1
    with pytest.raises(FailedPrecondition, match="upload the bytes first"):
        await add_file(world, sha, 9)
    assert await files(world).get_files(world.user, world.colony, "/data") == []


async def test_removing_the_last_file_keeps_an_object_another_server_is_naming(
    world: World, store: Store
) -> None:
    mine = objects(world)
    other = build_services(
        store, Hub(), world.clock, new_id(),
        objects=LocalObjects(mine.root, mine.max_bytes, GRACE, world.clock.now_ns),
    ).files  # fmt: skip
    sha = await upload(world, b"shared bytes")
    first = await add_file(world, sha, 12, name="first")
    async with other.objects.pinned(world.colony, sha) as present:
        assert present
        await files(world).remove_file(world.user, world.colony, first.fileid, "", "")
        assert mine.exists(world.colony, sha)  # the other's new file will name it
