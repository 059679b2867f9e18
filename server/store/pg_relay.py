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
MAX_BACKOFF = 10.0
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

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._listen(), name="relay:listen"),
            asyncio.create_task(self._send(), name="relay:send"),
        ]
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 10)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(BaseException):
                await task
        self.state = LoopState.STOPPED

    # ------------------------------------------------------------ sending --

    def _queue(self, message: dict[str, Any]) -> None:
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
            payloads = pack(self._prefix, batch)
            try:
                async with self.store._connection() as conn:
                    if len(payloads) == 1:
                        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payloads[0]))
                    else:
                        await conn.execute(
                            "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
                            (CHANNEL, payloads),
                        )
            except Exception as err:
                # Lost notifications only delay wake-ups: waiters re-check on
                # their own timeouts, and the listener wakes all on reconnect.
                log.warning("could not notify the other servers: %s", err)
                await asyncio.sleep(0.5)

    # ---------------------------------------------------------- listening --

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self.state == LoopState.FAILED:
                        log.info("relay reconnected; waking every waiter")
                        self._wake_everyone()
                    self.state = LoopState.RUNNING
                    self._listening.set()
                    backoff = 0.2
                    async for note in conn.notifies():
                        await self._apply(note.payload)
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
            lines = payload
        else:
            _, _, lines = payload.partition("\n")
        for line in lines.split("\n"):
            try:
                m = json.loads(line)
            except ValueError:
                continue
            if isinstance(m, dict) and m.get("o") != self.origin:
                await self._apply_one(m)

    async def _apply_one(self, m: dict[str, Any]) -> None:
        kind = m.get("k")
        if kind == "r":
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
