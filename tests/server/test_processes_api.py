"""The process lifecycle through the SDK: submit, assign, close, fail and around."""

from __future__ import annotations

import threading
import time

import pytest

from pycolonies_like import (
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
    ProcessState,
    StaleAttempt,
    WaitTimeout,
)
from pycolonies_like.client import ProcessId
from pycolonies_like.core.models import Conditions
from pycolonies_like.crypto import generate_private_key
from server.testing import ColonyKeys
from tests.conftest import spec


def test_lifecycle(client: Colonies, colony: ColonyKeys) -> None:
    name, ekey = colony.colonyname, colony.executor_key
    submitted = client.submit_func_spec(
        spec(name, args=[1, "two", {"three": 3.5}], kwargs={"k": [1]}, env={"E": "v"},
             label="demo", maxexectime=30),
        colony.user_key,
    )  # fmt: skip
    assert submitted.state == ProcessState.WAITING and submitted.initiatorname == "user"
    assert submitted.submissiontime > 0 and submitted.attempt == 0
    process = client.assign(name, 5, ekey)
    assert process.processid == submitted.processid
    assert isinstance(process["processid"], ProcessId) and process["processid"].attempt == 1
    assert process.state == ProcessState.RUNNING and process.isassigned
    assert process.assignedexecutorname == colony.executor_names[0]
    assert process.spec.args == [1, "two", {"three": 3.5}] and process.spec.kwargs == {"k": [1]}
    assert process.spec.env == {"E": "v"} and process.spec.label == "demo"
    assert process.execdeadline > process.starttime
    client.add_log(process["processid"], "hello\n", ekey)
    client.set_output(process["processid"], ["partial"], ekey)
    client.close(process["processid"], ["done", 42], ekey)
    finished = client.get_process(submitted.processid, colony.user_key)
    assert finished.state == ProcessState.SUCCESSFUL and finished["out"] == ["done", 42]
    assert finished.endtime >= finished.starttime >= finished.submissiontime
    logs = client.get_process_log(name, submitted.processid, 10, 0, colony.user_key)
    assert [e.message for e in logs] == ["hello\n"] and logs[
        0
    ].executorname == colony.executor_names[0]


def test_fail_records_errors(client: Colonies, colony: ColonyKeys) -> None:
    client.submit(spec(colony.colonyname), colony.user_key)
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    client.fail(p.processid, ["it broke", "badly"], colony.executor_key)
    failed = client.get_process(p.processid, colony.user_key)
    assert failed.state == ProcessState.FAILED and failed.errors == ("it broke", "badly")
    assert client.stats(colony.colonyname, colony.user_key).failedprocesses == 1


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"funcname": "x" * 200}, InvalidArgument, "funcname is longer"),
        ({"maxretries": -3}, InvalidArgument, "maxretries"),
        ({"priority": 10**6}, InvalidArgument, "priority"),
        ({"conditions": Conditions(executortype="t")}, InvalidArgument, "colonyname is required"),
        (
            {"conditions": Conditions(colonyname="nowhere", executortype="t")},
            PermissionDenied,  # as for a colony not theirs: existence is not told
            "is not a member of colony 'nowhere'",
        ),
    ],
)
def test_invalid_submits_change_nothing(client: Colonies, colony: ColonyKeys,
                                        changes: dict[str, object], error: type,
                                        message: str) -> None:  # fmt: skip
    bad = spec(colony.colonyname)
    for key, value in changes.items():
        setattr(bad, key, value)
    with pytest.raises(error, match=message):
        client.submit(bad, colony.user_key)
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 0


def test_unknown_executor_type_is_accepted(client: Colonies, colony: ColonyKeys) -> None:
    p = client.submit(spec(colony.colonyname, executortype="nobody"), colony.user_key)
    assert p.state == ProcessState.WAITING
    with pytest.raises(NoProcessAvailable):
        client.assign(colony.colonyname, 0, colony.executor_key)


