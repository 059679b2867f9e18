"""Concurrency keys: at most `limit` running processes per key and colony.

The limit is kept by the claim: before a process with a key is assigned, the
claim takes a slot of its key with one conditional update of the key's row
(TAKE_SLOT), which also serializes concurrent claims of the key on every
server. A process whose key has no free slot when it reaches the head of the
queue is held (HOLD): taken out of the queue, so later claims do not look at
it again. When a running process of the key ends, its slot is freed and held
processes go back to the queue, best first, as many as there are slots that
no queued process of the key will take.
"""

from __future__ import annotations

import dataclasses

from pycolonies_like.core.flow import key_of as spec_key
from pycolonies_like.core.models import Process, ProcessState
from server.store import processes as procs
from server.store import rows
from server.store.base import FinishResult
from server.store.db import Row, Tx

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
P = procs.COLUMNS


def key_of(processid: str) -> str:
    """The key and limit of the process a claim picked."""
    return f"SELECT concurrencykey, concurrencylimit FROM processes WHERE processid = {processid}"


def take_slot_sql(key: str, limit: str) -> str:
    """Takes a running slot of the key, if one is free. (:colonyname)"""
    return (
        "UPDATE concurrency SET running = running + 1 "
        f"WHERE colonyname = :colonyname AND key = {key} AND running < {limit}"
    )


def hold_sql(processid: str) -> str:
    """Holds a picked process back until a slot of its key frees."""
    return f"UPDATE processes SET held = 1 WHERE processid = {processid} AND state = {WAITING}"


# Gives back the slot of a process that stopped running. (:colonyname, :key)
FREE_SLOT = (
    "UPDATE concurrency SET running = running - 1 "
    "WHERE colonyname = :colonyname AND key = :key AND running > 0"
)
# How many claims may hold a process back before giving up (returning nothing).
MAX_HELD_PER_CLAIM = 16


async def take_slot(tx: Tx, colonyname: str, row: Row | None) -> bool:
    """True when the picked process may run: it has no key, or took a slot.
    `row`: the process' concurrencykey and concurrencylimit (as key_of reads them)."""
    if row is None or not row["concurrencykey"]:
        return True
    params = {"colonyname": colonyname, "key": row["concurrencykey"],
              "limit": row["concurrencylimit"]}  # fmt: skip
    return await tx.execute(take_slot_sql(":key", ":limit"), params) == 1


async def hold(tx: Tx, processid: str) -> None:
    """Takes a picked process out of the queue until a slot of its key frees."""
    row = await tx.fetchone(f"{hold_sql(':processid')} RETURNING {P}", {"processid": processid})
    if row is not None:
        await procs.dequeue(tx, [rows.process_from_row(row)])


async def stopped_running(tx: Tx, process: Process, *, release: bool = True) -> list[Process]:
    """A process of a key stopped running (ended, was cancelled or requeued):
    frees its slot and, with `release`, puts held processes of the key back in
    the queue; returns them."""
    key = spec_key(process.spec)
    if not key:
        return []
    await tx.execute(FREE_SLOT, {"colonyname": process.colonyname, "key": key})
    return await release_held(tx, process.colonyname, key) if release else []


def with_released(result: FinishResult, unheld: list[Process]) -> FinishResult:
    """`result` with the processes a freed slot released among its released ones."""
    if not unheld:
        return result
    return dataclasses.replace(result, released=[*result.released, *unheld])


async def release_held(tx: Tx, colonyname: str, key: str) -> list[Process]:
    """Puts back in the queue as many held processes of the key as there are
    free slots that no queued process of the key will take."""
    slot = await tx.fetchone(
        "SELECT running FROM concurrency WHERE colonyname = ? AND key = ?", (colonyname, key)
    )
    best = await tx.fetchone(
        f"SELECT concurrencylimit FROM processes WHERE colonyname = ? AND concurrencykey = ? "
        f"AND state = {WAITING} AND concurrencykey != '' AND held = 1 "
        "ORDER BY prioritytime LIMIT 1",
        (colonyname, key),
    )
    if slot is None or best is None:
        return []
    queued = await tx.fetchone(
        f"SELECT COUNT(*) AS n FROM processes WHERE colonyname = ? AND concurrencykey = ? "
        f"AND state = {WAITING} AND concurrencykey != '' AND held = 0 AND waitforparents = 0",
        (colonyname, key),
    )
    free = best["concurrencylimit"] - slot["running"] - (queued["n"] if queued else 0)
    if free <= 0:
        return []
    found = await tx.fetchall(
        f"UPDATE processes SET held = 0 WHERE processid IN (SELECT processid FROM processes "
        f"WHERE colonyname = ? AND concurrencykey = ? AND state = {WAITING} "
        "AND concurrencykey != '' AND held = 1 ORDER BY prioritytime LIMIT ?) "
        f"AND state = {WAITING} AND held = 1 RETURNING {P}",
        (colonyname, key, free),
    )
    released = sorted((rows.process_from_row(r) for r in found), key=lambda p: p.prioritytime)
    for p in released:
        await procs.enqueue(tx, p)
    return released


async def held_keys(tx: Tx, limit: int) -> list[tuple[str, str]]:
    found = await tx.fetchall(
        f"SELECT DISTINCT colonyname, concurrencykey FROM processes WHERE state = {WAITING} "
        "AND concurrencykey != '' AND held = 1 LIMIT ?",
        (limit,),
    )
    return [(r["colonyname"], r["concurrencykey"]) for r in found]


async def running_with_key(tx: Tx, colonyname: str, key: str) -> list[str]:
    """The running processes of a key, oldest start first."""
    found = await tx.fetchall(
        f"SELECT processid FROM processes WHERE colonyname = ? AND concurrencykey = ? "
        f"AND state = {RUNNING} AND concurrencykey != '' ORDER BY starttime",
        (colonyname, key),
    )
    return [r["processid"] for r in found]
