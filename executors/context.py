"""What a running function may know and do about its process: `ctx`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from executors.channels import ProcessChannel
from pycolonies_like.core.models import Process


class Reports(Protocol):
    """Where a context's log lines and heartbeats go (the runtime), and its client."""

    client: Any
    key: str

    def _queue_log(self, process: Process, message: str) -> None: ...
    def _queue_heartbeat(self, process: Process) -> None: ...


class ProcessContext:
    """What a running function may know and do about its process."""

    def __init__(self, runtime: Reports, process: Process) -> None:
        self._runtime = runtime
        self._loop = asyncio.get_running_loop()
        self.process = process
        self.cancelled = asyncio.Event()
        self._channels: dict[str, ProcessChannel] = {}
        # Where the process' ColonyFS files are (its spec's `fs`); None without one.
        self.fsdir: Path | None = None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled.is_set()

    @property
    def deadline_ns(self) -> int:
        """When the server takes the process back (0: no limit)."""
        return self.process.execdeadline

    def _call(self, fn: Callable[[Process], None]) -> None:
        try:
            in_loop = asyncio.get_running_loop() is self._loop
        except RuntimeError:
            in_loop = False
        if in_loop:
            fn(self.process)
        else:
            self._loop.call_soon_threadsafe(fn, self.process)

    def log(self, message: str) -> None:
        """Appends to the process log; callable from any thread, never blocks."""
        self._call(lambda p: self._runtime._queue_log(p, message))

    def heartbeat(self) -> None:
        """Moves the process' deadline to now + maxexectime (for long work)."""
        self._call(self._runtime._queue_heartbeat)

    def channel(self, name: str) -> ProcessChannel:
        """A channel of the process (declared in its spec), to talk with its submitter."""
        found = self._channels.get(name)
        if found is None:
            found = self._channels[name] = ProcessChannel(
                self._runtime.client, self._loop, self.process, name, self._runtime.key
            )
        return found
