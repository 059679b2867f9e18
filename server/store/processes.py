"""Process rows and their entries in the queue table.

The queue table holds the claimable processes only: one row per waiting
process whose parents are done, or one per named executor when its spec names
executors. Every key of a queue row comes from its process, so the functions
here keep the two tables in step; what claims and ends processes is queue.py.

A big batch is written in slices, staged first (staged.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.flow import key_of
from pycolonies_like.core.models import ExecutorState, FuncSpec, Process, ProcessState, Statistics
from pycolonies_like.core.requirements import Requirement, requirement_of
from pycolonies_like.core.rules import MAX_REPLY_BYTES
from server.store import fairshare, rows
from server.store.base import ProcessBrief
from server.store.db import Database, Row, Tx, UniqueViolation, marks
from server.store.logs import attributes_of
from server.store.retention import retired_counts

if TYPE_CHECKING:
    from server.store.staged import StagedBatch

log = logging.getLogger(__name__)

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
# A row of a batch being written: no state a query names (0020_staged_batches.sql).
STAGED = -1

COLUMNS = rows.select(rows.PROCESS)
# What a process weighs in a reply, near enough: its variable-size columns.
_SIZE = "length(spec) + length(input) + length(output) + length(errors) + 512"
_CHUNK = 100
_INSERT = rows.insert("processes", rows.PROCESS_INSERT)
_QUEUE = ("colonyname", "executortype", "executorname", "shape", "prioritytime", "processid")
_ENQUEUE = rows.insert("queue", _QUEUE)
_DEQUEUE = "DELETE FROM queue WHERE " + " AND ".join(f"{c} = :{c}" for c in _QUEUE)
_SHAPE = ("colonyname", "executortype", "shape", *(f.name for f in fields(Requirement)),
          "hardware")  # fmt: skip
_ADD_SHAPE = rows.insert("shapes", _SHAPE) + " ON CONFLICT DO NOTHING"


def _queue_rows(processes: Iterable[Process]) -> list[dict[str, Any]]:
    return [
        {"colonyname": p.colonyname, "executortype": p.spec.conditions.executortype,
         "executorname": name, "shape": requirement_of(p.spec.conditions).key,
         "prioritytime": p.prioritytime, "processid": p.processid}
        for p in processes
        for name in (p.spec.conditions.executornames or [""])
    ]  # fmt: skip


async def enqueue(tx: Tx, process: Process) -> None:
    """Makes a waiting process claimable (under the shape of its needs)."""
    await enqueue_all(tx, [process])


async def enqueue_all(tx: Tx, processes: Sequence[Process]) -> None:
    await _add_shapes(tx, processes)
    await tx.executemany(_ENQUEUE, _queue_rows(processes))


async def _add_shapes(tx: Tx, processes: Iterable[Process]) -> None:
    """Records the shapes of needs of `processes` that are new to their colony
    and executor type. The shape "" (needs nothing) fits every executor and
    has no row. Shapes are few and long-lived, so this is mostly one read; new
    ones are inserted in key order, so concurrent submits cannot deadlock."""
    wanted: dict[tuple[str, str, str], Requirement] = {}
    for p in processes:
        c = p.spec.conditions
        need = requirement_of(c)
        if need.key:
            wanted[(c.colonyname, c.executortype, need.key)] = need
    await _record_shapes(tx, wanted)


async def _record_shapes(tx: Tx, wanted: dict[tuple[str, str, str], Requirement]) -> None:
    """`_add_shapes` for shapes found already: (colony, type, key) -> need."""
    for colonyname, executortype in sorted({(c, t) for c, t, _ in wanted}):
        keys = sorted(k for c, t, k in wanted if (c, t) == (colonyname, executortype))
        found = await tx.fetchall(
            f"SELECT shape FROM shapes WHERE colonyname = ? AND executortype = ? "
            f"AND shape IN ({marks(keys)})",
            (colonyname, executortype, *keys),
        )
        known = {r["shape"] for r in found}
        for key in keys:
            if key not in known:
                need = wanted[(colonyname, executortype, key)]
                await tx.execute(
                    _ADD_SHAPE,
                    {"colonyname": colonyname, "executortype": executortype, "shape": key,
                     **asdict(need), "hardware": int(need.needs_hardware)},
                )  # fmt: skip


async def dequeue(tx: Tx, processes: Iterable[Process]) -> None:
    """Makes processes unclaimable (whether or not they were claimable)."""
    found = _queue_rows(processes)
    if found:
        await tx.executemany(_DEQUEUE, found)


def new_rows(
    processes: Sequence[Process], idempotency_key: str = "", graphpos: int = 0
) -> list[dict[str, Any]]:
    """The rows `insert` writes for `processes`, but for their fair queue keys
    (set when they are written). Building them is most of a batch's cost:
    made beforehand (a slice at a time), they leave the writing itself short."""
    return [
        rows.process_values(p, graphpos=graphpos + i, pendingparents=len(p.parents),
                            idempotencykey=idempotency_key or None)
        for i, p in enumerate(processes)
    ]  # fmt: skip


async def insert(
    tx: Tx, processes: Sequence[Process], idempotency_key: str = "", graphpos: int = 0,
    prepared: Sequence[dict[str, Any]] | None = None,
) -> list[Process]:  # fmt: skip
    """Stores new processes (numbered from `graphpos` in their graph) and
    queues the ready ones; returns them with their fair queue keys
    (fairshare.stamp). `prepared`: their `new_rows`, if made already."""
    if prepared is None or len(prepared) != len(processes):
        prepared = new_rows(processes, idempotency_key, graphpos)
    processes = await fairshare.stamp(tx, processes)
    for row, p in zip(prepared, processes, strict=True):
        row["prioritytime"] = p.prioritytime
    await tx.executemany(_INSERT, prepared)
    keys = sorted({(p.colonyname, key_of(p.spec)) for p in processes if key_of(p.spec)})
    await tx.executemany(
        "INSERT INTO concurrency (colonyname, key, running) VALUES (?, ?, 0) "
        "ON CONFLICT (colonyname, key) DO NOTHING",
        keys,
    )
    ready = [
        p for p in processes
        if p.state == ProcessState.WAITING and not p.waitforparents and not p.notbefore
    ]  # fmt: skip
    if ready:
        await enqueue_all(tx, ready)
    return processes


async def load(tx: Tx, row: Row, spec: FuncSpec | None = None) -> Process:
    """The process of a row, with its attributes (`spec`: parsed from the row already)."""
    if not row["nattributes"]:
        return rows.process_from_row(row, (), spec)
    attributes = await attributes_of(tx, [row["processid"]])
    return rows.process_from_row(row, attributes.get(row["processid"], ()), spec)


async def load_all(tx: Tx, found: Sequence[Row]) -> list[Process]:
    attributes = await attributes_of(tx, [r["processid"] for r in found if r["nattributes"]])
    return [rows.process_from_row(r, attributes.get(r["processid"], ())) for r in found]


async def claimable(tx: Tx, where: str, params: Sequence[Any]) -> list[Process]:
    """The processes matching `where` that have queue rows."""
    found = await tx.fetchall(
        f"SELECT {COLUMNS} FROM processes WHERE {where} AND state = {WAITING} "
        "AND waitforparents = 0",
        params,
    )
    return [rows.process_from_row(r) for r in found]


class Processes(Database):
    _staged_batch: type[StagedBatch]  # SqlStore's (PostgreSQL's runs its steps again)

    def process_rows(self, processes: Sequence[Process]) -> list[dict[str, Any]]:
        return new_rows(processes)

    @asynccontextmanager
    async def staged_batch(self, now_ns: int) -> AsyncIterator[StagedBatch]:
        """A batch of new processes, begun at `now_ns`, to stage in slices and
        publish at once; an error or a cancellation before it is published,
        or a publish whose commit fails, removes what it staged."""
        batch = self._staged_batch(self, now_ns)
        try:
            yield batch
            if batch.published:
                # Published once durable: a publish lost with its commit
                # (SQLite's group commit) leaves the slices committed before it.
                await self.durable()
        except BaseException:
            batch.published = False
            try:
                await batch.discard()
            except Exception as err:  # the batch's own error is the answer
                log.warning(
                    "could not remove the staged rows of batch %d (the sweep will): %s",
                    batch.batchid,
                    err,
                )
            raise

    # What a staged row's submissiontime is timed by (see drop_staged).
    _staging_clock = ":now"

    async def drop_staged(self, now_ns: int, age_ns: int, limit: int = 500) -> int:
        """Removes staged rows of batches begun more than `age_ns` ago, left
        by a server that stopped before it published them; returns how many."""
        async with self._write1() as tx:
            return await tx.execute(
                "DELETE FROM processes WHERE processid IN (SELECT processid FROM processes "
                f"WHERE state = {STAGED} AND submissiontime < {self._staging_clock} - :age "
                f"LIMIT :limit) AND state = {STAGED}",
                {"now": now_ns, "age": age_ns, "limit": limit},
            )

    async def add_processes(
        self, processes: Sequence[Process], idempotency_key: str = "",
        prepared: Sequence[dict[str, Any]] | None = None,
    ) -> list[Process]:  # fmt: skip
        if not idempotency_key:
            if prepared is None or len(prepared) != len(processes):
                prepared = new_rows(processes)
            async with self._tx() as tx:
                added = await insert(tx, processes, prepared=prepared)
            specs: rows.ParsedSpecs | None = getattr(self, "_submitted_specs", None)
            if specs is not None:  # their claims parse none (Queue's)
                for added_one, values in zip(added, prepared, strict=True):
                    specs.keep(added_one, values["spec"])
            return added
        p = processes[0]
        lookup = (
            "SELECT processid FROM processes WHERE colonyname = ? AND initiatorid = ? "
            "AND idempotencykey = ?"
        )
        key = (p.colonyname, p.initiatorid, idempotency_key)
        async with self._read() as tx:
            row = await tx.fetchone(lookup, key)
        if row is None:
            try:
                async with self._tx() as tx:
                    return await insert(tx, processes, idempotency_key)
            except UniqueViolation:
                pass  # another submit with the same key won the race
            async with self._read() as tx:
                row = await tx.fetchone(lookup, key)
        existing = await self.get_process(row["processid"]) if row else None
        if existing is None:
            raise AlreadyExists(f"idempotency key {idempotency_key!r} is in use")
        return [existing]

    async def get_process(self, processid: str) -> Process | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {COLUMNS} FROM processes WHERE processid = ? AND state <> {STAGED}",
                (processid,),
            )
            return await load(tx, row) if row else None

    async def get_process_brief(self, processid: str) -> ProcessBrief | None:
        names = [f.name for f in dataclasses.fields(ProcessBrief)]
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {rows.select(names)} FROM processes WHERE processid = ? "
                f"AND state <> {STAGED}",
                (processid,),
            )
        if row is None:
            return None
        found = {n: row[n] for n in names}
        found["state"] = ProcessState(found["state"])
        return ProcessBrief(**found)

    async def list_processes(
        self,
        colonyname: str,
        state: ProcessState,
        count: int,
        *,
        executortype: str = "",
        label: str = "",
        initiatorname: str = "",
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> list[Process]:
        # The state is a literal so that SQLite picks that state's partial index.
        sql = f"SELECT {COLUMNS} FROM processes WHERE colonyname = ? AND state = {int(state)}"
        params: list[Any] = [colonyname]
        for column, value in (
            ("executortype", executortype),
            ("label", label),
            ("initiatorname", initiatorname),
        ):
            if value:
                sql += f" AND {column} = ?"
                params.append(value)
        order = {
            ProcessState.WAITING: "prioritytime ASC",
            ProcessState.RUNNING: "starttime ASC",
        }.get(state, "endtime DESC")
        # First the ids and sizes, then the rows that fit in one reply: a list
        # over processes with megabytes of kwargs or output stays near the budget.
        sizes = sql.replace(f"SELECT {COLUMNS}", f"SELECT processid, {_SIZE} AS size", 1)
        async with self._read() as tx:
            listed = await tx.fetchall(f"{sizes} ORDER BY {order} LIMIT ?", (*params, count))
            chosen: list[str] = []
            used = 0
            for row in listed:
                if chosen and used + row["size"] > max_bytes:
                    break
                chosen.append(row["processid"])
                used += row["size"]
            found: list[Row] = []
            for start in range(0, len(chosen), _CHUNK):
                ids = chosen[start : start + _CHUNK]
                found += await tx.fetchall(
                    f"SELECT {COLUMNS} FROM processes WHERE processid IN ({marks(ids)})",
                    tuple(ids),
                )
            rank = {pid: i for i, pid in enumerate(chosen)}
            found.sort(key=lambda r: rank[r["processid"]])
            return await load_all(tx, found)

    async def remove_process(self, processid: str) -> bool:
        async with self._tx() as tx:
            await dequeue(tx, await claimable(tx, "processid = ?", (processid,)))
            removed = await tx.execute(
                "DELETE FROM processes WHERE processid = ? AND state NOT IN (?, ?) "
                "AND processgraphid = ''",
                (processid, RUNNING, STAGED),
            )
            return removed > 0

    async def remove_all_processes(self, colonyname: str, state: ProcessState | None) -> int:
        sql = (
            "DELETE FROM processes WHERE colonyname = ? AND processgraphid = '' "
            "AND state NOT IN (?, ?)"
        )
        params: tuple[Any, ...] = (colonyname, RUNNING, STAGED)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._tx() as tx:
            if state in (None, ProcessState.WAITING):
                ready = await claimable(tx, "colonyname = ? AND processgraphid = ''", (colonyname,))
                await dequeue(tx, ready)
            return await tx.execute(sql, params)

    async def waiting_summary(self) -> list[tuple[str, str, int, int]]:
        """(colony, executor type, waiting processes, oldest submission time) for
        each pair with processes in the queue; one pass over the waiting index."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT colonyname, executortype, COUNT(*) AS n, MIN(submissiontime) AS oldest "
                f"FROM processes WHERE state = {int(ProcessState.WAITING)} "
                "GROUP BY colonyname, executortype"
            )
        return [(r["colonyname"], r["executortype"], r["n"], r["oldest"]) for r in found]

    async def colony_statistics(self, colonyname: str) -> Statistics:
        return await self._statistics(colonyname)

    async def statistics(self) -> Statistics:
        return await self._statistics(None)

    async def _statistics(self, colonyname: str | None) -> Statistics:
        of_colony = "colonyname = ? AND " if colonyname is not None else ""
        params = (colonyname,) if colonyname is not None else ()
        async with self._read() as tx:
            # One count per state, each answered from that state's partial index.
            procs = {}
            for state in ProcessState:
                row = await tx.fetchone(
                    f"SELECT COUNT(*) AS n FROM processes WHERE {of_colony}state = {int(state)}",
                    params,
                )
                procs[int(state)] = row["n"] if row else 0
            graphs = await _count_by_state(tx, "processgraphs", colonyname)
            # What retention removed still counts.
            for (kind, ended), n in (await retired_counts(tx, colonyname)).items():
                counts = procs if kind == "process" else graphs
                counts[ended] = counts.get(ended, 0) + n
            executors = await _count_by_state(tx, "executors", colonyname)
            if colonyname is None:
                row = await tx.fetchone("SELECT COUNT(*) AS n FROM colonies")
                colonies = row["n"] if row else 0
            else:
                colonies = 1
        s = ProcessState
        return Statistics(
            colonies=colonies,
            executors=sum(executors.values()),
            activeexecutors=executors.get(int(ExecutorState.APPROVED), 0),
            waitingprocesses=procs[s.WAITING],
            runningprocesses=procs[s.RUNNING],
            successfulprocesses=procs[s.SUCCESSFUL],
            failedprocesses=procs[s.FAILED],
            cancelledprocesses=procs[s.CANCELLED],
            waitingworkflows=graphs.get(s.WAITING, 0),
            runningworkflows=graphs.get(s.RUNNING, 0),
            successfulworkflows=graphs.get(s.SUCCESSFUL, 0),
            failedworkflows=graphs.get(s.FAILED, 0),
            cancelledworkflows=graphs.get(s.CANCELLED, 0),
        )


async def _count_by_state(tx: Tx, table: str, colonyname: str | None) -> dict[int, int]:
    where, params = (" WHERE colonyname = ?", (colonyname,)) if colonyname is not None else ("", ())
    found = await tx.fetchall(
        f"SELECT state, COUNT(*) AS n FROM {table}{where} GROUP BY state", params
    )
    return {r["state"]: r["n"] for r in found}
