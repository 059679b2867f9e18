"""Locations, and blueprints: definitions of kinds, blueprints, their history.

Definitions, blueprints and history entries are stored as the JSON of their
dict form, beside the columns that queries select on. A blueprint is added or
changed only while its kind's definition exists (the definition's row is
locked meanwhile), and a definition is removed only when no blueprint of its
kind is left, so neither can slip past the other.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pycolonies_like.core.errors import AlreadyExists, FailedPrecondition, NotFound
from pycolonies_like.core.models import (
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    Location,
)
from pycolonies_like.core.rules import encode_json
from server.store.db import Database, Row, Tx, UniqueViolation

_LOCATION = ("locationid", "colonyname", "name", "description", "long", "lat")


def _location(row: Row) -> Location:
    return Location(**{c: row[c] for c in _LOCATION})


def _definition(row: Row) -> BlueprintDefinition:
    return BlueprintDefinition.from_dict(json.loads(row["document"]))


def _blueprint(row: Row) -> Blueprint:
    return Blueprint.from_dict(json.loads(row["document"]))


def _blueprint_values(b: Blueprint) -> dict[str, Any]:
    return {
        "blueprintid": b.blueprintid, "colonyname": b.metadata.colonyname,
        "name": b.metadata.name, "kind": b.kind, "locationname": b.metadata.locationname,
        "generation": b.metadata.generation, "document": encode_json(b.to_dict()),
    }  # fmt: skip


async def _add_history(tx: Tx, h: BlueprintHistory, colonyname: str) -> None:
    await tx.execute(
        "INSERT INTO blueprint_history (historyid, blueprintid, colonyname, timestamp, document) "
        "VALUES (?, ?, ?, ?, ?)",
        (h.historyid, h.blueprintid, colonyname, h.timestamp, encode_json(h.to_dict())),
    )


async def _definition_of(tx: Tx, colonyname: str, kind: str) -> BlueprintDefinition:
    row = await tx.fetchone(
        f"SELECT document FROM blueprint_definitions WHERE colonyname = ? AND kind = ?"
        f"{tx.dialect.lock_rows}",
        (colonyname, kind),
    )
    if row is None:
        raise NotFound(f"no blueprint definition of kind {kind!r} in colony {colonyname!r}")
    return _definition(row)


class Blueprints(Database):
    # ------------------------------------------------------------ locations --

    async def add_location(self, location: Location) -> None:
        try:
            async with self._write1() as tx:
                await tx.execute(
                    f"INSERT INTO locations ({', '.join(_LOCATION)}) VALUES "
                    f"({', '.join('?' * len(_LOCATION))})",
                    tuple(getattr(location, c) for c in _LOCATION),
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"a location named {location.name!r} already exists in colony "
                f"{location.colonyname!r}"
            ) from None

    async def get_location(self, colonyname: str, name: str) -> Location | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {', '.join(_LOCATION)} FROM locations WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return _location(row) if row else None

    async def list_locations(self, colonyname: str) -> list[Location]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {', '.join(_LOCATION)} FROM locations WHERE colonyname = ? ORDER BY name",
                (colonyname,),
            )
        return [_location(r) for r in found]

    async def remove_location(self, colonyname: str, name: str) -> bool:
        async with self._write1() as tx:
            return await tx.execute(
                "DELETE FROM locations WHERE colonyname = ? AND name = ?", (colonyname, name)
            ) > 0  # fmt: skip

    # ---------------------------------------------------------- definitions --

    async def add_blueprint_definition(self, d: BlueprintDefinition) -> None:
        try:
            async with self._write1() as tx:
                await tx.execute(
                    "INSERT INTO blueprint_definitions (blueprintdefinitionid, colonyname, name, "
                    "kind, document) VALUES (?, ?, ?, ?, ?)",
                    (d.blueprintdefinitionid, d.metadata.colonyname, d.metadata.name, d.defines,
                     encode_json(d.to_dict())),
                )  # fmt: skip
        except UniqueViolation:
            raise AlreadyExists(
                f"colony {d.metadata.colonyname!r} already has a blueprint definition named "
                f"{d.metadata.name!r} or of kind {d.defines!r}"
            ) from None

    async def get_blueprint_definition(
        self, colonyname: str, name: str = "", *, kind: str = ""
    ) -> BlueprintDefinition | None:
        """By name, or by the kind it defines."""
        column, value = ("kind", kind) if kind else ("name", name)
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT document FROM blueprint_definitions WHERE colonyname = ? AND {column} = ?",
                (colonyname, value),
            )
        return _definition(row) if row else None

    async def list_blueprint_definitions(self, colonyname: str) -> list[BlueprintDefinition]:
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT document FROM blueprint_definitions WHERE colonyname = ? ORDER BY name",
                (colonyname,),
            )
        return [_definition(r) for r in found]

    async def remove_blueprint_definition(self, colonyname: str, name: str) -> bool:
        """False when there is none; FailedPrecondition while blueprints of its kind exist."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT kind FROM blueprint_definitions WHERE colonyname = ? AND name = ?"
                f"{tx.dialect.lock_rows}",
                (colonyname, name),
            )
            if row is None:
                return False
            used = await tx.fetchone(
                "SELECT COUNT(*) AS n FROM blueprints WHERE colonyname = ? AND kind = ?",
                (colonyname, row["kind"]),
            )
            assert used is not None
            if used["n"]:
                raise FailedPrecondition(
                    f"blueprint definition {name!r} is in use: {used['n']} blueprint(s) of kind "
                    f"{row['kind']!r} remain; remove them first"
                )
            await tx.execute(
                "DELETE FROM blueprint_definitions WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return True

    # ----------------------------------------------------------- blueprints --

    async def add_blueprint(self, b: Blueprint, history: BlueprintHistory, locationid: str) -> None:
        """Stores a new blueprint (NotFound when its kind has no definition), its
        history entry, and its location (with that id) if the colony has none
        of that name."""
        colonyname = b.metadata.colonyname
        try:
            async with self._tx() as tx:
                await _definition_of(tx, colonyname, b.kind)
                values = _blueprint_values(b)
                await tx.execute(
                    f"INSERT INTO blueprints ({', '.join(values)}) VALUES "
                    f"({', '.join(':' + c for c in values)})",
                    values,
                )
                await _add_history(tx, history, colonyname)
                if b.metadata.locationname:
                    await tx.execute(
                        "INSERT INTO locations (locationid, colonyname, name, description, long, "
                        "lat) VALUES (?, ?, ?, '', 0, 0) ON CONFLICT DO NOTHING",
                        (locationid, colonyname, b.metadata.locationname),
                    )
        except UniqueViolation:
            raise AlreadyExists(
                f"a blueprint named {b.metadata.name!r} already exists in colony {colonyname!r}"
            ) from None

    async def get_blueprint(self, colonyname: str, name: str) -> Blueprint | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT document FROM blueprints WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return _blueprint(row) if row else None

    async def list_blueprints(
        self, colonyname: str, kind: str = "", locationname: str = ""
    ) -> list[Blueprint]:
        sql, params = "SELECT document FROM blueprints WHERE colonyname = ?", [colonyname]
        if kind:
            sql, params = sql + " AND kind = ?", [*params, kind]
        if locationname:
            sql, params = sql + " AND locationname = ?", [*params, locationname]
        async with self._read() as tx:
            found = await tx.fetchall(sql + " ORDER BY name", params)
        return [_blueprint(r) for r in found]

    async def update_blueprint(
        self, b: Blueprint, expected_generation: int, history: BlueprintHistory | None
    ) -> bool:
        """Replaces the blueprint if it is still at `expected_generation` (False
        otherwise), with a history entry when one is given."""
        async with self._tx() as tx:
            await _definition_of(tx, b.metadata.colonyname, b.kind)
            values = _blueprint_values(b)
            changed = await tx.execute(
                "UPDATE blueprints SET locationname = :locationname, generation = :generation, "
                "document = :document WHERE blueprintid = :blueprintid AND generation = :expected",
                {**values, "expected": expected_generation},
            )
            if changed and history is not None:
                await _add_history(tx, history, b.metadata.colonyname)
        return changed > 0

    async def set_blueprint_status(
        self, colonyname: str, name: str, status: dict[str, Any], now_ns: int
    ) -> Blueprint | None:
        """Replaces the status only; None when there is no such blueprint."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT document FROM blueprints WHERE colonyname = ? AND name = ?"
                f"{tx.dialect.lock_rows}",
                (colonyname, name),
            )
            if row is None:
                return None
            b = _blueprint(row)
            b.status = status
            b.metadata.updated = now_ns
            await tx.execute(
                "UPDATE blueprints SET document = ? WHERE blueprintid = ?",
                (encode_json(b.to_dict()), b.blueprintid),
            )
        return b

    async def note_reconciliation(
        self, colonyname: str, name: str, processid: str, now_ns: int
    ) -> None:
        """Records the latest reconciliation process submitted for a blueprint."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT document FROM blueprints WHERE colonyname = ? AND name = ?"
                f"{tx.dialect.lock_rows}",
                (colonyname, name),
            )
            if row is None:
                return
            b = _blueprint(row)
            b.metadata.lastreconciliationprocess = processid
            b.metadata.lastreconciliationtime = now_ns
            await tx.execute(
                "UPDATE blueprints SET document = ? WHERE blueprintid = ?",
                (encode_json(b.to_dict()), b.blueprintid),
            )

    async def remove_blueprint(
        self, colonyname: str, name: str, history: BlueprintHistory
    ) -> tuple[Blueprint, int] | None:
        """Removes it (None when there is none); returns it and how many blueprints
        of its kind remain at its location."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT document FROM blueprints WHERE colonyname = ? AND name = ?"
                f"{tx.dialect.lock_rows}",
                (colonyname, name),
            )
            if row is None:
                return None
            b = _blueprint(row)
            await tx.execute("DELETE FROM blueprints WHERE blueprintid = ?", (b.blueprintid,))
            left = await tx.fetchone(
                "SELECT COUNT(*) AS n FROM blueprints WHERE colonyname = ? AND kind = ? "
                "AND locationname = ?",
                (colonyname, b.kind, b.metadata.locationname),
            )
            assert left is not None
            history = dataclasses.replace(
                history, spec=b.spec, status=b.status, generation=b.metadata.generation
            )
            await _add_history(tx, history, colonyname)
        return b, int(left["n"])

    async def blueprint_history(self, blueprintid: str, limit: int) -> list[BlueprintHistory]:
        """The latest `limit` entries, newest first."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT document FROM blueprint_history WHERE blueprintid = ? "
                "ORDER BY seq DESC LIMIT ?",
                (blueprintid, limit),
            )
        return [BlueprintHistory.from_dict(json.loads(r["document"])) for r in found]
