"""Reconcilers in the executor runtime: `@runtime.reconciler(kind)` against a real server."""

from __future__ import annotations

import asyncio
from typing import Any

from executors.runtime import ExecutorRuntime, ProcessContext
from pycolonies_like import Colonies, ProcessState
from pycolonies_like.core.models import Blueprint
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.executors.test_runtime import TYPE, Running, settings, wait_for


def define(client: Colonies, colony: ColonyKeys, kind: str) -> None:
    client.add_blueprint_definition({
        "kind": kind, "metadata": {"name": kind.lower(), "colonyname": colony.colonyname},
        "spec": {"names": {"kind": kind},
                 "handler": {"executorType": TYPE, "functionName": "reconcile"}},
    }, colony.colony_key)  # fmt: skip


def add(client: Colonies, colony: ColonyKeys, kind: str, name: str, **spec: Any) -> Blueprint:
    return client.add_blueprint({"kind": kind, "spec": spec,
                                 "metadata": {"name": name, "colonyname": colony.colonyname}},
                                colony.user_key)  # fmt: skip


async def test_a_reconciler_reports_status_and_cleans_up(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    runtime = ExecutorRuntime(TYPE, settings(server.port, colony, concurrency=2))
    cleaned: list[str] = []

    @runtime.reconciler("Greeting")
    def greet(blueprint: Blueprint, ctx: ProcessContext) -> dict[str, Any]:
        return {"said": f"{blueprint.spec['text']} x{blueprint.metadata.generation}"}

    @runtime.cleanup("Greeting")
    async def forget(name: str, ctx: ProcessContext) -> None:
        cleaned.append(name)

    define(client, colony, "Greeting")
    define(client, colony, "Unserved")

    def status(name: str) -> dict[str, Any]:
        return client.get_blueprint(colony.colonyname, name, colony.user_key).status

    async with Running(runtime):
        add(client, colony, "Greeting", "hello", text="hello")
        await wait_for(lambda: status("hello") == {"said": "hello x1"})
        client.update_blueprint({"kind": "Greeting", "spec": {"text": "hey"},
                                 "metadata": {"name": "hello", "colonyname": colony.colonyname}},
                                colony.user_key)  # fmt: skip
        await wait_for(lambda: status("hello") == {"said": "hey x2"})
        # The periodic form (kind only) reconciles every blueprint of the kind.
        add(client, colony, "Greeting", "hi", text="hi")
        await wait_for(lambda: status("hi") == {"said": "hi x1"})
        for name in ("hello", "hi"):
            client.update_blueprint_status(colony.colonyname, name, {}, colony.user_key)
        periodic = spec(colony.colonyname, "reconcile", executortype=TYPE,
                        kwargs={"kind": "Greeting"})  # fmt: skip
        pid = client.submit(periodic, colony.user_key).processid
        done = await asyncio.to_thread(client.wait, pid, 15, colony.user_key)
        assert done.output == ["hello", "hi"]
        assert (status("hello"), status("hi")) == ({"said": "hey x2"}, {"said": "hi x1"})
        client.remove_blueprint(colony.colonyname, "hello", colony.user_key)
        await wait_for(lambda: cleaned == ["hello"])
        # A kind this executor has no reconciler for: the process fails, saying so.
        add(client, colony, "Unserved", "other")
        blueprint = client.get_blueprint(colony.colonyname, "other", colony.user_key)
        process = await asyncio.to_thread(
            client.wait, blueprint.metadata.lastreconciliationprocess, 15, colony.user_key
        )
    assert process.state == ProcessState.FAILED
    assert list(process.errors) == [
        "LookupError: this executor reconciles no kind 'Unserved' (it reconciles: Greeting)"
    ]
