"""Colonies and their members: executors and users."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.models import Colony, Executor, ExecutorState, Process, User
from pycolonies_like.core.requirements import Capacity, capacities_of
from server.store import rows
from server.store.base import Member
from server.store.db import Database, Row, Tx, UniqueViolation
from server.store.fairshare import forget
from server.store.pauses import load_colony, pauses_of, set_pause
from server.store.queue import requeue_running_of

_EXECUTOR = rows.select(rows.EXECUTOR)
_USER = rows.select(rows.USER)
_HARDWARE = ("colonyname", "executorname", "position", *(f.name for f in fields(Capacity)))
_HARDWARE_INSERT = rows.insert("executorhardware", _HARDWARE)


def hardware_rows(e: Executor) -> list[dict[str, Any]]:
    """The executorhardware rows of an executor: its capacities, in plain units."""
    return [
        {"colonyname": e.colonyname, "executorname": e.executorname, "position": i,
         **asdict(capacity)}
        for i, capacity in enumerate(capacities_of(e.capabilities))
    ]  # fmt: skip


async def _id_taken(tx: Tx, colonyname: str, memberid: str) -> str | None:
    """Who already holds `memberid` in the colony, if anyone."""
    row = await tx.fetchone(
        "SELECT executorname FROM executors WHERE colonyname = ? AND executorid = ?",
        (colonyname, memberid),
    )
    if row:
        return f"executor {row['executorname']!r}"
    row = await tx.fetchone(
        "SELECT name FROM users WHERE colonyname = ? AND userid = ?", (colonyname, memberid)
    )
    return f"user {row['name']!r}" if row else None


def _executor_member(row: Row) -> Member:
    approved = row["state"] == ExecutorState.APPROVED
    pending = row["state"] == ExecutorState.PENDING
    return Member("executor", row["executorname"], approved, row["executortype"], pending,
                  row["locationname"], row["capabilities"])  # fmt: skip


class Members(Database):
    # ---------------------------------------------------------- colonies --

    async def add_colony(self, colony: Colony) -> None:
        try:
            async with self._tx() as tx:
                await tx.execute(
                    rows.insert("colonies", rows.COLONY), rows.values(colony, rows.COLONY)
                )
                for executortype in ("",) if colony.paused else ():
                    await set_pause(tx, colony.name, executortype, True, 0)
                for executortype in colony.pausedtypes:
                    await set_pause(tx, colony.name, executortype, True, 0)
        except UniqueViolation:
            raise AlreadyExists(f"a colony named {colony.name!r} already exists") from None

    async def get_colony(self, name: str) -> Colony | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {rows.select(rows.COLONY)} FROM colonies WHERE name = ?", (name,)
            )
            return await load_colony(tx, row) if row else None

    async def list_colonies(self) -> list[Colony]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {rows.select(rows.COLONY)} FROM colonies ORDER BY name"
            )
            pauses = await pauses_of(tx)
        return [rows.colony_from_row(r, pauses.get(r["name"], ())) for r in found]

    async def set_paused(
        self, colonyname: str, executortype: str, paused: bool, now_ns: int
    ) -> Colony | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT {rows.select(rows.COLONY)} FROM colonies WHERE name = ?", (colonyname,)
            )
            if row is None:
                return None
            await set_pause(tx, colonyname, executortype, paused, now_ns)
            return await load_colony(tx, row)

    async def remove_colony(self, name: str) -> bool:
        async with self._tx() as tx:
            # Children first: PostgreSQL cascades would do it too, but this keeps
            # the lock order the same as everywhere else.
            await tx.execute("DELETE FROM pauses WHERE colonyname = ?", (name,))
            await tx.execute("DELETE FROM retired WHERE colonyname = ?", (name,))
            await tx.execute("DELETE FROM concurrency WHERE colonyname = ?", (name,))
            await tx.execute("DELETE FROM queue WHERE colonyname = ?", (name,))
            await tx.execute("DELETE FROM processes WHERE colonyname = ?", (name,))
            return await tx.execute("DELETE FROM colonies WHERE name = ?", (name,)) > 0

    # --------------------------------------------------------- executors --

    async def add_executor(self, executor: Executor) -> None:
        e = executor
        try:
            async with self._tx() as tx:
                if await tx.fetchone(
                    "SELECT 1 AS x FROM executors WHERE colonyname = ? AND executorname = ?",
                    (e.colonyname, e.executorname),
                ):
                    raise AlreadyExists(
                        f"an executor named {e.executorname!r} already exists in colony "
                        f"{e.colonyname!r}"
                    )
                taken = await _id_taken(tx, e.colonyname, e.executorid)
                if taken:
                    raise AlreadyExists(
                        f"id {e.executorid} is already registered in colony {e.colonyname!r} "
                        f"as {taken}"
                    )
                await tx.execute(rows.insert("executors", rows.EXECUTOR), rows.executor_values(e))
                await tx.executemany(_HARDWARE_INSERT, hardware_rows(e))
        except UniqueViolation:
            raise AlreadyExists(f"executor {e.executorname!r} already exists") from None

    async def set_executor_capabilities(self, executor: Executor) -> bool:
        """Replaces an executor's capabilities and the capacities the claim reads."""
        e = executor
        async with self._tx() as tx:
            changed = await tx.execute(
                "UPDATE executors SET capabilities = ? WHERE colonyname = ? AND executorid = ? "
                "AND executorname = ?",
                (rows.executor_values(e)["capabilities"], e.colonyname, e.executorid,
                 e.executorname),
            )  # fmt: skip
            if not changed:
                return False
            await tx.execute(
                "DELETE FROM executorhardware WHERE colonyname = ? AND executorname = ?",
                (e.colonyname, e.executorname),
            )
            await tx.executemany(_HARDWARE_INSERT, hardware_rows(e))
        return True

    async def get_executor(self, colonyname: str, executorname: str) -> Executor | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {_EXECUTOR} FROM executors WHERE colonyname = ? AND executorname = ?",
                (colonyname, executorname),
            )
        return rows.executor_from_row(row) if row else None

    async def list_executors(self, colonyname: str) -> list[Executor]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_EXECUTOR} FROM executors WHERE colonyname = ? ORDER BY executorname",
                (colonyname,),
            )
        return [rows.executor_from_row(r) for r in found]

    async def set_executor_state(
        self, colonyname: str, executorname: str, state: ExecutorState, now_ns: int
    ) -> tuple[Executor, list[Process]] | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "UPDATE executors SET state = ? WHERE colonyname = ? AND executorname = ? "
                f"RETURNING {_EXECUTOR}",
                (int(state), colonyname, executorname),
            )
            if not row:
                return None
            executor = rows.executor_from_row(row)
            requeued = []
            if state != ExecutorState.APPROVED:
                requeued = await requeue_running_of(tx, executor, now_ns)
            return executor, requeued

    async def remove_executor(
        self, colonyname: str, executorname: str, now_ns: int
    ) -> list[Process] | None:
        async with self._tx() as tx:
            row = await tx.fetchone(
                f"SELECT {_EXECUTOR} FROM executors WHERE colonyname = ? AND executorname = ?"
                f"{tx.dialect.lock_rows}",
                (colonyname, executorname),
            )
            if not row:
                return None
            requeued = await requeue_running_of(tx, rows.executor_from_row(row), now_ns)
            key = (colonyname, executorname)
            await tx.execute("DELETE FROM functions WHERE colonyname = ? AND executorname = ?", key)
            await tx.execute("DELETE FROM executors WHERE colonyname = ? AND executorname = ?", key)
            await forget(tx, colonyname, row["executorid"])
            return requeued

    async def remove_silent_executors(
        self, heard_before_ns: int, now_ns: int, limit: int
    ) -> list[tuple[Executor, list[Process]]]:
        """Removes executors heard from once, then not since `heard_before_ns`,
        requeueing their running work; each removal is conditional, so of
        several servers doing this at once one removes (and returns) each."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT colonyname, executorname FROM executors WHERE lastheardfromtime > 0 "
                "AND lastheardfromtime < ? ORDER BY lastheardfromtime LIMIT ?",
                (heard_before_ns, limit),
            )
        removed = []
        for r in found:
            key = (r["colonyname"], r["executorname"])
            async with self._tx() as tx:
                row = await tx.fetchone(
                    f"SELECT {_EXECUTOR} FROM executors WHERE colonyname = ? AND executorname = ? "
                    f"AND lastheardfromtime > 0 AND lastheardfromtime < ?{tx.dialect.lock_rows}",
                    (*key, heard_before_ns),
                )
                if not row:
                    continue  # heard from meanwhile, or removed by another server
                executor = rows.executor_from_row(row)
                requeued = await requeue_running_of(tx, executor, now_ns)
                await tx.execute(
                    "DELETE FROM functions WHERE colonyname = ? AND executorname = ?", key
                )
                if await tx.execute(
                    "DELETE FROM executors WHERE colonyname = ? AND executorname = ? "
                    "AND lastheardfromtime > 0 AND lastheardfromtime < ?",
                    (*key, heard_before_ns),
                ):
                    await forget(tx, executor.colonyname, executor.executorid)
                    removed.append((executor, requeued))
        return removed

    async def get_actor(
        self, colonyname: str, memberid: str
    ) -> tuple[Colony, Member | None] | None:
        """The colony and who `memberid` is in it, in one query."""
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT c.colonyid, e.executorname, e.state, e.executortype, e.locationname, "
                "e.capabilities, u.name "
                "FROM colonies c "
                "LEFT JOIN executors e ON e.colonyname = c.name AND e.executorid = ? "
                "LEFT JOIN users u ON u.colonyname = c.name AND u.userid = ? "
                "WHERE c.name = ?",
                (memberid, memberid, colonyname),
            )
        if row is None:
            return None
        colony = Colony(row["colonyid"], colonyname)
        if row["executorname"] is not None:
            return colony, _executor_member(row)
        if row["name"] is not None:
            return colony, Member("user", row["name"], True)
        return colony, None

    async def get_member(self, colonyname: str, memberid: str) -> Member | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                "SELECT executorname, state, executortype, locationname, capabilities "
                "FROM executors "
                "WHERE colonyname = ? AND executorid = ?",
                (colonyname, memberid),
            )
            if row:
                return _executor_member(row)
            row = await tx.fetchone(
                "SELECT name FROM users WHERE colonyname = ? AND userid = ?",
                (colonyname, memberid),
            )
        return Member("user", row["name"], True) if row else None

    # ------------------------------------------------------------- users --

    async def add_user(self, user: User) -> None:
        u = user
        try:
            async with self._tx() as tx:
                if await tx.fetchone(
                    "SELECT 1 AS x FROM users WHERE colonyname = ? AND name = ?",
                    (u.colonyname, u.name),
                ):
                    raise AlreadyExists(
                        f"a user named {u.name!r} already exists in colony {u.colonyname!r}"
                    )
                taken = await _id_taken(tx, u.colonyname, u.userid)
                if taken:
                    raise AlreadyExists(
                        f"id {u.userid} is already registered in colony {u.colonyname!r} as {taken}"
                    )
                await tx.execute(rows.insert("users", rows.USER), rows.values(u, rows.USER))
        except UniqueViolation:
            raise AlreadyExists(f"user {u.name!r} already exists") from None

    async def get_user(self, colonyname: str, name: str) -> User | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {_USER} FROM users WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return rows.user_from_row(row) if row else None

    async def list_users(self, colonyname: str) -> list[User]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {_USER} FROM users WHERE colonyname = ? ORDER BY name", (colonyname,)
            )
        return [rows.user_from_row(r) for r in found]

    async def remove_user(self, colonyname: str, name: str) -> bool:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "DELETE FROM users WHERE colonyname = ? AND name = ? RETURNING userid",
                (colonyname, name),
            )
            if row is None:
                return False
            await forget(tx, colonyname, row["userid"])
            return True
