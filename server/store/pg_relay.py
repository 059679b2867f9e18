"""Wake-ups between servers sharing a PostgreSQL database: LISTEN/NOTIFY.

Every server listens on one channel. What a server's hub does locally (a
process became ready, a log grew, an event happened) is also queued here and
sent as notifications, in batches, in order; the other servers apply them to
their own hubs. A notification is sent after the change it announces was
committed, so whoever is woken finds it.

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
        message["o"] = self.origin
        text = json.dumps(message, separators=(",", ":"))
        if len(text) <= _PAYLOAD_LIMIT:
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
                async with self.store._connection() as conn:
                    await conn.execute(
                        "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload",
                        (CHANNEL, batch),
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
        try:
            m = json.loads(payload)
        except ValueError:
            return
        if m.get("o") == self.origin:
            return
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
