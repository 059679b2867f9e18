"""ColonyFS: file metadata and snapshots, for members of a colony.

The server keeps what ColonyOS keeps (labels, names, sizes, checksums, where
the bytes are). The bytes are either in S3, moved there by clients themselves,
or (reference protocol "local", the default of the SDK) in the server's own
object storage (server/objects.py), uploaded and downloaded through it. A
local object is removed with the last revision that names it, and one no
revision ever named by the cleanup loop once past its grace (sweep_objects).
Members (approved executors and users) may add, upload and remove; the colony
owner may also read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.colonyfs import (
    MAX_LISTED,
    MAX_REVISIONS,
    MAX_SNAPSHOT_FILES,
    check_file,
    check_file_name,
    check_label,
    check_snapshot_name,
)
from pycolonies_like.core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from pycolonies_like.core.models import File, FileData, FileLabel, Snapshot
from server.objects import Cursor, LocalObjects, colony_key
from server.service.guard import AccessGuard, new_id
from server.store.base import Store

# Files of the object storage one sweep looks at, at most.
SWEEP_SCAN = 2000


class FileService:
    def __init__(
        self, store: Store, guard: AccessGuard, clock: Clock, objects: LocalObjects | None = None
    ) -> None:
        self.store = store
        self.guard = guard
        self.clock = clock
        self._objects = objects
        self._sweep_after: Cursor | None = None  # where the next sweep goes on from

    @property
    def objects(self) -> LocalObjects:
        if self._objects is None:
            raise FailedPrecondition("this server keeps no objects: use S3 (AWS_S3_*)")
        return self._objects

    async def add_file(self, caller: str, file: File) -> File:
        await self.guard.member(caller, file.colonyname)
        check_file(file)
        stored = dataclasses.replace(file, fileid=new_id(), added=self.clock.now_ns())
        if file.ref.protocol != "local":
            return await self.store.add_file(stored)
        sha = file.checksum.lower()
        # Pinned: no removal, here or in a process sharing the directory,
        # takes the object until the revision naming it is committed.
        async with self.objects.lock(file.colonyname, sha), \
                self.objects.pinned(file.colonyname, sha) as present:  # fmt: skip
            if not present:
                raise FailedPrecondition(
                    f"the server has no object {sha} in colony {file.colonyname!r}: "
                    "upload the bytes first (UploadObject)"
                )
            added = await self.store.add_file(stored)
        self.objects.release(file.colonyname, sha)
        return added

    async def upload_object(
        self, caller: str, colonyname: str, size: int, sha256: str, chunks: AsyncIterable[bytes]
    ) -> None:
        """Keeps bytes in the server's object storage (visible once all arrived and
        matched). An object no revision names is kept until one does or it is
        uploaded again and removed with a revision."""
        await self.guard.member(caller, colonyname)
        await self.objects.put(colonyname, size, sha256, chunks)

    async def download_object(
        self, caller: str, colonyname: str, sha256: str
    ) -> tuple[int, AsyncIterator[bytes]]:
        await self.guard.reader(caller, colonyname)
        return await self.objects.read(colonyname, sha256)

    async def _drop_unreferenced(self, colonyname: str, revisions: list[File]) -> None:
        """Removes the server's objects no revision names any more."""
        if self._objects is None:
            return
        for sha in sorted({f.checksum.lower() for f in revisions if f.ref.protocol == "local"}):
            async with self._objects.lock(colonyname, sha):
                await self._objects.remove_unreferenced(
                    colonyname, sha, self._referenced(colonyname, sha)
                )
            self._objects.release(colonyname, sha)

    def _referenced(self, colonyname: str, sha: str) -> Callable[[], Awaitable[bool]]:
        async def referenced() -> bool:
            return await self.store.local_object_refs(colonyname, sha) > 0

        return referenced

    async def sweep_objects(self, limit: int = SWEEP_SCAN) -> int:
        """One pass of the cleanup loop: removes objects older than the grace
        period that no file revision names (uploaded, never added: an object
        a revision names is never removed here), and temporary files older than
        it that no upload is writing (left by a server that stopped). Looks
        at `limit` files at most, going on from the last pass. Each server
        sweeps the directory it keeps; servers sharing one (workers, replicas)
        each sweep it, and file locks keep uploads in progress and objects
        being named from their removals (LocalObjects._remove)."""
        objects = self._objects
        if objects is None:
            return 0
        entries, self._sweep_after = objects.scan(self._sweep_after, limit)
        before = objects.now_ns() - objects.grace_ns
        old = [e for e in entries if e.mtime_ns < before]
        if not old:
            return 0
        names = {colony_key(c.name): c.name for c in await self.store.list_colonies()}
        removed = 0
        for entry in old:
            colonyname = names.get(entry.top)
            if colonyname is None:  # a temporary file, or the objects of a removed colony
                removed += await objects.remove_old(entry, before)
                continue
            async with objects.lock(colonyname, entry.name):
                referenced = self._referenced(colonyname, entry.name)
                removed += await objects.remove_old(entry, before, referenced)
            objects.release(colonyname, entry.name)
        return removed

    async def get_file(
        self, caller: str, colonyname: str, fileid: str, label: str, name: str, latest: bool
    ) -> list[File]:
        await self.guard.reader(caller, colonyname)
        if fileid:
            found = await self.store.get_file_by_id(colonyname, fileid)
            if found is None:
                raise NotFound(f"file {fileid!r} does not exist in colony {colonyname!r}")
            return [found]
        if not (label and name):
            raise InvalidArgument("give a fileid, or a label and a name")
        check_label(label)
        check_file_name(name)
        revisions = await self.store.get_file_revisions(
            colonyname, label, name, 1 if latest else MAX_REVISIONS
        )
        if not revisions:
            raise NotFound(f"no file {name!r} under label {label!r}")
        return revisions

    async def get_files(self, caller: str, colonyname: str, label: str) -> list[FileData]:
        await self.guard.reader(caller, colonyname)
        check_label(label)
        files = await self.store.newest_files(colonyname, label, MAX_LISTED + 1)
        if len(files) > MAX_LISTED:
            raise ResourceExhausted(
                f"more than {MAX_LISTED} files under label {label!r}: use narrower labels"
            )
        return [FileData(f.name, f.checksum, f.size, f.ref.s3object.object) for f in files]

    async def get_file_labels(
        self, caller: str, colonyname: str, name: str, exact: bool
    ) -> list[FileLabel]:
        await self.guard.reader(caller, colonyname)
        if name:
            check_label(name)
        return await self.store.file_labels(colonyname, name, exact, MAX_LISTED)

    async def remove_file(
        self, caller: str, colonyname: str, fileid: str, label: str, name: str
    ) -> int:
        """Removes one revision (by id) or every revision of a name. The bytes in
        S3 are the caller's to remove; the server's own objects go with the
        last revision that names them."""
        await self.guard.member(caller, colonyname)
        if fileid:
            found = await self.store.get_file_by_id(colonyname, fileid)
            revisions = [found] if found else []
            removed = await self.store.remove_file_by_id(colonyname, fileid)
        elif label and name:
            check_label(label)
            check_file_name(name)
            revisions = await self.store.get_file_revisions(colonyname, label, name, 2**31)
            removed = await self.store.remove_file_by_name(colonyname, label, name)
        else:
            raise InvalidArgument("give a fileid, or a label and a name")
        if not removed:
            raise NotFound(f"no such file in colony {colonyname!r}")
        await self._drop_unreferenced(colonyname, revisions)
        return removed

    # --------------------------------------------------------- snapshots --

    async def create_snapshot(
        self, caller: str, colonyname: str, label: str, name: str
    ) -> Snapshot:
        await self.guard.member(caller, colonyname)
        wanted = Snapshot(new_id(), colonyname, check_label(label), check_snapshot_name(name),
                          added=self.clock.now_ns())  # fmt: skip
        taken = await self.store.create_snapshot(wanted, MAX_SNAPSHOT_FILES)
        if taken is None:
            raise ResourceExhausted(
                f"more than {MAX_SNAPSHOT_FILES} files under label {label!r}: snapshot a "
                "narrower label"
            )
        return taken

    async def get_snapshot(
        self, caller: str, colonyname: str, snapshotid: str, name: str
    ) -> Snapshot:
        await self.guard.reader(caller, colonyname)
        if not (snapshotid or name):
            raise InvalidArgument("give a snapshotid or a name")
        found = await self.store.get_snapshot(colonyname, snapshotid, name)
        if found is None:
            raise NotFound(f"snapshot {snapshotid or name!r} does not exist in {colonyname!r}")
        return found

    async def list_snapshots(self, caller: str, colonyname: str) -> list[Snapshot]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_snapshots(colonyname, MAX_LISTED)

    async def remove_snapshot(
        self, caller: str, colonyname: str, snapshotid: str, name: str
    ) -> None:
        await self.guard.member(caller, colonyname)
        if not (snapshotid or name):
            raise InvalidArgument("give a snapshotid or a name")
        if not await self.store.remove_snapshot(colonyname, snapshotid, name):
            raise NotFound(f"snapshot {snapshotid or name!r} does not exist in {colonyname!r}")

    async def remove_all_snapshots(self, caller: str, colonyname: str) -> int:
        await self.guard.member(caller, colonyname)
        return await self.store.remove_all_snapshots(colonyname)
