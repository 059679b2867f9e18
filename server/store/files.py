"""ColonyFS metadata: revisions of files under labels, and snapshots of labels.

A label's sub-labels are the labels that start with it and a "/": they are
read as a range of the index (label >= 'a/' AND label < 'a0', '0' being the
character after '/'), never with LIKE, whose case rules differ by database.
"""

from __future__ import annotations

import json
from typing import Any

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.models import File, FileLabel, FileRef, Snapshot
from pycolonies_like.core.rules import encode_json
from server.store.db import Database, Row, Tx, UniqueViolation

_FILE = ("fileid", "colonyname", "label", "name", "size", "sequencenr", "checksum",
         "checksumalg", "ref", "added")  # fmt: skip
_FILE_COLUMNS = ", ".join(_FILE)
_SNAPSHOT = ("snapshotid", "colonyname", "label", "name", "fileids", "added")
_SNAPSHOT_COLUMNS = ", ".join(_SNAPSHOT)
# The newest revision of each name, among the rows `where` selects.
_NEWEST = (
    f"SELECT {_FILE_COLUMNS} FROM files f WHERE {{where}} AND sequencenr = "
    "(SELECT MAX(sequencenr) FROM files g WHERE g.colonyname = f.colonyname "
    "AND g.label = f.label AND g.name = f.name)"
)


def under(column: str = "label") -> str:
    """A label and its sub-labels: (:label, :sublabels, :beyond)."""
    return f"({column} = :label OR ({column} >= :sublabels AND {column} < :beyond))"


def under_params(label: str) -> dict[str, str]:
    base = label.rstrip("/")
    return {"label": label, "sublabels": base + "/", "beyond": base + "0"}


def file_from_row(row: Row) -> File:
    found = {c: row[c] for c in _FILE}
    found["ref"] = FileRef.from_dict(json.loads(found["ref"]))
    return File(**found)


def snapshot_from_row(row: Row) -> Snapshot:
    found = {c: row[c] for c in _SNAPSHOT}
    found["fileids"] = tuple(json.loads(found["fileids"]))
    return Snapshot(**found)


