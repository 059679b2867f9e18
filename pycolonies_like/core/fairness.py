"""Fair shares: the order of the queue between the submitters of a colony.

Within a colony (and executor type) the queue is ordered by start-time fair
queuing. Each submitter (identity) has a virtual time. A process it submits
starts at

    start = max(V, the submitter's virtual time)

and moves the submitter's virtual time on to `start + COST_NS / weight`. `V`
is the virtual time of the head of the queue range the process joins (what
is being served now), or now if that range is empty or its head lies in the
future. The queue's key (prioritytime) is `start - priority * one day`, so
priority still comes first and the claim stays one indexed pick. A submitter
that queued 100,000 processes has pushed its virtual time far ahead; another
one that submits 10 starts at the head, and its processes alternate with the
flood's (in proportion to the weights) instead of waiting behind them.

Between colonies nothing is computed here: each colony has its own ranges of
the queue, and the server's event loop serves the requests in progress in
turn, a big batch a slice at a time (server/service/slices.py).

Pure functions, fed by the store and the services; no I/O here.
"""

from __future__ import annotations

from collections.abc import Sequence

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.rules import NS_PER_DAY

# What one process costs a submitter of weight 1, in virtual nanoseconds. It
# only sets the scale: with it, a submitter needs 86 billion processes queued
# before its virtual time runs a day ahead and the flood's own lowest
# priority can overtake a higher one of its later work.
COST_NS = 1_000
MIN_WEIGHT = 1
MAX_WEIGHT = 1_000
DEFAULT_WEIGHT = 1


def check_weight(weight: int) -> int:
    """A submitter's weight: its share of claims against a submitter of weight 1."""
    if not MIN_WEIGHT <= weight <= MAX_WEIGHT:
        raise InvalidArgument(f"weight must be between {MIN_WEIGHT} and {MAX_WEIGHT}, got {weight}")
    return weight


def step(weight: int) -> int:
    """How far one process moves its submitter's virtual time on (the store
    works it out in SQL the same way: COST_NS / weight, at least 1 as
    MAX_WEIGHT <= COST_NS)."""
    return COST_NS // check_weight(weight)


def head_virtual_time(prioritytime: int, priority: int) -> int:
    """The virtual time of a queued process, from its key and priority."""
    return prioritytime + priority * NS_PER_DAY


def system_virtual_time(now_ns: int, heads: Sequence[int]) -> int:
    """V: the earliest virtual time being served in the ranges a submit
    joins, or now when they are empty (or their heads lie ahead of now)."""
    return min([now_ns, *heads])


def stamps(start: int, step_ns: int, priorities: Sequence[int]) -> list[int]:
    """The queue keys (prioritytime) of processes submitted together, in
    order, by a submitter whose batch starts at virtual time `start` and
    whose virtual time moves `step_ns` per process."""
    return [start + i * step_ns - p * NS_PER_DAY for i, p in enumerate(priorities)]
