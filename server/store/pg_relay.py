"""Wake-ups between servers sharing a PostgreSQL database: LISTEN/NOTIFY.

Every server listens on one channel. What a server's hub does locally (a
process became ready, a log grew, an event happened) is also queued here and
sent as notifications, in batches, in order; the other servers apply them to
their own hubs. A notification is sent after the change it announces was
committed, so whoever is woken finds it.

A notification carries the sender's origin on its first line and then as many
messages (one JSON object a line) as fit in a payload: a batch costs few
notifications, and a server skips its own by their first characters, reading
nothing else of them.

The listening connection is supervised: when it breaks it reconnects with
backoff, and then wakes every local waiter, since notifications sent
meanwhile were lost.

A server alone on its database sends nothing: nobody would read it, and
sending costs a statement and a JSON text per wake-up. Who else listens is
read from pg_stat_activity (a listening connection runs nothing after its
LISTEN, so its last statement names the channel). A server that starts, or
whose listener reconnects, says hello after its LISTEN; whoever hears a
hello relays from then on and answers welcome. A newcomer starts serving
once every listener it counted has answered (a hello heard from one counts:
it was sent before that server's own count, which then saw the newcomer),
or after WELCOME_WAIT. Every PRESENCE_EVERY seconds a server counts again;
it stops sending only when the count finds nobody else and no hello came
while it counted. When the count cannot tell (the activity of our own
listener is not visible), the server always relays.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import secrets
from collections.abc import Sequence
from typing import Any

import psycopg

from pycolonies_like.core.models import Event, EventKind, ProcessState
from server.hub import Hub
from server.loops import LoopState

log = logging.getLogger(__name__)

CHANNEL = "colonies_hub"
LISTEN = f"LISTEN {CHANNEL}"
MAX_BACKOFF = 10.0
PRESENCE_EVERY = 10.0  # seconds between two counts of the other listeners
WELCOME_WAIT = 3.0  # at most this long a newcomer waits for the welcomes

# The other servers listening on this database, and whether our own listener
# is seen at all (if not, nobody can be told apart and the server relays).
# A connection of another role whose activity we may not read could be one.
_LISTENERS = """
SELECT count(*) FILTER (WHERE pid <> %(me)s
                          AND query IN (%(listen)s, '<insufficient privilege>')) AS others,
       count(*) FILTER (WHERE pid = %(me)s AND query = %(listen)s) AS seen
  FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend'
