"""The bytes of ColonyFS files kept by the server itself (reference protocol
"local"): uploaded and downloaded through it in chunks of 1 MiB.

An upload's first message declares the colony, the size and the SHA-256 and
is signed; the server checks the bytes against it before the object becomes
visible. A download is written to a temporary name, checked, then renamed.
This is what the SDK uses when no AWS_S3_* settings are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

from pycolonies_like.core.errors import FailedPrecondition
from pycolonies_like.core.models import FileRef, S3Object
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, ColoniesStub

PROTOCOL = "local"
CHUNK = 1024 * 1024
Progress = Callable[[int], None]  # called with the bytes moved since the last call


def ref(sha256: str) -> FileRef:
    return FileRef(protocol=PROTOCOL, s3object=S3Object(object=sha256))


def sha256_of_path(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _chunks(
    colonyname: str, size: int, sha256: str, data: bytes | None, path: Path | None,
    progress: Progress | None,
) -> Iterator[pb.ObjectChunk]:  # fmt: skip
    yield pb.ObjectChunk(colonyname=colonyname, size=size, sha256=sha256)
    if path is None:
        body = data or b""
        for start in range(0, len(body), CHUNK):
            yield pb.ObjectChunk(data=body[start : start + CHUNK])
            if progress:
                progress(len(body[start : start + CHUNK]))
        return
    with open(path, "rb") as f:
        while piece := f.read(CHUNK):
            yield pb.ObjectChunk(data=piece)
            if progress:
                progress(len(piece))


def _measure(data: bytes | None, path: Path | None) -> tuple[int, str]:
    if path is not None:
        return path.stat().st_size, sha256_of_path(path)
    body = data or b""
    return len(body), hashlib.sha256(body).hexdigest()


def upload(
    rpc: ColoniesStub, colonyname: str, prvkey: str, *, data: bytes | None = None,
    path: Path | None = None, progress: Progress | None = None,
) -> tuple[FileRef, int, str]:  # fmt: skip
    """Sends bytes (or a file) to the server; their reference, size and SHA-256."""
    size, sha = _measure(data, path)
    rpc.UploadObject(_chunks(colonyname, size, sha, data, path, progress), prvkey)
    return ref(sha), size, sha


async def upload_async(
    rpc: AsyncColoniesStub, colonyname: str, prvkey: str, *, data: bytes | None = None,
    path: Path | None = None, progress: Progress | None = None,
) -> tuple[FileRef, int, str]:  # fmt: skip
    size, sha = await asyncio.to_thread(_measure, data, path)
    blocking = _chunks(colonyname, size, sha, data, path, progress)

    async def chunks() -> AsyncIterator[pb.ObjectChunk]:
        while (chunk := await asyncio.to_thread(next, blocking, None)) is not None:
            yield chunk

    await rpc.UploadObject(chunks(), prvkey)
    return ref(sha), size, sha


def _check(got: str, expected: str, what: str) -> None:
    if got != expected.lower():
        raise FailedPrecondition(
            f"checksum of {what} does not match: got {got}, expected {expected}"
        )


class _Receiver:
    """Writes a download to a temporary name beside `dst`; `finish` checks and renames."""

    def __init__(self, dst: Path | None, expected: str, what: str) -> None:
        self.dst, self.expected, self.what = dst, expected, what
        self.digest = hashlib.sha256()
        self.partial = dst.with_name(f".{dst.name}.part") if dst else None
        self.out = open(self.partial, "wb") if self.partial else None  # noqa: SIM115
        self.body = bytearray()

    def take(self, chunk: pb.ObjectChunk, progress: Progress | None) -> None:
        self.digest.update(chunk.data)
        if self.out is not None:
            self.out.write(chunk.data)
        else:
            self.body += chunk.data
        if progress and chunk.data:
            progress(len(chunk.data))

    def finish(self) -> bytes:
        _check(self.digest.hexdigest(), self.expected, self.what)
        if self.out is not None and self.partial is not None and self.dst is not None:
            self.out.close()
            os.replace(self.partial, self.dst)
        return bytes(self.body)

    def abandon(self) -> None:
        if self.out is not None and self.partial is not None:
            self.out.close()
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()


def download(
    rpc: ColoniesStub, colonyname: str, prvkey: str, sha256: str, dst: Path | None = None,
    progress: Progress | None = None,
) -> bytes:  # fmt: skip
    """The bytes of an object (into `dst` when given, else returned), checked."""
    receiver = _Receiver(dst, sha256, dst.name if dst else sha256)
    try:
        request = pb.ObjectRequest(colonyname=colonyname, sha256=sha256)
        for chunk in rpc.DownloadObject(request, prvkey):
            receiver.take(chunk, progress)
        return receiver.finish()
    finally:
        receiver.abandon()


async def download_async(
    rpc: AsyncColoniesStub, colonyname: str, prvkey: str, sha256: str, dst: Path | None = None,
    progress: Progress | None = None,
) -> bytes:  # fmt: skip
    receiver = _Receiver(dst, sha256, dst.name if dst else sha256)
    try:
        request = pb.ObjectRequest(colonyname=colonyname, sha256=sha256)
        async for chunk in rpc.DownloadObject(request, prvkey):
            await asyncio.to_thread(receiver.take, chunk, progress)
        return receiver.finish()
    finally:
        receiver.abandon()
