"""Every field of what the store keeps comes back unchanged, on each dialect."""

from __future__ import annotations

import dataclasses

from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Conditions,
    Cron,
    Executor,
    FuncSpec,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    User,
    Workflow,
)
from server.store.sql import SqlStore
from tests.store.fill import defaults_left, filled

COLONY = "colony-a"


def spec() -> FuncSpec:
    return filled(FuncSpec, conditions=filled(Conditions, colonyname=COLONY))


def workflow() -> Workflow:
    return Workflow(colonyname=COLONY, functionspecs=[spec(), spec()])


async def with_colony(store: SqlStore) -> None:
    await store.add_colony(filled(Colony, name=COLONY))


async def test_members(store: SqlStore) -> None:
    colony = filled(Colony)
    await store.add_colony(colony)
    assert await store.get_colony(colony.name) == colony
    executor = filled(Executor, colonyname=colony.name)
    await store.add_executor(executor)
    assert executor.silent  # filled; but worked out when read, never stored:
    stored = dataclasses.replace(executor, silent=False)
    assert await store.get_executor(colony.name, executor.executorname) == stored
    user = filled(User, colonyname=colony.name)
    await store.add_user(user)
    assert await store.get_user(colony.name, user.name) == user


async def test_a_process_with_attributes(store: SqlStore) -> None:
    await with_colony(store)
    process = filled(Process, spec=spec(), attributes=())
    # The store gives a process its fair queue key (store/fairshare.py).
    (process,) = await store.add_processes([process])
    attribute = filled(Attribute, targetid=process.processid, targetcolonyname=COLONY)
    await store.add_attribute(attribute, 5)
    await store.durable()
    expected = dataclasses.replace(process, attributes=(attribute,))
    assert defaults_left(expected) == []
    assert await store.get_process(process.processid) == expected
    assert await store.get_attribute(attribute.attributeid) == attribute


async def test_a_graph_and_its_processes(store: SqlStore) -> None:
    await with_colony(store)
    graphid = "graph-1"
    processes = [filled(Process, spec=spec(), attributes=(), processgraphid=graphid)
                 for _ in range(2)]  # fmt: skip
    graph = filled(ProcessGraph, processgraphid=graphid, colonyname=COLONY,
                   processids=tuple(p.processid for p in processes))  # fmt: skip
    assert defaults_left(graph) == []
    await store.add_graph(graph, processes)
    await store.durable()
    assert await store.get_graph(graphid) == graph
    # Every field but the queue key, which the store sets (store/fairshare.py).
    stored = await store.graph_processes(graphid)
    assert [dataclasses.replace(p, prioritytime=0) for p in stored] == [
        dataclasses.replace(p, prioritytime=0) for p in processes
    ]


async def test_crons_and_generators(store: SqlStore) -> None:
    await with_colony(store)
    cron = filled(Cron, colonyname=COLONY, workflowspec=workflow())
    await store.add_cron(cron)
    assert await store.get_cron(cron.cronid) == cron
    generator = filled(Generator, colonyname=COLONY, workflowspec=workflow(), queuesize=2)
    await store.add_generator(generator)
    for arg in ("a", "b"):
        assert await store.pack_generator(generator.generatorid, arg, 9)
    await store.durable()
    assert await store.get_generator(generator.generatorid) == generator


async def test_logs(store: SqlStore) -> None:
    await with_colony(store)
    process = filled(Process, spec=spec(), attributes=())
    await store.add_processes([process])
    entry = filled(LogEntry, processid=process.processid, colonyname=COLONY)
    stored = await store.add_log(entry)
    await store.durable()
    assert (await store.get_logs(process.processid, 10)).entries == [stored]
    assert dataclasses.replace(stored, seq=entry.seq) == entry
