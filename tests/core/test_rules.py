"""Pure rules: names, specs, priorities, deadlines."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument
from pycolonies_like.core.models import Conditions, FuncSpec, ProcessState, RetryPolicy
from pycolonies_like.core.rules import (
    NS_PER_DAY,
    NS_PER_SECOND,
    SILENT_RETRIES,
    LeasePolicy,
    Timeout,
    check_can_finish,
    check_count,
    check_id,
    check_name,
    exec_deadline,
    priority_time,
    retries_left,
    timeout_retries_left,
    timeout_retry_delay_s,
    validate_funcspec,
    wait_deadline,
)


def good_spec(**changes: object) -> FuncSpec:
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="c", executortype="t"))
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def test_a_valid_spec_passes() -> None:
    assert validate_funcspec(good_spec(args=[1, "a", {"x": [1.5]}], kwargs={"k": None}))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"funcname": None}, "funcname must be a string"),
        ({"funcname": "x" * 200}, "longer than"),
        ({"conditions": Conditions(executortype="t")}, "colonyname is required"),
        ({"conditions": Conditions(colonyname="c")}, "executortype is required"),
        (
            {"conditions": Conditions(colonyname="c", executortype="t", executornames=[""])},
            "empty names",
        ),
        (
            {"conditions": Conditions(colonyname="c", executortype="t", dependencies=["a"])},
            "only allowed in a workflow",
        ),
        ({"priority": 50_001}, "priority must be in"),
        ({"priority": -50_001}, "priority must be in"),
        ({"maxretries": -2}, "maxretries must be -1"),
        ({"maxwaittime": -5}, "maxwaittime must be -1"),
        ({"maxexectime": 1.5}, "maxexectime must be an integer"),
        ({"args": {"a": 1}}, "args must be a list"),
        ({"kwargs": [1]}, "kwargs must be an object"),
        ({"args": [float("nan")]}, "args must be JSON"),
        ({"args": [object()]}, "args must be JSON"),
        ({"env": {"a": 1}}, "env must map strings"),
    ],
)
def test_invalid_specs_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        validate_funcspec(good_spec(**changes))


def test_an_empty_funcname_is_valid_as_in_colonyos() -> None:
    assert validate_funcspec(good_spec(funcname="")).funcname == ""
    assert validate_funcspec(good_spec(funcname=""), in_workflow=True).funcname == ""


def test_unknown_executor_type_is_fine() -> None:
    validate_funcspec(
        good_spec(conditions=Conditions(colonyname="c", executortype="nobody-has-it"))
    )


def test_priority_moves_a_process_a_day_per_unit() -> None:
    assert priority_time(1000, 0) == 1000
    assert priority_time(1000, 2) == 1000 - 2 * NS_PER_DAY
    assert priority_time(1000, 1) < priority_time(999, 0)  # higher priority first
    assert priority_time(1000, 0) > priority_time(999, 0)  # then older first


def test_deadlines_treat_zero_and_minus_one_as_unlimited() -> None:
    assert wait_deadline(10, 0) == 0 and wait_deadline(10, -1) == 0
    assert exec_deadline(10, 0) == 0 and exec_deadline(10, -1) == 0
    assert exec_deadline(10, 3) == 10 + 3_000_000_000
    assert wait_deadline(10, 2) == 10 + 2_000_000_000


def test_retries() -> None:
    assert retries_left(0, 1) and not retries_left(1, 1)
    assert not retries_left(0, 0)
    assert retries_left(1000, -1)


def test_a_silent_executor_counts_against_the_policy_or_maxretries() -> None:
    silent = Timeout.SILENT
    plain = FuncSpec(funcname="f", maxretries=1)
    assert timeout_retries_left(plain, 0, silent) and not timeout_retries_left(plain, 1, silent)
    unset = FuncSpec(funcname="f")  # maxretries 0: a few silences, not for ever
    assert timeout_retries_left(unset, SILENT_RETRIES - 1, silent)
    assert not timeout_retries_left(unset, SILENT_RETRIES, silent)
    assert timeout_retries_left(FuncSpec(funcname="f", maxretries=-1), 10**6, silent)
    policy = FuncSpec(funcname="f", maxretries=0, retrypolicy=RetryPolicy(maxretries=2))
    assert timeout_retries_left(policy, 1, silent) and not timeout_retries_left(policy, 2, silent)


def test_an_exec_timeout_counts_by_the_same_rule_as_a_silent_executor() -> None:
    overdue = Timeout.MAXEXECTIME
    # Without a policy: the spec's maxretries, as ColonyOS (0: no requeue at all).
    assert not timeout_retries_left(FuncSpec(funcname="f"), 0, overdue)
    plain = FuncSpec(funcname="f", maxretries=1)
    assert timeout_retries_left(plain, 0, overdue) and not timeout_retries_left(plain, 1, overdue)
    # With a policy: the policy's maxretries, whatever the spec's says (both ways).
    more = FuncSpec(funcname="f", maxretries=1, retrypolicy=RetryPolicy(maxretries=3))
    assert timeout_retries_left(more, 2, overdue) and not timeout_retries_left(more, 3, overdue)
    fewer = FuncSpec(funcname="f", maxretries=5, retrypolicy=RetryPolicy(maxretries=0))
    for cause in Timeout:
        assert not timeout_retries_left(fewer, 0, cause)
    # And the policy's backoff before the next attempt; none without a policy.
    backoff = RetryPolicy(maxretries=3, initialinterval=2, backoffcoefficient=3)
    assert timeout_retry_delay_s(FuncSpec(funcname="f", retrypolicy=backoff), 1) == 6.0
    assert timeout_retry_delay_s(plain, 1) == 0.0


def test_only_running_processes_can_finish() -> None:
    check_can_finish(ProcessState.RUNNING, "close it")
    with pytest.raises(FailedPrecondition, match="waiting"):
        check_can_finish(ProcessState.WAITING, "close it")
    with pytest.raises(FailedPrecondition, match="ended"):
        check_can_finish(ProcessState.SUCCESSFUL, "close it")


@pytest.mark.parametrize("name", ["dev", "helloworld-executor", "a.b_c@d+e=f", "x" * 128])
def test_good_names(name: str) -> None:
    assert check_name("name", name) == name


@pytest.mark.parametrize("name", ["", "has space", "colon:name", "-leading", "x" * 129, "ä"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InvalidArgument):
        check_name("name", name)


def test_ids_are_64_lowercase_hex() -> None:
    check_id("id", "a" * 64)
    for bad in ("A" * 64, "a" * 63, "g" * 64, ""):
        with pytest.raises(InvalidArgument):
            check_id("id", bad)


def test_counts() -> None:
    assert check_count(0) == 100
    assert check_count(5) == 5
    with pytest.raises(InvalidArgument):
        check_count(-1)
    with pytest.raises(InvalidArgument):
        check_count(10**6)


def test_lease_policy_deadlines_and_refusals() -> None:
    from pycolonies_like.core.rules import LeasePolicy

    policy = LeasePolicy(ack_timeout_s=2, lease_timeout_s=8)
    assert policy.ack_deadline(10) == 10 + 2 * NS_PER_SECOND
    assert policy.lease_deadline(10) == 10 + 8 * NS_PER_SECOND
    assert policy.renew_interval_s == 0.5
    for bad in (0, 1.5, -3, float("nan"), float("inf")):
        with pytest.raises(InvalidArgument, match="lease_timeout_s must be"):
            LeasePolicy(lease_timeout_s=bad)
    with pytest.raises(InvalidArgument, match="ack_timeout_s must be at least 2 seconds"):
        LeasePolicy(ack_timeout_s=1)
    # Silent executors are removed after remove_after_s (ColonyOS' 600 s); 0: never.
    assert LeasePolicy().remove_after_s == 600
    removing = LeasePolicy(lease_timeout_s=5, remove_after_s=10)
    assert removing.removable_before(100 * NS_PER_SECOND) == 90 * NS_PER_SECOND
    assert LeasePolicy(remove_after_s=0).removable_before(100 * NS_PER_SECOND) == 0
    for bad in (9.9, -1, float("nan")):
        with pytest.raises(InvalidArgument, match="remove_after_s must"):
            LeasePolicy(lease_timeout_s=5, remove_after_s=bad)


def test_poll_timeouts_are_finite_and_capped() -> None:
    from pycolonies_like.core.rules import check_timeout

    assert check_timeout(5, 10) == 5.0
    assert check_timeout(50, 10) == 10.0
    assert check_timeout(-1, 10) == 0.0
    for bad in (float("nan"), float("inf"), float("-inf"), True, "5"):
        with pytest.raises(InvalidArgument, match="timeout must be a finite number"):
            check_timeout(bad, 10)  # type: ignore[arg-type]


def test_an_executor_is_silent_after_twice_the_lease_timeout() -> None:
    policy, heard = LeasePolicy(lease_timeout_s=5), 100 * NS_PER_SECOND
    assert not policy.silent(heard, heard + 10 * NS_PER_SECOND)
    assert policy.silent(heard, heard + 10 * NS_PER_SECOND + 1)
    assert not policy.silent(0, heard * 1000)  # never heard from: not marked
