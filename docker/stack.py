#!/opt/colonies/bin/python
"""Sets up a colony for the Compose stack (deploy/docker-compose.yml).

    colonies-stack keys     generate the keys that do not exist yet (no server needed)
    colonies-stack setup    add the colony, the executor and a user, unless there already

Keys are generated on first start into volumes, never baked into an image,
and each container mounts only what it needs:
  COLONIES_KEYS_DIR (/etc/colonies/keys)       the server owner's, the colony owner's and a
                                               user's private keys (0600): setup and the CLI
  COLONIES_EXECUTOR_KEYS_DIR (.../executor)    the executor's own key: the executor
  COLONIES_IDS_DIR (/etc/colonies/ids)         the public ids: the server reads server.id
The image has these directories, owned by the server's user, so that a fresh
named volume mounted on one starts out with that owner.
Both steps may run again at every start: what exists is kept.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def keys_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("COLONIES_KEYS_DIR", "/etc/colonies/keys"))


def executor_keys_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("COLONIES_EXECUTOR_KEYS_DIR", "/etc/colonies/executor"))


def ids_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("COLONIES_IDS_DIR", "/etc/colonies/ids"))


def write_new(path: Path, text: str, mode: int) -> None:
    """Writes a file that must not exist yet, all at once (a crash leaves no half key)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def ensure_key(directory: Path, ids: Path, name: str) -> None:
    """Generates the private key `name` if there is none, and (re)writes its id."""
    from pycolonies_like.crypto import generate_private_key, id_of

    path = directory / f"{name}.prvkey"
    if not path.exists():
        write_new(path, generate_private_key() + "\n", 0o600)
        print(f"generated the {name} key", flush=True)
    ident = id_of(path.read_text().strip())
    id_path = ids / f"{name}.id"
    if not id_path.exists() or id_path.read_text().strip() != ident:
        write_new(id_path, ident + "\n", 0o644)


def keys(env: Mapping[str, str]) -> None:
    for name in ("server", "colony", "user"):
        ensure_key(keys_dir(env), ids_dir(env), name)
    ensure_key(executor_keys_dir(env), ids_dir(env), "executor")


def retry(call: Callable[[], T], what: str, timeout: float) -> T:
    """Retries while the server is not there yet (it may still be starting)."""
    from pycolonies_like import Unavailable

    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except Unavailable as err:
            if time.monotonic() > deadline:
                raise SystemExit(f"error: {what}: {err}") from None
            time.sleep(1)


def exists(call: Callable[[], Any]) -> bool:
    from pycolonies_like import NotFound, PermissionDenied

    try:
        call()
    except (NotFound, PermissionDenied):  # "absent" and "not yours" may look alike
        return False
    return True


def setup(env: Mapping[str, str], executor: str, executor_name: str, timeout: float) -> None:
    from executors.plugins import discover
    from pycolonies_like import Colonies, ExecutorState

    plugins = discover()
    if executor not in plugins:
        raise SystemExit(f"error: unknown executor {executor!r}; available: {', '.join(plugins)}")
    executortype = plugins[executor].executortype

    def key(name: str) -> str:
        return (keys_dir(env) / f"{name}.prvkey").read_text().strip()

    def ident(name: str) -> str:
        return (ids_dir(env) / f"{name}.id").read_text().strip()

    colonyname = env.get("COLONIES_COLONY_NAME") or "main"
    server, colony = key("server"), key("colony")
    client = Colonies(
        env.get("COLONIES_SERVER_HOST", "localhost"),
        int(env.get("COLONIES_SERVER_PORT", "50070")),
        env.get("COLONIES_SERVER_TLS", "false").lower() == "true",
    )
    retry(lambda: client.server_info(server), "the server does not answer", timeout)
    if not exists(lambda: client.get_colony(colonyname, colony)):
        client.add_colony({"colonyid": ident("colony"), "name": colonyname}, server)
        print(f"added the colony {colonyname}", flush=True)
    if not exists(lambda: client.get_executor(colonyname, executor_name, colony)):
        client.add_executor(
            {"executorid": ident("executor"), "executortype": executortype,
             "executorname": executor_name, "colonyname": colonyname},
            colony,
        )  # fmt: skip
        print(f"added the executor {executor_name} ({executortype})", flush=True)
    if client.get_executor(colonyname, executor_name, colony).state != ExecutorState.APPROVED:
        client.approve_executor(colonyname, executor_name, colony)
        print(f"approved the executor {executor_name}", flush=True)
    if not exists(lambda: client.get_user(colonyname, "user", colony)):
        client.add_user({"colonyname": colonyname, "userid": ident("user"), "name": "user"}, colony)
        print(f"added the user `user` to {colonyname}", flush=True)
    client.close_channel()
    print(f"colony {colonyname} ready: submit as its user (the key in user.prvkey)", flush=True)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="colonies-stack", description=__doc__.split("\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("keys", help="generate the keys that do not exist yet")
    step = steps.add_parser("setup", help="add the colony, the executor and a user")
    step.add_argument("--executor", default="helloworld", help="ready-made executor (plugin)")
    step.add_argument("--executor-name", default="helloworld-1")
    step.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the server")
    args = parser.parse_args(argv)
    try:
        if args.step == "keys":
            keys(os.environ)
        else:
            setup(os.environ, args.executor, args.executor_name, args.timeout)
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
