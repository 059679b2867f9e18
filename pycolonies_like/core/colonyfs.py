"""ColonyFS rules: which labels, file names and references are acceptable.

A label names a folder of files ("/results/run-1"); its sub-labels start with
it and a "/". A file name is one path segment. Neither may climb out of where
it is put ("..", "."), and a file name may not be a path at all, so that
syncing a label into a directory never writes outside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.subscriptable import Subscriptable

MAX_LABEL = 1024
MAX_FILE_NAME = 255
MAX_FILE_SIZE = 5 * 2**40  # S3's largest object
MAX_LISTED = 10_000  # files or labels in one reply
MAX_REVISIONS = 1_000
MAX_SNAPSHOT_FILES = 100_000
CHECKSUM_ALGORITHMS = ("SHA256",)
# Where a file's bytes are: an S3-compatible store ("s3", as ColonyOS), or the
# server's own object storage ("local"), named by the file's SHA-256.
PROTOCOLS = ("s3", "local")


# -------------------------------------------------------------- ColonyFS --


@dataclass(frozen=True)
class S3Object(Subscriptable):
    """Where a file's bytes are: an object in an S3-compatible store. The
    server keeps no credentials: accesskey and secretkey stay empty."""

    server: str = ""
    port: int = 0
    tls: bool = False
    accesskey: str = ""
    secretkey: str = ""
    region: str = ""
    encryptionkey: str = ""
    encryptionalg: str = ""
    object: str = ""
    bucket: str = ""


@dataclass(frozen=True)
class FileRef(Subscriptable):
    """`protocol` "s3": the bytes are in `s3object`; "local": the server keeps
    them, and `s3object.object` is their SHA-256 (nothing else is set)."""

    protocol: str = "s3"
    s3object: S3Object = field(default_factory=S3Object)


@dataclass(frozen=True)
class File(Subscriptable):
    """One revision of a file: its metadata (the bytes are in object storage).
    Revisions of a name under a label are ordered by `sequencenr`."""

    fileid: str
    colonyname: str
    label: str
    name: str
    size: int = 0
    sequencenr: int = 0
    checksum: str = ""
    checksumalg: str = "SHA256"
    ref: FileRef = field(default_factory=FileRef)
    added: int = 0


@dataclass(frozen=True)
class FileData(Subscriptable):
    """The newest revision of a file, as listed under a label."""

    name: str
    checksum: str = ""
    size: int = 0
    s3filename: str = ""


@dataclass(frozen=True)
class FileLabel(Subscriptable):
    name: str
    files: int = 0


@dataclass(frozen=True)
class Snapshot(Subscriptable):
    """The newest revision of every file under a label (and its sub-labels),
    at the time it was taken."""

    snapshotid: str
    colonyname: str
    label: str
    name: str
    fileids: tuple[str, ...] = ()
    added: int = 0


def _printable(text: str, what: str) -> None:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidArgument(f"{what} must not contain control characters")


def check_label(label: str) -> str:
    if not label:
        raise InvalidArgument("label is required")
    if len(label) > MAX_LABEL:
        raise InvalidArgument(f"label is longer than {MAX_LABEL} characters")
    _printable(label, "label")
    segments = label.strip("/").split("/")
    if any(s in ("", ".", "..") for s in segments) and label.strip("/"):
        raise InvalidArgument(f"label {label!r} has an empty, '.' or '..' part")
    if "\\" in label:
        raise InvalidArgument(f"label {label!r} contains a backslash")
    return label


def check_file_name(name: str) -> str:
    if not name:
        raise InvalidArgument("file name is required")
    if len(name) > MAX_FILE_NAME:
        raise InvalidArgument(f"file name is longer than {MAX_FILE_NAME} characters")
    _printable(name, "file name")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidArgument(
            f"file name {name!r} must be a plain name: no '/', no '..', not absolute"
        )
    return name


def check_snapshot_name(name: str) -> str:
    if not name:
        raise InvalidArgument("snapshot name is required")
    if len(name) > MAX_FILE_NAME:
        raise InvalidArgument(f"snapshot name is longer than {MAX_FILE_NAME} characters")
    _printable(name, "snapshot name")
    return name


def check_file(f: File) -> File:
    """A file revision before it is stored; raises InvalidArgument."""
    check_label(f.label)
    check_file_name(f.name)
    if not 0 <= f.size <= MAX_FILE_SIZE:
        raise InvalidArgument(f"size must be between 0 and {MAX_FILE_SIZE}, got {f.size}")
    if f.checksumalg.upper() not in CHECKSUM_ALGORITHMS:
        raise InvalidArgument(f"checksumalg must be SHA256, got {f.checksumalg!r}")
    if len(f.checksum) != 64 or any(c not in "0123456789abcdef" for c in f.checksum.lower()):
        raise InvalidArgument("checksum must be a SHA256 digest: 64 hex characters")
    if f.ref.protocol not in PROTOCOLS:
        raise InvalidArgument(f"ref.protocol must be 's3' or 'local', got {f.ref.protocol!r}")
    o = f.ref.s3object
    if f.ref.protocol == "local":
        if o != S3Object(object=o.object) or o.object.lower() != f.checksum.lower():
            raise InvalidArgument(
                "a 'local' ref names the server's object by the file's SHA-256 "
                "(ref.s3object.object = checksum) and nothing else"
            )
        return f
    if o.accesskey or o.secretkey or o.encryptionkey:
        raise InvalidArgument(
            "ref.s3object must not carry credentials or keys: the server does not keep them"
        )
    if not o.bucket or not o.object:
        raise InvalidArgument("ref.s3object needs a bucket and an object")
    if len(o.bucket) > 63 or len(o.object) > 1024 or len(o.server) > 255 or len(o.region) > 64:
        raise InvalidArgument("ref.s3object has a field that is too long")
    if not 0 <= o.port <= 65535:
        raise InvalidArgument(f"ref.s3object.port must be a port number, got {o.port}")
    return f


# ------------------------------------------------- a function spec's `fs` --
#
# ColonyOS' FuncSpec.fs (pkg/core/function_spec.go), with its JSON keys. The
# executor runtime honours it (executors/mounts.py): labels and snapshots are
# downloaded into `mount` under the process' working directory before the
# function runs, and the files of `dirs` are synced back after it ends.

MAX_MOUNTS = 64


@dataclass
class OnStart(Subscriptable):
    keeplocal: bool = False


@dataclass
class OnClose(Subscriptable):
    keeplocal: bool = False


@dataclass
class ConflictResolution(Subscriptable):
    onstart: OnStart = field(default_factory=OnStart)
    onclose: OnClose = field(default_factory=OnClose)


@dataclass
class SnapshotMount(Subscriptable):
    """A snapshot downloaded into `dir`: the one `snapshotid` names, or one the
    executor takes of `label` when the process starts. Nothing is synced back;
    the snapshot is removed after the process unless `keepsnapshot`."""

    snapshotid: str = ""
    label: str = ""
    dir: str = ""
    keepfiles: bool = False
    keepsnapshot: bool = False


@dataclass
class SyncDirMount(Subscriptable):
    """The files of `label` downloaded into `dir`, and what changed there
    uploaded to `label` when the function ends."""

    label: str = ""
    dir: str = ""
    keepfiles: bool = False
    onconflicts: ConflictResolution = field(default_factory=ConflictResolution)


@dataclass
class Filesystem(Subscriptable):
    mount: str = ""
    snapshots: list[SnapshotMount] = field(default_factory=list)
    dirs: list[SyncDirMount] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.snapshots is None:
            self.snapshots = []
        if self.dirs is None:
            self.dirs = []

    @property
    def empty(self) -> bool:
        return not (self.snapshots or self.dirs)


def check_relative_dir(path: str, what: str, *, rooted_ok: bool = False) -> str:
    """A directory below the executor's file directory: relative, with no '..',
    so that no spec names a place outside it. `mount` may start with '/'
    (ColonyOS' "/cfs"): it is read from the executor's file directory."""
    if len(path) > MAX_LABEL:
        raise InvalidArgument(f"{what} is longer than {MAX_LABEL} characters")
    _printable(path, what)
    if rooted_ok:
        path = path.lstrip("/")
    if path.startswith("/") or "\\" in path or (len(path) > 1 and path[1] == ":"):
        raise InvalidArgument(f"{what} {path!r} must be a relative path (no leading '/')")
    if any(part == ".." for part in path.split("/")):
        raise InvalidArgument(f"{what} {path!r} must not contain '..'")
    return path


def check_filesystem(fs: Filesystem) -> Filesystem:
    """A spec's `fs` at submit: InvalidArgument naming the field."""
    if len(fs.snapshots) + len(fs.dirs) > MAX_MOUNTS:
        raise InvalidArgument(f"fs has more than {MAX_MOUNTS} snapshots and dirs")
    if fs.mount:
        check_relative_dir(fs.mount, "fs.mount", rooted_ok=True)
    for i, s in enumerate(fs.snapshots):
        where = f"fs.snapshots[{i}]"
        if not (s.snapshotid or s.label):
            raise InvalidArgument(f"{where}: give a snapshotid, or a label to snapshot")
        if s.label:
            _field(check_label, s.label, f"{where}.label")
        check_relative_dir(s.dir, f"{where}.dir")
    for i, d in enumerate(fs.dirs):
        where = f"fs.dirs[{i}]"
        _field(check_label, d.label, f"{where}.label")
        check_relative_dir(d.dir, f"{where}.dir")
    return fs


def _field(check: Any, value: str, where: str) -> None:
    try:
        check(value)
    except InvalidArgument as err:
        raise InvalidArgument(f"{where}: {err}") from None