"""
_PAYLOAD_LIMIT = 7900  # PostgreSQL refuses payloads of 8000 bytes and more


class PgRelay:
    def __init__(self, url: str, hub: Hub, store: Any) -> None:
        self.url = url
        self.hub = hub
        self.store = store
        self.origin = secrets.token_hex(8)
        self._prefix = self.origin + "\n"
        self.state = LoopState.STARTING
        self._outbox: list[str] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()
        # Presence: whether anybody else listens (nothing is sent while alone).
        self.alone = False  # until a count finds nobody else
        self._listener_pid = 0  # our listening connection's backend
        self._hellos = 0  # hellos heard: a count begun before one proves nothing
        self._answered: set[str] = set()  # servers that relay to us since our hello
        self._expected = 0  # how many answers the greeting waits for
        self._greeted = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="relay:listen"),
            asyncio.create_task(self._send(), name="relay:send"),
            asyncio.create_task(self._presence(), name="relay:presence"),
        ]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 10)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._greeted.wait(), WELCOME_WAIT + 5)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self.state = LoopState.STOPPED

    # ------------------------------------------------------------ sending --

    def _queue(self, message: dict[str, Any]) -> None:
        if self.alone:
            return
        text = json.dumps(message, separators=(",", ":"))
        if len(text) + len(self._prefix) <= _PAYLOAD_LIMIT:
            self._outbox.append(text)
            self._wake.set()

    def process_ready(
        self, colonyname: str, executortype: str, names: Sequence[str], count: int, shape: str
    ) -> None:
        self._queue(
            {"k": "r", "c": colonyname, "t": executortype, "n": list(names), "x": count, "q": shape}
        )

    def signal(self, key: str) -> None:
        self._queue({"k": "s", "s": key})

    def event(self, event: Event) -> None:
        self._queue(
            {
                "k": "e", "e": int(event.kind), "c": event.colonyname, "p": event.processid,
                "g": event.processgraphid, "t": event.executortype, "st": int(event.state),
                "ts": event.timestamp, "m": event.message, "a": event.attempt,
            }
        )  # fmt: skip

    async def _send(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._outbox = self._outbox, []
            if not batch:
                continue
            try:
                await self._notify(batch)
            except Exception as err:
                # Lost notifications only delay wake-ups: waiters re-check on
                # their own timeouts, and the listener wakes all on reconnect.
                log.warning("could not notify the other servers: %s", err)
                await asyncio.sleep(0.5)

    async def _notify(self, batch: list[str]) -> None:
        payloads = pack(self._prefix, batch)
        async with self.store._connection() as conn:
            if len(payloads) == 1:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payloads[0]))
            else:
                await conn.execute(
                    "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
                    (CHANNEL, payloads),
                )

    # ----------------------------------------------------------- presence --

    async def _listeners(self) -> int | None:
        """How many other servers listen on this database; None when our own
        listener cannot be seen (then nobody can be told apart)."""
        async with self.store._connection() as conn:
            cursor = await conn.execute(_LISTENERS, {"me": self._listener_pid, "listen": LISTEN})
            row = await cursor.fetchone()
        return int(row["others"]) if row and row["seen"] else None

    async def _greet(self, again: bool) -> None:
        """Right after our LISTEN: hello to the others, then count them and
        wait (at most WELCOME_WAIT) until each relays to us."""
        try:
            self.alone = False
            self._answered.clear()
            hellos = self._hellos
            await self._notify([json.dumps({"k": "h"})])
            others = await self._listeners()
            if others == 0 and self._hellos == hellos:
                self.alone = True
            elif others:
                self._expected = others
                if len(self._answered) < others:
                    self._greeted.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._greeted.wait(), WELCOME_WAIT)
                if len(self._answered) < others:
                    log.info(
                        "relay: %d of the %d other listeners answered the hello",
                        len(self._answered), others,
                    )  # fmt: skip
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.alone = False
            log.warning("relay could not count the other servers: %s", err)
        finally:
            self._greeted.set()
        if again:  # what the others made ready while we were away was not heard
            self._wake_everyone()

    def _answer(self, origin: str) -> None:
        self._answered.add(origin)
        if len(self._answered) >= self._expected:
            self._greeted.set()

    async def _presence(self) -> None:
        """Counts the other listeners now and then: alone once nobody else is."""
        while True:
            await asyncio.sleep(PRESENCE_EVERY)
            if self.state != LoopState.RUNNING or not self._greeted.is_set():
                continue
            hellos = self._hellos
            try:
                others = await self._listeners()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.debug("relay could not count the other servers: %s", err)
                continue
            if others == 0 and self._hellos == hellos and self.state == LoopState.RUNNING:
                self.alone = True
            elif others != 0:
                self.alone = False

    # ---------------------------------------------------------- listening --

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    # Nothing else runs on this connection: its last statement
                    # in pg_stat_activity tells the others it listens.
                    await conn.execute(LISTEN)
                    self._listener_pid = conn.info.backend_pid
                    again = self.state == LoopState.FAILED
                    if again:
                        log.info("relay reconnected; waking every waiter")
                        self._wake_everyone()
                    self.state = LoopState.RUNNING
                    self._listening.set()
                    backoff = 0.2
                    greeting = asyncio.create_task(self._greet(again), name="relay:greet")
                    try:
                        async for note in conn.notifies():
                            await self._apply(note.payload)
                    finally:
                        greeting.cancel()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                if self.state != LoopState.FAILED:
                    log.warning("relay lost its connection: %s", err)
                self.state = LoopState.FAILED
                self._listening.set()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    def _wake_everyone(self) -> None:
        self.hub.dispatcher.wake_all()
        for key in list(self.hub.signals._events):
            self.hub.signals.fire(key)

    async def _apply(self, payload: str) -> None:
        if payload.startswith(self._prefix):
            return  # our own
        if payload.startswith("{"):  # one message, from a server of an earlier version
            origin, lines = "", payload
        else:
            origin, _, lines = payload.partition("\n")
        for line in lines.split("\n"):
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if isinstance(m, dict) and m.get("o") != self.origin:
                await self._apply_one(m, origin)

    async def _apply_one(self, m: dict[str, Any], origin: str = "") -> None:
        kind = m.get("k")
        if kind == "h":  # a server (re)joined: relay to it from now on, and say so
            self._hellos += 1
            self.alone = False
            self._queue({"k": "w", "to": origin})
            self._answer(origin)  # it counted us after its hello: it relays to us
        elif kind == "w":
            if m.get("to") == self.origin:
                self._answer(origin)
        elif kind == "r":
            self.hub.local_ready(m["c"], m["t"], m["n"], m.get("x", 1), m.get("q", ""))
        elif kind == "s":
            self.hub.local_signal(m["s"])
        elif kind == "e":
            await self._apply_event(m)

    async def _apply_event(self, m: dict[str, Any]) -> None:
        event = Event(
            kind=EventKind(m["e"]), colonyname=m["c"], processid=m["p"], processgraphid=m["g"],
            executortype=m["t"], state=ProcessState(m["st"]), timestamp=m["ts"], message=m["m"],
            attempt=m.get("a", 0),
        )  # fmt: skip
        if self.hub.bus.wants(event):
            # Subscribers here want it: read its process or graph now (events
            # are applied one at a time, so their order is kept).
            try:
                if event.processid:
                    process = await self.store.get_process(event.processid)
                    event = dataclasses.replace(event, process=process)
                elif event.processgraphid:
                    graph = await self.store.get_graph(event.processgraphid)
                    event = dataclasses.replace(event, processgraph=graph)
            except Exception as err:
                log.debug("could not load the object of a relayed event: %s", err)
        self.hub.local_event(event)


def pack(prefix: str, messages: Sequence[str]) -> list[str]:
    """`messages` (each shorter than the limit with the prefix) in as few
    payloads as they fit in, in order, each starting with `prefix`."""
    payloads: list[str] = []
    current: list[str] = []
    size = len(prefix)
    for text in messages:
        if current and size + len(text) + 1 > _PAYLOAD_LIMIT:
            payloads.append(prefix + "\n".join(current))
            current, size = [], len(prefix)
        current.append(text)
        size += len(text) + 1
    if current:
        payloads.append(prefix + "\n".join(current))
    return payloads
