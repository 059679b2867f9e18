"""Process graphs (workflows): storing them, and moving them on as processes end.

Progress is decided from process states (see after_end), so that ending a
process costs O(children x parents) index lookups, never O(graph), and no
row is written by every end of a graph. Rows are always locked in the same order (the process, its
children sorted by id, then the graph row) so that concurrent ends on several
servers cannot deadlock each other. What a released child receives and why
descendants end is decided in pycolonies_like.core.progress. PostgreSQL
adds a shortcut (pg_graphs.py): after a success, its waiting children count
their parents down, and the states here decide only when a graph may end.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.dag import graph_state
from pycolonies_like.core.errors import FailedPrecondition, StorageError
from pycolonies_like.core.models import AttemptRecord, Process, ProcessGraph, ProcessState
from pycolonies_like.core.progress import child_input, descendant_end, plan_rerun
from pycolonies_like.core.rules import deadline_sql, wait_deadline
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
log = logging.getLogger(__name__)
_INSERT = rows.insert("processgraphs", rows.GRAPH_INSERT)


async def insert_graph(tx: Tx, graph: ProcessGraph, processes: Sequence[Process]) -> list[Process]:
    await tx.execute(_INSERT, rows.graph_values(graph, len(processes)))
    return await procs.insert(tx, processes)


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
    """Moves on the graph of a process that just ended (in `process.state`).

    Everything is decided from process states, never from counters: a child
    is released when all of its parents succeeded, a graph ends when none of
    its processes is open. So no row is shared by every end of a graph. The
    changes are conditional (only one of two concurrent deciders wins), and a
    decision sees the ends committed before it: run after the end committed
    (PostgreSQL, see Graphs._settled) or in the transaction of every write
    (SQLite), the last of two concurrent ends always sees the other."""
    if not process.processgraphid:
        return FinishResult(process)
    released: list[Process] = []
    ended: list[Process] = []
    if process.state == ProcessState.SUCCESSFUL:
        if process.children:
            released = await _release_children(tx, process.children, now_ns)
    else:
        ended = await _end_descendants(tx, process, now_ns)
    graph = await settle_graph(tx, process.processgraphid, now_ns,
                               any_open=process.state == ProcessState.SUCCESSFUL)  # fmt: skip
    return FinishResult(process, released, ended, graph)


async def _release_children(tx: Tx, childids: Sequence[str], now_ns: int) -> list[Process]:
    """Queues those of `childids` that wait for parents that have all
    succeeded: three statements however many children there are."""
    waiting = await tx.fetchall(
        "SELECT processid, parents, maxwaittime FROM processes WHERE state = ? "
        f"AND waitforparents = 1 AND processid IN ({marks(childids)}) ORDER BY processid",
        (WAITING, *childids),
    )
    if not waiting:
        return []
    parents = {c["processid"]: rows.load_list(c["parents"]) for c in waiting}
    every = sorted({p for ps in parents.values() for p in ps})
    # The parents still open, ids only: while a join waits for many parents,
    # one of them is enough to know (the common case: one waiting child).
    one = " LIMIT 1" if len(waiting) == 1 else ""
    blocked = await tx.fetchall(
        f"SELECT processid FROM processes WHERE processid IN ({marks(every)}) "
        f"AND state != {SUCCESSFUL}{one}",
        tuple(every),
    )
    open_ = {r["processid"] for r in blocked}
    ready = [c for c in waiting if not open_.intersection(parents[c["processid"]])]
    if not ready:
        return []
    needed = sorted({p for c in ready for p in parents[c["processid"]]})
    found = await tx.fetchall(
        f"SELECT processid, state, output FROM processes WHERE processid IN ({marks(needed)})",
        tuple(needed),
    )
    done = {r["processid"]: r["output"] for r in found if r["state"] == SUCCESSFUL}
    ready = [c for c in ready if all(p in done for p in parents[c["processid"]])]
    if not ready:
        return []
    values: list[Any] = []
    for c in ready:
        ps = parents[c["processid"]]
        outputs = {p: rows.load_list(done[p]) for p in ps}
        values += [c["processid"], rows.dump_list(child_input(ps, outputs)),
                   wait_deadline(now_ns, c["maxwaittime"])]  # fmt: skip
    # Conditional: of two ends releasing the same child at once, one wins.
    found = await tx.fetchall(
        "WITH v(vid, vinput, vdeadline) AS (VALUES "
        + ", ".join(["(?, ?, CAST(? AS BIGINT))"] * len(ready))
        + ") UPDATE processes SET waitforparents = 0, pendingparents = 0, input = v.vinput, "
        f"waitdeadline = v.vdeadline FROM v WHERE processid = v.vid AND state = {WAITING} "
        f"AND waitforparents = 1 RETURNING {rows.select(rows.PROCESS, 'processes')}",
        values,
    )
    released = sorted((rows.process_from_row(r) for r in found), key=lambda p: p.processid)
    for child in released:
        await procs.enqueue(tx, child)
    return released


async def _end_descendants(tx: Tx, process: Process, now_ns: int) -> list[Process]:
    """Ends every waiting descendant of a failed or cancelled process: they can never run."""
    state, why = descendant_end(process.processid, process.state, process.spec.nodename)
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


async def settle_graph(
    tx: Tx, processgraphid: str, now_ns: int, *, any_open: bool = False
) -> ProcessGraph | None:
    """Sets a graph's state from the states of its processes; returns the
    graph if its state changed. `any_open`: the graph changes only if none of
    its processes is open any more (after a success), checked first by index."""
    if any_open and await tx.fetchone(
        "SELECT 1 AS x FROM processes WHERE processgraphid = ? "
        f"AND state IN ({WAITING}, {RUNNING}) AND processgraphid <> '' LIMIT 1",
        (processgraphid,),
    ):
        return None
    row = await tx.fetchone(
        "SELECT state, starttime FROM processgraphs WHERE processgraphid = ?", (processgraphid,)
    )
    if row is None or ProcessState(row["state"]).is_final:
        return None
    found = await tx.fetchall(
        "SELECT state, COUNT(*) AS n FROM processes WHERE processgraphid = ? GROUP BY state",
        (processgraphid,),
    )
    n = {r["state"]: r["n"] for r in found}
    counts = (n.get(SUCCESSFUL, 0), n.get(FAILED, 0), n.get(CANCELLED, 0))
    new = graph_state(sum(n.values()), *counts, row["starttime"] > 0)
    if new == row["state"]:
        return None
    changed = await tx.execute(
        "UPDATE processgraphs SET state = ?, endtime = CASE WHEN ? = 1 THEN ? ELSE endtime END, "
        "nsuccessful = ?, nfailed = ?, ncancelled = ? WHERE processgraphid = ? AND state = ?",
        (int(new), int(new.is_final), now_ns, *counts, processgraphid, row["state"]),
    )
    return await load_graph(tx, processgraphid) if changed else None


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
    # Whether a graph moves on after the end of one of its processes is
    # committed (PostgreSQL: concurrent ends do not see each other's changes
    # before they commit) or inside the same transaction (SQLite: one writer).
    settle_after_commit = False

    async def _moving_on(self, tx: Tx, process: Process, now_ns: int) -> FinishResult:
        """Inside the transaction that ended `process`: moves its graph on, or
        marks it `settling` for _moved_on (and for settle_unsettled after a crash)."""
        if not self.settle_after_commit or not process.processgraphid:
            return await after_end(tx, process, now_ns)
        await tx.send("UPDATE processes SET settling = 1 WHERE processid = ?", (process.processid,))
        return FinishResult(process)

    async def _moved_on(self, result: FinishResult, now_ns: int) -> FinishResult:
        """After that transaction committed."""
        if not self.settle_after_commit or not result.process.processgraphid:
            return result
        try:
            return await self.settle_process(result.process, now_ns)
        except StorageError as err:
            # The end is committed and stays marked: a sweep settles it later.
            log.warning("could not move on the graph of %s yet: %s", result.process.processid, err)
            return result

    async def settle_process(self, process: Process, now_ns: int) -> FinishResult:
        """Moves on the graph of an ended `process` marked `settling`. Nothing
        here waits for its own flush: until a later commit flushes it, the
        mark stays, and a crash meanwhile leaves the work to settle_unsettled."""
        async with self._tx_unflushed() as tx:
            result = await after_end(tx, process, now_ns)
            await tx.send(
                "UPDATE processes SET settling = 0 WHERE processid = ?", (process.processid,)
            )
        return result

    async def settle_unsettled(self, ended_before_ns: int, limit: int) -> list[FinishResult]:
        """Moves on the graphs of processes that ended before `ended_before_ns`
        and were left `settling` (their server stopped in between)."""
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE settling <> 0 AND endtime < ? "
                "ORDER BY endtime LIMIT ?",
                (ended_before_ns, limit),
            )
        return [await self.settle_process(rows.process_from_row(r), r["endtime"]) for r in found]

    async def add_graph(self, graph: ProcessGraph, processes: Sequence[Process]) -> list[Process]:
        async with self._tx() as tx:
            return await insert_graph(tx, graph, processes)

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
            (new,) = await procs.insert(tx, [new], graphpos=(pos["pos"] or 0) + 1 if pos else 1)
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
            result = await self._moving_on(tx, process, now_ns)
        return concurrency.with_released(await self._moved_on(result, now_ns), unheld)

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
            return cancelled, await settle_graph(tx, processgraphid, now_ns)

    async def rerun_graph(
        self, processgraphid: str, now_ns: int
    ) -> tuple[ProcessGraph, list[Process]] | None:
        """Runs a failed or cancelled graph again from its failures (see
        core.progress.plan_rerun): the rerun processes, as new attempts with
        the attempt that ended kept in their history, and the graph, running
        again. None when the graph is not failed or cancelled, or when one of
        its processes is running or its end not yet settled."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                "SELECT state, starttime FROM processgraphs WHERE processgraphid = ? "
                f"AND state IN ({FAILED}, {CANCELLED}){tx.dialect.lock_rows}",
                (processgraphid,),
            )
            if row is None or await tx.fetchone(
                "SELECT 1 AS x FROM processes WHERE processgraphid = ? "
                f"AND (state = {RUNNING} OR settling <> 0) LIMIT 1",
                (processgraphid,),
            ):
                return None
            found = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE processgraphid = ? ORDER BY processid",
                (processgraphid,),
            )
            by_id = {p.processid: p for p in await procs.load_all(tx, found)}
            rerun = []
            for plan in plan_rerun(list(by_id.values())):
                old = by_id[plan.processid]
                history = old.history
                if old.attempt:  # it ran: keep how that attempt ended
                    history = (*history, AttemptRecord(
                        attempt=old.attempt, executorname=old.assignedexecutorname,
                        starttime=old.starttime, endtime=old.endtime,
                        outcome=old.state.name.lower(), errors=old.errors,
                    ))  # fmt: skip
                waitdeadline = deadline_sql(":now", "maxwaittime") if plan.ready else "0"
                updated = await tx.fetchone(
                    f"UPDATE processes SET state = {WAITING}, assignedexecutorid = '', "
                    "assignedexecutorname = '', starttime = 0, endtime = 0, execdeadline = 0, "
                    "retries = 0, lease = 0, leasedeadline = 0, errors = '', output = '', "
                    "history = :history, notbefore = 0, held = 0, input = :input, "
                    "waitforparents = :wait, pendingparents = :pending, "
                    f"waitdeadline = {waitdeadline} "
                    "WHERE processid = :processid AND state = :state AND attempt = :attempt "
                    f"RETURNING {P}",
                    {"history": rows.history_json(history), "now": now_ns,
                     "input": rows.dump_list(plan.input), "wait": int(not plan.ready),
                     "pending": 0 if plan.ready else sum(
                         1 for q in old.parents
                         if q not in by_id or by_id[q].state != ProcessState.SUCCESSFUL),
                     "processid": old.processid, "state": int(old.state),
                     "attempt": old.attempt},
                )  # fmt: skip
                if updated is None:  # cannot happen under the graph's lock; never half-apply
                    raise StorageError(f"process {old.processid} changed during the rerun")
                rerun.append(await procs.load(tx, updated))
            await procs.enqueue_all(tx, [p for p in rerun if not p.waitforparents])
            nsuccessful = sum(1 for p in by_id.values() if p.state == ProcessState.SUCCESSFUL)
            state = graph_state(len(by_id), nsuccessful, 0, 0, row["starttime"] > 0)
            await tx.execute(
                "UPDATE processgraphs SET state = ?, endtime = 0, nsuccessful = ?, nfailed = 0, "
                "ncancelled = 0 WHERE processgraphid = ?",
                (int(state), nsuccessful, processgraphid),
            )
            graph = await load_graph(tx, processgraphid)
            assert graph is not None
            return graph, rerun


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
