"""PostgreSQL's own claim and finish statements do what the shared steps of
queue.py do: both paths run the same scenario on each store."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from pycolonies_like.core.dag import build_graph
from pycolonies_like.core.errors import PermissionDenied
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Function,
    Process,
    ProcessState,
    Workflow,
)
from server.store.queue import Queue
from server.store.sql import SqlStore

S = 1_000_000_000
NOW = 1_800_000_000 * S


def process(n: int, *, priority: int = 0, names: tuple[str, ...] = ()) -> Process:
    spec = FuncSpec(funcname="f", priority=priority, maxexectime=10,
                    conditions=Conditions(colonyname="dev", executortype="t",
                                          executornames=list(names)))  # fmt: skip
    return Process(processid=f"{n:064x}", spec=spec, prioritytime=n - priority * 10**6,
                   submissiontime=NOW)  # fmt: skip


def ident(n: int) -> str:
    return f"{n:064x}"


@pytest.mark.parametrize("path", ["the store's own", "queue.py's steps"])
async def test_claim_and_finish(store: SqlStore, path: str) -> None:
    claim: Callable[..., Awaitable[Process | None]] = store.claim_process
    finish: Callable[..., Awaitable[Any]] = store.finish_process
    if path != "the store's own":
        claim = functools.partial(Queue.claim_process, store)
        finish = functools.partial(Queue.finish_process, store)
    await store.add_colony(Colony(ident(1), "dev"))
    e1 = Executor(ident(2), "t", "e1", "dev", ExecutorState.APPROVED)
    e2 = Executor(ident(3), "t", "e2", "dev", ExecutorState.APPROVED)
    pending = Executor(ident(4), "t", "e3", "dev")
    for e in (e1, e2, pending):
        await store.add_executor(e)
    await store.add_function(Function(ident(5), "e1", "t", "dev", "f"))
    await store.add_processes([process(10), process(11, names=("e2",)), process(12, priority=1),
                               process(13, names=("e1", "e2"))])  # fmt: skip

    with pytest.raises(PermissionDenied, match="'e3' is not an approved executor of colony"):
        await claim(pending, NOW)
    got = [await claim(e1, NOW + S) for _ in range(4)]
    assert [p.processid[-2:] if p else None for p in got] == ["0c", "0a", "0d", None]
    first = got[0]
    assert first is not None and first.state == ProcessState.RUNNING and first.attempt == 1
    assert first.assignedexecutorname == "e1" and first.execdeadline == NOW + 11 * S
    named = await claim(e2, NOW)
    assert named is not None and named.processid == ident(11)
    assert await claim(e2, NOW) is None  # 13 went to e1: its other queue row went with it

    assert await finish(first.processid, 2, ProcessState.SUCCESSFUL, NOW) is None
    done = await finish(first.processid, 1, ProcessState.SUCCESSFUL, NOW + 3 * S, output=["x"],
                        executorid=e1.executorid)  # fmt: skip
    assert done.process.output == ["x"] and done.graph is None
    failed = await finish(named.processid, 0, ProcessState.FAILED, NOW, errors=["e"])
    assert failed.process.errors == ("e",)
    (f,) = await store.list_functions("dev", "e1")
    assert (f.counter, f.minwaittime, f.minexectime) == (1, 1, 2)

    workflow = Workflow(colonyname="dev", functionspecs=[
        FuncSpec(nodename="a", funcname="f", conditions=Conditions(executortype="t")),
        FuncSpec(nodename="b", funcname="f",
                 conditions=Conditions(executortype="t", dependencies=["a"])),
    ])  # fmt: skip
    graph, processes = build_graph(workflow, new_id=iter(ident(n) for n in range(20, 30)).__next__,
                                   initiatorid="", initiatorname="", now_ns=NOW)  # fmt: skip
    await store.add_graph(graph, processes)
    a = await claim(e1, NOW)
    assert a is not None and a.processid == processes[0].processid
    started = await store.get_graph(graph.processgraphid)
    assert started is not None and started.state == ProcessState.RUNNING
    result = await finish(a.processid, a.attempt, ProcessState.SUCCESSFUL, NOW, output=[7])
    assert [p.processid for p in result.released] == [processes[1].processid]
    assert result.released[0].input == [7]
