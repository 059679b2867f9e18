"""`colonies fs ...` and `colonies snapshot ...`: ColonyFS from the command line.

The server keeps the metadata; the bytes go to and come from S3 when the
AWS_S3_* variables are set, else the server's own storage (no setup). A label
holds files the way a directory does; `sync` makes a directory and a label hold
the same files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.context import Settings, emit, fields, info, pass_settings, table, when
from pycolonies_like.core.models import File, Snapshot
from pycolonies_like.objects import sha256_of_path

# Transfers at least this big show a progress bar (on a terminal).
PROGRESS_FROM = 1024 * 1024


@contextmanager
def progress(what: str, size: int) -> Iterator[Callable[[int], None] | None]:
    if size < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=Console(stderr=True), transient=True) as bar:  # fmt: skip
        task = bar.add_task(what, total=size)
        yield lambda n: bar.advance(task, n)


def lines(texts: Iterable[str]) -> None:
    for text in texts:
        info(text)


@click.group("fs")
def fs() -> None:
    """Files under labels (metadata on the server; bytes on it too, or in S3 with AWS_S3_*)."""


@fs.command("ls")
@click.argument("label", required=False)
@pass_settings
def fs_ls(s: Settings, label: str | None) -> None:
    """List labels (with no LABEL), or the newest files under LABEL."""
    client = s.client()
    if not label:
        labels = client.get_file_labels(s.colony(), s.key())
        emit(s, labels, lambda: table("Labels", ("label", "files"),
                                      [(x.name, x.files) for x in labels]))  # fmt: skip
        return
    files = client.get_files(label, s.colony(), s.key())
    emit(s, files, lambda: table(f"Files under {label}", ("name", "size", "sha256"),
                                 [(f.name, f.size, f.checksum[:16]) for f in files]))  # fmt: skip


def _upload(s: Settings, path: Path, label: str) -> File:
    size = path.stat().st_size
    with progress(f"uploading {path.name}", size) as moved:
        return s.client().upload_file(s.colony(), s.key(), filepath=str(path), label=label,
                                      progress=moved)  # fmt: skip


def _download(s: Settings, f: File, folder: Path) -> Path:
    with progress(f"downloading {f.name}", f.size) as moved:
        got = s.client().download_file(s.colony(), s.key(), dst=str(folder), fileid=f.fileid,
                                       progress=moved)  # fmt: skip
    return Path(got)


@fs.command("upload")
@click.option("-l", "--label", required=True, help="The label to put the files under.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@pass_settings
def fs_upload(s: Settings, label: str, paths: tuple[str, ...]) -> None:
    """Upload files (each a new revision of its name under LABEL)."""
    added = [_upload(s, Path(p), label) for p in paths]
    emit(s, added, lambda: lines(f"uploaded {f.name} to {f.label} ({f.size} bytes)"
                                 for f in added))  # fmt: skip


@fs.command("download")
@click.option("-l", "--label", required=True)
@click.option("-n", "--name", help="One file (default: every file under the label).")
@click.option("-d", "--dir", "folder", default=".", show_default=True,
              type=click.Path(file_okay=False))  # fmt: skip
@pass_settings
def fs_download(s: Settings, label: str, name: str | None, folder: str) -> None:
    """Download the newest revision of files under LABEL; checksums are verified."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    client = s.client()
    if name:
        wanted = client.get_file(s.colony(), s.key(), label=label, filename=name)
    else:
        wanted = [client.get_file(s.colony(), s.key(), label=label, filename=f.name)[0]
                  for f in client.get_files(label, s.colony(), s.key())]  # fmt: skip
    got = [_download(s, f, target) for f in wanted]
    emit(s, [str(p) for p in got], lambda: lines(f"downloaded {p}" for p in got))


