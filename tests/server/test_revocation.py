"""Removed or rejected means no access: not to what one submitted, not to the
executor lists, and schedules made by a removed identity stop."""

from __future__ import annotations

import pytest

from pycolonies_like import Colonies, FailedPrecondition, NotFound, PermissionDenied, ProcessState
from pycolonies_like.core.clock import ManualClock
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec, unique
from tests.server.test_crons_generators import crons_pass, generator, generators_pass, wf


def not_a_member(colony: ColonyKeys) -> str:
    return f"is not a member of colony {colony.colonyname!r}"


def test_a_removed_user_cannot_manage_what_it_submitted(
    client: Colonies, colony: ColonyKeys
) -> None:
    first = client.submit(spec(colony.colonyname), colony.user_key)
    second = client.submit(spec(colony.colonyname), colony.user_key)
    graph = client.submit_workflow(wf(colony, "a"), colony.user_key)
    cron = client.add_cron("c", "", False, wf(colony, "a"), colony.colonyname, colony.user_key,
                           interval=3600)  # fmt: skip
    gen = client.add_generator(generator(colony, trigger=5), colony.user_key)
    client.remove_user(colony.colonyname, "user", colony.colony_key)
    for call in (
        lambda: client.cancel(first.processid, colony.user_key),
        lambda: client.remove_process(second.processid, colony.user_key),
        lambda: client.cancel_processgraph(graph.processgraphid, colony.user_key),
        lambda: client.remove_processgraph(graph.processgraphid, colony.user_key),
        lambda: client.del_cron(cron.cronid, colony.user_key),
        lambda: client.remove_generator(gen.generatorid, colony.user_key),
    ):
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.message.startswith("Access denied, ")
        assert err.value.message.endswith(not_a_member(colony))
    # The colony owner still may.
    client.cancel(first.processid, colony.colony_key)
    client.del_cron(cron.cronid, colony.colony_key)


def test_a_rejected_executor_has_no_access(client: Colonies, colony: ColonyKeys) -> None:
    key, name = colony.executor_keys[1], colony.executor_names[1]
    submitted = client.submit(spec(colony.colonyname), key)
    client.reject_executor(colony.colonyname, name, colony.colony_key)
    with pytest.raises(PermissionDenied) as err:
        client.cancel(submitted.processid, key)
    assert err.value.message.endswith(not_a_member(colony))
    for call in (
        lambda: client.get_executor(colony.colonyname, name, key),
        lambda: client.list_executors(colony.colonyname, key),
    ):
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.message.endswith(not_a_member(colony))


def test_a_pending_executor_may_still_see_the_executors(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    from pycolonies_like.crypto import generate_private_key, id_of

    key = generate_private_key()
    client.add_executor({"executorid": id_of(key), "executortype": "t", "executorname": "new",
                         "colonyname": colony.colonyname}, colony.colony_key)  # fmt: skip
    assert client.get_executor(colony.colonyname, "new", key).executorname == "new"


def test_schedules_of_a_removed_user_stop(clock: ManualClock) -> None:
    with ThreadedServer(clock=clock, signature_window_s=10**9, sweep_interval_s=3600,
                        cron_interval_s=3600, generator_interval_s=3600) as srv:  # fmt: skip
        client = srv.client()
        colony = bootstrap(client, srv.server_key, colonyname=unique(), executors=1)
        cron = client.add_cron("every-minute", "", False, wf(colony, "a"), colony.colonyname,
                               colony.user_key, interval=60)  # fmt: skip
        gen = client.add_generator(generator(colony, trigger=10, timeout=5), colony.user_key)
        client.pack_generator(gen.generatorid, "x", colony.user_key)
        clock.advance(61)
        assert crons_pass(srv) == 1
        client.remove_user(colony.colonyname, "user", colony.colony_key)
        clock.advance(61)
        assert crons_pass(srv) == 0
        assert generators_pass(srv) == 0
        listed = client.get_processgraphs(colony.colonyname, 100, colony.executor_key, state=-1)
        assert len(listed) == 1
        with pytest.raises(NotFound):
            client.get_cron(cron.cronid, colony.colony_key)
        with pytest.raises(NotFound):
            client.get_generator(gen.generatorid, colony.colony_key)


def test_running_the_cron_of_a_removed_user_is_refused(clock: ManualClock) -> None:
    with ThreadedServer(clock=clock, signature_window_s=10**9, cron_interval_s=3600) as srv:
        client = srv.client()
        colony = bootstrap(client, srv.server_key, colonyname=unique(), executors=1)
        cron = client.add_cron("c", "", False, wf(colony, "a"), colony.colonyname,
                               colony.user_key, interval=3600)  # fmt: skip
        client.remove_user(colony.colonyname, "user", colony.colony_key)
        with pytest.raises(FailedPrecondition) as err:
            client.run_cron(cron.cronid, colony.executor_key)
        listed = client.get_processgraphs(colony.colonyname, 100, colony.executor_key, state=-1)
        assert err.value.message == (
            f"cron 'c' belonged to 'user', who is no longer a member of colony "
            f"{colony.colonyname!r}; the cron has been removed"
        )
        assert listed == []


@pytest.mark.parametrize("how", ["rejected", "removed"])
def test_an_executor_rejected_or_removed_while_running_loses_its_work(
    client: Colonies, colony: ColonyKeys, how: str
) -> None:
    name, key = colony.colonyname, colony.executor_keys[1]
    executorname = colony.executor_names[1]
    p = client.submit(spec(name), colony.user_key)
    got = client.assign(name, 1, key)
    assert got.processid == p.processid
    if how == "rejected":
        client.reject_executor(name, executorname, colony.colony_key)
        denied = f"executor {executorname!r} is not an approved executor of colony {name!r}"
    else:
        client.remove_executor(name, executorname, colony.colony_key)
        denied = f"only the executor assigned to process {p.processid} may"
    # Its work went back to the queue at once, whatever its lease.
    assert client.get_process(p.processid, colony.user_key).state == ProcessState.WAITING
    for attempt in (got.attempt, None):
        for call in (
            lambda: client.close(p.processid, ["late"], key, attempt),
            lambda: client.fail(p.processid, ["late"], key, attempt),
            lambda: client.set_output(p.processid, ["late"], key, attempt),
            lambda: client.add_log(p.processid, "late", key, attempt),
            lambda: client.heartbeat(p.processid, key, attempt),
        ):
            with pytest.raises(PermissionDenied) as err:
                call()
            assert err.value.message.startswith("Access denied, ")
            assert denied in err.value.message
    # Even once another executor holds it again.
    again = client.assign(name, 1, colony.executor_key)
    assert again.processid == p.processid and again.attempt == got.attempt + 1
    with pytest.raises(PermissionDenied):
        client.close(p.processid, ["late"], key, got.attempt)
    client.close(p.processid, ["done"], colony.executor_key)
    done = client.get_process(p.processid, colony.user_key)
    assert done.state == ProcessState.SUCCESSFUL and done.output == ["done"]
    assert client.get_process_log(name, p.processid, 10, 0, colony.user_key) == []
