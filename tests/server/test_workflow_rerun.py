"""Rerunning a failed or cancelled workflow from its failures, on both stores."""

from __future__ import annotations

import pytest

from pycolonies_like import (
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ProcessState,
)
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.rules import NS_PER_SECOND
from server.testing import ColonyKeys, ThreadedServer
from tests.server.test_workflows_api import node, workflow

WAITING, RUNNING = ProcessState.WAITING, ProcessState.RUNNING
SUCCESSFUL, FAILED = ProcessState.SUCCESSFUL, ProcessState.FAILED


def by_node(client: Colonies, colony: ColonyKeys, graphid: str) -> dict[str, object]:
    return {
        p.spec.nodename: p
        for p in client.get_processes_for_workflow(graphid, colony.colonyname, colony.user_key, 100)
    }


def run(client: Colonies, colony: ColonyKeys, expected: str, output: list[object] | None = None,
        error: str = "") -> object:  # fmt: skip
    p = client.assign(colony.colonyname, 1, colony.executor_key)
    assert p.spec.nodename == expected
    if error:
        client.fail(p.processid, [error], colony.executor_key)
    else:
        client.close(p.processid, output or [], colony.executor_key)
    return p


def test_a_failed_workflow_reruns_its_failed_and_never_run_nodes_keeping_outputs(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    c, user = lcolony, lcolony.user_key
    graph = lclient.submit_workflow(
        workflow(c, node(c, "a"), node(c, "b", "a"), node(c, "c", "a"), node(c, "d", "b", "c"),
                 node(c, "e", "d")),
        user,
    )  # fmt: skip
    run(lclient, c, "a", ["A"])
    first = lclient.assign(c.colonyname, 1, c.executor_key)
    second = lclient.assign(c.colonyname, 1, c.executor_key)
    b, cc = sorted((first, second), key=lambda p: p.spec.nodename)
    lclient.close(b.processid, ["B"], c.executor_key)
    clock.advance(1)
    lclient.fail(cc.processid, ["IOError: disk full"], c.executor_key)
    failed = lclient.get_processgraph(graph.processgraphid, user)
    assert failed.state == FAILED and failed.endtime

    clock.advance(1)
    again = lclient.rerun_workflow(graph.processgraphid, user, from_failed=True)
    assert again.state == RUNNING and again.endtime == 0
    nodes = by_node(lclient, c, graph.processgraphid)
    # The successful nodes keep their outputs and their single attempt.
    assert [(nodes[n].state, nodes[n].output, nodes[n].attempt) for n in "ab"] == [
        (SUCCESSFUL, ["A"], 1), (SUCCESSFUL, ["B"], 1)
    ]  # fmt: skip
    # The failed node waits again, its parent's output as input, its failure in its history.
    rerun_c = nodes["c"]
    assert (rerun_c.state, rerun_c.input, rerun_c.errors, rerun_c.output) == (
        WAITING,
        ["A"],
        (),
        [],
    )
    assert [(h.attempt, h.outcome, h.errors) for h in rerun_c.history] == [
        (1, "failed", ("IOError: disk full",))
    ]
    # The nodes that never ran wait for their parents again (no attempt to record).
    for name in "de":
        assert nodes[name].state == WAITING and nodes[name].waitforparents
        assert nodes[name].errors == () and nodes[name].history == ()

    got = run(lclient, c, "c", ["C"])
    assert got.attempt == 2 and got.input == ["A"]
    got = lclient.assign(c.colonyname, 1, c.executor_key)
    assert got.spec.nodename == "d" and got.input == ["B", "C"]  # both parents' outputs
    lclient.close(got.processid, ["D"], c.executor_key)
    run(lclient, c, "e", ["E"])
    done = lclient.get_processgraph(graph.processgraphid, user)
    assert done.state == SUCCESSFUL
    assert done.endtime == clock.now_ns() and done.starttime < failed.endtime
    assert (
        by_node(lclient, c, graph.processgraphid)["c"].starttime == failed.endtime + NS_PER_SECOND
    )


def test_a_cancelled_workflow_reruns_its_cancelled_nodes(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    c = lcolony
    graph = lclient.submit_workflow(
        workflow(c, node(c, "a", args=[1]), node(c, "b", "a")), c.user_key
    )
    running = lclient.assign(c.colonyname, 1, c.executor_key)
    lclient.cancel_workflow(graph.processgraphid, c.user_key)
    # The colony owner may rerun what a member submitted.
    assert lclient.rerun_workflow(graph.processgraphid, c.colony_key).state == RUNNING
    nodes = by_node(lclient, c, graph.processgraphid)
    assert [h.outcome for h in nodes["a"].history] == ["cancelled"]
    assert nodes["b"].waitforparents and nodes["b"].history == ()
    got = run(lclient, c, "a", ["A"])
    assert got.processid == running.processid and got.attempt == 2
    assert run(lclient, c, "b", ["B"]).input == ["A"]
    assert lclient.get_processgraph(graph.processgraphid, c.user_key).state == SUCCESSFUL


def test_rerunning_a_workflow_is_refused_unless_it_failed_or_was_cancelled(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    c, user = lcolony, lcolony.user_key
    graph = lclient.submit_workflow(workflow(c, node(c, "a"), node(c, "b", "a")), user)
    gid = graph.processgraphid
    with pytest.raises(FailedPrecondition) as err:
        lclient.rerun_workflow(gid, user)
    assert err.value.message == (
        f"workflow {gid} is waiting; only a failed or cancelled workflow can be rerun"
    )
    run(lclient, c, "a", ["A"])
    with pytest.raises(FailedPrecondition, match=f"workflow {gid} is running; only a failed"):
        lclient.rerun_workflow(gid, user)
    run(lclient, c, "b", ["B"])
    with pytest.raises(FailedPrecondition, match=f"workflow {gid} is successful; only a failed"):
        lclient.rerun_workflow(gid, user)
    with pytest.raises(InvalidArgument, match="rerun from its failures only"):
        lclient.rerun_workflow(gid, user, from_failed=False)
    with pytest.raises(NotFound):
        lclient.rerun_workflow("0" * 64, user)
    # A failed workflow one of whose branches still runs: not while it runs.
    split = lclient.submit_workflow(
        workflow(c, node(c, "a"), node(c, "b", "a"), node(c, "c", "a")), user
    )
    run(lclient, c, "a", ["A"])
    one = lclient.assign(c.colonyname, 1, c.executor_key)
    other = lclient.assign(c.colonyname, 1, c.executor_key)
    lclient.fail(one.processid, ["boom"], c.executor_key)
    sid = split.processgraphid
    assert lclient.get_processgraph(sid, user).state == FAILED
    with pytest.raises(FailedPrecondition) as err:
        lclient.rerun_workflow(sid, user)
    assert err.value.message == (
        f"workflow {sid} still has running processes; wait for them to end (or cancel the "
        "workflow) before rerunning it"
    )
    # Only its submitter or the colony owner may rerun it.
    lclient.close(other.processid, [], c.executor_key)
    with pytest.raises(PermissionDenied, match="only the submitter or the colony owner"):
        lclient.rerun_workflow(sid, c.executor_key)
    assert lclient.get_processgraph(sid, user).state == FAILED  # nothing changed


async def test_the_async_client_reruns_a_workflow(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    c = lcolony
    graph = lclient.submit_workflow(workflow(c, node(c, "a")), c.user_key)
    run(lclient, c, "a", error="IOError: once")
    async with AsyncColonies("127.0.0.1", leased.port) as client:
        again = await client.rerun_workflow(graph.processgraphid, c.user_key, from_failed=True)
    assert again.state == RUNNING
    assert run(lclient, c, "a", ["ok"]).attempt == 2