def test_assign_long_polls_and_times_out(client: Colonies, colony: ColonyKeys) -> None:
    started = time.monotonic()
    with pytest.raises(NoProcessAvailable, match="No process available"):
        client.assign(colony.colonyname, 0.3, colony.executor_key)
    assert 0.25 < time.monotonic() - started < 3


def test_a_parked_assign_wakes_when_work_arrives(client: Colonies, colony: ColonyKeys) -> None:
    got: list[object] = []
    waiter = threading.Thread(
        target=lambda: got.append(client.assign(colony.colonyname, 10, colony.executor_key))
    )
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    submitted = client.submit(spec(colony.colonyname), colony.user_key)
    waiter.join(10)
    assert got and got[0].processid == submitted.processid  # type: ignore[attr-defined]
    assert time.monotonic() - started < 1.0


def test_priority_then_fifo(client: Colonies, colony: ColonyKeys) -> None:
    name, user = colony.colonyname, colony.user_key
    low = client.submit(spec(name, priority=0), user)
    low2 = client.submit(spec(name, priority=0), user)
    high = client.submit(spec(name, priority=5), user)
    order = [client.assign(name, 1, colony.executor_key).processid for _ in range(3)]
    assert order == [high.processid, low.processid, low2.processid]


def test_executor_names_condition(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    targeted = spec(name)
    targeted.conditions.executornames = [colony.executor_names[1]]
    p = client.submit(targeted, colony.user_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(name, 0, colony.executor_keys[0])
    assert client.assign(name, 1, colony.executor_keys[1]).processid == p.processid


def test_only_the_assigned_executor_may_act(client: Colonies, colony: ColonyKeys) -> None:
    client.submit(spec(colony.colonyname), colony.user_key)
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    other = colony.executor_keys[1]
    for call in (
        lambda: client.close(p.processid, ["x"], other),
        lambda: client.fail(p.processid, ["x"], other),
        lambda: client.add_log(p.processid, "x", other),
        lambda: client.set_output(p.processid, ["x"], other),
        lambda: client.add_attribute(p.processid, "k", "v", other),
        lambda: client.close(p.processid, ["x"], colony.user_key),
    ):
        with pytest.raises(PermissionDenied, match="only the executor assigned"):
            call()
    assert client.get_process(p.processid, other).state == ProcessState.RUNNING


def test_closing_a_process_that_is_not_running(client: Colonies, colony: ColonyKeys) -> None:
    waiting = client.submit(spec(colony.colonyname, executortype="nobody"), colony.user_key)
    with pytest.raises(PermissionDenied):
        client.close(waiting.processid, [], colony.executor_key)
    client.submit(spec(colony.colonyname), colony.user_key)
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    client.close(p.processid, ["first"], colony.executor_key)
    with pytest.raises(FailedPrecondition, match="has ended"):
        client.close(p.processid, ["second"], colony.executor_key)
    with pytest.raises(FailedPrecondition, match="has ended"):
        client.fail(p.processid, ["late"], colony.executor_key)
    with pytest.raises(FailedPrecondition):
        client.add_log(p.processid, "late", colony.executor_key)
    assert client.get_process(p.processid, colony.user_key).output == ["first"]
    with pytest.raises(NotFound):
        client.close("f" * 64, [], colony.executor_key)


def test_a_stale_assignment_cannot_close_a_reassigned_process(
    client: Colonies, colony: ColonyKeys
) -> None:
    client.submit(spec(colony.colonyname), colony.user_key)
    first = client.assign(colony.colonyname, 5, colony.executor_key)
    client.release(first["processid"], colony.executor_key)  # e.g. handed back on shutdown
    second = client.assign(colony.colonyname, 5, colony.executor_key)
    assert second.processid == first.processid and second.attempt == first.attempt + 1
    with pytest.raises(StaleAttempt, match="attempt 1"):
        client.close(first["processid"], ["stale"], colony.executor_key)
    with pytest.raises(StaleAttempt):
        client.add_log(first["processid"], "stale", colony.executor_key)
    client.close(second["processid"], ["fresh"], colony.executor_key)
    assert client.get_process(first.processid, colony.user_key).output == ["fresh"]


def test_attributes(client: Colonies, colony: ColonyKeys) -> None:
    client.submit(spec(colony.colonyname), colony.user_key)
    p = client.assign(colony.colonyname, 5, colony.executor_key)
    attribute = client.add_attribute(p.processid, "progress", "50%", colony.executor_key)
    assert attribute["key"] == "progress" and attribute.targetid == p.processid
    assert client.get_attribute(attribute.attributeid, colony.user_key).value == "50%"
    assert client.get_process(p.processid, colony.user_key).attributes == (attribute,)
    with pytest.raises(InvalidArgument):
        client.add_attribute(p.processid, "", "v", colony.executor_key)
    with pytest.raises(NotFound):
        client.get_attribute("0" * 64, colony.user_key)


def test_logs_with_count_and_since(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    client.submit(spec(name), colony.user_key)
    p = client.assign(name, 5, colony.executor_key)
    for i in range(5):
        client.add_log(p.processid, f"line {i}", colony.executor_key)
    logs = client.get_process_log(name, p.processid, 3, 0, colony.user_key)
    assert [e.message for e in logs] == ["line 0", "line 1", "line 2"]
    later = client.get_process_log(name, p.processid, 10, logs[2].timestamp, colony.user_key)
    assert [e.message for e in later] == ["line 3", "line 4"]
    latest = client.get_process_log(name, p.processid, 2, -1, colony.user_key, latest=True)
    assert [e.message for e in latest] == ["line 3", "line 4"]


def test_logs_of_an_executor_span_its_processes(client: Colonies, colony: ColonyKeys) -> None:
    name, executor = colony.colonyname, colony.executor_names[0]
    for i in range(2):
        client.submit(spec(name), colony.user_key)
        p = client.assign(name, 5, colony.executor_key)
        client.add_log(p.processid, f"process {i}", colony.executor_key)
        client.close(p, [], colony.executor_key)
    logs = client.get_executor_log(name, executor, 10, 0, colony.user_key)
    assert [e.message for e in logs] == ["process 0", "process 1"]
    assert {e.executorname for e in logs} == {executor} and logs[0].processid != logs[1].processid
    latest = client.get_executor_log(name, executor, 1, -1, colony.user_key, latest=True)
    assert [e.message for e in latest] == ["process 1"]
    assert client.get_executor_log(name, "nobody", 10, 0, colony.user_key) == []
    with pytest.raises(InvalidArgument, match="by processid, or by colonyname and executorname"):
        client.get_executor_log(name, "", 10, 0, colony.user_key)
    with pytest.raises(PermissionDenied):
        client.get_executor_log(name, executor, 10, 0, generate_private_key())


def test_follow_logs_streams_until_the_process_ends(client: Colonies, colony: ColonyKeys) -> None:
    name = colony.colonyname
    client.submit(spec(name), colony.user_key)
    p = client.assign(name, 5, colony.executor_key)
    client.add_log(p.processid, "before", colony.executor_key)
    seen: list[str] = []
    follower = threading.Thread(
        target=lambda: seen.extend(
            e.message for e in client.follow_logs(p.processid, colony.user_key)
        )
    )
    follower.start()
    time.sleep(0.2)
    client.add_log(p.processid, "during", colony.executor_key)
    client.close(p.processid, [], colony.executor_key)
    follower.join(10)
    assert not follower.is_alive() and seen == ["before", "during"]


def test_list_processes_by_state_with_count(client: Colonies, colony: ColonyKeys) -> None:
    name, user = colony.colonyname, colony.user_key
    for i in range(4):
        client.submit(spec(name, label="odd" if i % 2 else "even"), user)
    assert len(client.list_processes(name, 10, Colonies.WAITING, user)) == 4
    assert len(client.list_processes(name, 2, Colonies.WAITING, user)) == 2
    assert len(client.list_processes(name, 10, Colonies.WAITING, user, label="odd")) == 2
    client.assign(name, 5, colony.executor_key)
    assert len(client.list_processes(name, 10, Colonies.RUNNING, user)) == 1
    with pytest.raises(InvalidArgument, match="count"):
        client.list_processes(name, 100_000, Colonies.WAITING, user)
    with pytest.raises(InvalidArgument, match="unknown process state"):
        client.list_processes(name, 10, 7, user)


def test_remove_and_remove_all(client: Colonies, colony: ColonyKeys) -> None:
    name, user = colony.colonyname, colony.user_key
    a = client.submit(spec(name), user)
    client.submit(spec(name), user)
    running = client.assign(name, 5, colony.executor_key)
    with pytest.raises(FailedPrecondition, match="running"):
        client.remove_process(running.processid, user)
    with pytest.raises(PermissionDenied, match="submitter or the colony owner"):
        client.remove_process(a.processid if a.processid != running.processid else running.processid,
                              colony.executor_keys[1])  # fmt: skip
    waiting = client.list_processes(name, 10, Colonies.WAITING, user)[0]
    client.remove_process(waiting.processid, user)
    with pytest.raises(NotFound):
        client.get_process(waiting.processid, user)
    client.submit(spec(name), user)
    with pytest.raises(PermissionDenied):
        client.remove_all_processes(name, user)
    assert client.remove_all_processes(name, colony.colony_key) == 1
    assert client.get_process(running.processid, user).state == ProcessState.RUNNING


def test_idempotent_submit(client: Colonies, colony: ColonyKeys) -> None:
    first = client.submit_func_spec(
        spec(colony.colonyname), colony.user_key, idempotency_key="job-1"
    )
    again = client.submit_func_spec(
        spec(colony.colonyname), colony.user_key, idempotency_key="job-1"
    )
    assert first.processid == again.processid
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 1


def test_batch_submit(client: Colonies, colony: ColonyKeys) -> None:
    processes = client.submit_batch([spec(colony.colonyname)] * 5, colony.user_key)
    assert len({p.processid for p in processes}) == 5
    with pytest.raises(InvalidArgument, match="spec #1"):
        client.submit_batch(
            [spec(colony.colonyname), spec(colony.colonyname, priority=10**6)], colony.user_key
        )
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 5


def test_wait_returns_the_ended_process(client: Colonies, colony: ColonyKeys) -> None:
    process = client.submit(spec(colony.colonyname), colony.user_key)
    with pytest.raises(WaitTimeout):
        client.wait(process, 0.3, colony.user_key)

    def work() -> None:
        p = client.assign(colony.colonyname, 5, colony.executor_key)
        client.close(p.processid, ["waited"], colony.executor_key)

    threading.Timer(0.2, work).start()
    done = client.wait(process, 10, colony.user_key)
    assert done.state == ProcessState.SUCCESSFUL and done["out"][0] == "waited"
    assert client.wait(process.processid, 1, colony.user_key).output == ["waited"]  # already ended


def test_cancel_a_waiting_and_a_running_process(client: Colonies, colony: ColonyKeys) -> None:
    name, user = colony.colonyname, colony.user_key
    waiting = client.submit(spec(name, executortype="nobody"), user)
    assert client.cancel(waiting.processid, user).state == ProcessState.CANCELLED
    client.submit(spec(name), user)
    running = client.assign(name, 5, colony.executor_key)
    with pytest.raises(PermissionDenied):
        client.cancel(running.processid, colony.executor_keys[1])
    client.cancel(running.processid, colony.colony_key)
    beat = client.heartbeat(running["processid"], colony.executor_key)
    assert beat.cancelled
    with pytest.raises(FailedPrecondition, match="cancelled"):
        client.close(running["processid"], ["too late"], colony.executor_key)
    with pytest.raises(FailedPrecondition, match="has ended"):
        client.cancel(running.processid, user)
    stats = client.stats(name, user)
    assert stats.cancelledprocesses == 2 and stats.runningprocesses == 0
