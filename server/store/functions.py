"""Functions that executors register, and their running statistics."""

from __future__ import annotations

from pycolonies_like.core import function_stats
from pycolonies_like.core.models import Function, Process
from server.store import rows
from server.store.db import Database, Row, Tx

COLUMNS = rows.select(rows.FUNCTION)
# A new function has no runs counted: its statistics start at the columns' defaults.
_NEW = tuple(c for c in rows.FUNCTION if c not in rows.FUNCTION_STATS)
_INSERT = rows.insert("functions", _NEW) + " ON CONFLICT DO NOTHING"
_WRITE_STATS = (
    "UPDATE functions SET "
    + ", ".join(f"{c} = :{c}" for c in rows.FUNCTION_STATS)
    + " WHERE functionid = :functionid"
)
# The function a process ran is its executor's function of the same name:
# each function column, and the process column it must equal.
RAN_BY = {"colonyname": "colonyname", "executorname": "assignedexecutorname",
          "funcname": "funcname"}  # fmt: skip
_OF = " AND ".join(f"{f} = :{p}" for f, p in RAN_BY.items())


async def function_of(tx: Tx, process: Process) -> Row | None:
    """The row of the function that ran `process`, locked; None if not registered."""
    return await tx.fetchone(
        f"SELECT {COLUMNS} FROM functions WHERE {_OF}{tx.dialect.lock_rows}",
        {"colonyname": process.colonyname, "assignedexecutorname": process.assignedexecutorname,
         "funcname": process.spec.funcname},
    )  # fmt: skip


async def count_run(tx: Tx, process: Process, function: Row | None) -> None:
    """Counts a successful run of `process` in the statistics of `function`
    (its row, read with function_of; None: the function is not registered)."""
    if function is None:
        return
    counted = function_stats.count_run(rows.function_from_row(function), process)
    await tx.send(_WRITE_STATS, rows.values(counted, (*rows.FUNCTION_STATS, "functionid")))


class Functions(Database):
    async def add_function(self, function: Function) -> Function:
        f = function
        select = (
            f"SELECT {COLUMNS} FROM functions "
            "WHERE colonyname = ? AND executorname = ? AND funcname = ?"
        )
        key = (f.colonyname, f.executorname, f.funcname)
        async with self._tx() as tx:
            row = await tx.fetchone(select, key)
            if row is None:
                await tx.execute(_INSERT, rows.values(f, _NEW))
                row = await tx.fetchone(select, key)
        assert row is not None
        return rows.function_from_row(row)

    async def get_function(self, functionid: str) -> Function | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {COLUMNS} FROM functions WHERE functionid = ?", (functionid,)
            )
        return rows.function_from_row(row) if row else None

    async def list_functions(self, colonyname: str, executorname: str = "") -> list[Function]:
        sql = f"SELECT {COLUMNS} FROM functions WHERE colonyname = ?"
        params: tuple[str, ...] = (colonyname,)
        if executorname:
            sql += " AND executorname = ?"
            params += (executorname,)
        async with self._read() as tx:
            found = await tx.fetchall(sql + " ORDER BY executorname, funcname", params)
        return [rows.function_from_row(r) for r in found]

    async def remove_function(self, functionid: str) -> bool:
        async with self._write1() as tx:
            return await tx.execute("DELETE FROM functions WHERE functionid = ?", (functionid,)) > 0
