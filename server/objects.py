"""The server's own object storage: the bytes of ColonyFS files whose reference
has the protocol "local", in a directory under the data directory.

    <data-dir>/objects/<colony key>/<first two hex digits>/<sha256>
    <data-dir>/objects/tmp/<random>            (uploads in progress)

An object is named by the SHA-256 of its bytes, inside its colony's directory
(the colony key is the SHA-256 of the colony name, so any name is a safe
path), so the same bytes uploaded twice are kept once per colony, and one
colony's objects are never reachable from another. An upload is written to a
temporary file, checked (size and SHA-256), flushed to disk, then renamed
into place: a partly written or wrong object is never visible under its name.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from pycolonies_like.core.errors import InvalidArgument, NotFound, ResourceExhausted

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(value: str, what: str = "sha256") -> str:
    if not _SHA256.match(value):
        raise InvalidArgument(f"{what} must be a SHA-256 digest: 64 lowercase hex characters")
    return value


class LocalObjects:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._tmp = root / "tmp"
        # Held while an object is checked and referenced, or checked and removed,
        # so that a removal never takes an object a new revision is being added for.
        self.locks: dict[str, asyncio.Lock] = {}

    def lock(self, colonyname: str, sha256: str) -> asyncio.Lock:
        key = f"{colonyname}\0{sha256}"
        lock = self.locks.get(key)
        if lock is None:
            lock = self.locks[key] = asyncio.Lock()
        return lock

    def release(self, colonyname: str, sha256: str) -> None:
        key = f"{colonyname}\0{sha256}"
        lock = self.locks.get(key)
        if lock is not None and not lock.locked():
            del self.locks[key]

    def colony_dir(self, colonyname: str) -> Path:
        return self.root / hashlib.sha256(colonyname.encode()).hexdigest()

    def path(self, colonyname: str, sha256: str) -> Path:
        return self.colony_dir(colonyname) / sha256[:2] / sha256

    def remove_colony(self, colonyname: str) -> None:
        """Every object of a colony (the colony and its files are gone)."""
        shutil.rmtree(self.colony_dir(colonyname), ignore_errors=True)

    def exists(self, colonyname: str, sha256: str) -> bool:
        return self.path(colonyname, check_sha256(sha256)).is_file()

    async def put(
        self, colonyname: str, size: int, sha256: str, chunks: AsyncIterable[bytes]
    ) -> None:
        """Stores the bytes of `chunks`, which must be `size` bytes hashing to `sha256`."""
        check_sha256(sha256)
        if size < 0:
            raise InvalidArgument(f"size must not be negative, got {size}")
        if size > self.max_bytes:
            raise InvalidArgument(
                f"size {size} is over the server's limit of {self.max_bytes} bytes per object"
            )
        self._tmp.mkdir(parents=True, exist_ok=True)
        partial = self._tmp / secrets.token_hex(16)
        try:
            digest, got = hashlib.sha256(), 0
            with open(partial, "wb") as f:
                async for data in chunks:
                    got += len(data)
                    if got > size:
                        raise InvalidArgument(
                            f"the upload sent more than the {size} bytes declared"
                        )
                    digest.update(data)
                    await asyncio.to_thread(f.write, data)
                await asyncio.to_thread(_flush, f)
            if got != size:
                raise InvalidArgument(f"the upload ended after {got} of the {size} bytes declared")
            if digest.hexdigest() != sha256:
                raise InvalidArgument(
                    f"checksum does not match: the bytes hash to {digest.hexdigest()}, "
                    f"the upload declared {sha256}"
                )
            target = self.path(colonyname, sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                raise ResourceExhausted("the server's object storage is full") from None
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()

    async def read(self, colonyname: str, sha256: str) -> tuple[int, AsyncIterator[bytes]]:
        """The size of an object and its bytes, in chunks."""
        path = self.path(colonyname, check_sha256(sha256))
        try:
            f = open(path, "rb")  # noqa: SIM115 (closed by the iterator)
        except FileNotFoundError:
            raise NotFound(f"no object {sha256} in colony {colonyname!r}") from None
        size = os.fstat(f.fileno()).st_size

        async def chunks() -> AsyncIterator[bytes]:
            with f:
                while data := await asyncio.to_thread(f.read, CHUNK):
                    yield data

        return size, chunks()

    def remove(self, colonyname: str, sha256: str) -> bool:
        try:
            self.path(colonyname, check_sha256(sha256)).unlink()
        except FileNotFoundError:
            return False
        return True


def _flush(f: object) -> None:
    f.flush()  # type: ignore[attr-defined]
    os.fsync(f.fileno())  # type: ignore[attr-defined]
