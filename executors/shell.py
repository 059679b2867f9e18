"""The shell executor: runs a command line, streaming its output to the log.

    colonies function exec --func shell --targettype shell --args "make test" --follow

The command is the first argument (or kwargs `cmd`; kwargs `cwd` sets the
working directory, by default the process' ColonyFS mount when its spec has
`fs`; the spec's env is added to the environment). Output and
error lines go to the process log as they come. The child runs in its own
process group: it is killed when the process is cancelled, or when its
maxexectime has passed. A zero exit status closes the process with the last
output line; any other fails it with the exit status and that line.

Anyone who may submit to the colony may run any command as the user of this
executor: run it only where that is intended. The executor's keys are out of
the commands' reach (see executors/confine.py): key variables are not passed
on and the executor is non-dumpable. `--arg run-as=USER` (the executor running
as root) runs the commands as that user, with its home and no other groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shlex
import shutil
import signal
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from executors.plugins import ExecutorPlugin
from executors.runtime import ExecutorRuntime, ProcessContext

KILL_GRACE_S = 3.0


def _command(args: tuple[Any, ...], cmd: str | None) -> str:
    if cmd:
        return str(cmd)
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    if args:
        return shlex.join(str(a) for a in args)
    raise ValueError("no command: give it as the first argument or as kwargs `cmd`")


async def _kill(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM to the whole process group, SIGKILL if it lingers."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), KILL_GRACE_S)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()


def run_as(name: str) -> pwd.struct_passwd:
    """The user commands run as; ValueError when that cannot be."""
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"run-as: no user {name!r} on this machine") from None
    if os.geteuid() != 0 and user.pw_uid != os.geteuid():
        raise ValueError("run-as needs the executor to run as root (to switch to that user)")
    if user.pw_uid == 0:
        raise ValueError("run-as must name an unprivileged user, not root")
    if user.pw_uid != os.geteuid() and shutil.which(SETPRIV) is None:
        raise ValueError(f"run-as needs {SETPRIV} (util-linux) to switch users")
    return user


# The user is switched by setpriv, not by the fork that starts the command: a
# fork that changes ids cannot use vfork, and a plain fork of this process runs
# gRPC's fork handlers in the child, which can crash it before it runs anything.
SETPRIV = "setpriv"


def as_user(user: pwd.struct_passwd) -> list[str]:
    """The argv prefix that runs a command as `user`, with only its group."""
    if user.pw_uid == os.geteuid():
        return []
    return [SETPRIV, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]


async def run_command(
    command: str, ctx: ProcessContext, cwd: str | None = None,
    user: pwd.struct_passwd | None = None,
) -> tuple[int | None, list[str]]:  # fmt: skip
    """Runs the command; returns (exit status or None if killed at the deadline, last lines)."""
    env = {k: v for k, v in os.environ.items() if "PRVKEY" not in k.upper()}
    argv = ["/bin/sh", "-c", command]
    if user is not None:
        env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
        argv = as_user(user) + argv
    env.update(ctx.process.spec.env)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, cwd=cwd, env=env, start_new_session=True,
    )  # fmt: skip
    tail: deque[str] = deque(maxlen=20)

    async def pump() -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace")
            tail.append(line.rstrip("\n"))
            ctx.log(line)

    reader = asyncio.create_task(pump())
    timeout = None
    if ctx.deadline_ns:
        timeout = max(0.0, (ctx.deadline_ns - time.time_ns()) / 1e9)
    try:
        await asyncio.wait_for(asyncio.shield(reader), timeout)
        return await proc.wait(), list(tail)
    except asyncio.TimeoutError:
        ctx.log(f"maxexectime passed: killing the command ({command})")
        await _kill(proc)
        return None, list(tail)
    finally:
        await _kill(proc)  # also on cancel: no child outlives its process
        reader.cancel()
        with contextlib.suppress(BaseException):
            await reader


def setup(runtime: ExecutorRuntime, options: Mapping[str, str]) -> None:
    user = run_as(options["run-as"]) if options.get("run-as") else None

    @runtime.function("shell")
    async def shell(*args: Any, ctx: ProcessContext, cmd: str | None = None,
                    cwd: str | None = None) -> list[str]:  # fmt: skip
        """Runs a shell command line."""
        command = _command(args, cmd)
        ctx.log(f"$ {command}")
        where = cwd or options.get("cwd") or (str(ctx.fsdir) if ctx.fsdir else None)
        status, tail = await run_command(command, ctx, where, user)
        last = tail[-1] if tail else ""
        if status is None:
            raise TimeoutError(f"the command ran past maxexectime and was killed: {last}")
        if status != 0:
            raise RuntimeError(f"exit status {status}" + (f": {last}" if last else ""))
        return [last] if last else []


plugin = ExecutorPlugin("shell", "runs command lines, streaming output to the log", setup)
