"""The pauses table: assignment paused for a colony ('') or an executor type of it.

Claims read it (queue.NOT_PAUSED); colonies are read with it.
"""

from __future__ import annotations

from pycolonies_like.core.models import Colony
from server.store import rows
from server.store.db import Row, Tx


async def pauses_of(tx: Tx, colonyname: str | None = None) -> dict[str, list[str]]:
    """The paused executor types of a colony (or of all), '' for the whole colony."""
    where, params = ("WHERE colonyname = ?", (colonyname,)) if colonyname else ("", ())
    found = await tx.fetchall(f"SELECT colonyname, executortype FROM pauses {where}", params)
    pauses: dict[str, list[str]] = {}
    for r in found:
        pauses.setdefault(r["colonyname"], []).append(r["executortype"])
    return pauses


async def load_colony(tx: Tx, row: Row) -> Colony:
    """The colony of a row of the colonies table, with its pauses."""
    pauses = await pauses_of(tx, row["name"])
    return rows.colony_from_row(row, pauses.get(row["name"], ()))


async def set_pause(tx: Tx, colonyname: str, executortype: str, paused: bool, now_ns: int) -> None:
    if paused:
        await tx.execute(
            "INSERT INTO pauses (colonyname, executortype, pausedtime) VALUES (?, ?, ?) "
            "ON CONFLICT (colonyname, executortype) DO NOTHING",
            (colonyname, executortype, now_ns),
        )
    else:
        await tx.execute(
            "DELETE FROM pauses WHERE colonyname = ? AND executortype = ?",
            (colonyname, executortype),
        )
