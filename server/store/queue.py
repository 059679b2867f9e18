"""The queue: claiming a process, ending it, putting it back, and its deadlines.

Every change to a process is conditional on the state (and attempt) it was
read in, so two servers -- or a close racing a deadline -- never both win.

The claim is four steps in one transaction: check that the executor is
still approved, that assignment is not paused for it, take the best queued
process it can run (the dialect's `pick`: the best head among the queue's
shapes of needs it fits; a process whose concurrency key is at its limit is
held back, one whose rate limit has too few tokens parked until they are
due, and the next one taken), assign it. PostgreSQL runs the same steps
as one statement built from the fragments below and concurrency.py's
(pg_statements.py, CLAIM); so does the first step of its finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.errors import ColoniesError
from pycolonies_like.core.models import (
    AttemptRecord,
    Executor,
    ExecutorState,
    Process,
    ProcessState,
)
from pycolonies_like.core.rules import NS_PER_SECOND, Lease, deadline_sql, executor_not_approved
from server.store import concurrency, functions, graphs, ratelimits, rows
from server.store import processes as procs
from server.store.base import FinishResult
from server.store.db import Tx

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
P = procs.COLUMNS

# -- Fragments shared by both dialects' statements (named parameters).

# The claiming executor is (still) approved. (:colonyname, :executorname, :executorid)
IS_APPROVED = (
    "colonyname = :colonyname AND executorname = :executorname AND executorid = :executorid "
    f"AND state = {int(ExecutorState.APPROVED)}"
)
# Assignment is not paused, for the colony or the executor's type.
# (:colonyname, :executortype)
NOT_PAUSED = (
    "NOT EXISTS (SELECT 1 FROM pauses WHERE colonyname = :colonyname "
    "AND executortype IN ('', :executortype))"
)
# The shapes of needs (processes.enqueue) the claiming executor fits, besides
# "" (needs nothing), which fits every executor: its location, if one is asked
# for, and one of its hardware entries has every amount asked for.
# (:colonyname, :executortype, :executorname)
FITTING_SHAPES = """
SELECT s.shape FROM shapes s, executors e
WHERE e.colonyname = :colonyname AND e.executorname = :executorname
AND s.colonyname = :colonyname AND s.executortype = :executortype
AND (s.locationname = '' OR s.locationname = lower(trim(e.locationname)))
AND (s.hardware = 0 OR EXISTS (
    SELECT 1 FROM executorhardware h
    WHERE h.colonyname = e.colonyname AND h.executorname = e.executorname
    AND s.cpu <= h.cpu AND s.mem <= h.mem AND s.storage <= h.storage AND s.gpus <= h.gpus
    AND s.gpumem <= h.gpumem AND (s.gpuname = '' OR s.gpuname = h.gpuname)
    AND s.nodes <= h.nodes))