class Files(Database):
    async def add_file(self, file: File) -> File:
        """Stores a revision; the store numbers it (sequencenr)."""
        values: dict[str, Any] = {c: getattr(file, c) for c in _FILE if c != "sequencenr"}
        values["ref"] = encode_json(file.ref.to_dict())
        columns = [c for c in _FILE if c != "sequencenr"]
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"INSERT INTO files ({', '.join(columns)}) VALUES "
                f"({', '.join(':' + c for c in columns)}) RETURNING sequencenr",
                values,
            )
        assert row is not None
        return File(**{**{c: getattr(file, c) for c in _FILE}, "sequencenr": row["sequencenr"]})

    async def get_file_by_id(self, colonyname: str, fileid: str) -> File | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE colonyname = ? AND fileid = ?",
                (colonyname, fileid),
            )
        return file_from_row(row) if row else None

    async def get_file_revisions(
        self, colonyname: str, label: str, name: str, limit: int
    ) -> list[File]:
        """The revisions of a name under a label, newest first."""
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_FILE_COLUMNS} FROM files WHERE colonyname = ? AND label = ? "
                "AND name = ? ORDER BY sequencenr DESC LIMIT ?",
                (colonyname, label, name, limit),
            )
        return [file_from_row(r) for r in found]

    async def newest_files(self, colonyname: str, label: str, limit: int) -> list[File]:
        """The newest revision of every name under exactly `label`, by name."""
        async with self._read() as tx:
            found = await tx.fetchall(
                _NEWEST.format(where="colonyname = ? AND label = ?") + " ORDER BY name LIMIT ?",
                (colonyname, label, limit),
            )
        return [file_from_row(r) for r in found]

    async def file_labels(
        self, colonyname: str, name: str, exact: bool, limit: int
    ) -> list[FileLabel]:
        """Labels with their number of file names: all (name ""), those starting
        with `name`, or (exact) `name` and its sub-labels."""
        params: dict[str, Any] = {"colonyname": colonyname, "limit": limit}
        where = "colonyname = :colonyname"
        if name and exact:
            where += " AND " + under()
            params.update(under_params(name))
        elif name:
            where += " AND substr(label, 1, :n) = :prefix"
            params.update({"n": len(name), "prefix": name})
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT label, COUNT(DISTINCT name) AS files FROM files WHERE {where} "
                "GROUP BY label ORDER BY label LIMIT :limit",
                params,
            )
        return [FileLabel(r["label"], r["files"]) for r in found]

    async def remove_file_by_id(self, colonyname: str, fileid: str) -> int:
        async with self._write1() as tx:
            return await tx.execute(
                "DELETE FROM files WHERE colonyname = ? AND fileid = ?", (colonyname, fileid)
            )

    async def remove_file_by_name(self, colonyname: str, label: str, name: str) -> int:
        async with self._write1() as tx:
            return await tx.execute(
                "DELETE FROM files WHERE colonyname = ? AND label = ? AND name = ?",
                (colonyname, label, name),
            )

    async def local_object_refs(self, colonyname: str, checksum: str) -> int:
        """How many revisions keep their bytes in the server's object `checksum`."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT ref FROM files WHERE colonyname = ? AND checksum = ?",
                (colonyname, checksum),
            )
        return sum(json.loads(r["ref"]).get("protocol") == "local" for r in found)

    # --------------------------------------------------------- snapshots --

    async def create_snapshot(self, snapshot: Snapshot, limit: int) -> Snapshot | None:
        """Takes the newest revision of every file under the snapshot's label
        (and sub-labels). None when more than `limit` files are there."""
        params = {"colonyname": snapshot.colonyname, **under_params(snapshot.label)}
        try:
            async with self._tx() as tx:
                found = await tx.fetchall(
                    _NEWEST.format(where=f"colonyname = :colonyname AND {under()}")
                    + " ORDER BY label, name LIMIT :limit",
                    {**params, "limit": limit + 1},
                )
                if len(found) > limit:
                    return None
                taken = Snapshot(
                    snapshotid=snapshot.snapshotid, colonyname=snapshot.colonyname,
                    label=snapshot.label, name=snapshot.name,
                    fileids=tuple(r["fileid"] for r in found), added=snapshot.added,
                )  # fmt: skip
                await _insert_snapshot(tx, taken)
                return taken
        except UniqueViolation:
            raise AlreadyExists(
                f"a snapshot named {snapshot.name!r} already exists in colony "
                f"{snapshot.colonyname!r}"
            ) from None

    async def get_snapshot(self, colonyname: str, snapshotid: str, name: str) -> Snapshot | None:
        column, value = ("snapshotid", snapshotid) if snapshotid else ("name", name)
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE colonyname = ? AND {column} = ?",
                (colonyname, value),
            )
        return snapshot_from_row(row) if row else None

    async def list_snapshots(self, colonyname: str, limit: int) -> list[Snapshot]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE colonyname = ? "
                "ORDER BY added DESC, name LIMIT ?",
                (colonyname, limit),
            )
        return [snapshot_from_row(r) for r in found]

    async def remove_snapshot(self, colonyname: str, snapshotid: str, name: str) -> int:
        column, value = ("snapshotid", snapshotid) if snapshotid else ("name", name)
        async with self._write1() as tx:
            return await tx.execute(
                f"DELETE FROM snapshots WHERE colonyname = ? AND {column} = ?",
                (colonyname, value),
            )

    async def remove_all_snapshots(self, colonyname: str) -> int:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM snapshots WHERE colonyname = ?", (colonyname,))


async def _insert_snapshot(tx: Tx, s: Snapshot) -> None:
    await tx.execute(
        f"INSERT INTO snapshots ({_SNAPSHOT_COLUMNS}) VALUES "
        f"({', '.join(':' + c for c in _SNAPSHOT)})",
        {"snapshotid": s.snapshotid, "colonyname": s.colonyname, "label": s.label,
         "name": s.name, "fileids": encode_json(list(s.fileids)), "added": s.added},
    )  # fmt: skip
