"""Concurrency keys through the SDK, on each store: the strategies."""

from __future__ import annotations

import threading

import pytest

from pycolonies_like import Colonies, Concurrency, InvalidArgument, NoProcessAvailable
from pycolonies_like.core.models import ProcessState
from server.testing import ColonyKeys
from tests.conftest import spec


def keyed(colonyname: str, strategy: str = "queue", **kw: object) -> object:
    return spec(colonyname, kwargs={"customer_id": "acme"},
                concurrency=Concurrency(kwarg="customer_id", limit=1, strategy=strategy), **kw)  # fmt: skip


def test_queue_waits_for_the_running_one_to_end(client: Colonies, colony: ColonyKeys) -> None:
    c, key = colony.colonyname, colony.executor_key
    first = client.submit_func_spec(keyed(c), colony.user_key)
    assert client.assign(c, 1, key).processid.startswith(first.processid)
    second = client.submit_func_spec(keyed(c), colony.user_key)
    with pytest.raises(NoProcessAvailable):
        client.assign(c, 0.3, colony.executor_keys[1])
    got: list[str] = []
    waiter = threading.Thread(
        target=lambda: got.append(client.assign(c, 10, colony.executor_keys[1]).processid)
    )
    waiter.start()
    client.close(first.processid, [], key)  # frees the key: the parked executor is woken
    waiter.join(10)
    assert got and got[0].startswith(second.processid)


def test_cancel_newest_cancels_what_comes_while_the_limit_is_reached(
    client: Colonies, colony: ColonyKeys
) -> None:
    c, key = colony.colonyname, colony.executor_key
    first = client.submit_func_spec(keyed(c, "cancel_newest"), colony.user_key)
    client.assign(c, 1, key)
    newest = client.submit_func_spec(keyed(c, "cancel_newest"), colony.user_key)
    assert newest.state == ProcessState.CANCELLED
    assert client.get_process(first.processid, colony.user_key).state == ProcessState.RUNNING


def test_cancel_in_progress_makes_room_for_the_newest(client: Colonies, colony: ColonyKeys) -> None:
    c, key = colony.colonyname, colony.executor_key
    first = client.submit_func_spec(keyed(c, "cancel_in_progress"), colony.user_key)
    client.assign(c, 1, key)
    newest = client.submit_func_spec(keyed(c, "cancel_in_progress"), colony.user_key)
    assert newest.state == ProcessState.WAITING
    assert client.get_process(first.processid, colony.user_key).state == ProcessState.CANCELLED
    assert client.assign(c, 1, key).processid.startswith(newest.processid)


@pytest.mark.parametrize(
    ("concurrency", "message"),
    [
        (Concurrency(key="k"), "concurrency.limit must be between 1 and"),
        (Concurrency(kwarg="nope", limit=1), "'nope' is not among the kwargs"),
        (Concurrency(key="k", limit=1, strategy="later"), "strategy must be one of"),
    ],
)
def test_bad_concurrency_is_refused(
    client: Colonies, colony: ColonyKeys, concurrency: Concurrency, message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        client.submit_func_spec(spec(colony.colonyname, concurrency=concurrency), colony.user_key)
    with pytest.raises(InvalidArgument, match=message):
        client.submit_batch([spec(colony.colonyname, concurrency=concurrency)], colony.user_key)
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 0
