"""Retention: removing finished work older than a colony's retention period.

A pass removes at most `limit` processes (whole workflows count with their
processes), oldest end first, in one transaction, and adds what it removed to
the colony's `retired` counters so that statistics keep counting them. Every
delete is conditional on the row still being there and finished, and counts
only the rows it removed, so two servers purging at once never count twice;
on PostgreSQL a transaction-scoped advisory lock also keeps the second server
from doing the same work (it skips the pass).
"""

from __future__ import annotations

from collections import Counter

from pycolonies_like.core.models import Colony, ProcessState
from server.store import rows
from server.store.db import Database, Tx
from server.store.pauses import load_colony

FINAL = tuple(int(s) for s in (ProcessState.SUCCESSFUL, ProcessState.FAILED,
                                ProcessState.CANCELLED))  # fmt: skip
RETENTION_LOCK = 7_461_727  # pg_try_advisory_xact_lock key: one purging server at a time


async def _retire(tx: Tx, colonyname: str, kind: str, counts: Counter[int]) -> None:
    for state, n in sorted(counts.items()):
        await tx.execute(
            "INSERT INTO retired (colonyname, kind, state, n) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (colonyname, kind, state) DO UPDATE SET n = retired.n + excluded.n",
            (colonyname, kind, state, n),
        )


async def retired_counts(tx: Tx, colonyname: str | None) -> dict[tuple[str, int], int]:
    """What retention removed, by kind ("process", "graph") and state."""
    where, params = ("WHERE colonyname = ? ", (colonyname,)) if colonyname is not None else ("", ())
    found = await tx.fetchall(
        f"SELECT kind, state, SUM(n) AS n FROM retired {where}GROUP BY kind, state", params
    )
    return {(r["kind"], r["state"]): int(r["n"]) for r in found}


async def _purge_graphs(tx: Tx, colonyname: str, before_ns: int, limit: int) -> int:
    found = await tx.fetchall(
        "SELECT processgraphid FROM processgraphs WHERE colonyname = ? AND state >= 2 "
        "AND endtime < ? ORDER BY endtime, processgraphid LIMIT ?",
        (colonyname, before_ns, limit),
    )
    graphs: Counter[int] = Counter()
    processes: Counter[int] = Counter()
    for r in found:
        gone = await tx.fetchone(
            "DELETE FROM processgraphs WHERE processgraphid = ? AND state >= 2 RETURNING state",
            (r["processgraphid"],),
        )
        if gone is None:
            continue  # removed meanwhile
        graphs[gone["state"]] += 1
        # A finished workflow's processes have all ended, or will never run.
        for p in await tx.fetchall(
            "DELETE FROM processes WHERE processgraphid = ? RETURNING state",
            (r["processgraphid"],),
        ):
            processes[p["state"]] += 1
    await _retire(tx, colonyname, "graph", graphs)
    await _retire(tx, colonyname, "process", processes)
    return sum(processes.values())


async def _purge_processes(tx: Tx, colonyname: str, before_ns: int, limit: int) -> int:
    removed: Counter[int] = Counter()
    for state in FINAL:
        if limit <= sum(removed.values()):
            break
        # Each state's partial index (colonyname, endtime) gives the oldest.
        found = await tx.fetchall(
            f"DELETE FROM processes WHERE processid IN (SELECT processid FROM processes "
            f"WHERE colonyname = ? AND state = {state} AND endtime < ? AND processgraphid = '' "
            f"ORDER BY endtime LIMIT ?) AND state = {state} RETURNING processid",
            (colonyname, before_ns, limit - sum(removed.values())),
        )
        removed[state] += len(found)
    await _retire(tx, colonyname, "process", +removed)
    return sum(removed.values())


class Retention(Database):
    async def set_retention(self, colonyname: str, retention_s: int) -> Colony | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"UPDATE colonies SET retention = ? WHERE name = ? "
                f"RETURNING {rows.select(rows.COLONY)}",
                (retention_s, colonyname),
            )
            return await load_colony(tx, row) if row else None

    async def colonies_with_retention(self) -> list[tuple[str, int]]:
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT name, retention FROM colonies WHERE retention > 0 ORDER BY name"
            )
        return [(r["name"], r["retention"]) for r in found]

    async def purge_finished(self, colonyname: str, before_ns: int, limit: int) -> int:
        async with self._tx() as tx:
            if not await tx.dialect.try_lock(tx, RETENTION_LOCK):
                return 0  # another server is purging
            removed = await _purge_graphs(tx, colonyname, before_ns, limit)
            if removed < limit:
                removed += await _purge_processes(tx, colonyname, before_ns, limit - removed)
            return removed