@fs.command("sync")
@click.option("-l", "--label", required=True)
@click.option("-d", "--dir", "folder", required=True, type=click.Path(file_okay=False))
@click.option(
    "--keeplocal", is_flag=True,
    help="Where both sides changed a file, upload the local one (default: download).",
)  # fmt: skip
@pass_settings
def fs_sync(s: Settings, label: str, folder: str, keeplocal: bool) -> None:
    """Make DIR and LABEL hold the same files (the files directly in DIR).

    A file only on one side is copied to the other. A file on both sides with
    different contents is downloaded (the label wins), or with --keeplocal
    uploaded as a new revision (the directory wins). Nothing is deleted."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    client = s.client()
    remote = {f.name: f for f in client.get_files(label, s.colony(), s.key())}
    local = {p.name: p for p in target.iterdir() if p.is_file() and not p.name.startswith(".")}
    done: list[str] = []
    for name, path in sorted(local.items()):
        r = remote.get(name)
        if r is None or (keeplocal and r.checksum != sha256_of_path(path)):
            _upload(s, path, label)
            done.append(f"uploaded {name}")
    for name, r in sorted(remote.items()):
        here = local.get(name)
        if here is None or (not keeplocal and r.checksum != sha256_of_path(here)):
            f = client.get_file(s.colony(), s.key(), label=label, filename=name)[0]
            _download(s, f, target)
            done.append(f"downloaded {name}")
    emit(s, done, lambda: lines(done or ["in sync"]))


@fs.command("rm")
@click.option("-l", "--label")
@click.option("-n", "--name")
@click.option("--fileid", help="One revision, by id.")
@pass_settings
def fs_rm(s: Settings, label: str | None, name: str | None, fileid: str | None) -> None:
    """Remove a file (every revision, or one by id): its bytes, then its metadata."""
    if not fileid and not (label and name):
        raise CliError("give --label and --name, or --fileid")
    removed = s.client().delete_file(s.colony(), s.key(), label=label, fileid=fileid,
                                     filename=name)  # fmt: skip
    emit(s, {"removed": removed}, lambda: info(f"removed {removed} revision(s)"))


# ----------------------------------------------------------------- snapshots --


@click.group("snapshot")
def snapshot() -> None:
    """Snapshots: the newest revision of every file under a label, kept by name."""


def _show(s: Settings, snap: Snapshot) -> None:
    emit(s, snap, lambda: fields("Snapshot", [
        ("name", snap.name), ("snapshotid", snap.snapshotid), ("label", snap.label),
        ("files", len(snap.fileids)), ("added", when(snap.added)),
    ]))  # fmt: skip


@snapshot.command("create")
@click.option("-l", "--label", required=True)
@click.option("-n", "--name", required=True)
@pass_settings
def snapshot_create(s: Settings, label: str, name: str) -> None:
    _show(s, s.client().create_snapshot(s.colony(), label, name, s.key()))


@snapshot.command("ls")
@pass_settings
def snapshot_ls(s: Settings) -> None:
    snaps = s.client().get_snapshots(s.colony(), s.key())
    emit(s, snaps, lambda: table("Snapshots", ("name", "label", "files", "added"),
                                 [(x.name, x.label, len(x.fileids), when(x.added))
                                  for x in snaps]))  # fmt: skip


def _which(name: str | None, snapshotid: str | None) -> dict[str, Any]:
    if bool(name) == bool(snapshotid):
        raise CliError("give either --name or --id")
    return {"name": name or "", "snapshotid": snapshotid or ""}


@snapshot.command("get")
@click.option("-n", "--name")
@click.option("--id", "snapshotid")
@pass_settings
def snapshot_get(s: Settings, name: str | None, snapshotid: str | None) -> None:
    which = _which(name, snapshotid)
    client = s.client()
    if which["name"]:
        _show(s, client.get_snapshot_by_name(s.colony(), which["name"], s.key()))
    else:
        _show(s, client.get_snapshot_by_id(s.colony(), which["snapshotid"], s.key()))


@snapshot.command("rm")
@click.option("-n", "--name")
@click.option("--id", "snapshotid")
@pass_settings
def snapshot_rm(s: Settings, name: str | None, snapshotid: str | None) -> None:
    """Remove a snapshot (its files stay)."""
    s.client().remove_snapshot(s.colony(), s.key(), **_which(name, snapshotid))
    emit(s, {}, lambda: info("snapshot removed"))
