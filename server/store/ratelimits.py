"""Rate limits: named budgets of process starts per colony, as token buckets.

A limit's row holds its tokens as of `updated`; the claim takes a started
process' units with one conditional update of the row (TAKE), the bucket
refilled to the claim's time on the way (REFILL: tokens + elapsed * rate /
period, never above burst), which also serializes concurrent claims of the
limit on every server. A picked process that finds too few tokens is parked
(PARK): it leaves the queue and waits (`notbefore`, woken by the ready loop)
until its tokens are due. `horizon` is the last due time given out, so the
processes parked one after another get one due time each, in the order they
were picked (the queue's priority order), instead of all waking at once to
find one token between them.
"""

from __future__ import annotations

from pycolonies_like.core.errors import AlreadyExists
from pycolonies_like.core.flow import TOKEN_SLACK, period_ns, tokens_at
from pycolonies_like.core.models import ProcessState, RateLimit
from server.store import concurrency, rows
from server.store import processes as procs
from server.store.db import Database, Row, Tx, UniqueViolation

WAITING = int(ProcessState.WAITING)
P = procs.COLUMNS
_COLUMNS = ("colonyname", "name", "rate", "unit", "burst", "tokens", "updated")

# Tokens gained since `updated` (none when the clock reads earlier: another
# server's clock may be a little behind). (:now)
_GAINED = (
    "CAST(CASE WHEN :now > updated THEN :now - updated ELSE 0 END AS DOUBLE PRECISION) "
    "* rate / periodns"
)
# The tokens of the row at :now.
REFILL = f"(CASE WHEN tokens + {_GAINED} >= burst THEN burst ELSE tokens + {_GAINED} END)"


def limit_of(processid: str) -> str:
    """The rate limit and units of the process a claim picked."""
    return f"SELECT ratelimit, ratelimitunits FROM processes WHERE processid = {processid}"


def take_sql(name: str, units: str) -> str:
    """Takes `units` tokens of the limit if it has them. (:colonyname, :now)"""
    return (
        f"UPDATE ratelimits SET tokens = {REFILL} - {units}, "
        "updated = CASE WHEN :now > updated THEN :now ELSE updated END "
        f"WHERE colonyname = :colonyname AND name = {name} "
        f"AND {REFILL} >= {units} - {TOKEN_SLACK}"
    )


def _interval(units: str) -> str:
    return f"CAST({units} * periodns / rate AS BIGINT)"


def park_sql(name: str, units: str) -> str:
    """Gives a process that found too few tokens the next due time after the
    last one given out (returned by PARKED_AT). (:colonyname, :now)"""
    due = f"(:now + CAST(({units} - {REFILL}) * periodns / rate AS BIGINT) + 1)"
    return (
        f"UPDATE ratelimits SET horizon = (CASE WHEN horizon > {due} THEN horizon ELSE {due} END) "
        f"+ {_interval(units)} WHERE colonyname = :colonyname AND name = {name}"
    )


def parked_at(units: str) -> str:
    """What park_sql returns: the due time it gave out."""
    return f"RETURNING horizon - {_interval(units)} AS due"


def wait_sql(processid: str, due: str) -> str:
    """A parked process waits until its due time, out of the queue."""
    return (
        f"UPDATE processes SET notbefore = {due} "
        f"WHERE processid = {processid} AND state = {WAITING}"
    )


async def take(tx: Tx, colonyname: str, row: Row | None, now_ns: int) -> bool:
    """True when the picked process may start: it names no limit (or one
    since removed), or took its tokens. `row`: the process' ratelimit and
    ratelimitunits (as limit_of reads them)."""
    if row is None or not row["ratelimit"]:
        return True
    params = {"colonyname": colonyname, "name": row["ratelimit"],
              "units": row["ratelimitunits"], "now": now_ns}  # fmt: skip
    if await tx.execute(take_sql(":name", ":units"), params) == 1:
        return True
    exists = "SELECT 1 AS x FROM ratelimits WHERE colonyname = :colonyname AND name = :name"
    return await tx.fetchone(exists, params) is None


async def park(tx: Tx, colonyname: str, processid: str, now_ns: int) -> None:
    """Takes a picked process that found too few tokens out of the queue until
    they are due, giving back the concurrency slot it took."""
    row = await tx.fetchone(limit_of(":processid"), {"processid": processid})
    assert row is not None
    params = {"colonyname": colonyname, "name": row["ratelimit"],
              "units": row["ratelimitunits"], "now": now_ns}  # fmt: skip
    found = await tx.fetchone(f"{park_sql(':name', ':units')} {parked_at(':units')}", params)
    assert found is not None
    parked = await tx.fetchone(
        f"{wait_sql(':processid', ':due')} RETURNING {P}",
        {"processid": processid, "due": found["due"]},
    )
    if parked is not None:
        process = rows.process_from_row(parked)
        await procs.dequeue(tx, [process])
        await concurrency.stopped_running(tx, process, release=False)


def _limit(row: Row, now_ns: int) -> RateLimit:
    limit = RateLimit(**{c: row[c] for c in _COLUMNS if c != "updated"})
    return RateLimit(**{**limit.to_dict(), "tokens": tokens_at(limit, row["updated"], now_ns)})


class RateLimits(Database):
    async def add_rate_limit(self, limit: RateLimit, now_ns: int) -> RateLimit:
        """Stores a new limit with a full bucket."""
        values = {**limit.to_dict(), "tokens": float(limit.burst), "updated": now_ns,
                  "periodns": period_ns(limit.unit)}  # fmt: skip
        names = (*_COLUMNS, "periodns")
        try:
            async with self._write1() as tx:
                await tx.execute(
                    f"INSERT INTO ratelimits ({', '.join(names)}) "
                    f"VALUES ({', '.join(':' + c for c in names)})",
                    {c: values[c] for c in names},
                )
        except UniqueViolation:
            raise AlreadyExists(
                f"a rate limit named {limit.name!r} already exists in colony {limit.colonyname!r}"
            ) from None
        return RateLimit(**{**limit.to_dict(), "tokens": float(limit.burst)})

    async def get_rate_limit(self, colonyname: str, name: str, now_ns: int) -> RateLimit | None:
        async with self._read() as tx:
            row = await tx.fetchone(
                f"SELECT {', '.join(_COLUMNS)} FROM ratelimits WHERE colonyname = ? AND name = ?",
                (colonyname, name),
            )
        return _limit(row, now_ns) if row else None

    async def list_rate_limits(self, colonyname: str, now_ns: int) -> list[RateLimit]:
        async with self._read() as tx:
            found = await tx.fetchall(
                f"SELECT {', '.join(_COLUMNS)} FROM ratelimits WHERE colonyname = ? ORDER BY name",
                (colonyname,),
            )
        return [_limit(r, now_ns) for r in found]

    async def remove_rate_limit(self, colonyname: str, name: str) -> bool:
        async with self._write1() as tx:
            return await tx.execute(
                "DELETE FROM ratelimits WHERE colonyname = ? AND name = ?", (colonyname, name)
            ) > 0  # fmt: skip

    async def rate_limit_bursts(self, colonyname: str) -> dict[str, int]:
        """The burst of each rate limit of the colony, by name."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT name, burst FROM ratelimits WHERE colonyname = ?", (colonyname,)
            )
        return {r["name"]: r["burst"] for r in found}
