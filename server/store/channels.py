"""Channels of processes: their entries, in order, as long as the process lives."""

from __future__ import annotations

import dataclasses

from pycolonies_like.core.errors import AlreadyExists, ResourceExhausted
from pycolonies_like.core.models import ChannelEntry, ProcessState
from pycolonies_like.core.rules import MAX_REPLY_BYTES
from server.store.db import Database, Row, UniqueViolation

_CHUNK_ROWS = 64  # rows read at a time, so that memory stays near the reply's budget
_COLUMNS = ("sequence", "senderid", "payload", "type", "inreplyto", "timestamp", "error")
_SELECT = ", ".join((*_COLUMNS, "idx"))
_INSERT = (
    f"INSERT INTO channel_entries (processid, name, idx, {', '.join(_COLUMNS)}) "
    f"VALUES (:processid, :name, :idx, {', '.join(':' + c for c in _COLUMNS)})"
)


def _entry(row: Row) -> ChannelEntry:
    return ChannelEntry(
        **{c: row[c] for c in _COLUMNS if c != "payload"},
        payload=bytes(row["payload"]),
        index=row["idx"],
    )


class Channels(Database):
    async def append_channel_entry(
        self, processid: str, name: str, entry: ChannelEntry, max_entries: int
    ) -> ChannelEntry | None:
        """Appends `entry` after the last entry of the channel and returns it with
        its index; None when the process has ended or is gone. A sender's
        sequence number already on the channel is AlreadyExists; a channel of
        `max_entries` is ResourceExhausted."""
        try:
            async with self._tx() as tx:
                # The process row orders appends (and an append against its end);
                # a staged row (-1, processes.STAGED) is not found.
                row = await tx.fetchone(
                    "SELECT state FROM processes WHERE processid = ? AND state <> -1"
                    f"{tx.dialect.lock_rows}",
                    (processid,),
                )
                if row is None or ProcessState(row["state"]).is_final:
                    return None
                # Indexes run 1, 2, ... with no gaps (entries go only with their
                # process), so the last one is also the count: one index lookup.
                top = await tx.fetchone(
                    "SELECT MAX(idx) AS top FROM channel_entries WHERE processid = ? AND name = ?",
                    (processid, name),
                )
                last = int(top["top"] or 0) if top is not None else 0
                if last >= max_entries:
                    raise ResourceExhausted(
                        f"channel {name!r} of process {processid} is full ({max_entries} entries)"
                    )
                entry = dataclasses.replace(entry, index=last + 1)
                values = {c: getattr(entry, c) for c in _COLUMNS}
                await tx.execute(
                    _INSERT, {**values, "processid": processid, "name": name, "idx": entry.index}
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"sequence {entry.sequence} was already sent on channel {name!r} by this sender"
            ) from None
        return entry

    async def read_channel(
        self, processid: str, name: str, after: int, limit: int,
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> list[ChannelEntry]:  # fmt: skip
        """Up to `limit` entries after the index `after`, in order, and (beyond the
        first) at most `max_bytes` of payload: a reader continues after the last."""
        entries: list[ChannelEntry] = []
        used = 0
        async with self._read() as tx:
            while len(entries) < limit:
                want = min(_CHUNK_ROWS, limit - len(entries))
                found = await tx.fetchall(
                    f"SELECT {_SELECT} FROM channel_entries WHERE processid = ? AND name = ? "
                    "AND idx > ? ORDER BY idx LIMIT ?",
                    (processid, name, after, want),
                )
                for row in found:
                    entry = _entry(row)
                    if entries and used + len(entry.payload) > max_bytes:
                        return entries
                    entries.append(entry)
                    used += len(entry.payload)
                    after = entry.index
                if len(found) < want:
                    break
        return entries

    async def purge_channels(self, ended_before_ns: int, limit: int) -> int:
        """Removes the entries of up to `limit` processes that ended before the
        given time; returns how many processes had some."""
        async with self._tx() as tx:
            found = await tx.fetchall(
                "SELECT DISTINCT c.processid FROM channel_entries c "
                "JOIN processes p ON p.processid = c.processid "
                "WHERE p.state >= 2 AND p.endtime < ? LIMIT ?",
                (ended_before_ns, limit),
            )
            for row in found:
                await tx.execute(
                    "DELETE FROM channel_entries WHERE processid = ?", (row["processid"],)
                )
        return len(found)
