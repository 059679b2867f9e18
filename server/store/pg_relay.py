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
read from pg_stat_activity: a listening connection runs nothing after its
LISTEN, so its last statement names the channel, and ours carries the
server's origin in its application_name. A connection whose activity cannot
be read (another role's, or one with track_activities off) might be a
listener: while one is connected, the server relays.

A server that starts, or whose listener reconnects, says hello after its
LISTEN, then counts the listeners; whoever hears a hello relays from then on
and answers welcome. The newcomer starts serving once each listener of this
version it counted has answered (a hello heard from one counts too: it was
sent before that server's own count, which then saw the newcomer), or after
WELCOME_WAIT (a hello that cannot be sent is tried again until it is). Every
PRESENCE_EVERY seconds a server counts again; it stops sending only when the
count finds nobody else and neither a hello nor a reconnect of its listener
came while it counted. While its listener is down, or when the count cannot
tell (our own listener is not visible), the server relays. A connection that
LISTENs on the channel and then runs anything else is not seen as listening.
A server of an earlier version says no hello: one that joins a lone server is
relayed to from the next count (servers sharing a database are meant to run
one version).
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

APPLICATION = "colonies-relay:"  # + the origin: the application_name of a listener

# Who else listens on this database (pid <> me): `others`, the listening
# connections; `peers`, the origins of those of this version; `unknown`, the
# connections whose activity we may not read (any might listen); and `seen`,
# whether our own listener shows at all.
_LISTENERS = """
SELECT count(*) FILTER (WHERE pid <> %(me)s AND query = %(listen)s) AS others,
       array_agg(substr(application_name, %(start)s)) FILTER (
           WHERE pid <> %(me)s AND query = %(listen)s AND starts_with(application_name, %(app)s)
       ) AS peers,
       count(*) FILTER (WHERE pid <> %(me)s AND (query IS NULL OR state IS NULL
                        OR query = '<insufficient privilege>' OR state = 'disabled')) AS unknown,
       count(*) FILTER (WHERE pid = %(me)s AND query = %(listen)s) AS seen
  FROM pg_stat_activity
 WHERE datname = current_database() AND (backend_type IS NULL OR backend_type = 'client backend')
"""


@dataclasses.dataclass(frozen=True)
class Listeners:
    others: int  # listening connections besides ours
    unknown: int  # connections that might be listening
    peers: frozenset[str]  # the origins of the listeners of this version

    @property
    def alone(self) -> bool:
        return self.others == 0 and self.unknown == 0


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
        self.sent = 0  # batches of notifications sent (greetings aside)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()
        # Presence: whether anybody else listens (nothing is sent while alone).
        self.alone = False  # until a count finds nobody else
        self._listener_pid = 0  # our listening connection's backend
        self._hellos = 0  # hellos heard: a count begun before one proves nothing
        self._epoch = 0  # listener (re)connections: a count begun before one proves nothing
        # While greeting: the servers that relay to us since our hello, and
        # the ones the count found (None until it is done).
        self._greeting = False
        self._greeting_id = ""
        self._answered: set[str] = set()
        self._waiting_for: frozenset[str] | None = None
        self._all_answered = asyncio.Event()
        self._greeted = asyncio.Event()  # the first greeting is over

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="relay:listen"),
            asyncio.create_task(self._send(), name="relay:send"),
            asyncio.create_task(self._presence(), name="relay:presence"),
        ]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 10)
        if self.state == LoopState.RUNNING:  # not when the listener could not connect
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
                self.sent += 1
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

    async def _listeners(self) -> Listeners | None:
        """Who else listens on this database; None when our own listener
        cannot be seen (then nobody can be told apart)."""
        async with self.store._connection() as conn:
            cursor = await conn.execute(_LISTENERS, {
                "me": self._listener_pid, "listen": LISTEN, "app": APPLICATION,
                "start": len(APPLICATION) + 1,
            })  # fmt: skip
            row = await cursor.fetchone()
        if not row or not row["seen"]:
            return None
        # A backend of ours from before a reconnect may linger: not a peer.
        peers = frozenset(row["peers"] or ()) - {self.origin}
        return Listeners(int(row["others"]), int(row["unknown"]), peers)

    async def _greet(self, again: bool) -> None:
        """Right after our LISTEN: hello to the others, then count them and
        wait (at most WELCOME_WAIT) until each of this version relays to us."""
        self.alone = False
        self._greeting, self._answered, self._waiting_for = True, set(), None
        answered = self._all_answered = asyncio.Event()
        greeting = self._greeting_id = secrets.token_hex(4)  # welcomes name the hello
        try:
            hellos = self._hellos
            backoff = 0.1
            while True:  # unheard, the others may stay alone until their next count
                try:
                    await self._notify([json.dumps({"k": "h", "g": greeting})])
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as err:
                    log.warning("relay could not say hello: %s", err)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
            found = await self._listeners()
            if found is not None and found.alone and self._hellos == hellos:
                self.alone = True
            elif found is not None and found.peers:
                self._waiting_for = found.peers
                if not found.peers <= self._answered:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(answered.wait(), WELCOME_WAIT)
                missing = found.peers - self._answered
                if missing:
                    log.info("relay: %d of the %d other servers did not answer the hello",
                             len(missing), len(found.peers))  # fmt: skip
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.alone = False
            log.warning("relay could not count the other servers: %s", err)
        finally:
            self._greeting, self._waiting_for = False, None
            self._greeted.set()
        if again:  # what the others made ready while we were away was not heard
            self._wake_everyone()

    def _answer(self, origin: str) -> None:
        if not self._greeting:
            return
        self._answered.add(origin)
        if self._waiting_for is not None and self._waiting_for <= self._answered:
            self._all_answered.set()

    async def _presence(self) -> None:
        """Counts the other listeners now and then: alone once nobody else is."""
        while True:
            await asyncio.sleep(PRESENCE_EVERY)
            if self.state != LoopState.RUNNING or self._greeting:
                continue
            hellos, epoch = self._hellos, self._epoch
            try:
                found = await self._listeners()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.debug("relay could not count the other servers: %s", err)
                continue
            alone = (
                found is not None
                and found.alone
                and self._hellos == hellos
                and self._epoch == epoch
            )
            self.alone = alone and self.state == LoopState.RUNNING and not self._greeting

    # ---------------------------------------------------------- listening --

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, application_name=APPLICATION + self.origin
                ) as conn:
                    # Nothing else runs on this connection: its last statement
                    # in pg_stat_activity tells the others it listens.
                    await conn.execute(LISTEN)
                    self._listener_pid = conn.info.backend_pid
                    self._epoch += 1
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
                # Unheard meanwhile: a newcomer's hello. Relay until a count
                # after the reconnect says otherwise.
                self.alone = False
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
            self._queue({"k": "w", "to": origin, "g": m.get("g", "")})
            self._answer(origin)  # it counted us after its hello: it relays to us
        elif kind == "w":
            # An answer to our latest hello (not a late one to an earlier hello).
            if m.get("to") == self.origin and m.get("g") == self._greeting_id:
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
        if self.hub.bus.wants_object(event):
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
