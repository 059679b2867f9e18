"""Process graphs (workflows): storing them, and moving them on as processes end.

Progress is kept with counters (`pendingparents` on a process, the n*
counters on a graph) so that ending a process costs O(children), never
O(graph). Rows are always locked in the same order (the process, its
children sorted by id, then the graph row) so that concurrent ends on several
servers cannot deadlock each other. What a released child receives and why
descendants end is decided in pycolonies_like.core.progress.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.dag import graph_state
from pycolonies_like.core.errors import FailedPrecondition
from pycolonies_like.core.models import Process, ProcessGraph, ProcessState
from pycolonies_like.core.progress import child_input, descendant_end
from pycolonies_like.core.rules import wait_deadline
from server.store import concurrency, rows
from server.store import processes as procs
from server.store.base import FinishResult
from server.store.db import Database, Tx, marks

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
SUCCESSFUL = int(ProcessState.SUCCESSFUL)
FAILED = int(ProcessState.FAILED)
CANCELLED = int(ProcessState.CANCELLED)
P = procs.COLUMNS
_INSERT = rows.insert("processgraphs", rows.GRAPH_INSERT)


async def insert_graph(tx: Tx, graph: ProcessGraph, processes: Sequence[Process]) -> None:
    await tx.execute(_INSERT, rows.graph_values(graph, len(processes)))
    await procs.insert(tx, processes)


async def load_graph(tx: Tx, processgraphid: str) -> ProcessGraph | None:
    row = await tx.fetchone(
        f"SELECT {rows.select(rows.GRAPH)} FROM processgraphs WHERE processgraphid = ?",
        (processgraphid,),
    )
    return rows.graph_from_row(row, await _processids(tx, processgraphid)) if row else None


async def _processids(tx: Tx, processgraphid: str) -> list[str]:
    found = await tx.fetchall(
        "SELECT processid FROM processes WHERE processgraphid = ? ORDER BY graphpos",
        (processgraphid,),
    )
    return [r["processid"] for r in found]


async def after_end(tx: Tx, process: Process, now_ns: int) -> FinishResult:
    """Moves on the graph of a process that just ended (in `process.state`)."""
    if not process.processgraphid:
        return FinishResult(process)
    released: list[Process] = []
    ended: list[Process] = []
    counts = {SUCCESSFUL: 0, FAILED: 0, CANCELLED: 0}
    counts[int(process.state)] += 1
    if process.state == ProcessState.SUCCESSFUL:
        for childid in sorted(process.children):
            child = await _release_child(tx, childid, now_ns)
            if child is not None:
                released.append(child)
    else:
        ended = await _end_descendants(tx, process, now_ns)
        counts[int(process.state)] += len(ended)
    graph = await count_ends(tx, process.processgraphid, counts, now_ns)
    return FinishResult(process, released, ended, graph)


async def _release_child(tx: Tx, childid: str, now_ns: int) -> Process | None:
    """One parent of `childid` is done; queues the child when it was the last."""
    row = await tx.fetchone(
        "UPDATE processes SET pendingparents = pendingparents - 1 "
        "WHERE processid = ? AND state = ? RETURNING pendingparents, parents, maxwaittime",
        (childid, WAITING),
    )
    if row is None or row["pendingparents"] > 0:
        return None
    parents = rows.load_list(row["parents"])
    found = await tx.fetchall(
        f"SELECT processid, output FROM processes WHERE processid IN ({marks(parents)})",
        tuple(parents),
    )
    outputs = {r["processid"]: rows.load_list(r["output"]) for r in found}
    released = await tx.fetchone(
        "UPDATE processes SET waitforparents = 0, input = ?, waitdeadline = ? "
        f"WHERE processid = ? RETURNING {P}",
        (rows.dump_list(child_input(parents, outputs)),
         wait_deadline(now_ns, row["maxwaittime"]), childid),
    )  # fmt: skip
    assert released is not None
    child = rows.process_from_row(released)
    await procs.enqueue(tx, child)
    return child


async def _end_descendants(tx: Tx, process: Process, now_ns: int) -> list[Process]:
    """Ends every waiting descendant of a failed or cancelled process: they can never run."""
    state, why = descendant_end(process.processid, process.state)
    ended: list[Process] = []
    frontier = sorted(process.children)
    seen: set[str] = set()
    while frontier:
        processid = frontier.pop()
        if processid in seen:
            continue
        seen.add(processid)
        row = await tx.fetchone(
            "UPDATE processes SET state = ?, endtime = ?, errors = ? "
            f"WHERE processid = ? AND state = ? RETURNING {P}",
            (int(state), now_ns, rows.dump_list([why]), processid, WAITING),
        )
        if row is not None:
            child = rows.process_from_row(row)
            await procs.dequeue(tx, [child])
            ended.append(child)
            frontier.extend(sorted(child.children, reverse=True))
    return ended


async def count_ends(
    tx: Tx, processgraphid: str, counts: dict[int, int], now_ns: int
) -> ProcessGraph | None:
    """Adds ended processes to the graph's counters; returns the graph if its state changed."""
    row = await tx.fetchone(
        "UPDATE processgraphs SET nsuccessful = nsuccessful + ?, nfailed = nfailed + ?, "
        "ncancelled = ncancelled + ? WHERE processgraphid = ? "
        "RETURNING state, nprocesses, nsuccessful, nfailed, ncancelled, starttime",
        (counts[SUCCESSFUL], counts[FAILED], counts[CANCELLED], processgraphid),
    )
    if row is None:
        return None
    new = graph_state(row["nprocesses"], row["nsuccessful"], row["nfailed"], row["ncancelled"],
                      row["starttime"] > 0)  # fmt: skip
    if new == row["state"]:
        return None
    await tx.execute(
        "UPDATE processgraphs SET state = ?, endtime = CASE WHEN ? = 1 THEN ? ELSE endtime END "
        "WHERE processgraphid = ?",
        (int(new), int(new.is_final), now_ns, processgraphid),
    )
    return await load_graph(tx, processgraphid)


