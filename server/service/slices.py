"""Big requests in slices, so that they share the event loop.

The server runs on one event loop (on SQLite, its statements too): whatever a
request does between two awaits, every other request waits for. A batch of
thousands of processes is therefore decoded, converted, prepared for the store
and announced `SLICE` items at a time, going to the back of the loop's queue
between slices: a small request that arrives meanwhile runs after the current
slice, not after the whole batch. Its rows are stored a slice at a time too,
staged (seen by nothing), and published all at once in one short step
(store/processes.py, StagedBatch).

Big requests take turns in one lane: in each turn of the loop at most one
slice of one of them runs, whatever their number, so four floods in flight
cost a small request's step one slice, not four.
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


class _Lane:
    """Waiting slices of big requests, let go one per turn of the loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.scheduled = False

    def turn(self) -> asyncio.Future[None]:
        done = self.loop.create_future()
        self.waiting.append(done)
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self._next)
        return done

    def _next(self) -> None:
        while self.waiting:
            done = self.waiting.popleft()
            if not done.done():  # not cancelled (its request went away)
                done.set_result(None)
                break
        if self.waiting:
            self.loop.call_soon(self._next)
        else:
            self.scheduled = False


_lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Lane] = weakref.WeakKeyDictionary()


async def turn() -> None:
    """Lets other requests run: returns in a later turn of the loop, when the
    lane of big requests comes to this one."""
    loop = asyncio.get_running_loop()
    lane = _lanes.get(loop)
    if lane is None:
        lane = _lanes[loop] = _Lane(loop)
    await lane.turn()


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
