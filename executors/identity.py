"""Who the executor runtime is: the executor key it was given, when that key
belongs to an approved executor of its type (which then reports what this
machine has now), else an executor it registers with the colony key and
removes again on exit."""

from __future__ import annotations

import contextlib
import re
import secrets
import socket
from typing import Any

from executors import machine
from executors.settings import ExecutorSettings
from pycolonies_like.core import errors
from pycolonies_like.crypto import generate_private_key, id_of


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+=-]", "-", text).strip("-") or "host"


async def identify(client: Any, s: ExecutorSettings, executortype: str) -> tuple[str, str, bool]:
    """(executor name, its key, whether it registered itself)."""
    if s.prvkey:
        try:
            mine = [e for e in await client.list_executors(s.colonyname, s.prvkey)
                    if e.executorid == id_of(s.prvkey)]  # fmt: skip
        except errors.PermissionDenied:
            mine = []
        if mine and mine[0].executortype == executortype and mine[0].state == 1:
            name = mine[0].executorname
            s.colony_prvkey = ""  # not needed: keep no more keys than it must
            caps = machine.capabilities(s.machine)
            await client.update_executor(s.colonyname, name, caps, s.prvkey)
            return name, s.prvkey, False
    if not s.colony_prvkey:
        raise errors.PermissionDenied(
            f"no approved {executortype!r} executor key, and no colony key to register "
            "one: set COLONIES_EXECUTOR_PRVKEY or COLONIES_COLONY_PRVKEY"
        )
    key = generate_private_key()
    name = s.name or f"{executortype}-{_safe_name(socket.gethostname())}-{secrets.token_hex(3)}"
    caps = machine.capabilities(s.machine)
    await client.add_executor(
        {"executorid": id_of(key), "executortype": executortype,
         "executorname": name, "colonyname": s.colonyname,
         "locationname": s.locationname, "capabilities": caps.to_dict()}, s.colony_prvkey,
    )  # fmt: skip
    await client.approve_executor(s.colonyname, name, s.colony_prvkey)
    print(f"Executor {name} registered", flush=True)
    return name, key, True


async def unregister(client: Any, s: ExecutorSettings, name: str) -> None:
    """Removes an executor the runtime registered itself."""
    with contextlib.suppress(errors.ColoniesError):
        await client.remove_executor(s.colonyname, name, s.colony_prvkey)
        print(f"Executor {name} unregistered", flush=True)