async def _delete_graphs(tx: Tx, graphids: Sequence[str]) -> int:
    removed = 0
    for graphid in graphids:
        if await tx.fetchone(
            f"SELECT 1 AS x FROM processes WHERE processgraphid = ? AND state = {RUNNING} LIMIT 1",
            (graphid,),
        ):
            continue  # running processes must be cancelled first
        await procs.dequeue(tx, await procs.claimable(tx, "processgraphid = ?", (graphid,)))
        await tx.execute("DELETE FROM processes WHERE processgraphid = ?", (graphid,))
        removed += await tx.execute(
            "DELETE FROM processgraphs WHERE processgraphid = ?", (graphid,)
        )
    return removed


class Graphs(Database):
    async def add_graph(self, graph: ProcessGraph, processes: Sequence[Process]) -> None:
        async with self._tx() as tx:
            await insert_graph(tx, graph, processes)

    async def get_graph(self, processgraphid: str) -> ProcessGraph | None:
        async with self._read() as tx:
            return await load_graph(tx, processgraphid)

    async def graph_processes(self, processgraphid: str) -> list[Process]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE processgraphid = ? ORDER BY graphpos",
                (processgraphid,),
            )
            return await procs.load_all(tx, found)

    async def list_graphs(
        self, colonyname: str, state: ProcessState | None, count: int
    ) -> list[ProcessGraph]:
        sql = f"SELECT {rows.select(rows.GRAPH)} FROM processgraphs WHERE colonyname = ?"
        params: tuple[Any, ...] = (colonyname,)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._read() as tx:
            found = await tx.fetchall(
                f"{sql} ORDER BY submissiontime DESC LIMIT ?", (*params, count)
            )
            return [
                rows.graph_from_row(r, await _processids(tx, r["processgraphid"])) for r in found
            ]

    async def remove_graph(self, processgraphid: str) -> bool:
        async with self._tx() as tx:
            return await _delete_graphs(tx, [processgraphid]) > 0

    async def remove_all_graphs(self, colonyname: str, state: ProcessState | None) -> int:
        sql = "SELECT processgraphid FROM processgraphs WHERE colonyname = ? AND state != ?"
        params: tuple[Any, ...] = (colonyname, RUNNING)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._tx() as tx:
            found = await tx.fetchall(sql, params)
            return await _delete_graphs(tx, [r["processgraphid"] for r in found])

    async def add_child(
        self,
        parent: Process,
        parent_attempt: int,
        child: Process,
        childprocessid: str,
        insert: bool,
    ) -> Process | None:
        graphid = parent.processgraphid
        async with self._tx() as tx:
            lock = tx.dialect.lock_rows
            row = await tx.fetchone(
                f"SELECT children FROM processes WHERE processid = ? AND state = ? "
                f"AND attempt = ?{lock}",
                (parent.processid, RUNNING, parent_attempt),
            )
            if row is None:
                return None
            children = rows.load_list(row["children"])
            below: list[str] = []
            if insert:
                # The new process goes between the parent and all of its children.
                below, children = children, [child.processid]
                for cid in sorted(below):
                    crow = await tx.fetchone(
                        f"SELECT parents FROM processes WHERE processid = ?{lock}", (cid,)
                    )
                    if crow is not None:
                        parents = [
                            child.processid if x == parent.processid else x
                            for x in rows.load_list(crow["parents"])
                        ]
                        await tx.execute(
                            "UPDATE processes SET parents = ? WHERE processid = ?",
                            (rows.dump_list(parents), cid),
                        )
            else:
                children = [*children, child.processid]
                if childprocessid:
                    below = [childprocessid]
                    await _add_parent(tx, childprocessid, child.processid, graphid)
            await tx.execute(
                "UPDATE processes SET children = ? WHERE processid = ?",
                (rows.dump_list(children), parent.processid),
            )
            pos = await tx.fetchone(
                "SELECT MAX(graphpos) AS pos FROM processes WHERE processgraphid = ?", (graphid,)
            )
            new = dataclasses.replace(
                child,
                children=tuple(below),
                parents=(parent.processid,),
                waitforparents=True,
                processgraphid=graphid,
            )
            await procs.insert(tx, [new], graphpos=(pos["pos"] or 0) + 1 if pos else 1)
            await tx.execute(
                "UPDATE processgraphs SET nprocesses = nprocesses + 1 WHERE processgraphid = ?",
                (graphid,),
            )
            return new

    async def cancel_process(self, processid: str, now_ns: int) -> FinishResult | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "UPDATE processes SET state = ?, endtime = ? "
                f"WHERE processid = ? AND state IN (?, ?) RETURNING {P}",
                (CANCELLED, now_ns, processid, WAITING, RUNNING),
            )
            if row is None:
                return None
            process = await procs.load(tx, row)
            await procs.dequeue(tx, [process])
            unheld = await concurrency.stopped_running(tx, process) if process.isassigned else []
            result = await after_end(tx, process, now_ns)
            return dataclasses.replace(result, released=[*result.released, *unheld])

    async def cancel_graph(
        self, processgraphid: str, now_ns: int
    ) -> tuple[list[Process], ProcessGraph | None] | None:
        async with self._tx() as tx:
            if not await tx.fetchone(
                f"SELECT 1 AS x FROM processgraphs WHERE processgraphid = ?{tx.dialect.lock_rows}",
                (processgraphid,),
            ):
                return None
            found = await tx.fetchall(
                "UPDATE processes SET state = ?, endtime = ? "
                f"WHERE processgraphid = ? AND state IN (?, ?) RETURNING {P}",
                (CANCELLED, now_ns, processgraphid, WAITING, RUNNING),
            )
            cancelled = [rows.process_from_row(r) for r in found]
            await procs.dequeue(tx, cancelled)
            for p in cancelled:
                if p.isassigned:  # was running; held ones of its key wait for the sweeper
                    await concurrency.stopped_running(tx, p, release=False)
            counts = {SUCCESSFUL: 0, FAILED: 0, CANCELLED: len(cancelled)}
            return cancelled, await count_ends(tx, processgraphid, counts, now_ns)


async def _add_parent(tx: Tx, processid: str, parentid: str, graphid: str) -> None:
    """Makes the waiting `processid` wait for one more parent."""
    row = await tx.fetchone(
        f"SELECT {P} FROM processes WHERE processid = ? AND state = ? "
        f"AND processgraphid = ?{tx.dialect.lock_rows}",
        (processid, WAITING, graphid),
    )
    if row is None:
        raise FailedPrecondition(f"process {processid} is not a waiting process of graph {graphid}")
    await tx.execute(
        "UPDATE processes SET parents = ?, pendingparents = pendingparents + 1, "
        "waitforparents = 1 WHERE processid = ?",
        (rows.dump_list([*rows.load_list(row["parents"]), parentid]), processid),
    )
    await procs.dequeue(tx, [rows.process_from_row(row)])
