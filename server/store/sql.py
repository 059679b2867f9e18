"""The Store implemented once in SQL that SQLite and PostgreSQL both speak.

Dialects provide transactions (`_tx`, `_read`) yielding a `Tx`, and override
only what must differ: how the next queued process is picked under concurrency
(`_next_in_queue`) and row locking (`_for_update`). SQL is written with `?`
placeholders; the PostgreSQL Tx translates them.

Workflow progress is kept with counters (`pendingparents` on a process, the
n* counters on a graph) so closing a process costs O(children), never O(graph).
Rows are always locked in the same order (the process, its children sorted by
id, then the graph row) so concurrent closes on several servers cannot
deadlock each other.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from pycolonies_like.core.dag import graph_state
from pycolonies_like.core.errors import AlreadyExists, FailedPrecondition, PermissionDenied
from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Cron,
    Executor,
    ExecutorState,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    Statistics,
    User,
)
from pycolonies_like.core.rules import NS_PER_SECOND
from server.store import codec
from server.store.base import FinishResult, Member, ProcessBrief

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
SUCCESSFUL = int(ProcessState.SUCCESSFUL)
FAILED = int(ProcessState.FAILED)
CANCELLED = int(ProcessState.CANCELLED)

P = codec.PROCESS_COLUMNS
_PROCESS_INSERT = (
    f"INSERT INTO processes ({codec.PROCESS_INSERT_COLUMNS}, graphpos, pendingparents, "
    f"idempotencykey) VALUES ({', '.join('?' * 33)})"
)


class UniqueViolation(Exception):
    """Raised by a Tx when an insert breaks a unique constraint."""


class Tx(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...
    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...
    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


GraphMaker = Callable[[list[Any]], tuple[ProcessGraph, list[Process]]]


def _in(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class SqlStore:
    kind = "sql"
    shared = False
    _for_update = ""

    def __init__(self) -> None:
        # When each executor last had its "last heard from" time recorded.
        self._touched: dict[tuple[str, str], int] = {}

    def _tx(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def _read(self) -> AbstractAsyncContextManager[Tx]:
        raise NotImplementedError

    def _write1(self) -> AbstractAsyncContextManager[Tx]:
        """For a write that is a single statement (atomic on its own)."""
        return self._tx()

    async def durable(self) -> None:
        """Returns once every change made so far is committed (see SqliteStore)."""
        return None

    async def _next_in_queue(self, tx: Tx, executor: Executor) -> str | None:
        """The id of the best queued process for the executor, locked for us."""
        raise NotImplementedError

    # ------------------------------------------------------------ nonces --

    async def remember_nonce(self, nonce: str, expires_ns: int, now_ns: int) -> bool:
        async with self._write1() as tx:
            inserted = await tx.execute(
                "INSERT INTO nonces (nonce, expires) VALUES (?, ?) ON CONFLICT (nonce) "
                "DO UPDATE SET expires = excluded.expires WHERE nonces.expires < ?",
                (nonce, expires_ns, now_ns),
            )
        return inserted == 1

    async def save_nonces(self, nonces: Sequence[tuple[str, int]]) -> None:
        if nonces:
            async with self._tx() as tx:
                await tx.executemany(
                    "INSERT INTO nonces (nonce, expires) VALUES (?, ?) ON CONFLICT (nonce) "
                    "DO UPDATE SET expires = excluded.expires",
                    nonces,
                )

    async def load_nonces(self, now_ns: int) -> list[tuple[str, int]]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                "SELECT nonce, expires FROM nonces WHERE expires >= ?", (now_ns,)
            )
        return [(r[0], r[1]) for r in rows]

    async def purge_nonces(self, now_ns: int) -> int:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM nonces WHERE expires < ?", (now_ns,))

    # ---------------------------------------------------------- colonies --

    async def add_colony(self, colony: Colony) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(
                    "INSERT INTO colonies (name, colonyid) VALUES (?, ?)",
                    (colony.name, colony.colonyid),
                )
        except UniqueViolation:
            raise AlreadyExists(f"a colony named {colony.name!r} already exists") from None

    async def get_colony(self, name: str) -> Colony | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.COLONY_COLUMNS} FROM colonies WHERE name = ?", (name,)
            )
        return codec.colony_from_row(row) if row else None

    async def list_colonies(self) -> list[Colony]:
        async with self._read() as tx:
            rows = await tx.fetchall(f"SELECT {codec.COLONY_COLUMNS} FROM colonies ORDER BY name")
        return [codec.colony_from_row(r) for r in rows]

    async def remove_colony(self, name: str) -> bool:
        async with self._tx() as tx:
            # Children first: PostgreSQL cascades would do it too, but this keeps
            # the lock order the same as everywhere else.
            await tx.execute("DELETE FROM queue WHERE colonyname = ?", (name,))
            await tx.execute("DELETE FROM processes WHERE colonyname = ?", (name,))
            return await tx.execute("DELETE FROM colonies WHERE name = ?", (name,)) > 0

    # --------------------------------------------------------- executors --

    async def _id_taken(self, tx: Tx, colonyname: str, memberid: str) -> str | None:
        row = await tx.fetchone(
            "SELECT executorname FROM executors WHERE colonyname = ? AND executorid = ?",
            (colonyname, memberid),
        )
        if row:
            return f"executor {row[0]!r}"
        row = await tx.fetchone(
            "SELECT name FROM users WHERE colonyname = ? AND userid = ?", (colonyname, memberid)
        )
        return f"user {row[0]!r}" if row else None

    async def add_executor(self, executor: Executor) -> None:
        e = executor
        try:
            async with self._tx() as tx:
                if await tx.fetchone(
                    "SELECT 1 FROM executors WHERE colonyname = ? AND executorname = ?",
                    (e.colonyname, e.executorname),
                ):
                    raise AlreadyExists(
                        f"an executor named {e.executorname!r} already exists in colony "
                        f"{e.colonyname!r}"
                    )
                taken = await self._id_taken(tx, e.colonyname, e.executorid)
                if taken:
                    raise AlreadyExists(
                        f"id {e.executorid} is already registered in colony {e.colonyname!r} "
                        f"as {taken}"
                    )
                await tx.execute(
                    f"INSERT INTO executors ({codec.EXECUTOR_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        e.executorid,
                        e.executortype,
                        e.executorname,
                        e.colonyname,
                        int(e.state),
                        e.commissiontime,
                        e.lastheardfromtime,
                    ),
                )
        except UniqueViolation:
            raise AlreadyExists(f"executor {e.executorname!r} already exists") from None

    async def get_executor(self, colonyname: str, executorname: str) -> Executor | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.EXECUTOR_COLUMNS} FROM executors "
                "WHERE colonyname = ? AND executorname = ?",
                (colonyname, executorname),
            )
        return codec.executor_from_row(row) if row else None

    async def list_executors(self, colonyname: str) -> list[Executor]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {codec.EXECUTOR_COLUMNS} FROM executors WHERE colonyname = ? "
                "ORDER BY executorname",
                (colonyname,),
            )
        return [codec.executor_from_row(r) for r in rows]

    async def _requeue_all_of(self, tx: Tx, executor: Executor, now_ns: int) -> list[Process]:
        rows = await tx.fetchall(
            "SELECT processid, attempt FROM processes WHERE colonyname = ? "
            f"AND assignedexecutorid = ? AND state = {RUNNING} ORDER BY processid",
            (executor.colonyname, executor.executorid),
        )
        requeued = []
        for processid, attempt in rows:
            p = await self._requeue(tx, processid, attempt, now_ns, count_retry=False)
            if p:
                requeued.append(p)
        return requeued

    async def set_executor_state(
        self, colonyname: str, executorname: str, state: ExecutorState, now_ns: int
    ) -> tuple[Executor, list[Process]] | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"UPDATE executors SET state = ? WHERE colonyname = ? AND executorname = ? "
                f"RETURNING {codec.EXECUTOR_COLUMNS}",
                (int(state), colonyname, executorname),
            )
            if not row:
                return None
            executor = codec.executor_from_row(row)
            requeued = []
            if state != ExecutorState.APPROVED:
                requeued = await self._requeue_all_of(tx, executor, now_ns)
            return executor, requeued

    async def remove_executor(
        self, colonyname: str, executorname: str, now_ns: int
    ) -> list[Process] | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.EXECUTOR_COLUMNS} FROM executors "
                f"WHERE colonyname = ? AND executorname = ?{self._for_update}",
                (colonyname, executorname),
            )
            if not row:
                return None
            requeued = await self._requeue_all_of(tx, codec.executor_from_row(row), now_ns)
            await tx.execute(
                "DELETE FROM functions WHERE colonyname = ? AND executorname = ?",
                (colonyname, executorname),
            )
            await tx.execute(
                "DELETE FROM executors WHERE colonyname = ? AND executorname = ?",
                (colonyname, executorname),
            )
            return requeued

    async def get_actor(
        self, colonyname: str, memberid: str
    ) -> tuple[Colony, Member | None] | None:
        """The colony and who `memberid` is in it, in one query."""
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT c.colonyid, e.executorname, e.state, e.executortype, u.name "
                "FROM colonies c "
                "LEFT JOIN executors e ON e.colonyname = c.name AND e.executorid = ? "
                "LEFT JOIN users u ON u.colonyname = c.name AND u.userid = ? "
                "WHERE c.name = ?",
                (memberid, memberid, colonyname),
            )
        if row is None:
            return None
        colony = Colony(row[0], colonyname)
        if row[1] is not None:
            return colony, Member("executor", row[1], row[2] == ExecutorState.APPROVED, row[3])
        if row[4] is not None:
            return colony, Member("user", row[4], True)
        return colony, None

    async def get_member(self, colonyname: str, memberid: str) -> Member | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT executorname, state, executortype FROM executors "
                "WHERE colonyname = ? AND executorid = ?",
                (colonyname, memberid),
            )
            if row:
                return Member("executor", row[0], row[1] == ExecutorState.APPROVED, row[2])
            row = await tx.fetchone(
                "SELECT name FROM users WHERE colonyname = ? AND userid = ?",
                (colonyname, memberid),
            )
        return Member("user", row[0], True) if row else None

    # ------------------------------------------------------------- users --

    async def add_user(self, user: User) -> None:
        u = user
        try:
            async with self._tx() as tx:
                if await tx.fetchone(
                    "SELECT 1 FROM users WHERE colonyname = ? AND name = ?", (u.colonyname, u.name)
                ):
                    raise AlreadyExists(
                        f"a user named {u.name!r} already exists in colony {u.colonyname!r}"
                    )
                taken = await self._id_taken(tx, u.colonyname, u.userid)
                if taken:
                    raise AlreadyExists(
                        f"id {u.userid} is already registered in colony {u.colonyname!r} as {taken}"
                    )
                await tx.execute(
                    f"INSERT INTO users ({codec.USER_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                    (u.colonyname, u.userid, u.name, u.email, u.phone),
                )
        except UniqueViolation:
            raise AlreadyExists(f"user {u.name!r} already exists") from None

    async def get_user(self, colonyname: str, name: str) -> User | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.USER_COLUMNS} FROM users WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return codec.user_from_row(row) if row else None

    async def list_users(self, colonyname: str) -> list[User]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {codec.USER_COLUMNS} FROM users WHERE colonyname = ? ORDER BY name",
                (colonyname,),
            )
        return [codec.user_from_row(r) for r in rows]

    async def remove_user(self, colonyname: str, name: str) -> bool:
        async with self._tx() as tx:
            return (
                await tx.execute(
                    "DELETE FROM users WHERE colonyname = ? AND name = ?", (colonyname, name)
                )
                > 0
            )

    # --------------------------------------------------------- functions --

    async def add_function(self, function: Function) -> Function:
        f = function
        select = (
            f"SELECT {codec.FUNCTION_COLUMNS} FROM functions "
            "WHERE colonyname = ? AND executorname = ? AND funcname = ?"
        )
        key = (f.colonyname, f.executorname, f.funcname)
        async with self._tx() as tx:
            row = await tx.fetchone(select, key)
            if row:
                return codec.function_from_row(row)
            await tx.execute(
                "INSERT INTO functions (functionid, colonyname, executorname, executortype, "
                "funcname, description) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (f.functionid, f.colonyname, f.executorname, f.executortype, f.funcname,
                 f.description),
            )  # fmt: skip
            row = await tx.fetchone(select, key)
        assert row is not None
        return codec.function_from_row(row)

    async def get_function(self, functionid: str) -> Function | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.FUNCTION_COLUMNS} FROM functions WHERE functionid = ?",
                (functionid,),
            )
        return codec.function_from_row(row) if row else None

    async def list_functions(self, colonyname: str, executorname: str = "") -> list[Function]:
        sql = f"SELECT {codec.FUNCTION_COLUMNS} FROM functions WHERE colonyname = ?"
        params: tuple[str, ...] = (colonyname,)
        if executorname:
            sql += " AND executorname = ?"
            params += (executorname,)
        async with self._read() as tx:
            rows = await tx.fetchall(sql + " ORDER BY executorname, funcname", params)
        return [codec.function_from_row(r) for r in rows]

    async def remove_function(self, functionid: str) -> bool:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM functions WHERE functionid = ?", (functionid,)) > 0

    async def _record_function_run(self, tx: Tx, p: Process) -> None:
        """Running statistics of the function that ran `p` (exact means)."""
        wait = max(p.starttime - p.submissiontime, 0) / NS_PER_SECOND
        run = max(p.endtime - p.starttime, 0) / NS_PER_SECOND
        await tx.execute(
            "UPDATE functions SET "
            "minwaittime = CASE WHEN counter = 0 OR ? < minwaittime THEN ? ELSE minwaittime END, "
            "maxwaittime = CASE WHEN ? > maxwaittime THEN ? ELSE maxwaittime END, "
            "minexectime = CASE WHEN counter = 0 OR ? < minexectime THEN ? ELSE minexectime END, "
            "maxexectime = CASE WHEN ? > maxexectime THEN ? ELSE maxexectime END, "
            "avgwaittime = (avgwaittime * counter + ?) / (counter + 1), "
            "avgexectime = (avgexectime * counter + ?) / (counter + 1), "
            "counter = counter + 1 "
            "WHERE colonyname = ? AND executorname = ? AND funcname = ?",
            (wait, wait, wait, wait, run, run, run, run, wait, run,
             p.spec.conditions.colonyname, p.assignedexecutorname, p.spec.funcname),
        )  # fmt: skip

    # --------------------------------------------------------- processes --

    async def _enqueue(self, tx: Tx, p: Process) -> None:
        c = p.spec.conditions
        names = c.executornames or [""]
        await tx.executemany(
            "INSERT INTO queue (colonyname, executortype, executorname, prioritytime, processid) "
            "VALUES (?, ?, ?, ?, ?)",
            [(c.colonyname, c.executortype, n, p.prioritytime, p.processid) for n in names],
        )

    async def _dequeue(self, tx: Tx, processes: Iterable[Process]) -> None:
        rows = [
            (p.colonyname, p.spec.conditions.executortype, name, p.prioritytime, p.processid)
            for p in processes
            for name in (p.spec.conditions.executornames or [""])
        ]
        if rows:
            await tx.executemany(
                "DELETE FROM queue WHERE colonyname = ? AND executortype = ? AND executorname = ? "
                "AND prioritytime = ? AND processid = ?",
                rows,
            )

    async def _waiting_of(self, tx: Tx, where: str, params: Sequence[Any]) -> list[Process]:
        rows = await tx.fetchall(
            f"SELECT {P} FROM processes WHERE {where} AND state = {WAITING} AND waitforparents = 0",
            params,
        )
        return [codec.process_from_row(r) for r in rows]

    async def _insert_processes(
        self, tx: Tx, processes: Sequence[Process], idempotency_key: str = ""
    ) -> None:
        rows = [
            (*codec.process_row(p), i, len(p.parents), idempotency_key or None)
            for i, p in enumerate(processes)
        ]
        await tx.executemany(_PROCESS_INSERT, rows)
        for p in processes:
            if p.state == ProcessState.WAITING and not p.waitforparents:
                await self._enqueue(tx, p)

    async def add_processes(
        self, processes: Sequence[Process], idempotency_key: str = ""
    ) -> list[Process]:
        if idempotency_key:
            p = processes[0]
            lookup = (
                "SELECT processid FROM processes WHERE colonyname = ? AND initiatorid = ? "
                "AND idempotencykey = ?"
            )
            key = (p.spec.conditions.colonyname, p.initiatorid, idempotency_key)
            async with self._read() as tx:
                row = await tx.fetchone(lookup, key)
            if row is None:
                try:
                    async with self._tx() as tx:
                        await self._insert_processes(tx, processes, idempotency_key)
                    return list(processes)
                except UniqueViolation:
                    pass  # another submit with the same key won the race
                async with self._read() as tx:
                    row = await tx.fetchone(lookup, key)
            existing = await self.get_process(row[0]) if row else None
            if existing is None:
                raise AlreadyExists(f"idempotency key {idempotency_key!r} is in use")
            return [existing]
        async with self._tx() as tx:
            await self._insert_processes(tx, processes)
        return list(processes)

    async def _attributes(self, tx: Tx, processids: Sequence[str]) -> dict[str, list[Attribute]]:
        if not processids:
            return {}
        rows = await tx.fetchall(
            f"SELECT {codec.ATTRIBUTE_COLUMNS} FROM attributes WHERE targetid IN "
            f"({_in(processids)}) ORDER BY added, attributeid",
            tuple(processids),
        )
        found: dict[str, list[Attribute]] = {}
        for r in rows:
            found.setdefault(r[1], []).append(codec.attribute_from_row(r))
        return found

    async def _load_process(self, tx: Tx, row: Sequence[Any]) -> Process:
        if not row[codec.NATTRIBUTES]:
            return codec.process_from_row(row)
        attrs = await self._attributes(tx, [row[0]])
        return codec.process_from_row(row, attrs.get(row[0], ()))

    async def get_process(self, processid: str) -> Process | None:
        async with self._read() as tx:
            row = await tx.fetchone(f"SELECT {P} FROM processes WHERE processid = ?", (processid,))
            return await self._load_process(tx, row) if row else None

    async def get_process_brief(self, processid: str) -> ProcessBrief | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT processid, colonyname, state, assignedexecutorid, assignedexecutorname, "
                "attempt, processgraphid, initiatorid FROM processes WHERE processid = ?",
                (processid,),
            )
        if row is None:
            return None
        return ProcessBrief(row[0], row[1], ProcessState(row[2]), *row[3:])

    async def _load_processes(self, tx: Tx, rows: Sequence[Sequence[Any]]) -> list[Process]:
        attrs = await self._attributes(tx, [r[0] for r in rows if r[codec.NATTRIBUTES]])
        return [codec.process_from_row(r, attrs.get(r[0], ())) for r in rows]

    async def list_processes(
        self,
        colonyname: str,
        state: ProcessState,
        count: int,
        *,
        executortype: str = "",
        label: str = "",
        initiatorname: str = "",
    ) -> list[Process]:
        # The state is a literal so that SQLite picks that state's partial index.
        sql = f"SELECT {P} FROM processes WHERE colonyname = ? AND state = {int(state)}"
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
        async with self._read() as tx:
            rows = await tx.fetchall(f"{sql} ORDER BY {order} LIMIT ?", (*params, count))
            return await self._load_processes(tx, rows)

    async def _still_approved(self, tx: Tx, executor: Executor, now_ns: int) -> bool:
        """Checks approval; records "last heard from" at most once a second."""
        key = (executor.colonyname, executor.executorname)
        params = (executor.colonyname, executor.executorname, executor.executorid,
                  int(ExecutorState.APPROVED))  # fmt: skip
        if now_ns - self._touched.get(key, 0) < NS_PER_SECOND:
            return (
                await tx.fetchone(
                    "SELECT 1 FROM executors WHERE colonyname = ? AND executorname = ? "
                    "AND executorid = ? AND state = ?",
                    params,
                )
                is not None
            )
        self._touched[key] = now_ns
        return bool(
            await tx.execute(
                "UPDATE executors SET lastheardfromtime = ? WHERE colonyname = ? "
                "AND executorname = ? AND executorid = ? AND state = ?",
                (now_ns, *params),
            )
        )

    async def claim_process(self, executor: Executor, now_ns: int) -> Process | None:
        async with self._tx() as tx:
            # Also the last word on approval: a rejected or removed executor,
            # even one holding an open session, gets nothing.
            if not await self._still_approved(tx, executor, now_ns):
                raise PermissionDenied(
                    f"Access denied, executor {executor.executorname!r} is not an approved "
                    f"executor of colony {executor.colonyname!r}"
                )
            processid = await self._next_in_queue(tx, executor)
            if processid is None:
                return None
            row = await tx.fetchone(
                "UPDATE processes SET state = ?, assignedexecutorid = ?, assignedexecutorname = ?, "
                "attempt = attempt + 1, starttime = ?, execdeadline = CASE WHEN maxexectime > 0 "
                "THEN ? + maxexectime * 1000000000 ELSE 0 END "
                f"WHERE processid = ? AND state = ? RETURNING {P}",
                (RUNNING, executor.executorid, executor.executorname, now_ns, now_ns, processid,
                 WAITING),
            )  # fmt: skip
            if row is None:  # only possible if the queue and the process disagree
                return None
            process = await self._load_process(tx, row)
            await self._dequeue(tx, [process])
            if process.processgraphid:
                await tx.execute(
                    "UPDATE processgraphs SET state = ?, starttime = ? "
                    "WHERE processgraphid = ? AND state = ?",
                    (RUNNING, now_ns, process.processgraphid, WAITING),
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
        async with self._tx() as tx:
            row = await tx.fetchone(
                "UPDATE processes SET state = ?, endtime = ?, "
                "output = CASE WHEN ? = 1 THEN ? ELSE output END, errors = ? "
                "WHERE processid = ? AND state = ? AND (? = 0 OR attempt = ?) "
                f"AND (? = '' OR assignedexecutorid = ?) RETURNING {P}",
                (int(state), now_ns, int(output is not None), codec.dump_list(output or []),
                 codec.dump_list(errors), processid, RUNNING, attempt, attempt, executorid,
                 executorid),
            )  # fmt: skip
            if row is None:
                return None
            process = await self._load_process(tx, row)
            if state == ProcessState.SUCCESSFUL:
                await self._record_function_run(tx, process)
            return await self._after_end(tx, process, now_ns)

    async def set_output(self, processid: str, attempt: int, output: list[Any]) -> bool:
        async with self._write1() as tx:
            changed = await tx.execute(
                "UPDATE processes SET output = ? WHERE processid = ? AND state = ? AND attempt = ?",
                (codec.dump_list(output), processid, RUNNING, attempt),
            )
        return changed == 1

    async def _requeue(
        self, tx: Tx, processid: str, attempt: int, now_ns: int, *, count_retry: bool
    ) -> Process | None:
        row = await tx.fetchone(
            "UPDATE processes SET state = ?, assignedexecutorid = '', assignedexecutorname = '', "
            "starttime = 0, execdeadline = 0, retries = retries + ?, waitdeadline = CASE WHEN "
            "maxwaittime > 0 THEN ? + maxwaittime * 1000000000 ELSE 0 END "
            f"WHERE processid = ? AND state = ? AND attempt = ? RETURNING {P}",
            (WAITING, int(count_retry), now_ns, processid, RUNNING, attempt),
        )
        if row is None:
            return None
        process = await self._load_process(tx, row)
        await self._enqueue(tx, process)
        return process

    async def requeue_process(
        self, processid: str, attempt: int, now_ns: int, *, count_retry: bool
    ) -> Process | None:
        async with self._tx() as tx:
            return await self._requeue(tx, processid, attempt, now_ns, count_retry=count_retry)

    async def extend_deadline(self, processid: str, attempt: int, now_ns: int) -> Process | None:
        async with self._write1() as tx:
            row = await tx.fetchone(
                "UPDATE processes SET execdeadline = CASE WHEN maxexectime > 0 "
                "THEN ? + maxexectime * 1000000000 ELSE 0 END "
                f"WHERE processid = ? AND state = ? AND attempt = ? RETURNING {P}",
                (now_ns, processid, RUNNING, attempt),
            )
            return await self._load_process(tx, row) if row else None

    async def remove_process(self, processid: str) -> bool:
        async with self._tx() as tx:
            await self._dequeue(tx, await self._waiting_of(tx, "processid = ?", (processid,)))
            return (
                await tx.execute(
                    "DELETE FROM processes WHERE processid = ? AND state != ? "
                    "AND processgraphid = ''",
                    (processid, RUNNING),
                )
                > 0
            )

    async def remove_all_processes(self, colonyname: str, state: ProcessState | None) -> int:
        sql = "DELETE FROM processes WHERE colonyname = ? AND processgraphid = '' AND state != ?"
        params: tuple[Any, ...] = (colonyname, RUNNING)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._tx() as tx:
            if state in (None, ProcessState.WAITING):
                await self._dequeue(
                    tx,
                    await self._waiting_of(
                        tx, "colonyname = ? AND processgraphid = ''", (colonyname,)
                    ),
                )
            return await tx.execute(sql, params)

    async def _count_states(self, tx: Tx, table: str, colonyname: str | None) -> dict[int, int]:
        where = " WHERE colonyname = ?" if colonyname is not None else ""
        params = (colonyname,) if colonyname is not None else ()
        rows = await tx.fetchall(
            f"SELECT state, COUNT(*) FROM {table}{where} GROUP BY state", params
        )
        return {r[0]: r[1] for r in rows}

    async def _count_processes(self, tx: Tx, colonyname: str | None) -> dict[int, int]:
        # One count per state, each answered from that state's partial index.
        where = "colonyname = ? AND " if colonyname is not None else ""
        params = (colonyname,) if colonyname is not None else ()
        counts = {}
        for state in ProcessState:
            row = await tx.fetchone(
                f"SELECT COUNT(*) FROM processes WHERE {where}state = {int(state)}", params
            )
            counts[int(state)] = row[0] if row else 0
        return counts

    async def _statistics(self, colonyname: str | None) -> Statistics:
        async with self._read() as tx:
            procs = await self._count_processes(tx, colonyname)
            graphs = await self._count_states(tx, "processgraphs", colonyname)
            executors = await self._count_states(tx, "executors", colonyname)
            if colonyname is None:
                row = await tx.fetchone("SELECT COUNT(*) FROM colonies")
                colonies = row[0] if row else 0
            else:
                colonies = 1
        return Statistics(
            colonies=colonies,
            executors=sum(executors.values()),
            activeexecutors=executors.get(int(ExecutorState.APPROVED), 0),
            waitingprocesses=procs.get(WAITING, 0),
            runningprocesses=procs.get(RUNNING, 0),
            successfulprocesses=procs.get(SUCCESSFUL, 0),
            failedprocesses=procs.get(FAILED, 0),
            cancelledprocesses=procs.get(CANCELLED, 0),
            waitingworkflows=graphs.get(WAITING, 0),
            runningworkflows=graphs.get(RUNNING, 0),
            successfulworkflows=graphs.get(SUCCESSFUL, 0),
            failedworkflows=graphs.get(FAILED, 0),
            cancelledworkflows=graphs.get(CANCELLED, 0),
        )

    async def colony_statistics(self, colonyname: str) -> Statistics:
        return await self._statistics(colonyname)

    async def statistics(self) -> Statistics:
        return await self._statistics(None)

    # ------------------------------------------------ attributes and logs --

    async def add_attribute(self, attribute: Attribute, now_ns: int) -> None:
        a = attribute
        async with self._tx() as tx:
            await tx.execute(
                f"INSERT INTO attributes ({codec.ATTRIBUTE_COLUMNS}, added) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (a.attributeid, a.targetid, a.targetcolonyname, a.targetprocessgraphid,
                 a.attributetype, a.key, a.value, now_ns),
            )  # fmt: skip
            await tx.execute(
                "UPDATE processes SET nattributes = nattributes + 1 WHERE processid = ?",
                (a.targetid,),
            )

    async def get_attribute(self, attributeid: str) -> Attribute | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.ATTRIBUTE_COLUMNS} FROM attributes WHERE attributeid = ?",
                (attributeid,),
            )
        return codec.attribute_from_row(row) if row else None

    async def add_log(self, entry: LogEntry) -> LogEntry:
        e = entry
        async with self._write1() as tx:
            row = await tx.fetchone(
                "INSERT INTO logs (processid, colonyname, executorname, timestamp, message) "
                "VALUES (?, ?, ?, ?, ?) RETURNING seq",
                (e.processid, e.colonyname, e.executorname, e.timestamp, e.message),
            )
        assert row is not None
        return LogEntry(e.processid, e.colonyname, e.executorname, e.message, e.timestamp, row[0])

    async def get_logs(
        self,
        processid: str,
        count: int,
        *,
        since_ns: int = 0,
        latest: bool = False,
        after_seq: int = 0,
    ) -> list[LogEntry]:
        return await self._logs("processid = ?", [processid], count, since_ns, latest, after_seq)

    async def get_executor_logs(
        self, colonyname: str, executorname: str, count: int, *, since_ns: int = 0,
        latest: bool = False,
    ) -> list[LogEntry]:  # fmt: skip
        return await self._logs(
            "colonyname = ? AND executorname = ?", [colonyname, executorname], count, since_ns,
            latest, 0,
        )  # fmt: skip

    async def _logs(
        self, where: str, params: list[Any], count: int, since_ns: int, latest: bool,
        after_seq: int,
    ) -> list[LogEntry]:  # fmt: skip
        sql = f"SELECT {codec.LOG_COLUMNS} FROM logs WHERE {where} AND seq > ?"
        params = [*params, after_seq]
        if since_ns > 0:
            sql += " AND timestamp > ?"
            params.append(since_ns)
        async with self._read() as tx:
            if latest:
                rows = await tx.fetchall(f"{sql} ORDER BY seq DESC LIMIT ?", (*params, count))
                rows.reverse()
            else:
                rows = await tx.fetchall(f"{sql} ORDER BY seq ASC LIMIT ?", (*params, count))
        return [codec.log_from_row(r) for r in rows]

    # --------------------------------------------------------- workflows --

    async def _graph_processids(self, tx: Tx, processgraphid: str) -> list[str]:
        rows = await tx.fetchall(
            "SELECT processid FROM processes WHERE processgraphid = ? ORDER BY graphpos",
            (processgraphid,),
        )
        return [r[0] for r in rows]

    async def add_graph(self, graph: ProcessGraph, processes: Sequence[Process]) -> None:
        async with self._tx() as tx:
            await self._insert_graph(tx, graph, processes)

    async def _insert_graph(
        self, tx: Tx, graph: ProcessGraph, processes: Sequence[Process]
    ) -> None:
        g = graph
        await tx.execute(
            f"INSERT INTO processgraphs ({codec.GRAPH_COLUMNS}, nprocesses) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (g.processgraphid, g.colonyname, g.initiatorid, g.initiatorname,
             codec.dump_list(g.rootprocessids), int(g.state), g.submissiontime, g.starttime,
             g.endtime, len(processes)),
        )  # fmt: skip
        await self._insert_processes(tx, processes)

    async def _load_graph(self, tx: Tx, processgraphid: str) -> ProcessGraph | None:
        row = await tx.fetchone(
            f"SELECT {codec.GRAPH_COLUMNS} FROM processgraphs WHERE processgraphid = ?",
            (processgraphid,),
        )
        if not row:
            return None
        return codec.graph_from_row(row, await self._graph_processids(tx, processgraphid))

    async def graph_processes(self, processgraphid: str) -> list[Process]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE processgraphid = ? ORDER BY graphpos",
                (processgraphid,),
            )
            return await self._load_processes(tx, rows)

    async def get_graph(self, processgraphid: str) -> ProcessGraph | None:
        async with self._read() as tx:
            return await self._load_graph(tx, processgraphid)

    async def list_graphs(
        self, colonyname: str, state: ProcessState | None, count: int
    ) -> list[ProcessGraph]:
        sql = f"SELECT {codec.GRAPH_COLUMNS} FROM processgraphs WHERE colonyname = ?"
        params: tuple[Any, ...] = (colonyname,)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"{sql} ORDER BY submissiontime DESC LIMIT ?", (*params, count)
            )
            return [codec.graph_from_row(r, await self._graph_processids(tx, r[0])) for r in rows]

    async def remove_graph(self, processgraphid: str) -> bool:
        async with self._tx() as tx:
            return await self._delete_graphs(tx, [processgraphid]) > 0

    async def _delete_graphs(self, tx: Tx, graphids: Sequence[str]) -> int:
        removed = 0
        for graphid in graphids:
            if await tx.fetchone(
                f"SELECT 1 FROM processes WHERE processgraphid = ? AND state = {RUNNING} LIMIT 1",
                (graphid,),
            ):
                continue  # running processes must be cancelled first
            await self._dequeue(tx, await self._waiting_of(tx, "processgraphid = ?", (graphid,)))
            await tx.execute("DELETE FROM processes WHERE processgraphid = ?", (graphid,))
            removed += await tx.execute(
                "DELETE FROM processgraphs WHERE processgraphid = ?", (graphid,)
            )
        return removed

    async def remove_all_graphs(self, colonyname: str, state: ProcessState | None) -> int:
        sql = "SELECT processgraphid FROM processgraphs WHERE colonyname = ? AND state != ?"
        params: tuple[Any, ...] = (colonyname, RUNNING)
        if state is not None:
            sql += " AND state = ?"
            params += (int(state),)
        async with self._tx() as tx:
            rows = await tx.fetchall(sql, params)
            return await self._delete_graphs(tx, [r[0] for r in rows])

    async def _after_end(self, tx: Tx, process: Process, now_ns: int) -> FinishResult:
        """Advances the graph of a process that just ended."""
        if not process.processgraphid:
            return FinishResult(process)
        released: list[Process] = []
        ended: list[Process] = []
        counts = {SUCCESSFUL: 0, FAILED: 0, CANCELLED: 0}
        counts[int(process.state)] += 1
        if process.state == ProcessState.SUCCESSFUL:
            for childid in sorted(process.children):
                child = await self._release_child(tx, childid, now_ns)
                if child is not None:
                    released.append(child)
        else:
            why = (
                f"not run: process {process.processid} failed"
                if process.state == ProcessState.FAILED
                else f"cancelled with process {process.processid}"
            )
            ended = await self._end_descendants(tx, process, now_ns, why)
            counts[int(process.state)] += len(ended)
        graph = await self._count_graph(tx, process.processgraphid, counts, now_ns)
        return FinishResult(process, released, ended, graph)

    async def _release_child(self, tx: Tx, childid: str, now_ns: int) -> Process | None:
        row = await tx.fetchone(
            "UPDATE processes SET pendingparents = pendingparents - 1 "
            "WHERE processid = ? AND state = ? RETURNING pendingparents, parents",
            (childid, WAITING),
        )
        if row is None or row[0] > 0:
            return None
        parents = codec.load_list(row[1])
        outputs = await tx.fetchall(
            f"SELECT processid, output FROM processes WHERE processid IN ({_in(parents)})",
            tuple(parents),
        )
        by_id = {r[0]: codec.load_list(r[1]) for r in outputs}
        data: list[Any] = [v for pid in parents for v in by_id.get(pid, [])]
        row = await tx.fetchone(
            "UPDATE processes SET waitforparents = 0, input = ?, waitdeadline = CASE WHEN "
            "maxwaittime > 0 THEN ? + maxwaittime * 1000000000 ELSE 0 END "
            f"WHERE processid = ? RETURNING {P}",
            (codec.dump_list(data), now_ns, childid),
        )
        assert row is not None
        child = codec.process_from_row(row)
        await self._enqueue(tx, child)
        return child

    async def _end_descendants(
        self, tx: Tx, process: Process, now_ns: int, why: str
    ) -> list[Process]:
        """Ends (in the state of `process`) every waiting descendant: they can never run."""
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
                (int(process.state), now_ns, codec.dump_list([why]), processid, WAITING),
            )
            if row is not None:
                child = codec.process_from_row(row)
                await self._dequeue(tx, [child])
                ended.append(child)
                frontier.extend(sorted(child.children, reverse=True))
        return ended

    async def _count_graph(
        self, tx: Tx, processgraphid: str, counts: dict[int, int], now_ns: int
    ) -> ProcessGraph | None:
        """Adds to the graph's counters; returns the graph if its state changed."""
        row = await tx.fetchone(
            "UPDATE processgraphs SET nsuccessful = nsuccessful + ?, nfailed = nfailed + ?, "
            "ncancelled = ncancelled + ? WHERE processgraphid = ? "
            "RETURNING state, nprocesses, nsuccessful, nfailed, ncancelled, starttime",
            (counts[SUCCESSFUL], counts[FAILED], counts[CANCELLED], processgraphid),
        )
        if row is None:
            return None
        old, total, ok, failed, cancelled, starttime = row
        new = graph_state(total, ok, failed, cancelled, starttime > 0)
        if new == old:
            return None
        await tx.execute(
            "UPDATE processgraphs SET state = ?, endtime = CASE WHEN ? = 1 THEN ? ELSE endtime END "
            "WHERE processgraphid = ?",
            (int(new), int(new.is_final), now_ns, processgraphid),
        )
        return await self._load_graph(tx, processgraphid)

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
            row = await tx.fetchone(
                "SELECT children FROM processes WHERE processid = ? AND state = ? "
                f"AND attempt = ?{self._for_update}",
                (parent.processid, RUNNING, parent_attempt),
            )
            if row is None:
                return None
            children = codec.load_list(row[0])
            below: list[str] = []
            if insert:
                # The new process goes between the parent and all of its children.
                below, children = children, [child.processid]
                for cid in sorted(below):
                    crow = await tx.fetchone(
                        f"SELECT parents FROM processes WHERE processid = ?{self._for_update}",
                        (cid,),
                    )
                    if crow is not None:
                        parents = [
                            child.processid if x == parent.processid else x
                            for x in codec.load_list(crow[0])
                        ]
                        await tx.execute(
                            "UPDATE processes SET parents = ? WHERE processid = ?",
                            (codec.dump_list(parents), cid),
                        )
            else:
                children = [*children, child.processid]
                if childprocessid:
                    below = [childprocessid]
                    crow = await tx.fetchone(
                        f"SELECT parents, {P} FROM processes WHERE processid = ? AND state = ? "
                        f"AND processgraphid = ?{self._for_update}",
                        (childprocessid, WAITING, graphid),
                    )
                    if crow is None:
                        raise FailedPrecondition(
                            f"process {childprocessid} is not a waiting process of graph {graphid}"
                        )
                    await tx.execute(
                        "UPDATE processes SET parents = ?, pendingparents = pendingparents + 1, "
                        "waitforparents = 1 WHERE processid = ?",
                        (codec.dump_list([*codec.load_list(crow[0]), child.processid]),
                         childprocessid),
                    )  # fmt: skip
                    await self._dequeue(tx, [codec.process_from_row(crow[1:])])
            await tx.execute(
                "UPDATE processes SET children = ? WHERE processid = ?",
                (codec.dump_list(children), parent.processid),
            )
            pos = await tx.fetchone(
                "SELECT MAX(graphpos) FROM processes WHERE processgraphid = ?", (graphid,)
            )
            new = dataclasses.replace(
                child,
                children=tuple(below),
                parents=(parent.processid,),
                waitforparents=True,
                processgraphid=graphid,
            )
            graphpos = (pos[0] or 0) + 1 if pos else 1
            await tx.execute(_PROCESS_INSERT, (*codec.process_row(new), graphpos, 1, None))
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
            process = await self._load_process(tx, row)
            await self._dequeue(tx, [process])
            return await self._after_end(tx, process, now_ns)

    async def cancel_graph(
        self, processgraphid: str, now_ns: int
    ) -> tuple[list[Process], ProcessGraph | None] | None:
        """Cancels every waiting or running process of a graph; returns them and
        the graph if its state changed, None if there is no such graph."""
        async with self._tx() as tx:
            if not await tx.fetchone(
                f"SELECT 1 FROM processgraphs WHERE processgraphid = ?{self._for_update}",
                (processgraphid,),
            ):
                return None
            rows = await tx.fetchall(
                "UPDATE processes SET state = ?, endtime = ? "
                f"WHERE processgraphid = ? AND state IN (?, ?) RETURNING {P}",
                (CANCELLED, now_ns, processgraphid, WAITING, RUNNING),
            )
            cancelled = [codec.process_from_row(r) for r in rows]
            await self._dequeue(tx, cancelled)
            graph = await self._count_graph(
                tx, processgraphid, {SUCCESSFUL: 0, FAILED: 0, CANCELLED: len(cancelled)}, now_ns
            )
            return cancelled, graph

    # --------------------------------------------------------- deadlines --

    async def expired_running(self, now_ns: int, limit: int) -> list[Process]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE state = {RUNNING} AND execdeadline > 0 "
                "AND execdeadline < ? ORDER BY execdeadline LIMIT ?",
                (now_ns, limit),
            )
        return [codec.process_from_row(r) for r in rows]

    async def expired_waiting(self, now_ns: int, limit: int) -> list[Process]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {P} FROM processes WHERE state = {WAITING} AND waitdeadline > 0 "
                "AND waitdeadline < ? ORDER BY waitdeadline LIMIT ?",
                (now_ns, limit),
            )
        return [codec.process_from_row(r) for r in rows]

    async def fail_waiting(self, processid: str, now_ns: int, error: str) -> FinishResult | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "UPDATE processes SET state = ?, endtime = ?, errors = ? "
                f"WHERE processid = ? AND state = ? RETURNING {P}",
                (FAILED, now_ns, codec.dump_list([error]), processid, WAITING),
            )
            if row is None:
                return None
            process = await self._load_process(tx, row)
            await self._dequeue(tx, [process])
            return await self._after_end(tx, process, now_ns)

    # ------------------------------------------------------------- crons --

    async def add_cron(self, cron: Cron) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(
                    f"INSERT INTO crons ({codec.CRON_COLUMNS}) VALUES ({', '.join('?' * 13)})",
                    codec.cron_row(cron),
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"a cron named {cron.name!r} already exists in colony {cron.colonyname!r}"
            ) from None

    async def get_cron(self, cronid: str) -> Cron | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.CRON_COLUMNS} FROM crons WHERE cronid = ?", (cronid,)
            )
        return codec.cron_from_row(row) if row else None

    async def list_crons(self, colonyname: str, count: int) -> list[Cron]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {codec.CRON_COLUMNS} FROM crons WHERE colonyname = ? "
                "ORDER BY name LIMIT ?",
                (colonyname, count),
            )
        return [codec.cron_from_row(r) for r in rows]

    async def remove_cron(self, cronid: str) -> bool:
        async with self._tx() as tx:
            return await tx.execute("DELETE FROM crons WHERE cronid = ?", (cronid,)) > 0

    async def due_crons(self, now_ns: int, limit: int) -> list[Cron]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {codec.CRON_COLUMNS} FROM crons WHERE nextrun > 0 AND nextrun <= ? "
                "ORDER BY nextrun LIMIT ?",
                (now_ns, limit),
            )
        return [codec.cron_from_row(r) for r in rows]

    async def previous_output(self, processgraphid: str) -> list[Any]:
        """The outputs of the leaves of a graph, in graph order."""
        async with self._read() as tx:
            rows = await tx.fetchall(
                "SELECT output FROM processes WHERE processgraphid = ? AND children = '' "
                "ORDER BY graphpos",
                (processgraphid,),
            )
        return [v for r in rows for v in codec.load_list(r[0])]

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
            await self._insert_graph(tx, graph, processes)
            return True

    async def set_cron_nextrun(self, cronid: str, expected_nextrun: int, nextrun: int) -> bool:
        async with self._tx() as tx:
            return (
                await tx.execute(
                    "UPDATE crons SET nextrun = ? WHERE cronid = ? AND nextrun = ?",
                    (nextrun, cronid, expected_nextrun),
                )
                == 1
            )

    # -------------------------------------------------------- generators --

    async def add_generator(self, generator: Generator) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(
                    f"INSERT INTO generators ({codec.GENERATOR_COLUMNS}) VALUES "
                    f"({', '.join('?' * 10)})",
                    codec.generator_row(generator),
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"a generator named {generator.name!r} already exists in colony "
                f"{generator.colonyname!r}"
            ) from None

    async def _queue_size(self, tx: Tx, generatorid: str) -> int:
        row = await tx.fetchone(
            "SELECT COUNT(*) FROM generatorargs WHERE generatorid = ?", (generatorid,)
        )
        return row[0] if row else 0

    async def get_generator(self, generatorid: str) -> Generator | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {codec.GENERATOR_COLUMNS} FROM generators WHERE generatorid = ?",
                (generatorid,),
            )
            if not row:
                return None
            return codec.generator_from_row(row, await self._queue_size(tx, generatorid))

    async def list_generators(self, colonyname: str, count: int) -> list[Generator]:
        async with self._read() as tx:
            rows = await tx.fetchall(
                f"SELECT {codec.GENERATOR_COLUMNS} FROM generators WHERE colonyname = ? "
                "ORDER BY name LIMIT ?",
                (colonyname, count),
            )
            return [codec.generator_from_row(r, await self._queue_size(tx, r[0])) for r in rows]

    async def remove_generator(self, generatorid: str) -> bool:
        async with self._tx() as tx:
            await tx.execute("DELETE FROM generatorargs WHERE generatorid = ?", (generatorid,))
            return (
                await tx.execute("DELETE FROM generators WHERE generatorid = ?", (generatorid,)) > 0
            )

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
            rows = await tx.fetchall(
                f"SELECT {codec.GENERATOR_COLUMNS} FROM generators WHERE firstpack > 0 "
                "ORDER BY firstpack LIMIT ?",
                (limit,),
            )
            return [codec.generator_from_row(r, await self._queue_size(tx, r[0])) for r in rows]

    async def start_generator_run(
        self, generatorid: str, count: int, now_ns: int, make_graph: GraphMaker
    ) -> ProcessGraph | None:
        """Takes up to `count` oldest packed arguments and stores the graph made
        from them, atomically; None when there was nothing to take."""
        async with self._tx() as tx:
            locked = await tx.fetchone(
                f"SELECT generatorid FROM generators WHERE generatorid = ?{self._for_update}",
                (generatorid,),
            )
            if locked is None:
                return None
            rows = await tx.fetchall(
                "SELECT seq, arg FROM generatorargs WHERE generatorid = ? ORDER BY seq LIMIT ?",
                (generatorid, count),
            )
            if not rows:
                return None
            await tx.execute(
                "DELETE FROM generatorargs WHERE generatorid = ? AND seq <= ?",
                (generatorid, rows[-1][0]),
            )
            oldest = await tx.fetchone(
                "SELECT MIN(added) FROM generatorargs WHERE generatorid = ?", (generatorid,)
            )
            await tx.execute(
                "UPDATE generators SET lastrun = ?, firstpack = ? WHERE generatorid = ?",
                (now_ns, (oldest[0] or 0) if oldest else 0, generatorid),
            )
            graph, processes = make_graph([r[1] for r in rows])
            await self._insert_graph(tx, graph, processes)
            return graph


def new_id() -> str:
    return secrets.token_hex(32)
