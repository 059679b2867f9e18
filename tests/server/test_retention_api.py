"""Retention through the SDK, with the injected clock."""

from __future__ import annotations

import pytest

from pycolonies_like import Colonies, InvalidArgument, NotFound, PermissionDenied
from pycolonies_like.core.clock import ManualClock
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec, unique


@pytest.fixture
def cclient(clocked: ThreadedServer) -> Colonies:
    return clocked.client()


@pytest.fixture
def ccolony(clocked: ThreadedServer, cclient: Colonies) -> ColonyKeys:
    return bootstrap(cclient, clocked.server_key, colonyname=unique(), executors=1)


def purge(server: ThreadedServer) -> int:
    return server.call(server.services.retention.purge())


def test_finished_work_goes_after_the_retention_period(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    c, key = ccolony.colonyname, ccolony.executor_key
    assert cclient.set_retention(c, 3600, ccolony.colony_key).retention == 3600
    assert cclient.get_colony(c, ccolony.user_key).retention == 3600
    done = cclient.submit_func_spec(spec(c), ccolony.user_key)
    cclient.assign(c, 1, key)
    cclient.add_log(done.processid, "working", key)
    cclient.add_attribute(done.processid, "k", "v", key)
    cclient.close(done.processid, ["ok"], key)
    waiting = cclient.submit_func_spec(spec(c, executortype="nobody"), ccolony.user_key)
    wf = cclient.submit_workflow(
        {"colonyname": c, "functionspecs": [spec(c, nodename="only").to_dict()]},
        ccolony.user_key,
    )
    node = cclient.assign(c, 1, key)
    cclient.close(node.processid, [], key)
    before = cclient.stats(c, ccolony.user_key)

    clock.advance(3599)
    assert purge(clocked) == 0
    assert cclient.get_process(done.processid, ccolony.user_key).output == ["ok"]
    clock.advance(2)
    assert purge(clocked) == 2
    with pytest.raises(NotFound):
        cclient.get_process(done.processid, ccolony.user_key)
    with pytest.raises(NotFound):
        cclient.get_processgraph(wf.processgraphid, ccolony.user_key)
    assert cclient.get_executor_log(c, ccolony.executor_names[0], 10, 0, ccolony.user_key) == []
    assert cclient.get_process(waiting.processid, ccolony.user_key).processid == waiting.processid
    assert cclient.stats(c, ccolony.user_key) == before  # statistics keep their counts


def test_a_colony_without_retention_keeps_everything(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    c, key = ccolony.colonyname, ccolony.executor_key
    done = cclient.submit_func_spec(spec(c), ccolony.user_key)
    cclient.assign(c, 1, key)
    cclient.close(done.processid, [], key)
    cclient.set_retention(c, 60, ccolony.colony_key)
    assert cclient.set_retention(c, 0, ccolony.colony_key).retention == 0
    clock.advance(10**6)
    assert purge(clocked) == 0
    assert cclient.get_process(done.processid, ccolony.user_key)


def test_setting_retention_is_refused_to_others_and_for_bad_values(
    clocked: ThreadedServer, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    c = ccolony.colonyname
    for key in (ccolony.user_key, ccolony.executor_key, clocked.server_key):
        with pytest.raises(PermissionDenied, match="not the owner"):
            cclient.set_retention(c, 60, key)
    for bad in (-1, 10**12):
        with pytest.raises(InvalidArgument, match="retention must be between 0"):
            cclient.set_retention(c, bad, ccolony.colony_key)
    # An absent colony answers as one that is not yours: nothing is learnt of it.
    with pytest.raises(PermissionDenied, match="not the owner of colony 'no-such-colony'"):
        cclient.set_retention("no-such-colony", 60, ccolony.colony_key)
    assert cclient.get_colony(c, ccolony.colony_key).retention == 0
