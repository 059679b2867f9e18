"""The executor runtime against a real server."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from executors import helloworld
from executors.runtime import ExecutorRuntime, ExecutorSettings, ProcessContext
from pycolonies_like import Colonies, ProcessState
from pycolonies_like.client import AsyncColonies
from server.testing import ColonyKeys, ServerProcess, ThreadedServer, bootstrap
from tests.conftest import spec, unique

TYPE = "runtime-test"


def settings(port: int, colony: ColonyKeys, **kw: Any) -> ExecutorSettings:
    return ExecutorSettings(host="127.0.0.1", port=port, colonyname=colony.colonyname,
                            colony_prvkey=colony.colony_key, **kw)  # fmt: skip


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(predicate):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


class Running:
    """A runtime serving in the test's event loop."""

    def __init__(self, runtime: ExecutorRuntime) -> None:
        self.runtime = runtime
        self.stop = asyncio.Event()
        self.task: asyncio.Task[int] | None = None

    async def __aenter__(self) -> ExecutorRuntime:
        self.task = asyncio.create_task(self.runtime.serve(self.stop))
        await wait_for(lambda: self.runtime.connected)
        return self.runtime

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)


def submit(client: Colonies, colony: ColonyKeys, funcname: str, *args: Any, **kwargs: Any) -> str:
    s = spec(colony.colonyname, funcname, executortype=TYPE, args=list(args), kwargs=kwargs)
    return client.submit(s, colony.user_key).processid


def final(client: Colonies, colony: ColonyKeys, pid: str, timeout: float = 15) -> Any:
    return client.wait(pid, timeout, colony.user_key)


async def test_functions_results_errors_and_logs(server: ThreadedServer, client: Colonies,
                                                 colony: ColonyKeys) -> None:  # fmt: skip
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))

    @runtime.function()
    def add(a: int, b: int) -> int:
        return a + b

    @runtime.function()
    def pair(ctx: ProcessContext, word: str = "x") -> tuple[str, str]:
        ctx.log(f"pairing {word}")
        return word, word

    @runtime.function()
    def nothing() -> None:
        return None

    @runtime.function()
    def broken() -> None:
        raise ValueError("bad input")

    @runtime.function()
    async def later(ctx: ProcessContext) -> str:
        await asyncio.sleep(0.05)
        ctx.log("async done")
        return "later"

    async with Running(runtime):
        pids = {
            "add": submit(client, colony, "add", 2, 3),
            "pair": submit(client, colony, "pair", word="hi"),
            "nothing": submit(client, colony, "nothing"),
            "broken": submit(client, colony, "broken"),
            "later": submit(client, colony, "later"),
            "missing": submit(client, colony, "missing"),
            "nameless": submit(client, colony, ""),
        }
        results = {name: await asyncio.to_thread(final, client, colony, pid)
                   for name, pid in pids.items()}  # fmt: skip
        functions = {f.funcname for f in client.get_functions_by_executor(
            colony.colonyname, runtime.name, colony.user_key)}  # fmt: skip
    assert results["add"].output == [5]
    assert results["pair"].output == ["hi", "hi"]
    assert results["nothing"].output == [] and results["nothing"].state == ProcessState.SUCCESSFUL
    assert results["later"].output == ["later"]
    assert results["broken"].state == ProcessState.FAILED
    assert results["broken"].errors == ("ValueError: bad input",)
    assert results["missing"].state == ProcessState.FAILED
    served = "serves: add, broken, later, nothing, pair"
    assert results["missing"].state == results["nameless"].state == ProcessState.FAILED
    assert (
        f"{runtime.name} ({TYPE}) has no function 'missing'; it {served}"
        in (results["missing"].errors[0])
    )
    assert results["nameless"].errors == (
        f"the process names no function (its funcname is empty); executor {runtime.name} "
        f"({TYPE}) {served}",
    )
    assert functions == {"add", "pair", "nothing", "broken", "later"}

    def log_of(name: str) -> str:
        entries = client.get_process_log(colony.colonyname, pids[name], 10, 0, colony.user_key)
        return "".join(e.message for e in entries)

    assert log_of("pair") == "pairing hi\n" and log_of("later") == "async done\n"
    assert "Traceback" in log_of("broken") and "ValueError: bad input" in log_of("broken")
    # it registered itself and removed itself again
    assert runtime.registered_self
    assert runtime.name not in [e.executorname for e in client.list_executors(
        colony.colonyname, colony.colony_key)]  # fmt: skip


