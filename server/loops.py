"""Background loops as supervised services.

Each loop has a state (starting, running, failed, stopped); a step that raises
marks it failed and it is retried with exponential backoff, so a database
outage pauses the loops instead of killing them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

log = logging.getLogger(__name__)


class LoopState(str, Enum):
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    STOPPED = "stopped"


class Loop:
    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[Any]],
        interval: float,
        max_backoff: float = 30.0,
    ) -> None:
        self.name = name
        self.step = step
        self.interval = interval
        self.max_backoff = max_backoff
        self.state = LoopState.STARTING
        self.failures = 0
        self.last_error = ""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"loop:{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self.state = LoopState.STOPPED

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as err:
                self.failures += 1
                self.last_error = str(err)
                if self.state != LoopState.FAILED:
                    log.warning("%s loop failed: %s", self.name, err)
                self.state = LoopState.FAILED
                delay = min(self.max_backoff, self.interval * 2 ** min(self.failures, 10))
                await asyncio.sleep(delay)
                continue
            if self.state != LoopState.RUNNING:
                if self.state == LoopState.FAILED:
                    log.info("%s loop recovered", self.name)
                self.state = LoopState.RUNNING
                self.failures = 0
            await asyncio.sleep(self.interval)
