"""Files and snapshots (ColonyFS) of the SDK's clients: metadata on the server; the bytes
in S3, moved by the client, when the AWS_S3_* variables are set (pycolonies_like/objects.py),
else in the server's own storage, through it (pycolonies_like/local_objects.py). Mixed into
`Colonies` and `AsyncColonies`."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from pycolonies_like import compat, convert, local_objects, objects
from pycolonies_like.core.models import (
    File,
    FileData,
    FileLabel,
    Snapshot,
)
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, ColoniesStub


class ColonyFsMethods:
    rpc: ColoniesStub

    # ----------------------------------------------------------- files --
    # Metadata on the server; the bytes in S3 (AWS_S3_*) or on the server.

    def add_file(self, file: Any, prvkey: str) -> File:
        return convert.from_pb(File, self.rpc.AddFile(compat.add_file(file), prvkey))

    def get_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> list[File]:  # fmt: skip
        """A file by id, or the revisions of a name under a label (newest first)."""
        request = compat.get_file(colonyname, label, fileid, filename, latest)
        return [convert.from_pb(File, f) for f in self.rpc.GetFile(request, prvkey).files]

    def get_files(self, label: str, colonyname: str, prvkey: str) -> list[FileData]:
        request = pb.GetFilesRequest(colonyname=colonyname, label=label)
        return [convert.from_pb(FileData, f) for f in self.rpc.GetFiles(request, prvkey).files]

    def get_file_labels(
        self, colonyname: str, prvkey: str, name: str = "", exact: bool = False
    ) -> list[FileLabel]:
        request = pb.GetFileLabelsRequest(colonyname=colonyname, name=name, exact=exact)
        reply = self.rpc.GetFileLabels(request, prvkey)
        return [convert.from_pb(FileLabel, x) for x in reply.labels]

    def remove_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the metadata only (see delete_file)."""
        request = compat.remove_file(colonyname, label, fileid, filename)
        return self.rpc.RemoveFile(request, prvkey).removed

    def upload_file(
        self, colonyname: str, prvkey: str, filepath: Any = None, label: str | None = None,
        progress: objects.Progress | None = None,
    ) -> File:  # fmt: skip
        """Uploads a file as a new revision: to S3 when AWS_S3_* are set, else to
        the server's own storage."""
        label, name, path = compat.staged_upload(label, filepath, None, None)
        assert path is not None
        if not objects.s3_configured():
            ref, size, checksum = local_objects.upload(
                self.rpc, colonyname, prvkey, path=path, progress=progress
            )
            return self.add_file(compat.new_file(colonyname, label, name, size, checksum, ref),
                                 prvkey)  # fmt: skip
        checksum, size = objects.sha256_of_path(path), path.stat().st_size
        s3 = objects.put(objects.S3Settings.from_env(), path=path, progress=progress)
        return self.add_file(compat.new_file(colonyname, label, name, size, checksum, s3), prvkey)

    def upload_data(
        self, colonyname: str, prvkey: str, filename: str | None = None,
        data: bytes | None = None, label: str | None = None,
    ) -> File:  # fmt: skip
        label, name, _ = compat.staged_upload(label, None, filename, data or b"")
        body = bytes(data or b"")
        if not objects.s3_configured():
            ref, size, sha = local_objects.upload(self.rpc, colonyname, prvkey, data=body)
            return self.add_file(compat.new_file(colonyname, label, name, size, sha, ref), prvkey)
        s3 = objects.put(objects.S3Settings.from_env(), data=body)
        f = compat.new_file(colonyname, label, name, len(body), objects.sha256_of(body), s3)
        return self.add_file(f, prvkey)

    def download_file(
        self, colonyname: str, prvkey: str, dst: Any = None, label: str | None = None,
        fileid: str | None = None, filename: str | None = None, latest: bool = True,
        progress: objects.Progress | None = None,
    ) -> str:  # fmt: skip
        """Downloads the newest revision (or the one by id) into the directory
        `dst`, checking its SHA256; returns its path."""
        f = self.get_file(colonyname, prvkey, label, fileid, filename, latest)[0]
        target = compat.download_target(dst, f.name)
        if f.ref.protocol == local_objects.PROTOCOL:
            local_objects.download(self.rpc, colonyname, prvkey, f.checksum, target, progress)
            return str(target)
        s3 = objects.S3Settings.from_env()
        return str(objects.get_file(s3, f.ref.s3object, f.checksum, target, progress))

    def download_data(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> bytes:  # fmt: skip
        f = self.get_file(colonyname, prvkey, label, fileid, filename, latest)[0]
        if f.ref.protocol == local_objects.PROTOCOL:
            return local_objects.download(self.rpc, colonyname, prvkey, f.checksum)
        return objects.get_bytes(objects.S3Settings.from_env(), f.ref.s3object, f.checksum)

    def delete_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the objects of the file's revisions, then its metadata (the
        server removes its own objects with the last revision naming them)."""
        revisions = self.get_file(colonyname, prvkey, label, fileid, filename, latest=False)
        in_s3 = [f for f in revisions if f.ref.protocol != local_objects.PROTOCOL]
        if in_s3:
            s3 = objects.S3Settings.from_env()
            for f in in_s3:
                objects.delete(s3, f.ref.s3object)
        return self.remove_file(colonyname, prvkey, label, fileid, filename)

    def create_snapshot(self, colonyname: str, label: str, name: str, prvkey: str) -> Snapshot:
        request = pb.CreateSnapshotRequest(colonyname=colonyname, label=label, name=name)
        return convert.from_pb(Snapshot, self.rpc.CreateSnapshot(request, prvkey))

    def get_snapshots(self, colonyname: str, prvkey: str) -> list[Snapshot]:
        reply = self.rpc.ListSnapshots(pb.ColonyNameRequest(colonyname=colonyname), prvkey)
        return [convert.from_pb(Snapshot, s) for s in reply.snapshots]

    def get_snapshot_by_name(self, colonyname: str, name: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, name=name)
        return convert.from_pb(Snapshot, self.rpc.GetSnapshot(request, prvkey))

    def get_snapshot_by_id(self, colonyname: str, snapshotid: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid)
        return convert.from_pb(Snapshot, self.rpc.GetSnapshot(request, prvkey))

    def remove_snapshot(
        self, colonyname: str, prvkey: str, snapshotid: str = "", name: str = ""
    ) -> None:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid, name=name)
        self.rpc.RemoveSnapshot(request, prvkey)

    def remove_all_snapshots(self, colonyname: str, prvkey: str) -> int:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return self.rpc.RemoveAllSnapshots(request, prvkey).removed


class AsyncColonyFsMethods:
    rpc: AsyncColoniesStub

    # ----------------------------------------------------------- files --
    # Metadata on the server; the bytes in S3 (AWS_S3_*) or on the server.

    async def add_file(self, file: Any, prvkey: str) -> File:
        return convert.from_pb(File, await self.rpc.AddFile(compat.add_file(file), prvkey))

    async def get_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> list[File]:  # fmt: skip
        """A file by id, or the revisions of a name under a label (newest first)."""
        request = compat.get_file(colonyname, label, fileid, filename, latest)
        return [convert.from_pb(File, f) for f in (await self.rpc.GetFile(request, prvkey)).files]

    async def get_files(self, label: str, colonyname: str, prvkey: str) -> list[FileData]:
        request = pb.GetFilesRequest(colonyname=colonyname, label=label)
        return [
            convert.from_pb(FileData, f) for f in (await self.rpc.GetFiles(request, prvkey)).files
        ]

    async def get_file_labels(
        self, colonyname: str, prvkey: str, name: str = "", exact: bool = False
    ) -> list[FileLabel]:
        request = pb.GetFileLabelsRequest(colonyname=colonyname, name=name, exact=exact)
        reply = await self.rpc.GetFileLabels(request, prvkey)
        return [convert.from_pb(FileLabel, x) for x in reply.labels]

    async def remove_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the metadata only (see delete_file)."""
        request = compat.remove_file(colonyname, label, fileid, filename)
        return (await self.rpc.RemoveFile(request, prvkey)).removed

    async def upload_file(
        self, colonyname: str, prvkey: str, filepath: Any = None, label: str | None = None,
        progress: objects.Progress | None = None,
    ) -> File:  # fmt: skip
        label, name, path = compat.staged_upload(label, filepath, None, None)
        assert path is not None
        if not objects.s3_configured():
            ref, size, checksum = await local_objects.upload_async(
                self.rpc, colonyname, prvkey, path=path, progress=progress
            )
            return await self.add_file(
                compat.new_file(colonyname, label, name, size, checksum, ref), prvkey
            )
        checksum, size = await asyncio.to_thread(objects.sha256_of_path, path), path.stat().st_size
        s3 = await asyncio.to_thread(
            functools.partial(objects.put, objects.S3Settings.from_env(), path=path,
                              progress=progress)
        )  # fmt: skip
        return await self.add_file(
            compat.new_file(colonyname, label, name, size, checksum, s3), prvkey
        )

    async def upload_data(
        self, colonyname: str, prvkey: str, filename: str | None = None,
        data: bytes | None = None, label: str | None = None,
    ) -> File:  # fmt: skip
        label, name, _ = compat.staged_upload(label, None, filename, data or b"")
        body = bytes(data or b"")
        if not objects.s3_configured():
            ref, size, sha = await local_objects.upload_async(
                self.rpc, colonyname, prvkey, data=body
            )
            return await self.add_file(
                compat.new_file(colonyname, label, name, size, sha, ref), prvkey
            )
        s3 = await asyncio.to_thread(
            functools.partial(objects.put, objects.S3Settings.from_env(), data=body)
        )
        f = compat.new_file(colonyname, label, name, len(body), objects.sha256_of(body), s3)
        return await self.add_file(f, prvkey)

    async def download_file(
        self, colonyname: str, prvkey: str, dst: Any = None, label: str | None = None,
        fileid: str | None = None, filename: str | None = None, latest: bool = True,
        progress: objects.Progress | None = None,
    ) -> str:  # fmt: skip
        """Downloads the newest revision (or the one by id) into the directory
        `dst`, checking its SHA256; returns its path."""
        f = (await self.get_file(colonyname, prvkey, label, fileid, filename, latest))[0]
        target = compat.download_target(dst, f.name)
        if f.ref.protocol == local_objects.PROTOCOL:
            await local_objects.download_async(
                self.rpc, colonyname, prvkey, f.checksum, target, progress
            )
            return str(target)
        s3 = objects.S3Settings.from_env()
        got = await asyncio.to_thread(
            objects.get_file, s3, f.ref.s3object, f.checksum, target, progress
        )
        return str(got)

    async def download_data(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None, latest: bool = True,
    ) -> bytes:  # fmt: skip
        f = (await self.get_file(colonyname, prvkey, label, fileid, filename, latest))[0]
        if f.ref.protocol == local_objects.PROTOCOL:
            return await local_objects.download_async(self.rpc, colonyname, prvkey, f.checksum)
        s3 = objects.S3Settings.from_env()
        return await asyncio.to_thread(objects.get_bytes, s3, f.ref.s3object, f.checksum)

    async def delete_file(
        self, colonyname: str, prvkey: str, label: str | None = None, fileid: str | None = None,
        filename: str | None = None,
    ) -> int:  # fmt: skip
        """Removes the objects of the file's revisions, then its metadata (the
        server removes its own objects with the last revision naming them)."""
        revisions = await self.get_file(colonyname, prvkey, label, fileid, filename, latest=False)
        in_s3 = [f for f in revisions if f.ref.protocol != local_objects.PROTOCOL]
        if in_s3:
            s3 = objects.S3Settings.from_env()
            for f in in_s3:
                await asyncio.to_thread(objects.delete, s3, f.ref.s3object)
        return await self.remove_file(colonyname, prvkey, label, fileid, filename)

    async def create_snapshot(
        self, colonyname: str, label: str, name: str, prvkey: str
    ) -> Snapshot:
        request = pb.CreateSnapshotRequest(colonyname=colonyname, label=label, name=name)
        return convert.from_pb(Snapshot, await self.rpc.CreateSnapshot(request, prvkey))

    async def get_snapshots(self, colonyname: str, prvkey: str) -> list[Snapshot]:
        reply = await self.rpc.ListSnapshots(pb.ColonyNameRequest(colonyname=colonyname), prvkey)
        return [convert.from_pb(Snapshot, s) for s in reply.snapshots]

    async def get_snapshot_by_name(self, colonyname: str, name: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, name=name)
        return convert.from_pb(Snapshot, await self.rpc.GetSnapshot(request, prvkey))

    async def get_snapshot_by_id(self, colonyname: str, snapshotid: str, prvkey: str) -> Snapshot:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid)
        return convert.from_pb(Snapshot, await self.rpc.GetSnapshot(request, prvkey))

    async def remove_snapshot(
        self, colonyname: str, prvkey: str, snapshotid: str = "", name: str = ""
    ) -> None:
        request = pb.SnapshotRequest(colonyname=colonyname, snapshotid=snapshotid, name=name)
        await self.rpc.RemoveSnapshot(request, prvkey)

    async def remove_all_snapshots(self, colonyname: str, prvkey: str) -> int:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        return (await self.rpc.RemoveAllSnapshots(request, prvkey)).removed
