"""The executor runtime passes a workflow child its parents' outputs as
arguments when its spec has none (README: Workflows)."""

from __future__ import annotations

from typing import Any

from executors.functions import call_args
from executors.runtime import ExecutorRuntime, ProcessContext
from pycolonies_like import Colonies, Conditions, FuncSpec, ProcessState, Workflow
from server.testing import ColonyKeys, ThreadedServer
from tests.executors.test_runtime import TYPE, Running, settings


def test_spec_args_win_else_the_input_is_the_args() -> None:
    assert call_args([1, 2], ["in"]) == [1, 2]
    assert call_args([], ["a", "b"]) == ["a", "b"]
    assert call_args([], []) == []


def node(colony: ColonyKeys, name: str, *deps: str, args: list[Any] | None = None) -> FuncSpec:
    return FuncSpec(nodename=name, funcname=name, args=args or [],
                    conditions=Conditions(colonyname=colony.colonyname, executortype=TYPE,
                                          dependencies=list(deps)))  # fmt: skip


async def test_a_child_without_args_gets_its_parents_outputs_as_arguments(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))

    @runtime.function()
    def source(n: int) -> int:
        return n * 2

    @runtime.function()
    def increment(n: int, ctx: ProcessContext) -> list[Any]:
        return [n + 1]

    @runtime.function()
    def fixed(n: int, ctx: ProcessContext) -> list[Any]:
        return [n, ctx.process.input]  # its spec's args; the parents' outputs stay readable

    @runtime.function()
    def join(*values: Any) -> list[Any]:
        return [list(values)]

    wf = Workflow(colonyname=colony.colonyname)
    wf.functionspecs.extend([
        node(colony, "source", args=[3]),
        node(colony, "increment", "source"),
        node(colony, "fixed", "source", args=[100]),
        node(colony, "join", "increment", "fixed"),
    ])  # fmt: skip
    async with Running(runtime):
        graph = client.submit_workflow(wf, colony.user_key)
        done = await runtime_wait(client, colony, graph.processgraphid)
    assert done.state == ProcessState.SUCCESSFUL
    out = {p.spec.nodename: p.output for p in client.get_processes_for_workflow(
        graph.processgraphid, colony.colonyname, colony.user_key, 10)}  # fmt: skip
    assert out["source"] == [6]
    assert out["increment"] == [7]
    assert out["fixed"] == [100, [6]]
    assert out["join"] == [[7, 100, [6]]]  # increment's output, then fixed's, as its parents


async def runtime_wait(client: Colonies, colony: ColonyKeys, graphid: str) -> Any:
    import asyncio

    return await asyncio.to_thread(client.wait_workflow, graphid, 30, colony.user_key)
