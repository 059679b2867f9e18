"""maxexectime, maxretries, maxwaittime and heartbeats, with an injected clock."""

from __future__ import annotations

import random
import threading
import time

import pytest

from pycolonies_like import Colonies, ProcessState, StaleAttempt
from pycolonies_like.core.clock import ManualClock
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec, unique


@pytest.fixture
def cclient(clocked: ThreadedServer) -> Colonies:
    return clocked.client()


@pytest.fixture
def ccolony(clocked: ThreadedServer, cclient: Colonies) -> ColonyKeys:
    return bootstrap(cclient, clocked.server_key, colonyname=unique(), executors=2)


def sweep(server: ThreadedServer) -> int:
    return server.call(server.services.processes.sweep())


def test_an_overdue_process_is_requeued_until_its_retries_are_spent(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    name, key = ccolony.colonyname, ccolony.executor_key
    p = cclient.submit(spec(name, maxexectime=10, maxretries=2), ccolony.user_key)
    for attempt in (1, 2, 3):
        got = cclient.assign(name, 1, key)
        assert got.attempt == attempt
        clock.advance(9)
        assert sweep(clocked) == 0
        clock.advance(2)
        assert sweep(clocked) == 1
        after = cclient.get_process(p.processid, ccolony.user_key)
        if attempt < 3:
            assert after.state == ProcessState.WAITING and after.retries == attempt
            with pytest.raises(StaleAttempt):
                cclient.close(got["processid"], ["late"], key)
    assert after.state == ProcessState.FAILED
    assert after.errors == ("Maximum execution time limit exceeded",)
    assert after.retries == 2


def test_minus_one_retries_means_forever(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    p = cclient.submit(spec(ccolony.colonyname, maxexectime=1, maxretries=-1), ccolony.user_key)
    for _ in range(5):
        cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
        clock.advance(2)
        sweep(clocked)
    assert cclient.get_process(p.processid, ccolony.user_key).retries == 5


def test_zero_maxexectime_means_no_limit(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    cclient.submit(spec(ccolony.colonyname, maxexectime=0), ccolony.user_key)
    got = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    assert got.execdeadline == 0
    cclient.acknowledge(got["processid"], ccolony.executor_key)  # received, sends no heartbeats
    clock.advance(10**6)
    assert sweep(clocked) == 0


def test_a_process_waiting_too_long_fails(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    p = cclient.submit(spec(ccolony.colonyname, executortype="nobody", maxwaittime=5),
                       ccolony.user_key)  # fmt: skip
    clock.advance(4)
    assert sweep(clocked) == 0
    clock.advance(2)
    assert sweep(clocked) == 1
    failed = cclient.get_process(p.processid, ccolony.user_key)
    assert failed.state == ProcessState.FAILED
    assert failed.errors == ("Maximum waiting time limit exceeded",)


def test_heartbeats_extend_the_deadline(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    name, key = ccolony.colonyname, ccolony.executor_key
    cclient.submit(spec(name, maxexectime=10, maxretries=0), ccolony.user_key)
    got = cclient.assign(name, 1, key)
    for _ in range(5):
        clock.advance(8)
        beat = cclient.heartbeat(got["processid"], key)
        assert not beat.cancelled and beat.execdeadline == clock.now_ns() + 10 * 10**9
        assert sweep(clocked) == 0
    clock.advance(11)
    assert sweep(clocked) == 1
    assert cclient.get_process(got.processid, key).state == ProcessState.FAILED


def test_a_close_that_wins_the_race_is_never_undone(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    name, key = ccolony.colonyname, ccolony.executor_key
    cclient.submit(spec(name, maxexectime=10, maxretries=3), ccolony.user_key)
    got = cclient.assign(name, 1, key)
    clock.advance(11)  # overdue, but the executor closes before the sweeper runs
    cclient.close(got["processid"], ["in time"], key)
    assert sweep(clocked) == 0
    final = cclient.get_process(got.processid, key)
    assert final.state == ProcessState.SUCCESSFUL and final.retries == 0


def test_close_racing_the_deadline_has_exactly_one_winner(
    clocked: ThreadedServer, clock: ManualClock, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    """Many races between a close and the sweeper: the process ends up either
    closed (and never requeued) or requeued (and the close refused)."""
    name, key = ccolony.colonyname, ccolony.executor_key
    outcomes = {"closed": 0, "requeued": 0}
    for _ in range(30):
        p = cclient.submit(spec(name, maxexectime=5, maxretries=1), ccolony.user_key)
        got = cclient.assign(name, 1, key)
        assert got.processid == p.processid
        clock.advance(6)
        result: list[object] = []

        def close() -> None:
            try:
                cclient.close(got["processid"], ["raced"], key)
                result.append("closed")
            except StaleAttempt:
                result.append("stale")

        closer = threading.Thread(target=close)
        closer.start()
        time.sleep(random.uniform(0, 0.003))  # vary who gets there first
        swept = sweep(clocked)
        closer.join(10)
        final = cclient.get_process(p.processid, ccolony.user_key)
        if result == ["closed"]:
            assert swept == 0
            assert final.state == ProcessState.SUCCESSFUL and final.output == ["raced"]
            assert final.retries == 0
            outcomes["closed"] += 1
        else:
            assert result == ["stale"] and swept == 1
            assert final.state == ProcessState.WAITING and final.retries == 1
            assert final.output == []
            outcomes["requeued"] += 1
            again = cclient.assign(name, 1, key)  # clean up: finish it properly
            cclient.close(again["processid"], [], key)
    assert sum(outcomes.values()) == 30


def test_releasing_does_not_count_as_a_retry(
    clocked: ThreadedServer, cclient: Colonies, ccolony: ColonyKeys
) -> None:
    p = cclient.submit(spec(ccolony.colonyname, maxretries=0), ccolony.user_key)
    got = cclient.assign(ccolony.colonyname, 1, ccolony.executor_key)
    cclient.release(got["processid"], ccolony.executor_key)
    back = cclient.get_process(p.processid, ccolony.user_key)
    assert back.state == ProcessState.WAITING and back.retries == 0
    again = cclient.assign(ccolony.colonyname, 1, ccolony.executor_keys[1])
    assert again.attempt == 2