async def test_concurrency_is_limited(server: ThreadedServer, client: Colonies,
                                      colony: ColonyKeys) -> None:  # fmt: skip
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))
    active, peak = 0, 0
    release = asyncio.Event()

    @runtime.function()
    async def slow() -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await release.wait()
        active -= 1

    async with Running(runtime):
        pids = [submit(client, colony, "slow") for _ in range(5)]
        await wait_for(
            lambda: client.stats(colony.colonyname, colony.user_key).runningprocesses == 2
        )
        await asyncio.sleep(0.3)
        assert client.stats(colony.colonyname, colony.user_key).runningprocesses == 2
        release.set()
        for pid in pids:
            assert (await asyncio.to_thread(final, client, colony, pid)).state == 2
    assert peak == 2


async def test_a_cancelled_process_stops_its_function(server: ThreadedServer, client: Colonies,
                                                      colony: ColonyKeys) -> None:  # fmt: skip
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=1))
    started, stopped = asyncio.Event(), asyncio.Event()

    @runtime.function()
    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    @runtime.function()
    def quick() -> str:
        return "ok"

    async with Running(runtime):
        pid = submit(client, colony, "forever")
        await asyncio.wait_for(started.wait(), 10)
        client.cancel(pid, colony.user_key)
        await asyncio.wait_for(stopped.wait(), 10)
        # the slot is free again
        assert (
            await asyncio.to_thread(final, client, colony, submit(client, colony, "quick"))
        ).output == ["ok"]
    assert client.get_process(pid, colony.user_key).state == ProcessState.CANCELLED


async def test_shutdown_finishes_quick_work_and_hands_back_the_rest(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2, grace_s=0.5))
    both = asyncio.Event()
    count = 0

    @runtime.function()
    async def short() -> str:
        nonlocal count
        count += 1
        if count == 2:
            both.set()
        await both.wait()
        await asyncio.sleep(0.2)
        return "finished"

    @runtime.function()
    async def long() -> str:
        nonlocal count
        count += 1
        if count == 2:
            both.set()
        await asyncio.sleep(3600)
        return "never"

    running = Running(runtime)
    async with running:
        quick_pid = submit(client, colony, "short")
        long_pid = submit(client, colony, "long")
        await asyncio.wait_for(both.wait(), 10)
    assert client.get_process(quick_pid, colony.user_key).output == ["finished"]
    handed_back = client.get_process(long_pid, colony.user_key)
    assert handed_back.state == ProcessState.WAITING and handed_back.retries == 0


async def test_work_offered_while_stopping_is_handed_back_not_run(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=1))
    started, finish = asyncio.Event(), asyncio.Event()
    ran = []

    @runtime.function()
    async def job(name: str) -> str:
        ran.append(name)
        started.set()
        await finish.wait()
        return name

    stop = asyncio.Event()
    serving = asyncio.create_task(runtime.serve(stop))
    await wait_for(lambda: runtime.connected)
    first = submit(client, colony, "job", "first")
    await asyncio.wait_for(started.wait(), 10)
    second = submit(client, colony, "job", "second")  # waits: the executor is busy
    stop.set()
    await asyncio.sleep(0.2)
    finish.set()  # the first ends within the grace period; the second is offered meanwhile
    assert await asyncio.wait_for(serving, 10) == 0
    assert ran == ["first"]
    assert client.get_process(first, colony.user_key).output == ["first"]
    handed_back = client.get_process(second, colony.user_key)
    assert handed_back.state == ProcessState.WAITING and handed_back.retries == 0
    assert handed_back.attempt <= 1  # offered at most once, not again after each hand-back


async def test_an_existing_executor_key_is_used_as_is(
    server: ThreadedServer, client: Colonies
) -> None:
    colony = bootstrap(
        client, server.server_key, colonyname=unique(), executors=1, executortype=TYPE
    )
    runtime = ExecutorRuntime(TYPE, ExecutorSettings(host="127.0.0.1", port=server.port,
                                                     colonyname=colony.colonyname,
                                                     prvkey=colony.executor_key))  # fmt: skip

    @runtime.function()
    def hello() -> str:
        return "hi"

    async with Running(runtime):
        assert runtime.name == colony.executor_names[0] and not runtime.registered_self
        pid = submit(client, colony, "hello")
        assert (await asyncio.to_thread(final, client, colony, pid)).output == ["hi"]
    assert len(client.list_executors(colony.colonyname, colony.colony_key)) == 1


