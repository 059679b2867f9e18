"""A colony to exercise the services in: services built by the factory on a
real store, a ManualClock, and the ids of its owner, executors and user."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import (
    Colony,
    Conditions,
    Event,
    Executor,
    FuncSpec,
    Process,
    User,
    Workflow,
)
from server.hub import Hub
from server.objects import LocalObjects
from server.service import Services, build_services
from server.service.guard import new_id
from server.store.base import Store

SERVER = new_id()
TYPE = "worker"


@dataclass
class World:
    store: Store
    services: Services
    clock: ManualClock
    colony: str = "lab"
    owner: str = field(default_factory=new_id)
    user: str = field(default_factory=new_id)
    executors: list[str] = field(default_factory=list)

    @classmethod
    async def build(
        cls, store: Store, executors: int = 2, objects_dir: Path | None = None
    ) -> World:
        """`objects_dir`: the server keeps objects there (grace 1 h, by its clock)."""
        clock = ManualClock()
        objects = LocalObjects(objects_dir, 2**20, 3600, clock.now_ns) if objects_dir else None
        world = cls(store, build_services(store, Hub(), clock, SERVER, objects=objects), clock)
        s = world.services
        await s.colonies.add_colony(SERVER, Colony(world.owner, world.colony))
        for i in range(executors):
            eid = new_id()
            await world.add_executor(eid, f"e{i}")
            await s.colonies.approve_executor(world.owner, world.colony, f"e{i}")
            world.executors.append(eid)
        await s.colonies.add_user(world.owner, User(world.colony, world.user, "user"))
        return world

    async def add_executor(self, executorid: str, name: str, executortype: str = TYPE) -> None:
        executor = Executor(executorid, executortype, name, self.colony)
        await self.services.colonies.add_executor(self.owner, executor)

    # ------------------------------------------------------------ work --

    def spec(self, funcname: str = "work", **kw: Any) -> FuncSpec:
        conditions = Conditions(colonyname=self.colony, executortype=kw.pop("executortype", TYPE),
                                dependencies=kw.pop("dependencies", []))  # fmt: skip
        return FuncSpec(funcname=funcname, conditions=conditions, **kw)

    def workflow(self, *nodes: str | tuple[str, ...]) -> Workflow:
        """Nodes as "a" or ("b", "a") -- a name, then the names it depends on."""
        specs = []
        for node in nodes:
            name, *deps = (node,) if isinstance(node, str) else node
            specs.append(self.spec(name, nodename=name, dependencies=deps))
        return Workflow(colonyname=self.colony, functionspecs=specs)

    async def submit(self, **kw: Any) -> Process:
        return await self.services.processes.submit(self.user, self.spec(**kw))

    async def assign(self, executor: int = 0) -> Process:
        """Claims the next process for executor #n, without waiting."""
        return await self.services.processes.assign(self.executors[executor], self.colony, 0)

    async def close(self, p: Process, output: list[Any] | None = None, executor: int = 0) -> None:
        caller = self.executors[executor]
        await self.services.processes.close(caller, p.processid, p.attempt, output)

    async def get(self, processid: str) -> Process:
        return await self.services.processes.get_process(self.user, processid)


class Events:
    """An event subscription read without waiting: every event the services
    emit is queued before the call that caused it returns."""

    def __init__(self, stream: AsyncIterator[Event]) -> None:
        self._stream = stream

    @classmethod
    async def open(cls, world: World, caller: str = "", **filters: Any) -> Events:
        stream = world.services.subscriptions.subscribe_events(
            caller or world.user, world.colony, **filters
        )
        events = cls(stream)
        subscribed = await events.next()
        assert subscribed.kind.name == "SUBSCRIBED"
        return events

    async def next(self) -> Event:
        return await asyncio.wait_for(anext(self._stream), 1.0)

    async def take(self, count: int) -> list[Event]:
        return [await self.next() for _ in range(count)]

    async def close(self) -> None:
        await self._stream.aclose()  # type: ignore[attr-defined]
