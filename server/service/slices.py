"""Big requests in slices, so that they share the event loop.

The server runs on one event loop (on SQLite, its statements too): whatever a
request does between two awaits, every other request waits for. A batch of
thousands of processes is therefore decoded, converted, prepared for the store
and announced `SLICE` items at a time, going to the back of the loop's queue
between slices: a small request that arrives meanwhile runs after the current
slice, not after the whole batch. Only the store call itself, which must be
all or nothing, is one step (its rows are prepared beforehand, in slices).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

SLICE = 25


async def in_slices(
    items: Sequence[T], convert: Callable[[Sequence[T]], list[U]], size: int = SLICE
) -> list[U]:
    """`convert` over `items`, `size` at a time, letting other tasks run between."""
    if len(items) <= size:
        return convert(items)
    out: list[U] = []
    for start in range(0, len(items), size):
        if start:
            await asyncio.sleep(0)
        out += convert(items[start : start + size])
    return out


async def each_slice(items: Sequence[T], act: Callable[[Sequence[T]], None],
                     size: int = SLICE) -> None:  # fmt: skip
    """`act` on `items`, `size` at a time, letting other tasks run between."""
    for start in range(0, len(items), size):
        if start:
            await asyncio.sleep(0)
        act(items[start : start + size])
