"""Fair admission of submits to the write path, between colonies.

The rows that submits are writing at once (from the store call until their
commit: on SQLite, the commit group they share) are bounded by `rows`. While
nothing waits and there is room, a submit goes straight in. Otherwise it
waits, and waiting submits are let in by deficit round robin over colonies
(core/fairness.py `DeficitRoundRobin`, a quantum of `quantum` rows a visit,
equal weights): a colony that floods the server with batches of thousands of
rows puts about one quantum into each commit group while another colony
waits. A colony with nothing being written or waiting goes straight in with
up to a quantum, so another colony's single submit never waits behind the
batches a flood has in flight. A batch bigger than `rows` goes in alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from pycolonies_like.core.fairness import DeficitRoundRobin

ROWS_IN_FLIGHT = 2_000
QUANTUM = 1_000


class Admission:
    def __init__(
        self,
        committed: Callable[[], Awaitable[None]],
        rows: int = ROWS_IN_FLIGHT,
        quantum: int = QUANTUM,
    ) -> None:
        self._committed = committed  # returns once every change so far is committed
        self.rows = rows  # 0: no admission control
        self.in_flight = 0
        self._drr: DeficitRoundRobin[str] = DeficitRoundRobin(quantum)
        self._waiting: dict[int, tuple[int, asyncio.Future[None]]] = {}  # ticket -> cost, turn
        self._next: int | None = None  # the ticket whose turn came, waiting for room
        self._by_colony: dict[str, int] = {}  # rows being written, per colony
        self._changed = asyncio.Condition()
        self.admitted: list[str] = []  # the last colonies let in, oldest first (for tests)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def slot(self, colonyname: str, cost: int) -> AsyncIterator[None]:
        """Holds room for `cost` rows of `colonyname` until they are committed."""
        if not self.rows:
            yield
            return
        cost = max(1, cost)
        if (not self._waiting and self._fits(cost)) or self._idle(colonyname, cost):
            self.in_flight += cost
        else:
            await self._wait_turn(colonyname, cost)
        self._note(colonyname)
        self._by_colony[colonyname] = self._by_colony.get(colonyname, 0) + cost
        try:
            yield
            await self._committed()
        finally:
            self.in_flight -= cost
            left = self._by_colony.pop(colonyname) - cost
            if left:
                self._by_colony[colonyname] = left
            self._let_in()

    def _idle(self, colonyname: str, cost: int) -> bool:
        """A colony with nothing being written and nothing waiting goes straight
        in with up to a quantum, whatever the others write: a light colony never
        waits for a heavy one's turn (the room is then exceeded by at most a
        quantum per such colony)."""
        return (
            cost <= self._drr.quantum
            and colonyname not in self._by_colony
            and not self._drr.waiting_in(colonyname)
        )

    def _fits(self, cost: int) -> bool:
        return self.in_flight == 0 or self.in_flight + cost <= self.rows

    async def _wait_turn(self, colonyname: str, cost: int) -> None:
        ticket = self._drr.push(colonyname, cost)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[ticket] = (cost, turn)
        self._let_in()  # (room may have been freed while nobody was waiting)
        await self._notify()
        try:
            await turn
        except BaseException:
            if ticket in self._waiting:
                del self._waiting[ticket]
                self._drr.cancel(colonyname, ticket)
            if self._next == ticket:
                self._next = None
            elif turn.done() and not turn.cancelled():
                self.in_flight -= cost  # let in, but its caller went away
            self._let_in()
            raise

    def _let_in(self) -> None:
        """Lets waiting submits in, in deficit round robin order, while there is room."""
        while self._waiting:
            if self._next is None:
                if self.in_flight >= self.rows:
                    return  # no room: choose when there is (turns are not spent early)
                self._next = self._drr.pop()
                if self._next is None:
                    return
            cost, turn = self._waiting[self._next]
            if not self._fits(cost):
                return
            del self._waiting[self._next]
            self._next = None
            self.in_flight += cost
            turn.set_result(None)

    def _note(self, colonyname: str) -> None:
        self.admitted.append(colonyname)
        del self.admitted[:-100]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def until_waiting(self, n: int) -> None:
        """Returns once `n` submits wait for their turn (for tests)."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.waiting >= n)
