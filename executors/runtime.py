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
handing the rest back to the queue (a second SIGINT/SIGTERM stops at once).

A function is called with the spec's args as positional arguments and its
kwargs as keyword arguments; a process whose spec has no args gets its input
instead (in a workflow: its parents' outputs, joined in the order of its
parents), as ColonyOS executors read `in`. If it has a parameter named `ctx`, that
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

What a process tells the server (log lines, heartbeats, how it ended) is
delivered in order, and waits while the server is away: after a restart the
log is complete. Up to `log_buffer_lines` lines and `log_buffer_chars`
characters of log are kept per process while waiting; beyond that the oldest
are dropped, and the log says so where they were. On shutdown, what is still
undelivered gets `flush_s` more seconds to reach the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from executors import identity, mounts
from executors.context import ProcessContext
from executors.functions import (
    CallError,
    ServedFunction,
    await_function,
    call_args,
    call_function,
    user_traceback,
)
from executors.metrics import RuntimeMetrics
from executors.outbox import Outbox
from executors.reconcilers import CLEANUP, Cleanup, Reconcile, Reconcilers
from executors.settings import ExecutorSettings
from pycolonies_like import tracing
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core import errors
from pycolonies_like.core.models import Process
from pycolonies_like.core.rules import MAX_LOG_MESSAGE
from pycolonies_like.session import ExecutorSession
from pycolonies_like.systemd import SystemdNotifier

log = logging.getLogger("colonies.executor")
_OUTCOME = {"close": "closed", "fail": "failed"}

MAX_BACKOFF = 30.0
# Errors after which a report may still get through later: the server is away (Unavailable,
# SessionClosed) or busy (StorageError, ResourceExhausted; reports are never too long).
UNREACHABLE = (errors.Unavailable, errors.StorageError, errors.ResourceExhausted)


