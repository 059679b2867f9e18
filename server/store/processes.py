"""Process rows and their entries in the queue table.

The queue table holds the claimable processes only: one row per waiting
process whose parents are done, or one per named executor when its spec names
executors. Every key of a queue row comes from its process, so the functions
here keep the two tables in step; what claims and ends processes is queue.py.

A big batch is written in slices (StagedBatch): its rows first in a state of
their own, STAGED, that nothing else reads (every query over processes names
its states, and STAGED is none of them; one by id leaves it out, so a staged
process is not found), then published all at once by one
short update and its queue rows. Each slice is committed on its own (on
SQLite with its turn of the loop; on PostgreSQL no connection is held between
slices). A batch that fails or is abandoned removes what it staged; staged
rows of a server killed meanwhile are removed when SQLite opens, and by the
sweep once they are older than any live batch can be (`drop_staged`).
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from typing import Any

from pycolonies_like.core.errors import AlreadyExists, FailedPrecondition, StorageError
from pycolonies_like.core.flow import key_of
from pycolonies_like.core.models import ExecutorState, FuncSpec, Process, ProcessState, Statistics
from pycolonies_like.core.requirements import Requirement, requirement_of
from pycolonies_like.core.rules import MAX_REPLY_BYTES, NS_PER_DAY, deadline_sql, wait_deadline
from server.store import fairshare, rows
from server.store.base import ProcessBrief
from server.store.db import Database, Row, Tx, UniqueViolation, marks
from server.store.logs import attributes_of
from server.store.retention import retired_counts

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


STAGE = rows.insert("processes", (*rows.PROCESS_INSERT, "batch"))
# A staged row holds its place in its group (colony, type, submitter) in
# prioritytime until it is published with its fair queue key (fairshare.advance).
_PUBLISH = (
    f"UPDATE processes SET state = {WAITING}, batch = 0, submissiontime = :now, "
    f"prioritytime = :start + prioritytime * :step - priority * {NS_PER_DAY}, "
    f"waitdeadline = {deadline_sql(':now', 'maxwaittime')} "
    f"WHERE batch = :batch AND state = {STAGED} AND colonyname = :colonyname "
    "AND executortype = :executortype AND initiatorid = :submitter"
)
_UNSTAGE = f"DELETE FROM processes WHERE batch = ? AND state = {STAGED}"
_ADD_KEY = (
    "INSERT INTO concurrency (colonyname, key, running) VALUES (?, ?, 0) "
    "ON CONFLICT (colonyname, key) DO NOTHING"
)
_QUEUE_VALUES = f"INSERT INTO queue ({rows.select(_QUEUE)}) VALUES ({marks(_QUEUE)})"


class _Missing(Exception):
    """Staged rows of a batch were gone when it was published."""

    def __init__(self, colonyname: str) -> None:
        super().__init__(colonyname)
        self.colonyname = colonyname


def _removed(colonyname: str) -> str:
    return (
        f"colony {colonyname!r} was removed while the batch was stored (with what it staged); "
        "none of it was submitted"
    )


@dataclasses.dataclass
class _Group:
    """The processes of a batch of one colony, executor type and submitter."""

    n: int = 0
    ranges: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    start: int = 0  # fair queue key of the first of them, once published
    step: int = 0


class StagedBatch:
    """New processes written a slice at a time (`stage`), that no claim,
    list, count or statistics sees until `publish` makes all of them waiting
    and claimable at once: one update per submitter and executor type, and
    their queue rows. A batch that fails or is abandoned before it is
    published leaves nothing (`discard`; a stopped server's: `drop_staged`)."""

    def __init__(self, db: Database, now_ns: int) -> None:
        self._tx = db._tx
        # Their specs, as written: their claims parse none (Queue's).
        self._specs: rows.ParsedSpecs | None = getattr(db, "_submitted_specs", None)
        # A slice's commit need not wait for the disk: the publish's does, and
        # it flushes theirs (the log is written in order); a staged row lost
        # with its server is one its batch's request was never answered for.
        self._tx_unflushed = db._tx_unflushed
        self._durable = db.durable
        self._read = db._read
        self.batchid = random.getrandbits(62) + 1
        self._staged_at = now_ns  # a staged row's submissiontime, until it is published
        self._groups: dict[tuple[str, str, str], _Group] = {}
        self._ranks: dict[str, int] = {}  # processid -> its place in its group
        self._queue: list[tuple[_Group, tuple[Any, ...], int, int, str]] = []
        self._shapes: dict[tuple[str, str, str], Requirement] = {}
        self._keys: set[tuple[str, str]] = set()
        self._needs: dict[int, Requirement] = {}  # id of a Conditions -> its needs
        self._now = 0
        self.staged = 0
        self.published = False

    async def stage(self, processes: Sequence[Process], prepared: list[dict[str, Any]]) -> None:
        """Writes new `processes` (their `new_rows`, which this changes), staged."""
        for p, row in zip(processes, prepared, strict=True):
            c = p.spec.conditions
            group = self._groups.get((p.colonyname, c.executortype, p.initiatorid))
            if group is None:
                group = self._groups[(p.colonyname, c.executortype, p.initiatorid)] = _Group()
            rank = group.n
            group.n += 1
            self._ranks[p.processid] = rank
            row["state"], row["batch"], row["prioritytime"] = STAGED, self.batchid, rank
            row["submissiontime"] = self._staged_at
            need = self._needs.get(id(c))
            if need is None:
                need = self._needs[id(c)] = requirement_of(c)
            if need.key:
                self._shapes[(p.colonyname, c.executortype, need.key)] = need
            key = key_of(p.spec)
            if key:
                self._keys.add((p.colonyname, key))
            ready = p.state == ProcessState.WAITING and not p.waitforparents and not p.notbefore
            for name in c.executornames or [""]:
                group.ranges.add((name, need.key))
                if ready:
                    where = (p.colonyname, c.executortype, name, need.key)
                    self._queue.append((group, where, rank, p.spec.priority, p.processid))
        try:
            await self._insert(prepared)
        except StorageError:
            colonyname = processes[0].colonyname  # (one colony a batch)
            if await self._colony_gone(colonyname):
                raise FailedPrecondition(_removed(colonyname)) from None
            raise
        self.staged += len(prepared)
        if self._specs is not None:
            for p, row in zip(processes, prepared, strict=True):
                self._specs.keep(p, row["spec"])

    _stage_sql = STAGE

    async def _insert(self, prepared: list[dict[str, Any]]) -> None:
        async with self._tx_unflushed() as tx:
            await tx.executemany(self._stage_sql, prepared)

    async def publish(self, now_ns: int) -> None:
        """Makes every staged process waiting (submitted at `now_ns`, with its
        fair queue key) and the ready ones claimable, in one transaction."""
        try:
            await self._publish(now_ns)
        except _Missing as missing:
            # A slice lost with a failed commit (SQLite) is that failure, to
            # retry, not a removal: durable() raises it if there was one.
            await self._durable()
            raise FailedPrecondition(_removed(missing.colonyname)) from None
        except StorageError:
            colonyname = next(iter(self._groups))[0]  # (one colony a batch)
            if await self._colony_gone(colonyname):
                raise FailedPrecondition(_removed(colonyname)) from None
            raise
        self._now = now_ns
        self.published = True

    async def _publish(self, now_ns: int) -> None:
        async with self._tx() as tx:
            for key in sorted(self._groups):  # key order, as fairshare.stamp
                group = self._groups[key]
                group.start, group.step = await fairshare.advance(
                    tx, key, group.n, group.ranges, now_ns
                )
                colonyname, executortype, submitter = key
                published = await tx.execute(_PUBLISH, {
                    "now": now_ns, "start": group.start, "step": group.step,
                    "batch": self.batchid, "colonyname": colonyname,
                    "executortype": executortype, "submitter": submitter,
                })  # fmt: skip
                if published != group.n:
                    raise _Missing(colonyname)
            if self._keys:
                await tx.executemany(_ADD_KEY, sorted(self._keys))
            await _record_shapes(tx, self._shapes)
            day = NS_PER_DAY
            await tx.executemany(_QUEUE_VALUES, [
                (*where, g.start + rank * g.step - priority * day, processid)
                for g, where, rank, priority, processid in self._queue
            ])  # fmt: skip

    async def _colony_gone(self, colonyname: str) -> bool:
        async with self._read() as tx:
            found = await tx.fetchone("SELECT 1 AS x FROM colonies WHERE name = ?", (colonyname,))
        return found is None

    def time(self, processes: Sequence[Process]) -> None:
        """Gives published `processes` (new objects that only the batch's
        request holds) the times and keys that `publish` gave their rows."""
        now = self._now
        for p in processes:
            c = p.spec.conditions
            g = self._groups[(p.colonyname, c.executortype, p.initiatorid)]
            key = g.start + self._ranks[p.processid] * g.step - p.spec.priority * NS_PER_DAY
            object.__setattr__(p, "submissiontime", now)
            object.__setattr__(p, "prioritytime", key)
            object.__setattr__(p, "waitdeadline", wait_deadline(now, p.spec.maxwaittime))

    async def discard(self) -> None:
        """Removes what was staged (the batch will not be published), once
        durable."""
        if self.staged and not self.published:
            await self._unstage()
            self.staged = 0
            await self._durable()

    async def _unstage(self) -> None:
        async with self._tx() as tx:
            await tx.execute(_UNSTAGE, (self.batchid,))


class Processes(Database):
    _staged_batch: type[StagedBatch] = StagedBatch  # (PostgreSQL's runs its steps again)

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
