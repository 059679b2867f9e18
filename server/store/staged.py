"""New processes written a batch at a time.

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
import random
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.errors import FailedPrecondition, StorageError
from pycolonies_like.core.flow import key_of
from pycolonies_like.core.models import Process, ProcessState
from pycolonies_like.core.requirements import Requirement, requirement_of
from pycolonies_like.core.rules import NS_PER_DAY, deadline_sql, wait_deadline
from server.store import fairshare, rows
from server.store.db import Database, marks
from server.store.processes import _QUEUE, STAGED, WAITING, _record_shapes

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
