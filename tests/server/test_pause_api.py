"""Pausing and resuming assignment through the SDK, on each store."""

from __future__ import annotations

import threading

import pytest

from pycolonies_like import (
    Colonies,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
)
from pycolonies_like.core.models import ProcessState
from server.testing import ColonyKeys
from tests.conftest import spec


def test_the_colony_owner_pauses_and_resumes(client: Colonies, colony: ColonyKeys) -> None:
    c, key = colony.colonyname, colony.executor_key
    running = client.submit_func_spec(spec(c), colony.user_key)
    assert client.assign(c, 1, key).processid.startswith(running.processid)
    waiting = client.submit_func_spec(spec(c), colony.user_key)

    paused = client.pause(c, colony.colony_key)
    assert paused.paused and client.get_colony(c, colony.user_key).paused
    with pytest.raises(NoProcessAvailable):
        client.assign(c, 0.2, colony.executor_keys[1])
    # Nothing that runs is refused.
    client.close(running.processid, ["done"], key)
    assert client.get_process(running.processid, key).state == ProcessState.SUCCESSFUL

    assert not client.resume(c, colony.colony_key).paused
    assert client.assign(c, 1, key).processid.startswith(waiting.processid)


def test_resuming_wakes_a_parked_executor(client: Colonies, colony: ColonyKeys) -> None:
    c = colony.colonyname
    client.pause(c, colony.colony_key, colony.executortype)
    submitted = client.submit_func_spec(spec(c), colony.user_key)
    got: list[str] = []
    waiter = threading.Thread(
        target=lambda: got.append(client.assign(c, 10, colony.executor_key).processid)
    )
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive() and not got  # parked: the type is paused
    colony_now = client.resume(c, colony.colony_key, colony.executortype)
    assert colony_now.pausedtypes == ()
    waiter.join(5)
    assert got and got[0].startswith(submitted.processid)


def test_pausing_is_refused_to_others_and_for_bad_input(
    client: Colonies, colony: ColonyKeys
) -> None:
    c = colony.colonyname
    for key in (colony.user_key, colony.executor_key, colony.server_key):
        with pytest.raises(PermissionDenied, match="not the owner"):
            client.pause(c, key)
        with pytest.raises(PermissionDenied, match="not the owner"):
            client.resume(c, key)
    with pytest.raises(InvalidArgument, match="executortype 'bad type' is invalid"):
        client.pause(c, colony.colony_key, "bad type")
    # An absent colony answers as one that is not yours: nothing is learnt of it.
    with pytest.raises(PermissionDenied, match="not the owner of colony 'no-such-colony'"):
        client.pause("no-such-colony", colony.colony_key)
    assert not client.get_colony(c, colony.colony_key).paused
