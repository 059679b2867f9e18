"""Fair shares: the order of the queue between submitters, and the order in
which the server admits the writes of different colonies.

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

Between colonies the write path admits submits by deficit round robin
(server/service/admission.py, the rule is `DeficitRoundRobin` here): each
colony with writes waiting gets a quantum of rows per round and may spend
what it has saved, so a colony's batch of thousands of rows never stands in
front of another colony's single submit for more than one turn.

Pure functions, fed by the store and the services; no I/O here.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

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


K = TypeVar("K", bound=Hashable)


@dataclass
class _Flow(Generic[K]):
    weight: int
    deficit: int = 0
    waiting: deque[tuple[int, int]] = field(default_factory=deque)  # (ticket, cost)


class DeficitRoundRobin(Generic[K]):
    """Deficit round robin over flows (colonies) of costed items (rows).

    `push(flow, cost)` queues an item and returns its ticket; `pop()` returns
    the next ticket to serve. Flows with items waiting are visited in turn;
    a visit adds `quantum * weight` to the flow's deficit and serves its
    items in order while the first fits in the deficit. A flow whose queue
    empties forgets its deficit (no saving up while idle). An item bigger
    than the quantum waits for as many rounds as it needs, so one flow puts
    at most about `quantum * weight` rows into a round while others wait.
    """

    def __init__(self, quantum: int) -> None:
        if quantum < 1:
            raise ValueError("quantum must be at least 1")
        self.quantum = quantum
        self._flows: OrderedDict[K, _Flow[K]] = OrderedDict()  # active, in visiting order
        self._tickets = 0
        self._visiting: K | None = None  # flow whose turn is under way

    def __len__(self) -> int:
        return sum(len(f.waiting) for f in self._flows.values())

    def push(self, flow: K, cost: int, weight: int = 1) -> int:
        self._tickets += 1
        f = self._flows.get(flow)
        if f is None:
            f = self._flows[flow] = _Flow(weight)
        f.weight = weight
        f.waiting.append((self._tickets, max(1, cost)))
        return self._tickets

    def pop(self) -> int | None:
        """The ticket served next, or None when nothing waits."""
        while self._flows:
            key = next(iter(self._flows))
            f = self._flows[key]
            if self._visiting != key:
                self._visiting = key
                f.deficit += self.quantum * f.weight
            ticket, cost = f.waiting[0]
            if cost <= f.deficit:
                f.waiting.popleft()
                f.deficit -= cost
                if not f.waiting:
                    del self._flows[key]
                    self._visiting = None
                return ticket
            self._flows.move_to_end(key)  # its turn is over; it keeps its deficit
            self._visiting = None
        return None

    def waiting_in(self, flow: K) -> int:
        """How many items of `flow` wait."""
        f = self._flows.get(flow)
        return len(f.waiting) if f else 0

    def cancel(self, flow: K, ticket: int) -> None:
        """Forgets a waiting item (its caller went away)."""
        f = self._flows.get(flow)
        if f is None:
            return
        f.waiting = deque(item for item in f.waiting if item[0] != ticket)
        if not f.waiting:
            del self._flows[flow]
            if self._visiting == flow:
                self._visiting = None