"""
# The concurrency key and rate limit of the process a claim picked, read at
# once (concurrency.key_of and ratelimits.limit_of name each on its own).
PICKED = (
    "SELECT concurrencykey, concurrencylimit, ratelimit, ratelimitunits FROM processes "
    "WHERE processid = ?"
)
# Assigns a process to the claiming executor, unconfirmed until :lease.
# (:executorid, :executorname, :now, :lease) A claim's time is read before it
# waits for the database, so it may come before the submission of the process
# it picks (committed meanwhile): a process never starts before it was submitted.
ASSIGN = (
    f"state = {RUNNING}, assignedexecutorid = :executorid, assignedexecutorname = :executorname, "
    "attempt = attempt + 1, "
    "starttime = CASE WHEN submissiontime > :now THEN submissiontime ELSE :now END, "
    f"execdeadline = {deadline_sql(':now', 'maxexectime')}, "
    f"lease = {int(Lease.ASSIGNED)}, leasedeadline = :lease"
)
# Ends a running process. (:state, :now, :has_output, :output, :errors)
FINISH = (
    "state = :state, endtime = :now, output = CASE WHEN :has_output = 1 THEN :output "
    "ELSE output END, errors = :errors, leasedeadline = 0"
)
# ... if it is the given attempt (0: any) of the given executor ('': any). (:processid, ...)
FINISHABLE = (
    f"processid = :processid AND state = {RUNNING} AND (:attempt = 0 OR attempt = :attempt) "
    "AND (:executorid = '' OR assignedexecutorid = :executorid)"
)


# The claim's and the end's own statements, made once (their text is the
# key of the statement caches: a string made anew is hashed anew).
_APPROVED_UNPAUSED = f"SELECT 1 AS x FROM executors WHERE {IS_APPROVED} AND {NOT_PAUSED}"
_ASSIGN_PICKED = (
    f"UPDATE processes SET {ASSIGN} WHERE processid = :processid AND state = {WAITING} "
    f"RETURNING {P}"
)
_FINISH_ONE = f"UPDATE processes SET {FINISH} WHERE {FINISHABLE} RETURNING {P}"


def start_graph(processgraphid: str) -> str:
    """Marks a graph running when its first process is claimed. (:now)"""
    return (
        f"UPDATE processgraphs SET state = {RUNNING}, starttime = :now "
        f"WHERE processgraphid = {processgraphid} AND state = {WAITING}"
    )


def claim_params(executor: Executor, now_ns: int, lease_ns: int = 0) -> dict[str, Any]:
    e = executor
    return {"colonyname": e.colonyname, "executortype": e.executortype,
            "executorname": e.executorname, "executorid": e.executorid, "now": now_ns,
            "lease": lease_ns}  # fmt: skip


def finish_params(
    processid: str, attempt: int, state: ProcessState, now_ns: int,
    output: list[Any] | None, errors: Sequence[str], executorid: str,
) -> dict[str, Any]:  # fmt: skip
    return {"processid": processid, "attempt": attempt, "state": int(state), "now": now_ns,
            "has_output": int(output is not None), "output": rows.dump_list(output or []),
            "errors": rows.dump_list(errors), "executorid": executorid}  # fmt: skip


# -- Steps inside a transaction.


async def requeue(
    tx: Tx, processid: str, attempt: int, now_ns: int, *, count_retry: bool,
    outcome: str = "released", errors: Sequence[str] = (), notbefore: int = 0,
) -> Process | None:  # fmt: skip
    """Puts a running attempt back in the queue, recording it in the process'
    history; its wait clock starts again (from `notbefore`, if later: until
    then it has no queue row)."""
    found = await tx.fetchone(
        "SELECT assignedexecutorname, starttime, history FROM processes "
        f"WHERE processid = ? AND state = {RUNNING} AND attempt = ?",
        (processid, attempt),
    )
    if found is None:
        return None
    record = AttemptRecord(
        attempt=attempt, executorname=found["assignedexecutorname"],
        starttime=found["starttime"], endtime=now_ns, outcome=outcome, errors=tuple(errors),
    )  # fmt: skip
    history = (*rows.history_from_json(found["history"]), record)
    parked = notbefore > now_ns
    row = await tx.fetchone(
        f"UPDATE processes SET state = {WAITING}, assignedexecutorid = '', "
        "assignedexecutorname = '', starttime = 0, execdeadline = 0, retries = retries + :retry, "
        "lease = 0, leasedeadline = 0, history = :history, notbefore = :notbefore, "
        f"waitdeadline = {deadline_sql(':ready', 'maxwaittime')} "
        f"WHERE processid = :processid AND state = {RUNNING} AND attempt = :attempt RETURNING {P}",
        {"retry": int(count_retry), "ready": max(now_ns, notbefore), "processid": processid,
         "attempt": attempt, "history": rows.history_json(history),
         "notbefore": notbefore if parked else 0},
    )  # fmt: skip
    if row is None:
        return None
    process = await procs.load(tx, row)
    # It waits for a slot again; held processes of its key stay held (the
    # sweeper releases them if it never runs).
    await concurrency.stopped_running(tx, process, release=False)
    if not parked:
        await procs.enqueue(tx, process)
    return process


async def requeue_running_of(tx: Tx, executor: Executor, now_ns: int) -> list[Process]:
    """Puts back every process an executor is running (it left, or lost approval)."""
    found = await tx.fetchall(
        "SELECT processid, attempt FROM processes WHERE colonyname = ? "
        f"AND assignedexecutorid = ? AND state = {RUNNING} ORDER BY processid",
        (executor.colonyname, executor.executorid),
    )
    requeued = []
    for r in found:
        p = await requeue(
            tx, r["processid"], r["attempt"], now_ns, count_retry=False, outcome="executor left"
        )
        if p:
            requeued.append(p)
    return requeued


class Queue(graphs.Graphs):
    def __init__(self) -> None:
        super().__init__()
        # When each executor last had its "last heard from" time recorded.
        self._heard: dict[tuple[str, str], int] = {}
        # The specs of the processes claimed lately: their ends parse none;
        # and of those submitted lately: their claims parse none (apart, so
        # that a deep queue or a large batch does not push the first out).
        self._specs = rows.ParsedSpecs()
        self._submitted_specs = rows.ParsedSpecs(size=2048, max_chars=8 * 2**20)

    def _heard_from(self, executor: Executor, now_ns: int) -> bool:
        """True when the executor's "last heard from" time is due to be written
        (at most once a second: claims are frequent, the time is coarse)."""
        return self._due(executor.colonyname, executor.executorname, now_ns)

    def _due(self, colonyname: str, executorname: str, now_ns: int) -> bool:
        key = (colonyname, executorname)
        if now_ns - self._heard.get(key, 0) < NS_PER_SECOND:
            return False
        self._heard[key] = now_ns
        return True

    async def claim_process(
        self, executor: Executor, now_ns: int, lease_ns: int = 0
    ) -> Process | None:
        params = claim_params(executor, now_ns, lease_ns)
        async with self._tx() as tx:
            # Also the last word on approval: a rejected or removed executor,
            # even one holding an open session, gets nothing.
            if self._heard_from(executor, now_ns):
                sql = f"UPDATE executors SET lastheardfromtime = :now WHERE {IS_APPROVED}"
                approved = await tx.execute(sql, params) > 0
                unpaused = await tx.fetchone(f"SELECT 1 AS x WHERE {NOT_PAUSED}", params)
            else:  # both in one statement
                unpaused = await tx.fetchone(_APPROVED_UNPAUSED, params)
                approved = unpaused is not None or await tx.fetchone(
                    f"SELECT 1 AS x FROM executors WHERE {IS_APPROVED}", params
                ) is not None  # fmt: skip
            if not approved:
                raise executor_not_approved(executor.executorname, executor.colonyname)
            if unpaused is None:
                return None
            # A process whose concurrency key is at its limit is held back,
            # one whose rate limit has too few tokens parked, and the next one
            # picked.
            for _ in range(concurrency.MAX_HELD_PER_CLAIM):
                processid = await tx.dialect.pick(tx, executor)
                if processid is None:
                    return None
                limits = await tx.fetchone(PICKED, (processid,))
                if not await concurrency.take_slot(tx, executor.colonyname, limits):
                    await concurrency.hold(tx, processid)
                elif await ratelimits.take(tx, executor.colonyname, limits, now_ns):
                    break
                else:  # too few tokens of its rate limit: it waits until they are due
                    await ratelimits.park(tx, executor.colonyname, processid, now_ns)
            else:
                return None
            row = await tx.fetchone(
                _ASSIGN_PICKED,
                {**params, "processid": processid},
            )
            if row is None:  # only possible if the queue and the process disagree
                return None
            process = await procs.load(tx, row, self._submitted_specs.take(row))
            self._specs.keep(process, row["spec"])  # for its end
            await procs.dequeue(tx, [process])
            if process.processgraphid:
                await tx.execute(
                    start_graph(":processgraphid"),
                    {"now": now_ns, "processgraphid": process.processgraphid},
                )
            return process

    async def finish_process(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
    ) -> FinishResult | None:
        params = finish_params(processid, attempt, state, now_ns, output, errors, executorid)
        async with self._tx() as tx:
            row = await tx.fetchone(_FINISH_ONE, params)
            if row is None:
                return None
            process = await procs.load(tx, row, self._specs.take(row))
            if state == ProcessState.SUCCESSFUL:
                await functions.count_run(tx, process, await functions.function_of(tx, process))
            unheld = await concurrency.stopped_running(tx, process)
            result = await self._moving_on(tx, process, now_ns)
        return concurrency.with_released(await self._moved_on(result, now_ns), unheld)

    async def finish_and_claim(
        self,
        processid: str,
        attempt: int,
        state: ProcessState,
        now_ns: int,
        *,
        output: list[Any] | None = None,
        errors: Sequence[str] = (),
        executorid: str = "",
        claimer: Executor,
        lease_ns: int = 0,
    ) -> tuple[FinishResult | None, Process | None]:
        result = await self.finish_process(
            processid, attempt, state, now_ns, output=output, errors=errors, executorid=executorid
        )
        try:
            claimed = await self.claim_process(claimer, now_ns, lease_ns)
        except ColoniesError:
            claimed = None  # the end stands; the caller's next claim says why
        return result, claimed

    async def release_held(self, limit: int) -> list[Process]:
        released: list[Process] = []
        async with self._tx() as tx:
            for colonyname, key in await concurrency.held_keys(tx, limit):
                released += await concurrency.release_held(tx, colonyname, key)
        return released

    async def running_with_key(self, colonyname: str, key: str) -> list[str]:
        async with self._read() as tx:
            return await concurrency.running_with_key(tx, colonyname, key)

    async def set_output(self, processid: str, attempt: int, output: list[Any]) -> bool:
        async with self._write1() as tx:
            changed = await tx.execute(
                "UPDATE processes SET output = ? WHERE processid = ? AND state = ? AND attempt = ?",
                (rows.dump_list(output), processid, RUNNING, attempt),
            )
        return changed == 1

    async def requeue_process(
        self, processid: str, attempt: int, now_ns: int, *, count_retry: bool,
        outcome: str = "released", errors: Sequence[str] = (), notbefore: int = 0,
        executorid: str = "",
    ) -> Process | None:  # fmt: skip
        async with self._tx() as tx:
            if executorid:  # only if it is still that executor's
                row = await tx.fetchone(
                    "SELECT 1 AS x FROM processes WHERE processid = ? AND assignedexecutorid = ?",
                    (processid, executorid),
                )
                if row is None:
                    return None
            return await requeue(
                tx, processid, attempt, now_ns, count_retry=count_retry, outcome=outcome,
                errors=errors, notbefore=notbefore,
            )  # fmt: skip

    async def wake_due(self, now_ns: int, limit: int) -> list[Process]:
        """Queues the waiting processes whose time has come."""
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT processid FROM processes WHERE state = {WAITING} AND notbefore > 0 "
                "AND notbefore <= ? ORDER BY notbefore LIMIT ?",
                (now_ns, limit),
            )
        woken = []
        for r in found:
            async with self._tx() as tx:
                row = await tx.fetchone(
                    f"UPDATE processes SET notbefore = 0 WHERE processid = ? AND state = {WAITING} "
                    f"AND notbefore > 0 RETURNING {P}",
                    (r["processid"],),
                )
                if row is None:
                    continue  # another server woke it, or it was cancelled
                process = await procs.load(tx, row)
                if not process.waitforparents:
                    await procs.enqueue(tx, process)
                woken.append(process)
        return woken

    async def rerun_process(self, processid: str, now_ns: int) -> Process | None:
        """A failed or cancelled process (not in a workflow) waits again, as a
        new attempt; the attempt that ended is kept in its history."""
        async with self._tx() as tx:
            found = await tx.fetchone(
                f"SELECT {P} FROM processes WHERE processid = ? AND state IN (?, ?) "
                "AND processgraphid = ''",
                (processid, int(ProcessState.FAILED), int(ProcessState.CANCELLED)),
            )
            if found is None:
                return None
            old = rows.process_from_row(found)
            record = AttemptRecord(
                attempt=old.attempt, executorname=old.assignedexecutorname,
                starttime=old.starttime, endtime=old.endtime,
                outcome=old.state.name.lower(), errors=old.errors,
            )  # fmt: skip
            row = await tx.fetchone(
                f"UPDATE processes SET state = {WAITING}, assignedexecutorid = '', "
                "assignedexecutorname = '', starttime = 0, endtime = 0, execdeadline = 0, "
                "retries = 0, lease = 0, leasedeadline = 0, errors = '', output = '', "
                "history = :history, notbefore = 0, held = 0, "
                f"waitdeadline = {deadline_sql(':now', 'maxwaittime')} "
                "WHERE processid = :processid AND state = :state AND attempt = :attempt "
                f"RETURNING {P}",
                {"history": rows.history_json((*old.history, record)), "now": now_ns,
                 "processid": processid, "state": int(old.state), "attempt": old.attempt},
            )  # fmt: skip
            if row is None:
                return None
            process = await procs.load(tx, row)
            await procs.enqueue(tx, process)
            return process

    async def extend_deadline(
        self, processid: str, attempt: int, now_ns: int, lease_ns: int = 0
    ) -> Process | None:
        async with self._write1() as tx:
            row = await tx.fetchone(
                f"UPDATE processes SET execdeadline = {deadline_sql(':now', 'maxexectime')}, "
                f"lease = {int(Lease.KEPT)}, leasedeadline = :lease "
                f"WHERE processid = :processid AND state = {RUNNING} AND attempt = :attempt "
                f"RETURNING {P}",
                {"now": now_ns, "processid": processid, "attempt": attempt, "lease": lease_ns},
            )
            if row is None:
                return None
            process = await procs.load(tx, row)
            # A heartbeat is news from its executor.
            name = process.assignedexecutorname
            if self._due(process.colonyname, name, now_ns):
                await tx.execute(
                    "UPDATE executors SET lastheardfromtime = ? WHERE colonyname = ? "
                    "AND executorname = ? AND executorid = ?",
                    (now_ns, process.colonyname, name, process.assignedexecutorid),
                )
            return process

    async def acknowledge(
        self, executorid: str, assignments: Sequence[tuple[str, int]], lease: Lease,
        lease_ns: int,
    ) -> int:  # fmt: skip
        """Confirms the executor's unconfirmed assignments (process id, attempt):
        KEPT until `lease_ns`, or DELIVERED (no lease). Returns how many."""
        deadline = lease_ns if lease == Lease.KEPT else 0
        changed = 0
        async with self._tx() as tx:
            for processid, attempt in assignments:
                changed += await tx.execute(
                    "UPDATE processes SET lease = :lease, leasedeadline = :deadline "
                    f"WHERE processid = :processid AND state = {RUNNING} AND attempt = :attempt "
                    f"AND assignedexecutorid = :executorid AND lease = {int(Lease.ASSIGNED)}",
                    {"lease": int(lease), "deadline": deadline, "processid": processid,
                     "attempt": attempt, "executorid": executorid},
                )  # fmt: skip
        return changed

    async def renew_leases(
        self, colonyname: str, executorname: str, executorid: str, now_ns: int, lease_ns: int
    ) -> int:
        """The executor is alive: its kept leases run until `lease_ns`, and its
        record says when it was last heard from. Returns the leases renewed."""
        params = {"colonyname": colonyname, "executorname": executorname,
                  "executorid": executorid, "now": now_ns, "lease": lease_ns}  # fmt: skip
        async with self._tx() as tx:
            await tx.execute(
                f"UPDATE executors SET lastheardfromtime = :now WHERE {IS_APPROVED}", params
            )
            return await tx.execute(
                f"UPDATE processes SET leasedeadline = :lease WHERE assignedexecutorid = "
                f":executorid AND state = {RUNNING} AND colonyname = :colonyname "
                f"AND lease = {int(Lease.KEPT)}",
                params,
            )

    async def expired_leases(self, now_ns: int, limit: int) -> list[tuple[Process, Lease]]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {P}, lease AS leasekind FROM processes WHERE state = {RUNNING} "
                "AND leasedeadline > 0 AND leasedeadline < ? ORDER BY leasedeadline LIMIT ?",
                (now_ns, limit),
            )
        return [(rows.process_from_row(r), Lease(r["leasekind"])) for r in found]

    async def expired_running(self, now_ns: int, limit: int) -> list[Process]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE state = {RUNNING} AND execdeadline > 0 "
                "AND execdeadline < ? ORDER BY execdeadline LIMIT ?",
                (now_ns, limit),
            )
        return [rows.process_from_row(r) for r in found]

    async def expired_waiting(self, now_ns: int, limit: int) -> list[Process]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE state = {WAITING} AND waitdeadline > 0 "
                "AND waitdeadline < ? ORDER BY waitdeadline LIMIT ?",
                (now_ns, limit),
            )
        return [rows.process_from_row(r) for r in found]

    async def fail_waiting(self, processid: str, now_ns: int, error: str) -> FinishResult | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "UPDATE processes SET state = ?, endtime = ?, errors = ? "
                f"WHERE processid = ? AND state = ? RETURNING {P}",
                (int(ProcessState.FAILED), now_ns, rows.dump_list([error]), processid, WAITING),
            )
            if row is None:
                return None
            process = await procs.load(tx, row)
            await procs.dequeue(tx, [process])
            result = await self._moving_on(tx, process, now_ns)
        return await self._moved_on(result, now_ns)
