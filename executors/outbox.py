"""What the server is still to hear about one attempt of a process."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from pycolonies_like.core.models import Process
from pycolonies_like.core.rules import MAX_LOG_MESSAGE


class Outbox:
    """What the server is still to hear about one attempt of a process, in order:
    log lines, a heartbeat, then how it ended."""

    def __init__(self, process: Process, limits: str) -> None:
        self.process = process
        self.limits = limits  # the log kept while waiting, in words
        self.lines: deque[str] = deque()
        self.chars = 0
        self.dropped = 0  # lines dropped since the last delivered ones
        self.beat = False
        self.final: tuple[str, list[Any]] | None = None  # ("close" | "fail" | "release", ...)
        self.finished = False  # how it ended is known (the first ending counts)
        self.ended = False  # nothing more will come
        self.wake = asyncio.Event()
        self.idle = False  # waiting for more, or for the session to close to hand it back
        self.task: asyncio.Task[None] | None = None

    def take(self) -> tuple[str, Any] | None:
        """The next thing to deliver, or None when there is nothing (yet)."""
        if self.lines or self.dropped:
            parts, size = [], 0
            if self.dropped:
                parts.append(
                    f"[executor] {self.dropped} log lines were dropped here: they could not "
                    f"reach the server in time (at most {self.limits} wait for it)\n"
                )
                size, self.dropped = len(parts[0]), 0
            while self.lines and (not parts or size + len(self.lines[0]) <= MAX_LOG_MESSAGE):
                line = self.lines.popleft()
                self.chars -= len(line)
                parts.append(line)
                size += len(line)
            return "log", "".join(parts)
        if self.beat:
            self.beat = False
            return "heartbeat", None
        if self.final is not None:
            final, self.final = self.final, None
            return final
        return None

    def unsent(self, current: str) -> str:
        what = [current]
        if self.lines:
            what.append(f"{len(self.lines)} more log lines")
        if self.final is not None:
            what.append(f"the {self.final[0]}")
        return ", ".join(what)