class ExecutorRuntime:
    def __init__(self, executortype: str, settings: ExecutorSettings | None = None) -> None:
        self.executortype = executortype
        self.settings = settings or ExecutorSettings.from_env()
        self.functions: dict[str, ServedFunction] = {}
        self.reconcilers = Reconcilers(self)
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
        self._outboxes: dict[tuple[str, int], Outbox] = {}
        self._broken: ExecutorSession | None = None  # the last session seen failing
        self._new_session = asyncio.Event()  # set (and replaced) when a session opens
        self._hurry = asyncio.Event()  # a second stop signal: stop at once
        self._flush_by: float | None = None  # on shutdown: when undelivered reports give up
        self._drained = False
        self._may_release = asyncio.Event()  # set on shutdown once the session is closed
        self.metrics: RuntimeMetrics | None = None
        self.metrics_port = 0  # bound once serving, when metrics are on

    # ------------------------------------------------------------ setup --

    def function(
        self, name: str | None = None, description: str = ""
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Registers a function under `name` (default: its Python name)."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            summary = description or (fn.__doc__ or "").strip().split("\n")[0]
            self.functions[name or fn.__name__] = ServedFunction.of(fn, summary)
            return fn

        return register

    def reconciler(
        self, kind: str, function: str = "reconcile"
    ) -> Callable[[Reconcile], Reconcile]:
        """Registers `fn(blueprint, ctx) -> status | None` for blueprints of `kind`,
        served as `function` (the definition's handler functionName) and, for
        removed blueprints, as "cleanup" (see executors/reconcilers.py)."""

        def register(fn: Reconcile) -> Reconcile:
            self.reconcilers.kinds[kind] = fn
            kinds = ", ".join(sorted(self.reconcilers.kinds))
            self.functions[function] = ServedFunction.of(
                self.reconcilers.reconcile, f"reconciles blueprints of {kinds}"
            )
            self.functions.setdefault(
                CLEANUP, ServedFunction.of(self.reconcilers.cleanup, "cleans up after blueprints")
            )
            return fn

        return register

    def cleanup(self, kind: str) -> Callable[[Cleanup], Cleanup]:
        """Registers `fn(blueprint_name, ctx)`, run when a blueprint of `kind` is removed."""

        def register(fn: Cleanup) -> Cleanup:
            self.reconcilers.cleanups[kind] = fn
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
                loop.add_signal_handler(signum, self._on_signal)
        if not s.colonyname:
            raise errors.InvalidArgument("no colony: set COLONIES_COLONY_NAME")
        self._pool = ThreadPoolExecutor(max_workers=s.concurrency, thread_name_prefix="function")
        self.client = AsyncColonies(s.host, s.port, s.tls)
        traced_here = not tracing.enabled() and tracing.configure("colonies-executor")
        if s.metrics_port is not None:
            self.metrics = RuntimeMetrics(lambda: list(self.functions), self._running_functions)
            self.metrics_port = self.metrics.serve(s.metrics_port, s.metrics_host)
            log.info("metrics on http://%s:%d/metrics", s.metrics_host, self.metrics_port)
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
            for box in list(self._outboxes.values()):
                if box.task is not None:
                    box.task.cancel()
            if self.notifier:
                self.notifier.stopping()
            await self._unregister()
            await self.client.close_channel()
            self._pool.shutdown(wait=False, cancel_futures=True)
            if self.metrics is not None:
                self.metrics.stop()
            if traced_here:
                tracing.shutdown()

    def _running_functions(self) -> list[str]:
        assert self.metrics is not None
        label = self.metrics.label
        return [label(ctx.process.spec.funcname) for _, ctx in list(self.running.values())]

    def _on_signal(self) -> None:
        assert self.stopping is not None
        if not self.stopping.is_set():
            log.info("stopping: running work gets %.0f s to finish (again to stop at once)",
                     self.settings.grace_s)  # fmt: skip
            self.stopping.set()
            return
        log.warning("stopping at once: running work is handed back")
        self._hurry.set()
        if self._flush_by is not None:
            self._flush_by = time.monotonic()
        self._session_changed()

    async def _identify(self) -> None:
        self.name, self.key, self.registered_self = await identity.identify(
            self.client, self.settings, self.executortype
        )

    async def _unregister(self) -> None:
        if self.registered_self:
            await identity.unregister(self.client, self.settings, self.name)

    def _session_changed(self) -> None:
        """Wakes the deliveries waiting for the server."""
        self._new_session.set()
        self._new_session = asyncio.Event()

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
                    self._session_changed()
                    if self.notifier:
                        self.notifier.ready(f"executor {self.name} connected")
                    await self._consume(session)
            except UNREACHABLE as err:
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
                if stopping.is_set():  # offered as we stop: handed back after the session
                    self._finish(process, "release")
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
            try:
                if stopping.is_set():  # drain while the session may still deliver
                    await self._drain()
            finally:
                for task in (*tasks, stop):
                    task.cancel()

    async def _wait_all(self, tasks: Iterable[asyncio.Future[Any]], timeout: float) -> None:
        """Until the tasks end, `timeout` passes, or a second stop signal."""
        pending = set(tasks)
        deadline = time.monotonic() + timeout
        hurry = asyncio.create_task(self._hurry.wait())
        try:
            while pending and not self._hurry.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                done, _ = await asyncio.wait([*pending, hurry], timeout=left,
                                             return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
                pending -= done
        finally:
            hurry.cancel()

    async def _drain(self) -> None:
        """On shutdown: running work gets `grace` s; then what the server has not heard
        yet gets `flush_s` s (less if it cannot be reached). Work not done is handed back
        once the session is closed, so that the server does not offer it to us again."""
        if self._drained:
            return
        self._drained = True
        if self.running:
            tasks = [task for task, _ in self.running.values()]
            log.info("waiting up to %.0f s for %d running processes",
                     self.settings.grace_s, len(tasks))  # fmt: skip
            await self._wait_all(tasks, self.settings.grace_s)
            for pid, (task, ctx) in list(self.running.items()):
                if not task.done():
                    self._finish(ctx.process, "release")
                    ctx.cancelled.set()
                    task.cancel()
                    log.info("handing process %s back", pid)
        flush_s = 0.0 if self._hurry.is_set() else self.settings.flush_s
        self._flush_by = time.monotonic() + flush_s
        self._session_changed()  # deliveries waiting for the server now wait at most that long
        if self._outboxes:
            log.info("telling the server about %d processes (up to %.0f s)",
                     len(self._outboxes), flush_s)  # fmt: skip
        # What is in flight on the session is answered first: a close is answered together
        # with the next assignment, which is then handed back too.
        while time.monotonic() < self._flush_by and any(
            b.task is not None and not b.task.done() and not b.idle for b in self._outboxes.values()
        ):
            await asyncio.sleep(0.02)
        session = self.session
        if session is not None:
            self._broken = session
            await session.aclose()
        self._may_release.set()
        # A delivery gives up by itself once past _flush_by; one stuck in a call is stopped.
        deadline = self._flush_by + 1.0
        while not self._hurry.is_set() and time.monotonic() < deadline:
            deliveries = [b.task for b in self._outboxes.values() if b.task and not b.task.done()]
            if not deliveries:
                break
            await self._wait_all(deliveries, deadline - time.monotonic())
        for box in list(self._outboxes.values()):
            if box.task is not None and not box.task.done():
                box.task.cancel()
                log.error("process %s: the server did not answer; not delivered: %s",
                          box.process.processid, box.unsent("what was in flight"))  # fmt: skip

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
        ending: tuple[str, list[Any]] | None = None
        started = time.monotonic()
        attributes = {
            "colonies.process_id": process.processid,
            "colonies.executor": self.name,
            "colonies.attempt": process.attempt,
        }
        try:
            name = f"colonies run {process.spec.funcname}"
            with tracing.running(name, process.spec.env, attributes) as traced:
                ending = await self._call(process, ctx)
                if ending is not None and ending[0] == "fail":
                    traced("; ".join(str(e) for e in ending[1]) or "failed")
        except asyncio.CancelledError:
            pass  # taken back, or handed back on shutdown: nothing to report
        finally:
            if self.metrics is not None:
                outcome = "cancelled" if ending is None else _OUTCOME[ending[0]]
                self.metrics.ended_call(process.spec.funcname, outcome, time.monotonic() - started)
            if ending is None:
                self._finish(process, None)
            else:
                self._finish(process, *ending)

    async def _call(self, process: Process, ctx: ProcessContext) -> tuple[str, list[Any]] | None:
        """Runs the function (with its files, when its spec has `fs`); returns how
        the process ended (None: not to report)."""
        if process.spec.fs.empty:
            return await self._invoke(process, ctx)
        root = Path(self.settings.fs_dir or Path(tempfile.gettempdir()) / "colonies-fs" / self.name)
        return await mounts.around(self.client, self.key, root, process, ctx, self._invoke)

    async def _invoke(self, process: Process, ctx: ProcessContext) -> tuple[str, list[Any]] | None:
        funcname = process.spec.funcname
        f = self.functions.get(funcname)
        if f is None:
            return "fail", [self._not_served(funcname)]
        try:
            positional = call_args(process.spec.args, process.input)
            args, kwargs = f.arguments(funcname, positional, process.spec.kwargs, ctx)
        except CallError as err:
            return "fail", [str(err)]
        try:
            if f.is_async:
                result = await await_function(f.fn, args, kwargs)
            else:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._pool, call_function, f.fn, args, kwargs)
        except (Exception, SystemExit) as err:
            ctx.log(user_traceback(err))
            return "fail", [f"{type(err).__name__}: {err}"]
        if ctx.is_cancelled:
            return None
        if result is None:
            return "close", []
        if isinstance(result, (list, tuple)):
            return "close", list(result)
        return "close", [result]

    # ------------------------------------------- what the server is told --

    def _outbox(self, process: Process) -> Outbox:
        key = (str(process.processid), process.attempt)
        box = self._outboxes.get(key)
        if box is None:
            s = self.settings
            limits = f"{s.log_buffer_lines} lines or {s.log_buffer_chars} characters"
            box = self._outboxes[key] = Outbox(process, limits)
            entry = self.running.get(process.processid)
            # Logged after the function returned (e.g. by a thread of its): deliver and end.
            box.ended = entry is None or entry[1].process.attempt != process.attempt
            box.task = asyncio.create_task(self._courier(key, box))
        return box

    def _finish(self, process: Process, kind: str | None, payload: list[Any] | None = None) -> None:
        """How the process ended (None: nothing to report), after what it logged."""
        box = self._outbox(process)
        if box.finished:
            return  # the first ending counts (a release on shutdown before the cancel lands)
        box.finished = box.ended = True
        if kind is not None:
            box.final = (kind, payload or [])
        box.wake.set()

    def _queue_log(self, process: Process, message: str) -> None:
        if not message.endswith("\n"):
            message += "\n"
        if len(message) > MAX_LOG_MESSAGE:
            cut = len(message) - MAX_LOG_MESSAGE + 100
            message = message[: MAX_LOG_MESSAGE - 100] + f" [{cut} characters cut]\n"
        box = self._outbox(process)
        box.lines.append(message)
        box.chars += len(message)
        s = self.settings
        before = box.dropped
        while len(box.lines) > s.log_buffer_lines or box.chars > s.log_buffer_chars:
            box.chars -= len(box.lines.popleft())
            box.dropped += 1
        if box.dropped and not before:
            log.warning("process %s: more than %s of log are waiting for the server; "
                        "dropping the oldest lines", process.processid, box.limits)  # fmt: skip
        box.wake.set()

    def _queue_heartbeat(self, process: Process) -> None:
        box = self._outbox(process)
        box.beat = True
        box.wake.set()

    async def _courier(self, key: tuple[str, int], box: Outbox) -> None:
        """Delivers one process' reports in order; waits while the server is away."""
        try:
            while True:
                item = box.take()
                if item is None:
                    if box.ended:
                        return
                    box.wake.clear()
                    box.idle = True
                    await box.wake.wait()
                    box.idle = False
                    continue
                if item[0] == "release" and not self._may_release.is_set():
                    box.idle = True
                    await self._may_release.wait()
                    box.idle = False
                if not await self._deliver(box.process, *item):
                    what = "log lines" if item[0] == "log" else f"the {item[0]}"
                    log.error("process %s: the server is unreachable; not delivered: %s",
                              box.process.processid, box.unsent(what))  # fmt: skip
                    return
        finally:
            if self._outboxes.get(key) is box:
                del self._outboxes[key]

    async def _deliver(self, process: Process, kind: str, payload: Any) -> bool:
        """Tells the server one thing, retrying while it is away; False when giving up
        on shutdown (a refusal is logged and done with)."""
        delay = 0.5
        while True:
            waiter = self._new_session
            session = self.session if self.session is not self._broken else None
            try:
                await self._send(session, process, kind, payload)
                return True
            except UNREACHABLE as err:
                if session is not None and isinstance(err, errors.Unavailable):
                    self._broken = session  # it will not recover: use calls until the next
                if self._flush_by is not None:
                    left = self._flush_by - time.monotonic()
                    if left <= 0:
                        return False
                    delay = min(delay, left)
                log.debug("process %s: %s waits for the server: %s", process.processid, kind, err)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(waiter.wait(), delay)
                delay = min(delay * 2, MAX_BACKOFF)
            except errors.ColoniesError as err:
                log.info("process %s: %s not accepted: %s", process.processid, kind, err)
                return True

    async def _send(
        self, session: ExecutorSession | None, process: Process, kind: str, payload: Any
    ) -> None:
        if session is not None:
            if kind == "log":
                await session.log(process, payload)
            elif kind == "heartbeat":
                await session.heartbeat(process)
            elif kind == "close":
                await session.close(process, payload)
            elif kind == "fail":
                await session.fail(process, payload)
            else:
                await session.release(process)
            return
        pid, key, attempt = process.processid, self.key, process.attempt
        if kind == "log":
            await self.client.add_log(pid, payload, key, attempt)
        elif kind == "heartbeat":
            await self.client.heartbeat(pid, key, attempt)
        elif kind == "close":
            await self.client.close(pid, payload, key, attempt)
        elif kind == "fail":
            await self.client.fail(pid, payload, key, attempt)
        else:
            await self.client.release(pid, key, attempt)


__all__ = ["ExecutorRuntime", "ExecutorSettings", "ProcessContext"]
