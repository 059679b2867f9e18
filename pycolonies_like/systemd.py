"""The sd_notify protocol: READY=1, STATUS=..., WATCHDOG=1, STOPPING=1.

Services started with `--systemd` report readiness to systemd (Type=notify)
and, when the unit sets WatchdogSec=, ping the watchdog at half that period
while they are healthy, so that systemd restarts a process that hangs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(self, address: str | None, watchdog_usec: int = 0) -> None:
        self.address = address
        self.watchdog_interval = watchdog_usec / 1e6 / 2 if watchdog_usec else 0.0
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SystemdNotifier:
        env = os.environ if env is None else env
        pid = env.get("WATCHDOG_PID")
        usec = int(env.get("WATCHDOG_USEC", "0") or 0)
        if pid and int(pid) != os.getpid():
            usec = 0  # the watchdog is meant for another process
        return cls(env.get("NOTIFY_SOCKET"), usec)

    def notify(self, *fields: str) -> bool:
        if not self.address:
            return False
        address = self.address
        if address.startswith("@"):  # abstract namespace
            address = "\0" + address[1:]
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(address)
                sock.sendall("\n".join(fields).encode())
            return True
        except OSError as err:
            log.warning("sd_notify to %s failed: %s", self.address, err)
            return False

    def ready(self, status: str) -> None:
        self.notify("READY=1", f"STATUS={status}", f"MAINPID={os.getpid()}")

    def status(self, status: str) -> None:
        self.notify(f"STATUS={status}")

    def stopping(self) -> None:
        self.notify("STOPPING=1", "STATUS=stopping")

    def serving(self, status: str, healthy: Callable[[], bool]) -> None:
        """READY=1 with `status`, then the watchdog while `healthy()` says so."""
        self.ready(status)
        self.start_watchdog(healthy)

    def start_watchdog(self, healthy: Callable[[], bool]) -> None:
        """Pings WATCHDOG=1 every half period while `healthy()` says so."""
        if self.watchdog_interval and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watchdog(healthy))

    async def _watchdog(self, healthy: Callable[[], bool]) -> None:
        while True:
            if healthy():
                self.notify("WATCHDOG=1")
            else:
                self.status("unhealthy: not pinging the watchdog")
            await asyncio.sleep(self.watchdog_interval)
