"""`colonies dev`: a development server in one command.

On first run it creates, in the data directory, a server key, a colony `dev`
with its key, and an approved executor (whose key is COLONIES_PRVKEY, for
submitting work from the shell), and writes them to `dev.env` (mode 0600)
for `source`. Later runs reuse the same data and keys.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from pycolonies_like.cli.common import CliError
from pycolonies_like.cli.security import write_secret
from pycolonies_like.crypto import generate_private_key, id_of

log = logging.getLogger("colonies.dev")


@dataclass
class DevState:
    server_prvkey: str
    colony_prvkey: str
    executor_prvkey: str
    colonyname: str = "dev"
    executorname: str = "dev"
    executortype: str = "cli"
    bootstrapped: bool = False

    @classmethod
    def load_or_create(cls, path: Path) -> DevState:
        if path.exists():
            return cls(**json.loads(path.read_text()))
        return cls(generate_private_key(), generate_private_key(), generate_private_key())

    def save(self, path: Path) -> None:
        write_secret(str(path), json.dumps(asdict(self), indent=2) + "\n")

    def env(self, host: str, port: int, http_port: int) -> dict[str, str]:
        return {
            "COLONIES_SERVER_HOST": host,
            "COLONIES_SERVER_PORT": str(port),
            "COLONIES_SERVER_HTTP_PORT": str(http_port),
            "COLONIES_SERVER_TLS": "false",
            "COLONIES_SERVER_ID": id_of(self.server_prvkey),
            "COLONIES_SERVER_PRVKEY": self.server_prvkey,
            "COLONIES_COLONY_NAME": self.colonyname,
            "COLONIES_COLONY_ID": id_of(self.colony_prvkey),
            "COLONIES_COLONY_PRVKEY": self.colony_prvkey,
            "COLONIES_EXECUTOR_NAME": self.executorname,
            "COLONIES_EXECUTOR_TYPE": self.executortype,
            "COLONIES_PRVKEY": self.executor_prvkey,
        }


PYCOLONIES_ENV = "pycolonies.env"


def write_env(
    path: Path, env: dict[str, str], what: str = "for `colonies` and pycolonies_like"
) -> None:
    lines = [f"# Written by `colonies dev`, {what}. Load it with: source {path}"]
    lines += [f"export {key}={value}" for key, value in env.items()]
    write_secret(str(path), "\n".join(lines) + "\n")


async def _bootstrap(state: DevState, port: int) -> None:
    from pycolonies_like.aio import AsyncColonies

    async with AsyncColonies("127.0.0.1", port) as client:
        await client.add_colony(
            {"colonyid": id_of(state.colony_prvkey), "name": state.colonyname},
            state.server_prvkey,
        )
        await client.add_executor(
            {"executorid": id_of(state.executor_prvkey), "executortype": state.executortype,
             "executorname": state.executorname, "colonyname": state.colonyname},
            state.colony_prvkey,
        )  # fmt: skip
        await client.approve_executor(state.colonyname, state.executorname, state.colony_prvkey)


async def _run(data_dir: Path, host: str, port: int, http_port: int) -> None:
    from server.app import ColoniesServer
    from server.config import PortUnavailable, ServerSettings

    state_path = data_dir / "dev.json"
    state = DevState.load_or_create(state_path)
    state.save(state_path)
    settings = ServerSettings(
        server_id=id_of(state.server_prvkey), host=host, port=port, http_port=http_port,
        data_dir=str(data_dir), colonyos_api=True,  # on loopback, for pycolonies scripts
    )  # fmt: skip
    server = ColoniesServer(settings)
    try:
        bound = await server.start()
    except PortUnavailable as err:
        raise CliError(str(err)) from None
    except OSError as err:
        raise CliError(f"cannot start the server on {host}:{port}: {err}") from None
    try:
        if settings.http_port:
            from server.transport.http_gateway import start_gateway

            try:
                await start_gateway(server, settings.http_port)
            except PortUnavailable as err:
                raise CliError(str(err)) from None
        if not state.bootstrapped:
            await _bootstrap(state, bound)
            state.bootstrapped = True
            state.save(state_path)
        env_path = data_dir / "dev.env"
        env = state.env(host, bound, server.http_port)
        write_env(env_path, env)
        py_env_path = data_dir / PYCOLONIES_ENV
        if server.http_port:  # the published pycolonies reads its HTTP port from SERVER_PORT
            write_env(py_env_path, {**env, "COLONIES_SERVER_PORT": str(server.http_port)},
                      "for the published pycolonies client (HTTP API)")  # fmt: skip
        elif py_env_path.exists():
            py_env_path.unlink()  # from a run with the HTTP API: it would point at nothing
        _banner(env_path, host, bound, server.http_port, state)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await stopping.wait()
        click.echo("\nstopping...")
    finally:
        await server.stop(grace=2)


def _banner(env_path: Path, host: str, port: int, http_port: int, state: DevState) -> None:
    env_path = env_path.resolve()
    http = f" and ColonyOS HTTP on {host}:{http_port}" if http_port else ""
    found = shutil.which("colonies")
    bindir = Path(found).parent if found else Path(sys.executable).parent
    pycolonies = (
        f"""
For scripts using the published pycolonies client (it reads COLONIES_SERVER_PORT as the HTTP
port): source {env_path.parent / PYCOLONIES_ENV}
"""
        if http_port
        else ""
    )
    click.echo(
        f"""
Colonies dev server: gRPC on {host}:{port}{http}, data in {env_path.parent}
Colony {state.colonyname!r} with executor {state.executorname!r}; keys are in {env_path}.

In another shell:
  source {env_path}
  export PATH="{bindir}:$PATH"
  colonies executor start helloworld &              # run an executor
  colonies function exec --func helloworld --targettype helloworld-executor --follow
  colonies process pss                              # see what ran
{pycolonies}
Press Ctrl+C to stop; the next `colonies dev` reuses the same data and keys.
"""
    )


@click.command()
@click.option("--data-dir", default=".colonies", show_default=True,
              help="Where the database, keys and dev.env live.")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=50070, show_default=True, help="gRPC port (0 = any).")
@click.option("--http-port", type=int, default=0, show_default=True,
              help="Also serve the ColonyOS HTTP API on this port (0 = off).")  # fmt: skip
@click.option("-v", "--verbose", is_flag=True)
def dev(data_dir: str, host: str, port: int, http_port: int, verbose: bool) -> None:
    """Start a development server with a ready colony, executor and keys."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    path = Path(data_dir)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    from server.app import run

    run(_run(path, host, port, http_port))  # the server's kind of loop
