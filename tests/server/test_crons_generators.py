"""Crons and generators, with an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from pycolonies_like import (
    Colonies,
    Conditions,
    FailedPrecondition,
    FuncSpec,
    InvalidArgument,
    PermissionDenied,
    ProcessState,
    Workflow,
)
from pycolonies_like.core.clock import ManualClock
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import unique

S = 1_000_000_000


@pytest.fixture
def cclient(clocked: ThreadedServer) -> Colonies:
    return clocked.client()


@pytest.fixture
def ccolony(clocked: ThreadedServer, cclient: Colonies) -> ColonyKeys:
    return bootstrap(cclient, clocked.server_key, colonyname=unique(), executors=1)


def wf(colony: ColonyKeys, *names: str) -> Workflow:
    specs = []
    previous: list[str] = []
    for name in names:
        specs.append(FuncSpec(nodename=name, funcname=name, conditions=Conditions(
            colonyname=colony.colonyname, executortype=colony.executortype,
            dependencies=previous)))  # fmt: skip
        previous = [name]
    return Workflow(colonyname=colony.colonyname, functionspecs=specs)


def crons_pass(server: ThreadedServer) -> int:
    return server.call(server.services.schedules.run_due_crons())


def generators_pass(server: ThreadedServer) -> int:
    return server.call(server.services.schedules.run_generators())


def graphs(client: Colonies, colony: ColonyKeys) -> int:
    return len(client.get_processgraphs(colony.colonyname, 100, colony.user_key, state=-1))


def finish_all(client: Colonies, colony: ColonyKeys) -> None:
    while client.stats(colony.colonyname, colony.user_key).waitingprocesses:
        p = client.assign(colony.colonyname, 1, colony.executor_key)
        client.close(p["processid"], [p.spec.nodename], colony.executor_key)


def test_an_interval_cron_starts_one_run_per_tick(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cron = cclient.add_cron("every-minute", "", False, wf(ccolony, "a"), ccolony.colonyname,
                            ccolony.user_key, interval=60)  # fmt: skip
    assert cron.nextrun == clock.now_ns() + 60 * S and cron.interval == 60
    assert crons_pass(clocked) == 0
    clock.advance(61)
    assert crons_pass(clocked) == 1
    assert crons_pass(clocked) == 0  # the same tick never starts twice
    clock.advance(60)
    assert crons_pass(clocked) == 1
    assert graphs(cclient, ccolony) == 2
    stored = cclient.get_cron(cron.cronid, ccolony.user_key)
    assert stored.lastrun == clock.now_ns() and stored.prevprocessgraphid


def test_concurrent_passes_start_a_tick_once(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cclient.add_cron("c", "*/10 * * * * *", False, wf(ccolony, "a"), ccolony.colonyname,
                     ccolony.user_key)  # fmt: skip
    clock.advance(11)
    schedules = clocked.services.schedules

    async def both() -> list[int]:
        return list(await asyncio.gather(*(schedules.run_due_crons() for _ in range(4))))

    assert sum(clocked.call(both())) == 1
    assert graphs(cclient, ccolony) == 1


def test_the_wait_flag_holds_a_run_until_the_previous_one_ended(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cclient.add_cron("serial", "", True, wf(ccolony, "a", "b"), ccolony.colonyname,
                     ccolony.user_key, interval=10)  # fmt: skip
    clock.advance(11)
    assert crons_pass(clocked) == 1
    clock.advance(11)
    assert crons_pass(clocked) == 0  # the first run is still going
    finish_all(cclient, ccolony)
    assert crons_pass(clocked) == 1  # due, and now allowed
    assert graphs(cclient, ccolony) == 2


def test_a_cron_run_gets_the_output_of_the_previous_run(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cron = cclient.add_cron("chain", "", True, wf(ccolony, "a"), ccolony.colonyname,
                            ccolony.user_key, interval=10)  # fmt: skip
    cclient.run_cron(cron.cronid, ccolony.user_key)
    first = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert first.input == []
    cclient.close(first["processid"], ["state-1"], ccolony.executor_key)
    cclient.run_cron(cron.cronid, ccolony.user_key)
    second = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert second.input == ["state-1"]


def test_run_now_and_management(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cron = cclient.add_cron("manual", "0 0 3 * * *", True, wf(ccolony, "a"),
                            ccolony.colonyname, ccolony.user_key)  # fmt: skip
    ran = cclient.run_cron(cron.cronid, ccolony.user_key)
    assert ran.lastrun == clock.now_ns() and graphs(cclient, ccolony) == 1
    with pytest.raises(FailedPrecondition, match="waits for its previous workflow"):
        cclient.run_cron(cron.cronid, ccolony.user_key)
    assert [c.name for c in cclient.get_crons(ccolony.colonyname, 10, ccolony.user_key)] == [
        "manual"
    ]
    with pytest.raises(PermissionDenied):
        cclient.del_cron(cron.cronid, ccolony.executor_key)
    cclient.del_cron(cron.cronid, ccolony.user_key)
    assert cclient.get_crons(ccolony.colonyname, 10, ccolony.user_key) == []


@pytest.mark.parametrize(
    ("expression", "interval", "message"),
    [("* * * * *", -1, "six fields"), ("", 0, "larger than 0"), ("bad", -1, "six fields")],
)
def test_invalid_crons_are_refused(cclient: Colonies, ccolony: ColonyKeys, expression: str,
                                   interval: int, message: str) -> None:  # fmt: skip
    with pytest.raises(InvalidArgument, match=message):
        cclient.add_cron("x", expression, False, wf(ccolony, "a"), ccolony.colonyname,
                         ccolony.user_key, interval=interval)  # fmt: skip
    with pytest.raises(InvalidArgument, match="cycle"):
        bad = wf(ccolony, "a", "b")
        bad.functionspecs[0].conditions.dependencies = ["b"]
        cclient.add_cron("y", "", False, bad, ccolony.colonyname, ccolony.user_key, interval=5)
    assert cclient.get_crons(ccolony.colonyname, 10, ccolony.user_key) == []


def generator(colony: ColonyKeys, trigger: int, timeout: int = 0) -> dict[str, object]:
    return {"name": unique("gen"), "colonyname": colony.colonyname,
            "workflowspec": wf(colony, "a", "b"), "trigger": trigger, "timeout": timeout}  # fmt: skip


def test_a_generator_submits_when_the_trigger_count_is_reached(
    clocked: ThreadedServer, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    g = cclient.add_generator(generator(ccolony, trigger=3), ccolony.user_key)
    cclient.pack_generator(g.generatorid, "one", ccolony.user_key)
    cclient.pack_generator(g.generatorid, "two", ccolony.user_key)
    assert graphs(cclient, ccolony) == 0
    assert cclient.get_generator(g.generatorid, ccolony.user_key).queuesize == 2
    cclient.pack_generator(g.generatorid, "three", ccolony.user_key)
    assert graphs(cclient, ccolony) == 1
    root = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert root.spec.nodename == "a" and root.spec.args == ["one", "two", "three"]
    assert cclient.get_generator(g.generatorid, ccolony.user_key).queuesize == 0
    assert generators_pass(clocked) == 0


def test_a_generator_submits_what_it_has_after_its_timeout(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    g = cclient.add_generator(generator(ccolony, trigger=10, timeout=5), ccolony.user_key)
    cclient.pack_generator(g.generatorid, "lonely", ccolony.user_key)
    clock.advance(4)
    assert generators_pass(clocked) == 0
    clock.advance(2)
    assert generators_pass(clocked) == 1
    root = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert root.spec.args == ["lonely"]
    assert generators_pass(clocked) == 0


def test_invalid_generators_are_refused(cclient: Colonies, ccolony: ColonyKeys) -> None:
    for trigger, timeout, message in ((0, 0, "trigger"), (1, -1, "timeout")):
        with pytest.raises(InvalidArgument, match=message):
            cclient.add_generator(generator(ccolony, trigger, timeout), ccolony.user_key)
    g = cclient.add_generator(generator(ccolony, trigger=2), ccolony.user_key)
    assert [
        x.generatorid for x in cclient.get_generators(ccolony.colonyname, ccolony.user_key)
    ] == [g.generatorid]
    cclient.remove_generator(g.generatorid, ccolony.user_key)
    assert cclient.get_generators(ccolony.colonyname, ccolony.user_key) == []


def test_processes_of_a_cron_run_belong_to_the_cron_owner(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cron = cclient.add_cron("owned", "", False, wf(ccolony, "a"), ccolony.colonyname,
                            ccolony.user_key, interval=1)  # fmt: skip
    clock.advance(2)
    crons_pass(clocked)
    p = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert p.initiatorname == "user" and p.initiatorid == cron.initiatorid
    assert p.state == ProcessState.RUNNING
