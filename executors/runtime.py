"""The executor runtime: write functions, the runtime does the rest.

    runtime = ExecutorRuntime("image-resizer")

    @runtime.function()
    def resize(path, width=800, ctx=None):
        ctx.log(f"resizing {path}")
        return "done"

    runtime.run()   # reads COLONIES_* settings, serves until SIGINT/SIGTERM

What it does for every function (once, for everyone): connects with the
COLONIES_* settings (registering an executor of its own when it has only the
colony key, and removing it again on exit), opens an executor session, runs
up to `concurrency` processes at a time (default: the number of CPUs),
closes each as successful with the return value or failed with the
exception, lets functions log to their process, stops a function whose
process is cancelled, reconnects with backoff when the server goes away,
and on SIGINT/SIGTERM finishes running work for `grace` seconds before
handing the rest back to the queue.

A function is called with the spec's args as positional arguments and its
kwargs as keyword arguments. If it has a parameter named `ctx`, that
parameter gets a ProcessContext and nothing else: args fill the other
parameters in order, and a spec whose kwargs name `ctx` is refused. A spec
that does not fit the function's parameters fails the process with the
function's signature. A process whose funcname this executor does not serve
(an empty one included) fails, naming the functions it serves. Plain
functions run in a thread pool; `async def` functions run on the event loop.
The return value becomes the output: a list or tuple as is, None as [],
anything else as [value]. An exception fails the process with
"Type: message"; its traceback, from the function's own frame on, goes to
the process log.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import re
import secrets
import signal
import socket
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pycolonies_like.client import AsyncColonies
from pycolonies_like.core import errors
from pycolonies_like.core.models import Process
from pycolonies_like.core.rules import env_int
from pycolonies_like.crypto import generate_private_key, id_of
from pycolonies_like.session import ExecutorSession, SessionClosed
from pycolonies_like.systemd import SystemdNotifier

log = logging.getLogger("colonies.executor")

MAX_BACKOFF = 30.0


@dataclass
class ExecutorSettings:
    host: str = "localhost"
    port: int = 50070
    tls: bool = False
    colonyname: str = ""
    prvkey: str = ""  # the executor's own key, when it is registered already
    colony_prvkey: str = ""  # to register an executor of its own
    name: str = ""
    concurrency: int = field(default_factory=lambda: os.cpu_count() or 1)
    grace_s: float = 30.0
    systemd: bool = False

    @classmethod
    def from_env(cls, **overrides: Any) -> ExecutorSettings:
        env = os.environ
        values: dict[str, Any] = {
            "host": env.get("COLONIES_SERVER_HOST", "localhost"),
            "port": env_int(env, "COLONIES_SERVER_PORT", 50070),
            "tls": env.get("COLONIES_SERVER_TLS", "false").lower() == "true",
            "colonyname": env.get("COLONIES_COLONY_NAME", ""),
            "prvkey": env.get("COLONIES_EXECUTOR_PRVKEY", "") or env.get("COLONIES_PRVKEY", ""),
            "colony_prvkey": env.get("COLONIES_COLONY_PRVKEY", ""),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


class ProcessContext:
    """What a running function may know and do about its process."""

    def __init__(self, runtime: ExecutorRuntime, process: Process) -> None:
        self._runtime = runtime
        self._loop = asyncio.get_running_loop()
        self.process = process
        self.cancelled = asyncio.Event()

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


class CallError(Exception):
    """A spec's args and kwargs do not fit the function they name."""


