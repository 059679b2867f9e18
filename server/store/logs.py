"""Attributes of processes, and process logs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pycolonies_like.core.models import Attribute, LogEntry
from pycolonies_like.core.rules import MAX_REPLY_BYTES, log_size
from server.store import rows
from server.store.base import LogPage
from server.store.db import Database, Tx, marks

_ATTRIBUTE_INSERT = rows.insert("attributes", (*rows.ATTRIBUTE, "added"))
_LOG_INSERT = rows.insert("logs", tuple(c for c in rows.LOG if c != "seq"))
_CHUNK_ROWS = 16  # rows read at a time: 4 MiB at most with the largest entries
_NO_SEQ = 2**63 - 1


async def attributes_of(tx: Tx, processids: Sequence[str]) -> dict[str, list[Attribute]]:
    """The attributes of each process, oldest first."""
    if not processids:
        return {}
    found: dict[str, list[Attribute]] = {}
    for row in await tx.fetchall(
        f"SELECT {rows.select(rows.ATTRIBUTE)} FROM attributes "
        f"WHERE targetid IN ({marks(processids)}) ORDER BY added, attributeid",
        tuple(processids),
    ):
        found.setdefault(row["targetid"], []).append(rows.attribute_from_row(row))
    return found


class Logs(Database):
    async def add_attribute(self, attribute: Attribute, now_ns: int) -> None:
        async with self._tx() as tx:
            await tx.execute(_ATTRIBUTE_INSERT, {**rows.values(attribute, rows.ATTRIBUTE),
                                                 "added": now_ns})  # fmt: skip
            await tx.execute(
                "UPDATE processes SET nattributes = nattributes + 1 "
                "WHERE processid = ? AND state <> -1",  # (-1: a staged row, processes.STAGED)
                (attribute.targetid,),
            )

    async def get_attribute(self, attributeid: str) -> Attribute | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {rows.select(rows.ATTRIBUTE)} FROM attributes WHERE attributeid = ?",
                (attributeid,),
            )
        return rows.attribute_from_row(row) if row else None

    async def add_log(self, entry: LogEntry) -> LogEntry:
        async with self._write1() as tx:
            row = await tx.fetchone(f"{_LOG_INSERT} RETURNING seq", rows.values(entry, rows.LOG))
        assert row is not None
        return dataclasses.replace(entry, seq=row["seq"])

    async def get_logs(
        self,
        processid: str,
        count: int,
        *,
        since_ns: int = 0,
        latest: bool = False,
        after_seq: int = 0,
        before_seq: int = 0,
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> LogPage:
        return await self._logs(
            "processid = ?", [processid], count, since_ns, latest, after_seq, before_seq,
            max_bytes,
        )  # fmt: skip

    async def get_executor_logs(
        self, colonyname: str, executorname: str, count: int, *, since_ns: int = 0,
        latest: bool = False, after_seq: int = 0, before_seq: int = 0,
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> LogPage:  # fmt: skip
        return await self._logs(
            "colonyname = ? AND executorname = ?", [colonyname, executorname], count, since_ns,
            latest, after_seq, before_seq, max_bytes,
        )  # fmt: skip

    async def _logs(
        self, where: str, params: list[Any], count: int, since_ns: int, latest: bool,
        after_seq: int, before_seq: int, max_bytes: int,
    ) -> LogPage:  # fmt: skip
        """At most `count` entries and (beyond the first) `max_bytes` of them, read a
        few rows at a time so that memory stays near the budget however big they are."""
        sql = f"SELECT {rows.select(rows.LOG)} FROM logs WHERE {where}"
        if since_ns > 0:
            sql += " AND timestamp > ?"
            params = [*params, since_ns]
        sql += f" AND seq > ? AND seq < ? ORDER BY seq {'DESC' if latest else 'ASC'} LIMIT ?"
        low, high = after_seq, before_seq if before_seq > 0 else _NO_SEQ
        entries: list[LogEntry] = []
        used = 0
        async with self._read() as tx:
            while len(entries) < count:
                want = min(_CHUNK_ROWS, count - len(entries))
                found = await tx.fetchall(sql, (*params, low, high, want))
                for row in found:
                    entry = rows.log_from_row(row)
                    size = log_size(entry)
                    if entries and used + size > max_bytes:
                        return LogPage(entries[::-1] if latest else entries, True)
                    entries.append(entry)
                    used += size
                    if latest:
                        high = entry.seq
                    else:
                        low = entry.seq
                if len(found) < want:
                    break
        return LogPage(entries[::-1] if latest else entries, False)
