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

Bytes uploaded but never named by a file revision (the client stopped before
AddFile), and temporary files left by a server that stopped mid-upload, are
removed by the cleanup loop once older than a grace period (scan below; the
decision, which asks the database, is the file service's).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pycolonies_like.core.errors import InvalidArgument, NotFound, ResourceExhausted

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(value: str, what: str = "sha256") -> str:
    if not _SHA256.match(value):
        raise InvalidArgument(f"{what} must be a SHA-256 digest: 64 lowercase hex characters")
    return value


TMP = "tmp"
# A pin waits this long between tries while a removal decides about its object,
# and looks again this many times when the object was replaced meanwhile.
PIN_POLL_S = 0.005
PIN_TRIES = 3
# The scan's position: (colony key, first two hex digits, name); ("tmp", "", name).
Cursor = tuple[str, str, str]


@dataclass(frozen=True)
class Entry:
    """A file of the object storage seen by a scan: an object (`top` is its
    colony key) or, with `top` "tmp", an upload's temporary file."""

    top: str
    sub: str
    name: str
    mtime_ns: int


class LocalObjects:
    def __init__(
        self, root: Path, max_bytes: int, grace_s: float = 3600.0,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:  # fmt: skip
        self.root = root
        # An object's time (its file's mtime) is set from this clock when it is
        # uploaded or referenced, and compared with it by the sweep.
        self.now_ns = now_ns
        self.max_bytes = max_bytes
        # Unreferenced objects and leftover temporary files younger than this stay.
        self.grace_ns = int(grace_s * 1_000_000_000)
        self._tmp = root / TMP
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
        return self.root / colony_key(colonyname)

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
                # Held until the object is in place: no sweep, of any process
                # sharing the directory, takes an upload in progress.
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
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
                    raise InvalidArgument(
                        f"the upload ended after {got} of the {size} bytes declared"
                    )
                if digest.hexdigest() != sha256:
                    raise InvalidArgument(
                        f"checksum does not match: the bytes hash to {digest.hexdigest()}, "
                        f"the upload declared {sha256}"
                    )
                target = self.path(colonyname, sha256)
                target.parent.mkdir(parents=True, exist_ok=True)
                now = self.now_ns()
                os.utime(f.fileno(), ns=(now, now))
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

    async def remove_unreferenced(
        self, colonyname: str, sha256: str, referenced: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Removes an object unless `referenced()` says a revision names it
        (asked while no process sharing the directory can reference it)."""
        return await self._remove(self.path(colonyname, check_sha256(sha256)), None, referenced)

    @contextlib.asynccontextmanager
    async def pinned(self, colonyname: str, sha256: str) -> AsyncIterator[bool]:
        """While the block runs, the object (if it exists: the value) cannot be
        removed by any process sharing the directory; its time is renewed, so
        that a sweep does not take it for an old unreferenced one. For adding
        a revision that names it."""
        path = self.path(colonyname, check_sha256(sha256))
        for _ in range(PIN_TRIES):
            try:
                f = open(path, "rb")  # noqa: SIM115 (closed below, or at the block's end)
            except FileNotFoundError:
                break
            with f:
                while not _try_lock(f.fileno(), fcntl.LOCK_SH):  # a removal is deciding
                    await asyncio.sleep(PIN_POLL_S)
                if _same_file(path, f.fileno()):
                    now = self.now_ns()
                    os.utime(f.fileno(), ns=(now, now))
                    yield True
                    return
            # Removed, or replaced by a new upload, meanwhile: look again.
        yield False

    # ------------------------------------------------------------ sweep --

    def scan(self, after: Cursor | None, count: int) -> tuple[list[Entry], Cursor | None]:
        """Up to `count` files after the cursor, in name order, and the cursor to
        go on from (None: the scan reached the end, start again)."""
        found: list[Entry] = []
        for top, sub, path in self._walk(after):
            with contextlib.suppress(FileNotFoundError):
                found.append(Entry(top, sub, path.name, path.stat().st_mtime_ns))
            if len(found) >= count:
                return found, (top, sub, path.name)
        return found, None

    def _walk(self, after: Cursor | None) -> Iterator[tuple[str, str, Path]]:
        start = after or ("", "", "")
        for top in _listdir(self.root):
            if top < start[0]:
                continue
            if top == TMP:
                subs = [""]
            elif _SHA256.match(top):
                subs = [d for d in _listdir(self.root / top) if (top, d) >= start[:2]]
            else:
                continue
            for sub in subs:
                folder = self.root / top / sub if sub else self.root / top
                for name in _listdir(folder):
                    later = after is None or (top, sub, name) > after
                    if later and (top == TMP or _SHA256.match(name)):
                        yield top, sub, folder / name

    async def remove_old(
        self, entry: Entry, before_ns: int,
        referenced: Callable[[], Awaitable[bool]] | None = None,
    ) -> bool:  # fmt: skip
        """Removes a scanned file if it is still older than `before_ns` (an
        upload of the same bytes renews it), no upload is writing it, and (for
        an object) `referenced()` says no revision names it."""
        if entry.top == TMP:
            path = self._tmp / entry.name
        else:
            path = self.root / entry.top / entry.sub / entry.name
        return await self._remove(path, before_ns, referenced)

    async def _remove(
        self, path: Path, before_ns: int | None, referenced: Callable[[], Awaitable[bool]] | None
    ) -> bool:
        """Removes `path` under an exclusive lock of the file, which uploads in
        progress and pins (of any process sharing the directory) hold shared
        or exclusive: they are never removed. The checks are made again after
        `referenced()`, and nothing awaits between them and the unlink."""
        try:
            f = open(path, "rb")  # noqa: SIM115
        except FileNotFoundError:
            return False
        with f:
            if not _try_lock(f.fileno(), fcntl.LOCK_EX):
                return False

            def removable() -> bool:
                if not _same_file(path, f.fileno()):
                    return False  # removed, or replaced by a new upload
                return before_ns is None or os.fstat(f.fileno()).st_mtime_ns < before_ns

            if not removable():
                return False
            if referenced is not None and await referenced():
                return False
            if not removable():
                return False
            path.unlink()
            return True


def colony_key(colonyname: str) -> str:
    """The directory name of a colony's objects."""
    return hashlib.sha256(colonyname.encode()).hexdigest()


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(path: Path, fd: int) -> bool:
    """Whether `path` still names the open file `fd`."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (opened.st_dev, opened.st_ino)


def _listdir(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _flush(f: object) -> None:
    f.flush()  # type: ignore[attr-defined]
    os.fsync(f.fileno())  # type: ignore[attr-defined]