class Restartable:
    """A server in a child process, killed and started again on the same port and data."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = str(tmp_path)
        self.proc = ServerProcess(self.data_dir).start()  # on port 0; restarted on the same
        self.port = self.proc.port
        client = self.proc.client()
        self.colony = bootstrap(client, self.proc.server_key, colonyname="dev", executors=0)
        client.close_channel()

    def kill(self) -> None:
        self.proc.kill()

    def restart(self) -> None:
        self.proc = ServerProcess(
            self.data_dir, server_key=self.proc.server_key, port=self.port
        ).start()


async def test_it_reconnects_when_the_server_comes_back(tmp_path: Path) -> None:
    server = Restartable(tmp_path)
    runtime = ExecutorRuntime(TYPE, settings(server.port, server.colony, concurrency=1))

    @runtime.function()
    def echo(x: str) -> str:
        return x

    async with Running(runtime):
        server.kill()
        await wait_for(lambda: not runtime.connected)
        server.restart()
        try:
            await wait_for(lambda: runtime.connected, timeout=20)
            async with AsyncColonies("127.0.0.1", server.port) as aclient:
                s = spec("dev", "echo", executortype=TYPE, args=["back"])
                process = await aclient.submit(s, server.colony.user_key)
                done = await aclient.wait(process, 15, server.colony.user_key)
            assert done.output == ["back"]
        finally:
            server.kill()  # before the runtime stops: its last acknowledgement may be lost


def log_text(client: Colonies, colony: ColonyKeys, pid: str) -> str:
    entries = client.get_process_log(colony.colonyname, pid, 100, 0, colony.user_key)
    return "".join(e.message for e in entries)


async def test_functions_get_args_and_kwargs_and_ctx_cannot_be_clobbered(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))
    helloworld.setup(runtime, {})

    @runtime.function()
    def first(ctx: ProcessContext, *args: Any, **kwargs: Any) -> list[Any]:
        return [list(args), kwargs, isinstance(ctx, ProcessContext)]

    @runtime.function()
    def middle(a: int, ctx: ProcessContext, b: int = 0) -> list[Any]:
        return [a, b, isinstance(ctx, ProcessContext)]

    @runtime.function()
    async def keyword(a: int, *, ctx: ProcessContext) -> list[Any]:
        return [a, isinstance(ctx, ProcessContext)]

    @runtime.function()
    def plain(**kwargs: Any) -> list[Any]:
        return [kwargs]

    async with Running(runtime):
        pids = {
            "hello": submit(client, colony, "helloworld", "x", 1, k="v"),
            "first": submit(client, colony, "first", 1, 2, x=3),
            "middle": submit(client, colony, "middle", 1, 2),
            "middle_default": submit(client, colony, "middle", 1),
            "keyword": submit(client, colony, "keyword", 5),
            "plain": submit(client, colony, "plain", ctx="mine"),
            "clobber": submit(client, colony, "first", ctx="evil"),
            "too_many": submit(client, colony, "middle", 1, 2, 3),
            "missing": submit(client, colony, "middle", b=2),
        }
        results = {name: await asyncio.to_thread(final, client, colony, pid)
                   for name, pid in pids.items()}  # fmt: skip
    assert results["hello"].output == ["helloworld"]
    assert log_text(client, colony, pids["hello"]) == "Hello from executor\n"
    assert results["first"].output == [[1, 2], {"x": 3}, True]
    assert results["middle"].output == [1, 2, True]
    assert results["middle_default"].output == [1, 0, True]
    assert results["keyword"].output == [5, True]
    assert results["plain"].output == [{"ctx": "mine"}]
    assert results["clobber"].state == ProcessState.FAILED
    assert results["clobber"].errors == (
        "first(*args, **kwargs) gets its process context as `ctx`: "
        "the spec's kwargs must not name `ctx`",
    )
    assert results["too_many"].errors == (
        "cannot call middle(a, b=0) with args [1, 2, 3] and kwargs {}: "
        "too many positional arguments",
    )
    assert results["missing"].errors == (
        "cannot call middle(a, b=0) with args [] and kwargs {'b': 2}: "
        "missing a required argument: 'a'",
    )


def _deep(word: str) -> None:
    raise ValueError(word)


async def test_tracebacks_in_the_log_start_at_the_function(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))

    @runtime.function()
    def broken_in_a_thread(word: str) -> None:
        _deep(word)

    @runtime.function()
    async def broken_in_the_loop(word: str) -> None:
        await asyncio.sleep(0)
        _deep(word)

    async with Running(runtime):
        pids = [submit(client, colony, name, "bad") for name in
                ("broken_in_a_thread", "broken_in_the_loop")]  # fmt: skip
        for pid in pids:
            done = await asyncio.to_thread(final, client, colony, pid)
            assert done.errors == ("ValueError: bad",)
    for pid, name in zip(pids, ("broken_in_a_thread", "broken_in_the_loop"), strict=True):
        lines = log_text(client, colony, pid).splitlines()
        assert lines[0] == "Traceback (most recent call last):"
        assert lines[1].endswith(f"in {name}") and "test_runtime.py" in lines[1]
        assert lines[-1] == "ValueError: bad"
        frames = [line for line in lines if line.startswith("  File ")]
        assert len(frames) == 2 and frames[1].endswith("in _deep")


async def test_no_log_line_is_lost_across_a_server_restart(tmp_path: Path, caplog: Any) -> None:
    server = Restartable(tmp_path)
    colony = server.colony
    runtime = ExecutorRuntime(
        TYPE, settings(server.port, colony, concurrency=2, log_buffer_lines=5, flush_s=1)
    )
    away, back = asyncio.Event(), asyncio.Event()

    @runtime.function()
    async def steps(before: int, during: int, after: int, ctx: ProcessContext) -> str:
        n = 0
        for count, then in ((before, away), (during, back), (after, None)):
            for _ in range(count):
                n += 1
                ctx.log(f"r {n}")
            if then is not None:
                await then.wait()
        return f"r {n}"

    async with Running(runtime):
        async with AsyncColonies("127.0.0.1", server.port) as aclient:
            quiet = await aclient.submit(
                spec("dev", "steps", executortype=TYPE, args=[3, 3, 2]), colony.user_key
            )
            chatty = await aclient.submit(
                spec("dev", "steps", executortype=TYPE, args=[1, 20, 0]), colony.user_key
            )

            async def logged(pid: str) -> str:
                entries = await aclient.get_process_log("dev", pid, 100, 0, colony.user_key)
                return "".join(e.message for e in entries)

            for pid, lines in ((quiet.processid, 3), (chatty.processid, 1)):
                deadline = time.monotonic() + 10
                while (await logged(pid)).count("\n") < lines:
                    assert time.monotonic() < deadline, "the first lines did not arrive"
                    await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # their acknowledgements arrive too
        server.kill()
        await wait_for(lambda: not runtime.connected)
        away.set()  # both log while the server is away
        await asyncio.sleep(0.3)
        server.restart()
        try:
            await wait_for(lambda: runtime.connected, timeout=20)
            back.set()
            async with AsyncColonies("127.0.0.1", server.port) as aclient:
                done = [await aclient.wait(p, 15, colony.user_key) for p in (quiet, chatty)]
                logs = [await logged(p.processid) for p in (quiet, chatty)]
        finally:
            server.kill()
    assert [p.output for p in done] == [["r 8"], ["r 21"]]
    assert logs[0] == "".join(f"r {n}\n" for n in range(1, 9))
    assert logs[1] == (
        "r 1\n[executor] 15 log lines were dropped here: they could not reach the server in "
        "time (at most 5 lines or 16777216 characters wait for it)\n"
        + "".join(f"r {n}\n" for n in range(17, 22))
    )
    assert (
        f"process {chatty.processid}: more than 5 lines or 16777216 characters of log are "
        "waiting for the server; dropping the oldest lines"
    ) in caplog.text


async def test_stopping_while_the_server_is_away_does_not_wait_for_the_grace_period(
    tmp_path: Path, caplog: Any
) -> None:
    server = Restartable(tmp_path)
    runtime = ExecutorRuntime(
        TYPE, settings(server.port, server.colony, concurrency=1, grace_s=60, flush_s=0.5)
    )
    started, finish = asyncio.Event(), asyncio.Event()

    @runtime.function()
    async def work(ctx: ProcessContext) -> str:
        started.set()
        await finish.wait()
        ctx.log("finished")
        return "done"

    stop = asyncio.Event()
    serving = asyncio.create_task(runtime.serve(stop))
    try:
        await wait_for(lambda: runtime.connected)
        async with AsyncColonies("127.0.0.1", server.port) as aclient:
            s = spec("dev", "work", executortype=TYPE)
            await aclient.submit(s, server.colony.user_key)
        await asyncio.wait_for(started.wait(), 10)
        server.kill()
        await wait_for(lambda: not runtime.connected)
        finish.set()  # it ends while its close cannot be delivered
        await asyncio.sleep(0.2)
        began = time.monotonic()
        stop.set()
        assert await asyncio.wait_for(serving, 10) == 0
        assert time.monotonic() - began < 3
    finally:
        server.kill()
    assert "the server is unreachable; not delivered: log lines, the close" in caplog.text


async def test_a_second_stop_signal_hands_running_work_back_at_once(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=1, grace_s=60))
    started = asyncio.Event()

    @runtime.function()
    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    stop = asyncio.Event()
    serving = asyncio.create_task(runtime.serve(stop))
    await wait_for(lambda: runtime.connected)
    pid = submit(client, colony, "forever")
    await asyncio.wait_for(started.wait(), 10)
    runtime._on_signal()  # Ctrl+C: running work gets the grace period
    await asyncio.sleep(0.3)
    assert not serving.done()
    runtime._on_signal()  # Ctrl+C again: at once
    assert await asyncio.wait_for(serving, 5) == 0
    assert client.get_process(pid, colony.user_key).state == ProcessState.WAITING
