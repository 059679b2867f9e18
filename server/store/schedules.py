"""Crons and generators: what starts workflows on its own.

A run starts exactly once however many servers try: a cron run is a
compare-and-set on `nextrun`, a generator run locks the generator's row; each
stores its graph in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.models import Cron, Generator, Process, ProcessGraph
from server.store import rows
from server.store.db import Database, Row, Tx, UniqueViolation
from server.store.graphs import insert_graph

GraphMaker = Callable[[list[Any]], tuple[ProcessGraph, list[Process]]]

_CRON = rows.select(rows.CRON)
_GENERATOR = rows.select(rows.GENERATOR)


async def _queue_size(tx: Tx, generatorid: str) -> int:
    row = await tx.fetchone(
        "SELECT COUNT(*) AS n FROM generatorargs WHERE generatorid = ?", (generatorid,)
    )
    return row["n"] if row else 0


async def _generators(tx: Tx, found: Sequence[Row]) -> list[Generator]:
    return [rows.generator_from_row(r, await _queue_size(tx, r["generatorid"])) for r in found]


class Schedules(Database):
    # ------------------------------------------------------------- crons --

    async def add_cron(self, cron: Cron) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(rows.insert("crons", rows.CRON), rows.cron_values(cron))
        except UniqueViolation:
            raise AlreadyExists(
                f"a cron named {cron.name!r} already exists in colony {cron.colonyname!r}"
            ) from None

    async def get_cron(self, cronid: str) -> Cron | None:
        async with self._read() as tx:
            row = await tx.fetchone(f"SELECT {_CRON} FROM crons WHERE cronid = ?", (cronid,))
        return rows.cron_from_row(row) if row else None

    async def list_crons(self, colonyname: str, count: int) -> list[Cron]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_CRON} FROM crons WHERE colonyname = ? ORDER BY name LIMIT ?",
                (colonyname, count),
            )
        return [rows.cron_from_row(r) for r in found]

    async def remove_cron(self, cronid: str) -> bool:
        async with self._tx() as tx:
            return await tx.execute("DELETE FROM crons WHERE cronid = ?", (cronid,)) > 0

    async def due_crons(self, now_ns: int, limit: int) -> list[Cron]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_CRON} FROM crons WHERE nextrun > 0 AND nextrun <= ? "
                "ORDER BY nextrun LIMIT ?",
                (now_ns, limit),
            )
        return [rows.cron_from_row(r) for r in found]

    async def previous_output(self, processgraphid: str) -> list[Any]:
        """The outputs of the leaves of a graph, in graph order."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT output FROM processes WHERE processgraphid = ? AND children = '' "
                "ORDER BY graphpos",
                (processgraphid,),
            )
        return [v for r in found for v in rows.load_list(r["output"])]

    async def start_cron_run(
        self,
        cronid: str,
        expected_nextrun: int,
        nextrun: int,
        now_ns: int,
        graph: ProcessGraph,
        processes: Sequence[Process],
    ) -> bool:
        """Starts one run: moves `nextrun` on from `expected_nextrun` (compare and
        set) and stores the graph in the same transaction. False when another
        server (or a concurrent run-now) started this tick already."""
        async with self._tx() as tx:
            changed = await tx.execute(
                "UPDATE crons SET nextrun = ?, lastrun = ?, prevprocessgraphid = ? "
                "WHERE cronid = ? AND nextrun = ?",
                (nextrun, now_ns, graph.processgraphid, cronid, expected_nextrun),
            )
            if changed != 1:
                return False
            await insert_graph(tx, graph, processes)
            return True

    async def set_cron_nextrun(self, cronid: str, expected_nextrun: int, nextrun: int) -> bool:
        async with self._tx() as tx:
            changed = await tx.execute(
                "UPDATE crons SET nextrun = ? WHERE cronid = ? AND nextrun = ?",
                (nextrun, cronid, expected_nextrun),
            )
            return changed == 1

    # -------------------------------------------------------- generators --

    async def add_generator(self, generator: Generator) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(
                    rows.insert("generators", rows.GENERATOR), rows.generator_values(generator)
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"a generator named {generator.name!r} already exists in colony "
                f"{generator.colonyname!r}"
            ) from None

    async def get_generator(self, generatorid: str) -> Generator | None:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_GENERATOR} FROM generators WHERE generatorid = ?", (generatorid,)
            )
            generators = await _generators(tx, found)
        return generators[0] if generators else None

    async def list_generators(self, colonyname: str, count: int) -> list[Generator]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_GENERATOR} FROM generators WHERE colonyname = ? ORDER BY name LIMIT ?",
                (colonyname, count),
            )
            return await _generators(tx, found)

    async def remove_generator(self, generatorid: str) -> bool:
        async with self._tx() as tx:
            await tx.execute("DELETE FROM generatorargs WHERE generatorid = ?", (generatorid,))
            removed = await tx.execute(
                "DELETE FROM generators WHERE generatorid = ?", (generatorid,)
            )
            return removed > 0

    async def pack_generator(self, generatorid: str, arg: str, now_ns: int) -> bool:
        async with self._tx() as tx:
            changed = await tx.execute(
                "UPDATE generators SET firstpack = CASE WHEN firstpack = 0 THEN ? "
                "ELSE firstpack END WHERE generatorid = ?",
                (now_ns, generatorid),
            )
            if changed != 1:
                return False
            await tx.execute(
                "INSERT INTO generatorargs (generatorid, arg, added) VALUES (?, ?, ?)",
                (generatorid, arg, now_ns),
            )
            return True

    async def generators_with_args(self, limit: int) -> list[Generator]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_GENERATOR} FROM generators WHERE firstpack > 0 "
                "ORDER BY firstpack LIMIT ?",
                (limit,),
            )
            return await _generators(tx, found)

    async def start_generator_run(
        self, generatorid: str, count: int, now_ns: int, make_graph: GraphMaker
    ) -> ProcessGraph | None:
        """Takes up to `count` oldest packed arguments and stores the graph made
        from them, atomically; None when there was nothing to take."""
        async with self._tx() as tx:
            locked = await tx.fetchone(
                f"SELECT generatorid FROM generators WHERE generatorid = ?{tx.dialect.lock_rows}",
                (generatorid,),
            )
            if locked is None:
                return None
            found = await tx.fetchall(
                "SELECT seq, arg FROM generatorargs WHERE generatorid = ? ORDER BY seq LIMIT ?",
                (generatorid, count),
            )
            if not found:
                return None
            await tx.execute(
                "DELETE FROM generatorargs WHERE generatorid = ? AND seq <= ?",
                (generatorid, found[-1]["seq"]),
            )
            oldest = await tx.fetchone(
                "SELECT MIN(added) AS added FROM generatorargs WHERE generatorid = ?",
                (generatorid,),
            )
            await tx.execute(
                "UPDATE generators SET lastrun = ?, firstpack = ? WHERE generatorid = ?",
                (now_ns, (oldest["added"] or 0) if oldest else 0, generatorid),
            )
            graph, processes = make_graph([r["arg"] for r in found])
            await insert_graph(tx, graph, processes)
            return graph
