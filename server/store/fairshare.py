"""Fair order within a colony: start-time fair queuing between submitters.

Every insert of processes (submit, workflow, child; a batch when it is
published, processes.StagedBatch) stamps their queue key (prioritytime) from
their submitter's virtual time (core/fairness.py), in the same transaction:
one statement per colony, executor type and submitter, which reads the head of
each queue range the processes join and the submitter's weight, and moves the
submitter's virtual time (`fairshares`) with a conditional upsert. The upsert
moves the row under its lock, so two servers submitting for one submitter at
once get consecutive stretches of virtual time, never the same one. The claim
is untouched: it still takes the lowest key, one indexed pick.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from pycolonies_like.core import fairness
from pycolonies_like.core.models import Conditions, Process
from pycolonies_like.core.requirements import requirement_of
from pycolonies_like.core.rules import NS_PER_DAY
from server.store.db import Database, Tx


def _advance(ranges: int) -> str:
    """One statement: reads the submitter's weight and the heads of `ranges`
    queue ranges (V: the earliest of them and now), moves the submitter's
    virtual time to max(its own, V) + :n steps, and returns where it ends and
    the step. A conditional upsert: the row's lock orders concurrent submits
    of one submitter, on one server or several."""
    heads = " UNION ALL ".join(
        f"SELECT (SELECT q.prioritytime + p.priority * {NS_PER_DAY} FROM queue q, processes p "
        f"WHERE q.colonyname = :colonyname AND q.executortype = :executortype "
        f"AND q.executorname = :name{i} AND q.shape = :shape{i} AND p.processid = q.processid "
        f"ORDER BY q.prioritytime LIMIT 1) AS v"
        for i in range(ranges)
    )
    return (
        "INSERT INTO fairshares (colonyname, executortype, submitter, vtime, step) "
        "SELECT :colonyname, :executortype, :submitter, base.v + :n * w.step, w.step FROM "
        f"(SELECT {fairness.COST_NS} / COALESCE((SELECT weight FROM fairweights "
        "WHERE colonyname = :colonyname AND submitter = :submitter), "
        f"{fairness.DEFAULT_WEIGHT}) AS step) AS w, "
        f"(SELECT MIN(v) AS v FROM (SELECT :now AS v UNION ALL {heads}) AS h) AS base "
        "WHERE 1 = 1 "  # (SQLite: an INSERT ... SELECT needs a WHERE before ON CONFLICT)
        "ON CONFLICT (colonyname, executortype, submitter) DO UPDATE SET "
        "vtime = CASE WHEN fairshares.vtime > excluded.vtime - :n * excluded.step "
        "THEN fairshares.vtime + :n * excluded.step ELSE excluded.vtime END, "
        "step = excluded.step "
        "RETURNING vtime, step"
    )


async def stamp(tx: Tx, processes: Sequence[Process]) -> list[Process]:
    """`processes` with their fair queue keys, their submitters' virtual times
    moved on; a submitter's own processes keep the order of their submission
    times. Submitters are taken in key order, so that concurrent inserts lock
    their rows in one order and cannot deadlock."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i, p in enumerate(processes):
        key = (p.colonyname, p.spec.conditions.executortype, p.initiatorid)
        groups.setdefault(key, []).append(i)
    stamped = list(processes)
    shapes: dict[int, str] = {}  # id of a Conditions -> its shape (batches share them)

    def shape_of(c: Conditions) -> str:
        found = shapes.get(id(c))
        if found is None:
            found = shapes[id(c)] = requirement_of(c).key
        return found

    for (colonyname, executortype, submitter), positions in sorted(groups.items()):
        positions.sort(key=lambda i: processes[i].submissiontime)
        group = [processes[i] for i in positions]
        ranges = {
            (name, shape_of(p.spec.conditions))
            for p in group for name in (p.spec.conditions.executornames or [""])
        }  # fmt: skip
        now = max(p.submissiontime for p in group)
        start, step = await advance(
            tx, (colonyname, executortype, submitter), len(group), ranges, now
        )
        keys = fairness.stamps(start, step, [p.spec.priority for p in group])
        for i, k in zip(positions, keys, strict=True):
            stamped[i] = _with_key(processes[i], k)
    return stamped


async def advance(
    tx: Tx, group: tuple[str, str, str], n: int, ranges: Iterable[tuple[str, str]], now: int
) -> tuple[int, int]:
    """Moves the virtual time of a submitter (`group`: colony, executor type,
    submitter) on by `n` processes that join the queue `ranges` (executor
    name, shape) at `now`; returns where they start and the step: the i-th
    (0-based) of them gets the key `start + i * step - priority * one day`."""
    colonyname, executortype, submitter = group
    params: dict[str, object] = {
        "colonyname": colonyname, "executortype": executortype, "submitter": submitter,
        "n": n, "now": now,
    }  # fmt: skip
    ordered = sorted(ranges)
    for i, (name, shape) in enumerate(ordered):
        params[f"name{i}"], params[f"shape{i}"] = name, shape
    row = await tx.fetchone(_advance(len(ordered)), params)
    if row is None:  # (an upsert always returns its row)
        raise RuntimeError("the fair share upsert returned nothing")
    return row["vtime"] - n * row["step"], row["step"]


async def forget(tx: Tx, colonyname: str, submitter: str) -> None:
    """After a user or executor left the colony (an id is one member of a
    colony): its weight and virtual times go; the same key added again later
    starts afresh, at the default weight."""
    for table in ("fairweights", "fairshares"):
        await tx.execute(
            f"DELETE FROM {table} WHERE colonyname = ? AND submitter = ?", (colonyname, submitter)
        )


def _with_key(p: Process, prioritytime: int) -> Process:
    """`p` with another queue key: a shallow copy (dataclasses.replace would
    run every field's conversion again, for thousands of processes a batch)."""
    q = copy.copy(p)
    object.__setattr__(q, "prioritytime", prioritytime)
    return q


class FairShares(Database):
    async def set_fair_weight(self, colonyname: str, submitter: str, weight: int) -> None:
        """Sets a submitter's weight in a colony; the default weight removes the row."""
        async with self._write1() as tx:
            if weight == fairness.DEFAULT_WEIGHT:
                await tx.execute(
                    "DELETE FROM fairweights WHERE colonyname = ? AND submitter = ?",
                    (colonyname, submitter),
                )
            else:
                await tx.execute(
                    "INSERT INTO fairweights (colonyname, submitter, weight) VALUES (?, ?, ?) "
                    "ON CONFLICT (colonyname, submitter) DO UPDATE SET weight = excluded.weight",
                    (colonyname, submitter, fairness.check_weight(weight)),
                )

    async def fair_weights(self, colonyname: str) -> dict[str, int]:
        """The submitters of a colony with a weight other than the default."""
        async with self._read() as tx:
            found = await tx.fetchall(
                "SELECT submitter, weight FROM fairweights WHERE colonyname = ? ORDER BY submitter",
                (colonyname,),
            )
        return {r["submitter"]: int(r["weight"]) for r in found}
