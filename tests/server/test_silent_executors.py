"""An executor that goes silent while running a process costs the process a
retry, like an exec timeout: a process that brings down every executor taking
it fails once its retries are spent instead of going round for ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pycolonies_like import Colonies, ExecutorState, ProcessState, StaleAttempt
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import FuncSpec, RetryPolicy
from pycolonies_like.core.rules import SILENT_RETRIES
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.server.conftest import LEASE_S, sweep, wake


def take_and_die(
    client: Colonies, colony: ColonyKeys, key: str, server: ThreadedServer, clock: ManualClock
) -> pb.Process:
    """An executor takes the next process, confirms it, then goes silent past its lease."""
    got = client.rpc.Assign(pb.AssignRequest(colonyname=colony.colonyname, timeout=1), key)
    client.heartbeat(got.processid, key, attempt=got.attempt)  # it is alive, then it dies
    clock.advance(LEASE_S + 0.1)
    assert sweep(server) == 1
    return got


def submit(client: Colonies, colony: ColonyKeys, **kw: object) -> str:
    funcspec: FuncSpec = spec(colony.colonyname, maxexectime=1000, **kw)
    return client.submit(funcspec, colony.user_key).processid


@pytest.mark.parametrize("maxretries", [0, 2])
def test_a_process_whose_executors_keep_going_silent_fails_after_maxretries(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys,
    maxretries: int,
) -> None:  # fmt: skip
    pid = submit(lclient, lcolony, maxretries=maxretries)
    keys = lcolony.executor_keys
    allowed = maxretries or SILENT_RETRIES  # 0: a few silences, then it fails
    for n in range(allowed):  # requeued, each silence counted
        take_and_die(lclient, lcolony, keys[n % 2], leased, clock)
        back = lclient.get_process(pid, lcolony.user_key)
        assert back.state == ProcessState.WAITING and back.retries == n + 1
    last = take_and_die(lclient, lcolony, keys[allowed % 2], leased, clock)
    failed = lclient.get_process(pid, lcolony.user_key)
    assert failed.state == ProcessState.FAILED and failed.retries == allowed
    times = allowed + 1
    assert failed.errors == (
        f"the executor running it went silent {times} time{'s' if times > 1 else ''} "
        f"(last: {last.assignedexecutorname}; no session or heartbeat for the "
        f"{LEASE_S:g} s lease timeout) and it has no retries left",
    )
    assert [(h.attempt, h.outcome) for h in failed.history] == [
        (n + 1, "lease") for n in range(allowed)
    ]
    assert all("went silent" in h.errors[0] for h in failed.history)
    assert sweep(leased) == 0  # nothing left to do: it does not come back
    with pytest.raises(Exception, match="has ended"):
        lclient.close(pid, ["late"], keys[allowed % 2], attempt=last.attempt)


def test_maxretries_minus_one_requeues_a_silent_executors_work_for_ever(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    pid = submit(lclient, lcolony, maxretries=-1)
    for n in range(5):
        take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)
        back = lclient.get_process(pid, lcolony.user_key)
        assert back.state == ProcessState.WAITING and back.retries == n + 1
    got = lclient.assign(lcolony.colonyname, 1, lcolony.executor_key)
    lclient.close(got["processid"], ["at last"], lcolony.executor_key)
    done = lclient.get_process(pid, lcolony.user_key)
    assert done.state == ProcessState.SUCCESSFUL and len(done.history) == 5


def test_lost_replies_cost_no_retry_only_silence_does(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    pid = submit(lclient, lcolony, maxretries=1)
    for _ in range(3):  # replies lost: never confirmed, never counted
        lclient.rpc.Assign(
            pb.AssignRequest(colonyname=lcolony.colonyname, timeout=1), lcolony.executor_key
        )
        clock.advance(LEASE_S + 0.1)
        assert sweep(leased) == 1
    back = lclient.get_process(pid, lcolony.user_key)
    assert back.state == ProcessState.WAITING and back.retries == 0
    assert [h.outcome for h in back.history] == ["unconfirmed"] * 3
    take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)  # counted
    again = lclient.get_process(pid, lcolony.user_key)
    assert again.state == ProcessState.WAITING and again.retries == 1
    take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)
    assert lclient.get_process(pid, lcolony.user_key).state == ProcessState.FAILED


def test_a_retry_policy_counts_silences_and_waits_its_backoff(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    policy = RetryPolicy(maxretries=1, initialinterval=10, jitter=0)
    pid = submit(lclient, lcolony, maxretries=0, retrypolicy=policy)  # the policy decides
    take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)
    back = lclient.get_process(pid, lcolony.user_key)
    assert back.state == ProcessState.WAITING and back.retries == 1
    assert back.notbefore == clock.now_ns() + 10 * 10**9  # its backoff
    with pytest.raises(Exception, match="No process"):
        lclient.assign(lcolony.colonyname, 0.2, lcolony.executor_key)
    clock.advance(10)
    assert wake(leased) == 1
    take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)
    failed = lclient.get_process(pid, lcolony.user_key)
    assert failed.state == ProcessState.FAILED and "went silent 2 times" in failed.errors[0]
    assert [h.outcome for h in failed.history] == ["lease"]


def test_a_silent_executor_cannot_close_the_attempt_it_lost(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    pid = submit(lclient, lcolony, maxretries=1)
    lost = take_and_die(lclient, lcolony, lcolony.executor_key, leased, clock)
    with pytest.raises(StaleAttempt):
        lclient.close(pid, ["late"], lcolony.executor_key, attempt=lost.attempt)


# ------------------------------------- executors that are not heard from --


def silent_names(client: Colonies, colony: ColonyKeys) -> dict[str, bool]:
    return {
        e.executorname: e.silent
        for e in client.list_executors(colony.colonyname, colony.colony_key)
    }


def test_an_executor_not_heard_from_for_twice_the_lease_timeout_is_listed_as_silent(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, (a, b) = lcolony.colonyname, lcolony.executor_names
    assert silent_names(lclient, lcolony) == {a: False, b: False}  # never heard from: not marked
    for key in lcolony.executor_keys:
        with pytest.raises(Exception, match="No process"):
            lclient.assign(name, 0.1, key)  # a poll is news from it
    clock.advance(2 * LEASE_S)
    assert silent_names(lclient, lcolony) == {a: False, b: False}
    with pytest.raises(Exception, match="No process"):
        lclient.assign(name, 0.1, lcolony.executor_keys[1])  # b is still around
    clock.advance(0.1)
    assert silent_names(lclient, lcolony) == {a: True, b: False}
    silent = lclient.get_executor(name, a, lcolony.colony_key)
    assert silent.silent and silent.state == ExecutorState.APPROVED  # still approved
    # It comes back: it is no longer silent, and it can be given work.
    pid = submit(lclient, lcolony)
    got = lclient.assign(name, 1, lcolony.executor_key)
    assert got.processid == pid and not silent_names(lclient, lcolony)[a]


def test_heartbeats_are_news_from_an_executor(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, a = lcolony.colonyname, lcolony.executor_names[0]
    submit(lclient, lcolony)
    got = lclient.assign(name, 1, lcolony.executor_key)
    for _ in range(4):  # a long process: no polls, only heartbeats
        clock.advance(LEASE_S * 0.75)
        lclient.heartbeat(got.processid, lcolony.executor_key, attempt=got.attempt)
    assert not silent_names(lclient, lcolony)[a]
    clock.advance(2 * LEASE_S + 0.1)
    assert silent_names(lclient, lcolony)[a]


def test_colonies_executor_ls_shows_silent_executors(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, (a, b) = lcolony.colonyname, lcolony.executor_names
    with pytest.raises(Exception, match="No process"):
        lclient.assign(name, 0.1, lcolony.executor_key)
    clock.advance(2 * LEASE_S + 0.1)
    env = {**os.environ, "COLONIES_SERVER_HOST": "127.0.0.1",
           "COLONIES_SERVER_PORT": str(leased.port), "COLONIES_SERVER_TLS": "false",
           "COLONIES_COLONY_NAME": name, "COLONIES_COLONY_PRVKEY": lcolony.colony_key,
           "COLONIES_PRVKEY": lcolony.colony_key}  # fmt: skip
    cli = [sys.executable, "-m", "pycolonies_like.cli.main"]
    table = subprocess.run([*cli, "executor", "ls"], env=env, capture_output=True, text=True,
                           timeout=60, check=True).stdout  # fmt: skip
    cells = {c[0]: c for c in ([x.strip() for x in line.split("│")[1:-1]]
                              for line in table.splitlines()) if c}  # fmt: skip
    assert (cells[a][2], cells[b][2]) == ("approved, silent", "approved")
    listing = subprocess.run([*cli, "--json", "executor", "ls"], env=env, capture_output=True,
                             text=True, timeout=60, check=True).stdout  # fmt: skip
    assert {e["executorname"]: e["silent"] for e in json.loads(listing)} == {a: True, b: False}


def remove_silent(server: ThreadedServer) -> int:
    return int(server.call(server.services.colonies.remove_silent()))


def test_an_executor_silent_for_remove_silent_after_is_removed_and_its_work_requeued(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    from pycolonies_like import PermissionDenied
    from pycolonies_like.core.rules import REMOVE_SILENT_AFTER_S
    from pycolonies_like.crypto import generate_private_key, id_of

    name, (a, b), owner = lcolony.colonyname, lcolony.executor_names, lcolony.colony_key
    quiet = generate_private_key()  # approved, never heard from: it may not have started yet
    lclient.add_executor({"executorid": id_of(quiet), "executortype": lcolony.executortype,
                          "executorname": "quiet", "colonyname": name}, owner)  # fmt: skip
    lclient.approve_executor(name, "quiet", owner)
    lclient.set_fair_weight(name, a, 3, owner)
    pid = submit(lclient, lcolony, maxretries=-1)
    got = lclient.assign(name, 1, lcolony.executor_key)  # a takes it, then goes quiet
    lclient.heartbeat(got.processid, lcolony.executor_key, attempt=got.attempt)
    clock.advance(REMOVE_SILENT_AFTER_S - 1)
    with pytest.raises(Exception, match="No process"):
        lclient.assign(name, 0.1, lcolony.executor_keys[1])  # b keeps polling
    assert remove_silent(leased) == 0  # a is silent, not yet for long enough
    clock.advance(1.1)
    caplog.set_level("WARNING", logger="server.service.colonies")
    assert remove_silent(leased) == 1
    assert remove_silent(leased) == 0  # once
    listed = {e.executorname for e in lclient.list_executors(name, owner)}
    assert listed == {b, "quiet"}
    lclient.add_executor({"executorid": id_of(lcolony.executor_key), "executortype":
                          lcolony.executortype, "executorname": a, "colonyname": name},
                         owner)  # fmt: skip
    assert lclient.get_fair_weights(name, owner) == []  # its weight went with it
    lclient.remove_executor(name, a, owner)
    back = lclient.get_process(pid, lcolony.user_key)
    assert back.state == ProcessState.WAITING and back.history[-1].outcome == "executor left"
    with pytest.raises(PermissionDenied):
        lclient.close(got.processid, ["late"], lcolony.executor_key)
    logged = [r.getMessage() for r in caplog.records if "removed executor" in r.getMessage()]
    assert logged == [
        f"removed executor {a} of colony {name}: not heard from for 600 s "
        "(--remove-silent-after 600 s); 1 running process(es) requeued"
    ]
    assert lclient.assign(name, 1, lcolony.executor_keys[1]).processid == pid


def test_two_servers_remove_a_silent_executor_once(clock: ManualClock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from pycolonies_like.core.rules import REMOVE_SILENT_AFTER_S
    from server.testing import bootstrap
    from tests.conftest import need_pg, unique
    from tests.pg import database

    settings = dict(clock=clock, signature_window_s=10**9, sweep_interval_s=3600,
                    ready_interval_s=3600, cron_interval_s=3600, generator_interval_s=3600,
                    retention_interval_s=3600, cleanup_interval_s=3600)  # fmt: skip
    with (
        database(need_pg()) as url,
        ThreadedServer(db_url=url, **settings) as one,  # type: ignore[arg-type]
        ThreadedServer(db_url=url, server_key=one.server_key, **settings) as two,  # type: ignore[arg-type]
    ):
        client = one.client()
        colony = bootstrap(client, one.server_key, colonyname=unique(), executors=3)
        for key in colony.executor_keys:
            with pytest.raises(Exception, match="No process"):
                client.assign(colony.colonyname, 0.1, key)
        clock.advance(REMOVE_SILENT_AFTER_S + 1)
        with ThreadPoolExecutor(2) as pool:
            counts = list(pool.map(remove_silent, (one, two)))
        assert sum(counts) == 3, counts  # each executor removed by one server only
        assert client.list_executors(colony.colonyname, colony.colony_key) == []
