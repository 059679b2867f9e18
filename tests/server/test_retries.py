"""Retry policies with backoff, attempt history, delayed runs and reruns,
with an injected clock, on both stores."""

from __future__ import annotations

import pytest

from pycolonies_like import (
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
    ProcessState,
)
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import RetryPolicy
from pycolonies_like.core.rules import NS_PER_SECOND
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.server.conftest import sweep, wake


def nothing_to_assign(client: Colonies, colony: ColonyKeys) -> bool:
    try:
        client.assign(colony.colonyname, 0.1, colony.executor_key)
    except NoProcessAvailable:
        return True
    return False


def test_a_function_that_fails_twice_then_succeeds_has_three_attempts_with_backoff(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    policy = RetryPolicy(maxretries=3, initialinterval=2, backoffcoefficient=3)
    p = lclient.submit(spec(lcolony.colonyname, retrypolicy=policy), lcolony.user_key)
    key = lcolony.executor_key
    for attempt, backoff in ((1, 2.0), (2, 6.0)):
        got = lclient.assign(lcolony.colonyname, 1, key)
        assert got.attempt == attempt
        clock.advance(0.5)  # it runs for half a second, then fails
        lclient.fail(got["processid"], [f"IOError: try {attempt}"], key)
        waiting = lclient.get_process(p.processid, lcolony.user_key)
        assert waiting.state == ProcessState.WAITING and waiting.retries == attempt
        assert waiting.notbefore == clock.now_ns() + int(backoff * NS_PER_SECOND)
        clock.advance(backoff - 0.1)
        assert wake(leased) == 0 and nothing_to_assign(lclient, lcolony)
        clock.advance(0.1)
        assert wake(leased) == 1
    got = lclient.assign(lcolony.colonyname, 1, key)
    assert got.attempt == 3
    lclient.close(got["processid"], ["finally"], key)
    done = lclient.get_process(p.processid, lcolony.user_key)
    assert done.state == ProcessState.SUCCESSFUL and done.output == ["finally"]
    assert done.attempt == 3 and done.retries == 2 and done.notbefore == 0
    first, second = done.history
    assert (first.attempt, first.outcome, first.errors) == (1, "failed", ("IOError: try 1",))
    assert (second.attempt, second.outcome, second.errors) == (2, "failed", ("IOError: try 2",))
    assert first.executorname == lcolony.executor_names[0]
    assert first.endtime - first.starttime == NS_PER_SECOND // 2
    # The backoff gaps are visible: each attempt started its interval after the last ended.
    assert second.starttime - first.endtime == 2 * NS_PER_SECOND
    assert done.starttime - second.endtime == 6 * NS_PER_SECOND


def test_non_retryable_failures_and_spent_retries_fail_for_good(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    policy = RetryPolicy(maxretries=1, initialinterval=1, nonretryableerrors=["ValueError"])
    for error in ("ValueError: bad input", "NonRetryable: give up"):
        p = lclient.submit(spec(name, retrypolicy=policy), lcolony.user_key)
        got = lclient.assign(name, 1, key)
        lclient.fail(got["processid"], [error], key)
        ended = lclient.get_process(p.processid, lcolony.user_key)
        assert ended.state == ProcessState.FAILED and ended.errors == (error,)
        assert ended.history == ()
    p = lclient.submit(spec(name, retrypolicy=policy), lcolony.user_key)
    lclient.fail(lclient.assign(name, 1, key)["processid"], ["IOError: once"], key)
    clock.advance(1)
    assert wake(leased) == 1
    lclient.fail(lclient.assign(name, 1, key)["processid"], ["IOError: twice"], key)
    ended = lclient.get_process(p.processid, lcolony.user_key)
    assert ended.state == ProcessState.FAILED and ended.errors == ("IOError: twice",)
    assert [h.errors for h in ended.history] == [("IOError: once",)]


def test_without_a_policy_a_failure_is_final_as_in_colonyos(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    p = lclient.submit(spec(lcolony.colonyname, maxretries=5), lcolony.user_key)
    got = lclient.assign(lcolony.colonyname, 1, lcolony.executor_key)
    lclient.fail(got["processid"], ["IOError: no"], lcolony.executor_key)
    assert lclient.get_process(p.processid, lcolony.user_key).state == ProcessState.FAILED


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (RetryPolicy(maxretries=-2), "retrypolicy.maxretries must be -1"),
        (RetryPolicy(backoffcoefficient=0.5), "retrypolicy.backoffcoefficient must be"),
        (RetryPolicy(jitter=1.5), "retrypolicy.jitter must be at most 1"),
        (RetryPolicy(initialinterval=float("nan")), "retrypolicy.initialinterval must be"),
        (RetryPolicy(maximuminterval=10**9), "intervals must be at most"),
        (RetryPolicy(nonretryableerrors=[""]), "nonretryableerrors must be non-empty"),
    ],
)
def test_bad_retry_policies_are_refused(
    lclient: Colonies, lcolony: ColonyKeys, policy: RetryPolicy, message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        lclient.submit(spec(lcolony.colonyname, retrypolicy=policy), lcolony.user_key)
    assert lclient.stats(lcolony.colonyname, lcolony.user_key).waitingprocesses == 0


def test_a_delayed_run_waits_for_its_time_at_no_cost_to_the_claim(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, user = lcolony.colonyname, lcolony.user_key
    later = lclient.submit_func_spec(spec(name, maxwaittime=10), user, delay=5)
    assert later.state == ProcessState.WAITING
    assert later.notbefore == clock.now_ns() + 5 * NS_PER_SECOND
    assert later.waitdeadline == later.notbefore + 10 * NS_PER_SECOND  # waiting starts then
    at = clock.now_ns() + 3 * NS_PER_SECOND
    earlier = lclient.submit_func_spec(spec(name), user, notbefore=at)
    past = lclient.submit_func_spec(spec(name), user, notbefore=clock.now_ns() - 1)
    assert past.notbefore == 0
    now = lclient.assign(name, 1, lcolony.executor_key)
    assert now.processid == past.processid  # the only one ready
    assert nothing_to_assign(lclient, lcolony)
    clock.advance(3)
    assert wake(leased) == 1
    assert lclient.assign(name, 1, lcolony.executor_key).processid == earlier.processid
    clock.advance(2)
    assert wake(leased) == 1
    assert lclient.assign(name, 1, lcolony.executor_key).processid == later.processid


def test_delay_refusals(lclient: Colonies, lcolony: ColonyKeys) -> None:
    name, user = lcolony.colonyname, lcolony.user_key
    for kwargs, message in (
        ({"delay": -1}, "delay must be 0 to"),
        ({"delay": float("inf")}, "delay must be 0 to"),
        ({"delay": 5, "notbefore": 10**19 // 10}, "a time to run at or a delay, not both"),
        ({"notbefore": 2**62}, "within 366 days"),
    ):
        with pytest.raises(InvalidArgument, match=message):
            lclient.submit_func_spec(spec(name), user, **kwargs)  # type: ignore[arg-type]
    assert lclient.stats(name, user).waitingprocesses == 0


def test_rerun_of_a_failed_or_cancelled_process(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, user, key = lcolony.colonyname, lcolony.user_key, lcolony.executor_key
    p = lclient.submit(spec(name), user)
    got = lclient.assign(name, 1, key)
    with pytest.raises(FailedPrecondition, match="is running; only a failed or cancelled"):
        lclient.rerun(p.processid, user)
    lclient.fail(got["processid"], ["IOError: disk full"], key)
    with pytest.raises(PermissionDenied, match="Access denied"):
        lclient.rerun(p.processid, lcolony.executor_keys[1])  # neither initiator nor owner
    again = lclient.rerun(p.processid, user)
    assert again.state == ProcessState.WAITING and again.errors == () and again.retries == 0
    assert [(h.attempt, h.outcome, h.errors) for h in again.history] == [
        (1, "failed", ("IOError: disk full",))
    ]
    got = lclient.assign(name, 1, key)
    assert got.attempt == 2
    lclient.close(got["processid"], ["ok"], key)
    with pytest.raises(FailedPrecondition, match="is successful"):
        lclient.rerun(p.processid, user)
    cancelled = lclient.submit(spec(name), user)
    lclient.cancel(cancelled.processid, user)
    rerun = lclient.rerun(cancelled.processid, lcolony.colony_key)  # the colony owner may
    assert rerun.history[0].outcome == "cancelled"
    assert lclient.assign(name, 1, key).processid == cancelled.processid


def test_an_exec_timeout_counts_against_the_retry_policy_and_waits_its_backoff(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, user, key = lcolony.colonyname, lcolony.user_key, lcolony.executor_key
    policy = RetryPolicy(maxretries=2, initialinterval=2, backoffcoefficient=3, jitter=0)
    # The spec's own maxretries (0: never requeued, in ColonyOS) gives way to the policy's.
    p = lclient.submit(spec(name, maxexectime=10, maxretries=0, retrypolicy=policy), user)
    for attempt, backoff in ((1, 2.0), (2, 6.0)):
        got = lclient.assign(name, 1, key)
        lclient.acknowledge(got.processid, key)  # confirmed: only maxexectime applies
        assert got.attempt == attempt
        clock.advance(11)
        assert sweep(leased) == 1
        waiting = lclient.get_process(p.processid, user)
        assert waiting.state == ProcessState.WAITING and waiting.retries == attempt
        assert waiting.notbefore == clock.now_ns() + int(backoff * NS_PER_SECOND)
        assert waiting.history[-1].outcome == "maxexectime"
        clock.advance(backoff - 0.1)
        assert wake(leased) == 0 and nothing_to_assign(lclient, lcolony)
        clock.advance(0.1)
        assert wake(leased) == 1
    got = lclient.assign(name, 1, key)
    lclient.acknowledge(got.processid, key)
    clock.advance(11)
    assert sweep(leased) == 1
    failed = lclient.get_process(p.processid, user)
    assert failed.state == ProcessState.FAILED and failed.retries == 2
    assert failed.errors == ("Maximum execution time limit exceeded",)
    # A policy that retries nothing wins over a spec that would requeue.
    never = RetryPolicy(maxretries=0)
    q = lclient.submit(spec(name, maxexectime=10, maxretries=5, retrypolicy=never), user)
    lclient.acknowledge(lclient.assign(name, 1, key).processid, key)
    clock.advance(11)
    assert sweep(leased) == 1
    assert lclient.get_process(q.processid, user).state == ProcessState.FAILED
