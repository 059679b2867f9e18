"""A process' ColonyFS mounts (its spec's `fs`): files in before, changes out after.

Where: the mount is `<fs_dir>/<fs.mount>` on the executor's machine (a
leading '/' of the mount, as in ColonyOS' "/cfs", is read from `fs_dir`);
each snapshot or dir goes to `<mount>/<dir>`. The function finds it as
`ctx.fsdir`. Processes that share a mount run one after another on an
executor (their files would otherwise mix).

Before the function runs:
- a snapshot is downloaded into its dir (files of sub-labels into
  sub-directories); with only a `label`, the executor snapshots that label
  first, so that the function sees one consistent set of files.
- a dir gets the newest revision of each file directly under its label. A file
  only here is kept. A file on both sides that differs: the label's revision
  wins (it is downloaded over the local one), unless `onconflicts.onstart.
  keeplocal`.

After the function ends (successfully or not; not when the process was taken
back), for each dir, a file is "changed here" if it is new or its contents
differ from what the dir held when the function started, and "changed there"
if the label's newest revision is no longer the one seen at the start:
- changed here only: uploaded as a new revision.
- changed on both sides: with `onconflicts.onclose.keeplocal` the local file is
  uploaded (it becomes the newest revision: local wins); else the label's
  revision wins, and the local file is uploaded beside it under a conflict
  name, `<name>.conflict-<first 8 of the process id>`, so no work is lost.
Nothing is deleted from a label (a file removed here stays there). Then,
unless `keepfiles`, the dir (or the snapshot's dir) is removed from disk, and
a snapshot is removed unless `keepsnapshot`. A mount that cannot be made fails
the process before the function runs; a failed sync fails it after.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycolonies_like.core.errors import ColoniesError
from pycolonies_like.core.models import File, Filesystem, Process, SnapshotMount, SyncDirMount

_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def local_files(folder: Path) -> dict[str, str]:
    """name -> SHA-256 of the plain files directly in `folder` (hidden ones left out)."""
    if not folder.is_dir():
        return {}
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}  # fmt: skip


def conflict_name(name: str, processid: str) -> str:
    return f"{name}.conflict-{processid[:8]}"


@dataclass
class _Dir:
    spec: SyncDirMount
    path: Path
    seen_remote: dict[str, str] = field(default_factory=dict)  # name -> checksum at start
    seen_local: dict[str, str] = field(default_factory=dict)  # name -> checksum at start


@dataclass
class _Snapshot:
    spec: SnapshotMount
    path: Path
    snapshotid: str = ""


class Mounts:
    """The mounts of one process, made by `mount` and ended by `unmount`."""

    def __init__(self, client: Any, key: str, process: Process, root: Path) -> None:
        self.client, self.key, self.process = client, key, process
        self.colonyname = process.spec.conditions.colonyname
        fs: Filesystem = process.spec.fs
        self.path = root / fs.mount.lstrip("/") if fs.mount else root
        self.dirs = [_Dir(d, self.path / d.dir) for d in fs.dirs]
        self.snapshots = [_Snapshot(s, self.path / s.dir) for s in fs.snapshots]
        self.notes: list[str] = []  # what was done, for the process log

    # ------------------------------------------------------------ start --

    async def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(self.snapshots):
            await self._mount_snapshot(i, s)
        for d in self.dirs:
            await self._mount_dir(d)

    async def _mount_snapshot(self, i: int, s: _Snapshot) -> None:
        c, name = self.client, self.colonyname
        if s.spec.snapshotid:
            snap = await c.get_snapshot_by_id(name, s.spec.snapshotid, self.key)
        else:
            taken = f"{self.process.processid}-{i}"
            snap = await c.create_snapshot(name, s.spec.label, taken, self.key)
        s.snapshotid = snap.snapshotid
        s.path.mkdir(parents=True, exist_ok=True)
        for fileid in snap.fileids:
            f: File = (await c.get_file(name, self.key, fileid=fileid))[0]
            below = f.label[len(snap.label) :].strip("/") if f.label != snap.label else ""
            folder = s.path / below if below else s.path
            if below and any(part in ("", ".", "..") for part in below.split("/")):
                continue  # the server's labels never climb; nothing is written outside
            folder.mkdir(parents=True, exist_ok=True)
            await c.download_file(name, self.key, dst=str(folder), fileid=fileid)
        self.notes.append(f"fs: snapshot {snap.name} ({len(snap.fileids)} files) in {s.path}")

    async def _mount_dir(self, d: _Dir) -> None:
        c, name = self.client, self.colonyname
        d.path.mkdir(parents=True, exist_ok=True)
        remote = {f.name: f.checksum for f in await c.get_files(d.spec.label, name, self.key)}
        here = await asyncio.to_thread(local_files, d.path)
        fetched = kept = 0
        for fname, checksum in remote.items():
            if here.get(fname) == checksum:
                continue
            if fname in here and d.spec.onconflicts.onstart.keeplocal:
                kept += 1
                continue
            await c.download_file(name, self.key, dst=str(d.path), label=d.spec.label,
                                  filename=fname)  # fmt: skip
            fetched += 1
        d.seen_remote = remote
        d.seen_local = await asyncio.to_thread(local_files, d.path)
        self.notes.append(f"fs: {d.spec.label} in {d.path}: {fetched} downloaded"
                          + (f", {kept} local kept" if kept else ""))  # fmt: skip

    # -------------------------------------------------------------- end --

    async def sync_back(self) -> None:
        for d in self.dirs:
            await self._sync_dir(d)

    async def _sync_dir(self, d: _Dir) -> None:
        c, name, label = self.client, self.colonyname, d.spec.label
        now = await asyncio.to_thread(local_files, d.path)
        changed = sorted(n for n, checksum in now.items() if d.seen_local.get(n) != checksum)
        if not changed:
            return
        remote = {f.name: f.checksum for f in await c.get_files(label, name, self.key)}
        for fname in changed:
            moved_there = remote.get(fname) != d.seen_remote.get(fname)
            if not moved_there or d.spec.onconflicts.onclose.keeplocal:
                await c.upload_file(name, self.key, filepath=str(d.path / fname), label=label)
                self.notes.append(f"fs: uploaded {fname} to {label}")
                continue
            # Both sides changed and the label wins: keep ours beside it.
            aside = d.path / conflict_name(fname, self.process.processid)
            (d.path / fname).replace(aside)
            await c.upload_file(name, self.key, filepath=str(aside), label=label)
            await c.download_file(name, self.key, dst=str(d.path), label=label, filename=fname)
            self.notes.append(f"fs: {fname} changed in {label} meanwhile: ours uploaded as "
                              f"{aside.name}")  # fmt: skip

    async def unmount(self) -> None:
        """Removes what is not to be kept: files on disk, snapshots."""
        for s in self.snapshots:
            if s.snapshotid and not s.spec.keepsnapshot:
                with contextlib.suppress(ColoniesError):
                    await self.client.remove_snapshot(self.colonyname, self.key,
                                                      snapshotid=s.snapshotid)  # fmt: skip
            if not s.spec.keepfiles:
                await asyncio.to_thread(shutil.rmtree, s.path, True)
        for d in self.dirs:
            if not d.spec.keepfiles:
                await asyncio.to_thread(shutil.rmtree, d.path, True)


Ending = tuple[str, list[Any]] | None
_locks: dict[Path, asyncio.Lock] = {}


async def around(
    client: Any, key: str, root: Path, process: Process, ctx: Any,
    invoke: Callable[[Process, Any], Awaitable[Ending]],
) -> Ending:  # fmt: skip
    """Runs `invoke` with the process' mounts made, then syncs and ends them."""
    m = Mounts(client, key, process, root)
    lock = _locks.setdefault(m.path, asyncio.Lock())
    async with lock:
        try:
            await m.mount()
        except (ColoniesError, OSError) as err:
            await m.unmount()
            return "fail", [f"fs: cannot mount the process' files: {err}"]
        ctx.fsdir = m.path
        for note in m.notes:
            ctx.log(note)
        ending = await invoke(process, ctx)
        if ending is None:  # taken back: the next attempt syncs
            await m.unmount()
            return None
        m.notes.clear()
        try:
            await m.sync_back()
        except (ColoniesError, OSError) as err:
            ending = "fail", [*(ending[1] if ending[0] == "fail" else []),
                              f"fs: cannot sync the process' files back: {err}"]  # fmt: skip
        finally:
            for note in m.notes:
                ctx.log(note)
            await m.unmount()
        return ending
