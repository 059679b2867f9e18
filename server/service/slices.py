"""Sharing the event loop: big requests in slices, colonies in turns.

The server runs on one event loop (on SQLite, its statements too): whatever a
request does between two awaits, every other request waits for, and a request
goes through several turns of the loop (gRPC's own steps, ours, the commit,
the reply). How long a turn lasts is thus what another colony's request waits
for at each of them.

Big requests in slices: a batch of thousands of processes is decoded,
converted, prepared for the store and announced `SLICE` items at a time,
going to the back of the loop's queue between slices. Its rows are stored a
slice at a time too, staged (seen by nothing), and published all at once in
one short step (store/processes.py, StagedBatch). Big requests take turns in
one lane: in each turn of the loop at most one slice of one of them runs,
whatever their number, so four floods in flight cost a small request's step
one slice, not four.

Colonies in turns (round robin, equal weights): while more than one colony
has been active in the last `ACTIVE_S`, each colony starts at most one step
(a call that names it, a message of an executor session) in `ROUND` turns of
the loop. A colony that has not used its share goes at once; the steps of one
that has wait, and are let go one per colony every `ROUND` turns (as is the
lane's slice), its callers taking turns among themselves, each caller's steps
in their order. The turns between serve what is under way
(gRPC's own steps, replies, commits), so a colony with one request in progress
meets at most one step of each other colony in a turn, not all their requests:
beside a flood, its requests go through their turns almost as fast as on an
idle server. A colony alone is never held (its steps start at once), and the
turns between cost a flood little: with nothing else ready they are short.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

SLICE = 25
ACTIVE_S = 1.0  # a colony that started a step this recently is active
ROUND = 3  # while colonies share the loop, their steps start every ROUND turns
VOUCHED_S = 60.0  # a caller served in a colony this recently takes that colony's turns


class _Share:
    """The loop's turns, as big requests' slices and colonies' steps take them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.tick = 0  # turns of the loop, counted while anything waits or just went
        self.scheduled = False
        self.slices: deque[asyncio.Future[None]] = deque()
        # lane (a colony's, or "\0" and the colony for callers it has not
        # vouched for) -> caller -> its waiting steps; callers in the order they go next
        self.steps: dict[str, dict[str, deque[asyncio.Future[None]]]] = {}
        self.seen: dict[str, float] = {}  # colony -> when it last started a step
        self.started: dict[str, int] = {}  # colony -> the tick of its last step
        self.pruned = 0.0
        # (colony, caller) -> when the caller was last served in the colony
        self.vouched: dict[tuple[str, str], float] = {}

    def _schedule(self) -> None:
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self._advance)

    def contended(self) -> bool:
        """More than one colony active (seen in the last ACTIVE_S, give or take
        a quarter: the colonies seen are pruned now and then, not at each step)."""
        now = self.loop.time()
        if now - self.pruned >= ACTIVE_S / 4:
            self.pruned = now
            seen = self.seen
            for colony in [c for c, at in seen.items() if now - at >= ACTIVE_S]:
                del seen[colony]
            for lane in [
                c for c in self.started if c.lstrip("\0") not in seen and c not in self.steps
            ]:
                del self.started[lane]
            vouched = self.vouched
            for pair in [p for p, at in vouched.items() if now - at >= VOUCHED_S]:
                del vouched[pair]
        return len(self.seen) > 1

    def slice_turn(self) -> asyncio.Future[None]:
        done = self.loop.create_future()
        self.slices.append(done)
        self._schedule()
        return done

    def colony_turn(self, colony: str, caller: str) -> asyncio.Future[None] | None:
        """None: the step may start now; else a future done in its turn. A
        caller the colony has not vouched for lately (maybe not a member: the
        service decides after) takes the turns of the colony's other lane,
        shared by all such callers: naming a colony takes nothing from its
        members' share, and however many do, they start one step a round."""
        self.seen[colony] = self.loop.time()
        lane = colony if (colony, caller) in self.vouched else "\0" + colony
        waiting = self.steps.get(lane)
        if not waiting and not self.contended():
            return None  # alone: never held
        if not waiting and (
            not self.scheduled or self.tick - self.started.get(lane, -ROUND) >= ROUND
        ):
            # Its share of the last ROUND turns is unused (or no turn is being
            # counted: nothing waits here, the loop is not crowded): it goes now,
            # and turns are counted from here.
            self.started[lane] = self.tick
            self._schedule()
            return None
        done = self.loop.create_future()
        if waiting is None:
            waiting = self.steps[lane] = {}
        mine = waiting.get(caller)
        if mine is None:
            mine = waiting[caller] = deque()
        mine.append(done)
        self._schedule()
        return done

    def _advance(self) -> None:
        self.scheduled = False
        self.tick += 1
        if self.tick % ROUND == 0 or not self.contended():
            _release(self.slices)
            for colony, waiting in list(self.steps.items()):
                if _release_next(waiting):
                    self.started[colony] = self.tick
                if not waiting:
                    del self.steps[colony]
        if self.slices or self.steps:
            self._schedule()


def _release_next(callers: dict[str, deque[asyncio.Future[None]]]) -> bool:
    """Lets the next caller's first step go (callers take turns within their
    colony: a flood from one does not hold another's step back for long)."""
    for caller in list(callers):
        waiting = callers.pop(caller)
        released = _release(waiting)
        if waiting:
            callers[caller] = waiting  # now last in the colony's order
        if released:
            return True
    return False


def _release(waiting: deque[asyncio.Future[None]]) -> bool:
    """Lets the first waiter that is still there go; True if there was one."""
    while waiting:
        done = waiting.popleft()
        if not done.done():  # not cancelled (its request went away)
            done.set_result(None)
            return True
    return False


_shares: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Share] = weakref.WeakKeyDictionary()


def _share() -> _Share:
    loop = asyncio.get_running_loop()
    share = _shares.get(loop)
    if share is None:
        share = _shares[loop] = _Share(loop)
    return share


async def turn() -> None:
    """Lets other requests run: returns in a later turn of the loop, when the
    lane of big requests comes to this one."""
    await _share().slice_turn()


def vouch(colony: str, caller: str) -> None:
    """`caller` is a member of `colony` (its approved executor's session, or a
    submit the colony accepted from it): for VOUCHED_S its steps take the
    colony's turns."""
    share = _share()
    share.vouched[(colony, caller)] = share.loop.time()


async def colony_turn(colony: str, caller: str) -> None:
    """Returns at once while `colony` is the only one active; else in its turn
    (and within the colony, `caller`'s turn among its callers)."""
    waiting = _share().colony_turn(colony, caller)
    if waiting is not None:
        await waiting


async def in_slices(
    items: Sequence[T], convert: Callable[[Sequence[T]], list[U]], size: int = SLICE
) -> list[U]:
    """`convert` over `items`, `size` at a time, letting other tasks run between."""
    if len(items) <= size:
        return convert(items)
    out: list[U] = []
    for start in range(0, len(items), size):
        await turn()  # the first too: another big request may have had this turn
        out += convert(items[start : start + size])
    return out


async def each_slice(items: Sequence[T], act: Callable[[Sequence[T]], None],
                     size: int = SLICE) -> None:  # fmt: skip
    """`act` on `items`, `size` at a time, letting other tasks run between."""
    for start in range(0, len(items), size):
        if len(items) > size:
            await turn()
        act(items[start : start + size])