@dataclass
class _Function:
    fn: Callable[..., Any]
    description: str
    is_async: bool
    signature: inspect.Signature | None
    ctx_index: int | None = None  # where `ctx` is among the parameters, if it is one

    @classmethod
    def of(cls, fn: Callable[..., Any], description: str) -> _Function:
        try:
            signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):  # some builtins have none
            signature = None
        ctx_index = None
        if signature is not None:
            for index, param in enumerate(signature.parameters.values()):
                if param.name == "ctx" and param.kind not in (param.VAR_POSITIONAL,
                                                              param.VAR_KEYWORD):  # fmt: skip
                    ctx_index = index
        return cls(fn, description, inspect.iscoroutinefunction(fn), signature, ctx_index)

    def shown(self, name: str) -> str:
        """The signature a caller sees: without `ctx` and annotations."""
        if self.signature is None:
            return f"{name}(...)"
        params = [p.replace(annotation=p.empty) for p in self.signature.parameters.values()
                  if p.name != "ctx" or self.ctx_index is None]  # fmt: skip
        return f"{name}{inspect.Signature(params)}"

    def arguments(
        self, name: str, args: list[Any], kwargs: dict[str, Any], ctx: ProcessContext
    ) -> tuple[list[Any], dict[str, Any]]:
        """The call's arguments: ctx where the function wants it, the spec's around it."""
        args, kwargs = list(args), dict(kwargs)
        if self.ctx_index is not None:
            if "ctx" in kwargs:
                raise CallError(
                    f"{self.shown(name)} gets its process context as `ctx`: "
                    "the spec's kwargs must not name `ctx`"
                )
            assert self.signature is not None
            param = list(self.signature.parameters.values())[self.ctx_index]
            if param.kind == param.POSITIONAL_ONLY or (
                param.kind == param.POSITIONAL_OR_KEYWORD and len(args) > self.ctx_index
            ):
                args.insert(min(self.ctx_index, len(args)), ctx)
            else:
                kwargs["ctx"] = ctx
        if self.signature is not None:
            try:
                self.signature.bind(*args, **kwargs)
            except TypeError as err:
                given = [a for a in args if a is not ctx]
                kw = {k: v for k, v in kwargs.items() if v is not ctx}
                raise CallError(
                    f"cannot call {self.shown(name)} with args {_short(given)} and kwargs "
                    f"{_short(kw)}: {err}"
                ) from None
        return args, kwargs


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The function's own code starts below these frames: tracebacks are cut there.
def _call_function(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    return fn(*args, **kwargs)


async def _await_function(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    return await fn(*args, **kwargs)


_ENTRY_CODES = (_call_function.__code__, _await_function.__code__)


def user_traceback(err: BaseException) -> str:
    """The traceback from the function's frame on, without the runtime's own frames."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code not in _ENTRY_CODES:
        tb = tb.tb_next
    tb = tb.tb_next if tb is not None else err.__traceback__
    return "".join(traceback.format_exception(type(err), err, tb))


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+=-]", "-", text).strip("-") or "host"


class ExecutorRuntime:
    def __init__(self, executortype: str, settings: ExecutorSettings | None = None) -> None:
        self.executortype = executortype
        self.settings = settings or ExecutorSettings.from_env()
        self.functions: dict[str, _Function] = {}
        self.client: Any = None
        self.session: ExecutorSession | None = None
        self.name = ""
        self.key = ""
        self.registered_self = False
        self.running: dict[str, tuple[asyncio.Task[None], ProcessContext]] = {}
        self.stopping: asyncio.Event | None = None  # made in serve()
        self.connected = False
        self.notifier = SystemdNotifier.from_env() if self.settings.systemd else None
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._logs: dict[str, list[str]] = {}

    # ------------------------------------------------------------ setup --

    def function(
        self, name: str | None = None, description: str = ""
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Registers a function under `name` (default: its Python name)."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            summary = description or (fn.__doc__ or "").strip().split("\n")[0]
            self.functions[name or fn.__name__] = _Function.of(fn, summary)
            return fn

        return register

    def run(self) -> int:
        """Serves until SIGINT or SIGTERM; returns an exit status."""
        return asyncio.run(self.serve())

    # ---------------------------------------------------------- serving --

    async def serve(self, stop: asyncio.Event | None = None) -> int:
        s = self.settings
        self.stopping = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        if stop is None:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self.stopping.set)
        if not s.colonyname:
            raise errors.InvalidArgument("no colony: set COLONIES_COLONY_NAME")
        self._pool = ThreadPoolExecutor(max_workers=s.concurrency, thread_name_prefix="function")
        self.client = AsyncColonies(s.host, s.port, s.tls)
        try:
            await self._identify()
            for fname, f in self.functions.items():
                await self.client.add_function(s.colonyname, self.name, fname, self.key,
                                               f.description)  # fmt: skip
            log.info("executor %s (%s) serving %s", self.name, self.executortype,
                     ", ".join(self.functions) or "no functions")  # fmt: skip
            if self.notifier:
                self.notifier.start_watchdog(lambda: self.connected)
            await self._serve_sessions()
            await self._drain()
            return 0
        except errors.PermissionDenied as err:
            log.error("stopping: %s", err)
            return 1
        finally:
            if self.notifier:
                self.notifier.stopping()
            await self._unregister()
            await self.client.close_channel()
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _identify(self) -> None:
        """Uses the given executor key when it fits, else registers an executor."""
        s, client = self.settings, self.client
        if s.prvkey:
            try:
                mine = [e for e in await client.list_executors(s.colonyname, s.prvkey)
                        if e.executorid == id_of(s.prvkey)]  # fmt: skip
            except errors.PermissionDenied:
                mine = []
            if mine and mine[0].executortype == self.executortype and mine[0].state == 1:
                self.name, self.key = mine[0].executorname, s.prvkey
                return
        if not s.colony_prvkey:
            raise errors.PermissionDenied(
                f"no approved {self.executortype!r} executor key, and no colony key to register "
                "one: set COLONIES_EXECUTOR_PRVKEY or COLONIES_COLONY_PRVKEY"
            )
        self.key = generate_private_key()
        self.name = s.name or (
            f"{self.executortype}-{_safe_name(socket.gethostname())}-{secrets.token_hex(3)}"
        )
        await client.add_executor(
            {"executorid": id_of(self.key), "executortype": self.executortype,
             "executorname": self.name, "colonyname": s.colonyname}, s.colony_prvkey,
        )  # fmt: skip
        await client.approve_executor(s.colonyname, self.name, s.colony_prvkey)
        self.registered_self = True
        print(f"Executor {self.name} registered", flush=True)

    async def _unregister(self) -> None:
        if self.registered_self:
            with contextlib.suppress(errors.ColoniesError):
                await self.client.remove_executor(
                    self.settings.colonyname, self.name, self.settings.colony_prvkey
                )
                print(f"Executor {self.name} unregistered", flush=True)

    async def _serve_sessions(self) -> None:
        """Keeps a session open until stopping; reconnects with backoff."""
        assert self.stopping is not None
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                async with self.client.session(
                    self.settings.colonyname, self.key, self.settings.concurrency
                ) as session:
                    self.session, self.connected, backoff = session, True, 0.5
                    if self.notifier:
                        self.notifier.ready(f"executor {self.name} connected")
                    await self._consume(session)
            except (errors.Unavailable, SessionClosed, errors.StorageError) as err:
                if self.stopping.is_set():
                    break
                log.warning("lost the server (%s); reconnecting in %.1f s", err, backoff)
                if self.notifier:
                    self.notifier.status(f"reconnecting: {err}")
            finally:
                self.session, self.connected = None, False
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _consume(self, session: ExecutorSession) -> None:
        stopping = self.stopping
        assert stopping is not None

        async def assignments() -> None:
            async for process in session.assignments():
                if stopping.is_set():
                    await session.release(process)
                    continue
                self._start(process)

        async def revocations() -> None:
            async for pid in session.revoked():
                entry = self.running.get(pid)
                if entry is not None:
                    log.info("process %s was taken back; stopping it", pid)
                    entry[1].cancelled.set()
                    entry[0].cancel()

        tasks = [asyncio.create_task(assignments()), asyncio.create_task(revocations())]
        stop = asyncio.create_task(stopping.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stop:
                    task.result()  # raises the session's error
        finally:
            for task in (*tasks, stop):
                task.cancel()
            if stopping.is_set():
                await self._drain(session)

    async def _drain(self, session: ExecutorSession | None = None) -> None:
        """On shutdown: let running work finish for `grace` s, hand back the rest."""
        if not self.running:
            return
        tasks = [task for task, _ in self.running.values()]
        log.info("waiting up to %.0f s for %d running processes", self.settings.grace_s, len(tasks))
        _, late = await asyncio.wait(tasks, timeout=self.settings.grace_s)
        for pid, (task, ctx) in list(self.running.items()):
            if task in late:
                ctx.cancelled.set()
                task.cancel()
                await self._report("release", ctx.process)
                log.info("handed process %s back", pid)

    # --------------------------------------------------------- processes --

    def _start(self, process: Process) -> None:
        ctx = ProcessContext(self, process)
        task = asyncio.create_task(self._run(process, ctx))
        self.running[process.processid] = (task, ctx)
        task.add_done_callback(lambda _: self.running.pop(process.processid, None))

    def _not_served(self, funcname: str) -> str:
        served = ", ".join(sorted(self.functions)) or "none"
        who = f"executor {self.name} ({self.executortype})"
        if not funcname:
            return f"the process names no function (its funcname is empty); {who} serves: {served}"
        return f"{who} has no function {funcname!r}; it serves: {served}"

    async def _run(self, process: Process, ctx: ProcessContext) -> None:
        funcname = process.spec.funcname
        f = self.functions.get(funcname)
        if f is None:
            await self._report("fail", process, [self._not_served(funcname)])
            return
        try:
            args, kwargs = f.arguments(funcname, process.spec.args, process.spec.kwargs, ctx)
        except CallError as err:
            await self._report("fail", process, [str(err)])
            return
        try:
            if f.is_async:
                result = await _await_function(f.fn, args, kwargs)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool, _call_function, f.fn, args, kwargs)
        except asyncio.CancelledError:
            return  # taken back, or handed back on shutdown: nothing to report
        except (Exception, SystemExit) as err:
            ctx.log(user_traceback(err))
            await self._report("fail", process, [f"{type(err).__name__}: {err}"])
            return
        if ctx.is_cancelled:
            return
        if result is None:
            output: list[Any] = []
        elif isinstance(result, (list, tuple)):
            output = list(result)
        else:
            output = [result]
        await self._report("close", process, output)

    async def _report(self, kind: str, process: Process, payload: list[Any] | None = None) -> None:
        """Tells the server how a process ended; survives a reconnect."""
        await self._flush_logs(process.processid)
        delay = 0.5
        while True:
            try:
                session = self.session
                if session is not None:
                    if kind == "close":
                        await session.close(process, payload)
                    elif kind == "fail":
                        await session.fail(process, payload or [])
                    else:
                        await session.release(process)
                else:
                    pid, key, attempt = process.processid, self.key, process.attempt
                    if kind == "close":
                        await self.client.close(pid, payload, key, attempt)
                    elif kind == "fail":
                        await self.client.fail(pid, payload or [], key, attempt)
                    else:
                        await self.client.release(pid, key, attempt)
                return
            except (errors.FailedPrecondition, errors.PermissionDenied, errors.NotFound) as err:
                log.info("process %s: %s not accepted: %s", process.processid, kind, err)
                return
            except (errors.Unavailable, SessionClosed, errors.StorageError) as err:
                if delay > MAX_BACKOFF * 8:
                    log.error(
                        "process %s: giving up reporting %s: %s", process.processid, kind, err
                    )
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)

    # ------------------------------------------------------ logs, beats --

    def _queue_log(self, process: Process, message: str) -> None:
        # Messages written in one turn of the event loop travel as one log entry.
        first = process.processid not in self._logs
        self._logs.setdefault(process.processid, []).append(message)
        if first:
            self._spawn(self._flush_logs(process.processid, process))

    async def _flush_logs(self, processid: str, process: Process | None = None) -> None:
        messages = self._logs.pop(processid, None)
        if not messages:
            return
        entry = self.running.get(processid)
        target = process or (entry[1].process if entry else None)
        session = self.session
        if target is None or session is None:
            return
        with contextlib.suppress(errors.ColoniesError):
            await session.log(
                target, "".join(m if m.endswith("\n") else m + "\n" for m in messages)
            )

    def _queue_heartbeat(self, process: Process) -> None:
        if self.session is not None:
            self._spawn(self._beat(process))

    async def _beat(self, process: Process) -> None:
        with contextlib.suppress(errors.ColoniesError):
            if self.session is not None:
                await self.session.heartbeat(process)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
