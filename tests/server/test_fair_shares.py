"""Fair shares over gRPC. Between colonies: a big batch is decoded and
answered a slice per turn of the server's event loop (server/service/slices.py),
so another colony's request waits for a slice, not the batch. Within a
colony: weights set by the colony owner share the claims. Counted, not timed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pycolonies_like import Colonies, InvalidArgument, NotFound, PermissionDenied
from pycolonies_like.core.models import Conditions, FuncSpec
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import need_pg


@pytest.fixture(params=["sqlite", "postgresql"])
def srv(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    if request.param == "sqlite":
        with ThreadedServer() as server:
            yield server
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(db_url=url) as server:
        yield server


def spec(colonyname: str, executortype: str) -> FuncSpec:
    return FuncSpec(funcname="f", conditions=Conditions(colonyname=colonyname,
                                                        executortype=executortype))  # fmt: skip


def test_weights_set_by_the_colony_owner_share_the_claims(srv: ThreadedServer) -> None:
    client = srv.client()
    keys = bootstrap(client, srv.server_key, colonyname="dev")
    other = generate_private_key()
    client.add_user({"colonyname": "dev", "userid": id_of(other), "name": "other"},
                    keys.colony_key)  # fmt: skip
    client.set_fair_weight("dev", "user", 2, keys.colony_key)
    s = spec("dev", keys.executortype)
    client.submit_batch([s] * 60, keys.user_key)
    client.submit_batch([s] * 60, other)
    claimed = [client.assign("dev", 1, keys.executor_key).initiatorname for _ in range(30)]
    assert claimed.count("user") == 20 and claimed.count("other") == 10


def test_setting_a_weight_is_refused_to_others_and_for_bad_values(srv: ThreadedServer) -> None:
    client = srv.client()
    keys = bootstrap(client, srv.server_key, colonyname="dev")
    for key in (keys.user_key, keys.executor_key, srv.server_key):
        with pytest.raises(PermissionDenied, match="not the owner"):
            client.set_fair_weight("dev", "user", 2, key)
    for bad in (0, 1001):
        with pytest.raises(InvalidArgument, match="weight must be between 1 and 1000"):
            client.set_fair_weight("dev", "user", bad, keys.colony_key)
    with pytest.raises(NotFound, match="no user or executor named 'nobody'"):
        client.set_fair_weight("dev", "nobody", 2, keys.colony_key)
    # An executor may have a weight too; back to the default removes it.
    client.set_fair_weight("dev", keys.executor_names[0], 3, keys.colony_key)
    assert srv.call(srv.services.processes.store.fair_weights("dev")) == {
        id_of(keys.executor_key): 3
    }
    client.set_fair_weight("dev", keys.executor_names[0], 1, keys.colony_key)
    assert srv.call(srv.services.processes.store.fair_weights("dev")) == {}


def test_a_big_batch_is_decoded_and_answered_a_slice_per_turn_of_the_loop(
    srv: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between two turns of the server's loop, at most SLICE specs of a batch
    are decoded and at most SLICE processes of its reply encoded: another
    colony's request waits for a slice, not for the batch."""
    from pycolonies_like import convert
    from server.service.slices import SLICE

    client = srv.client()
    keys = bootstrap(client, srv.server_key, colonyname="flood")
    counts = {"decoded": [0, 0, 0], "encoded": [0, 0, 0]}  # this turn, most, total

    def counting(what: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any) -> Any:
            if threading.get_ident() == srv._thread.ident:
                c = counts[what]
                c[0] += 1
                c[1], c[2] = max(c[1], c[0]), c[2] + 1
            return fn(*args)

        return counted

    async def tick() -> None:
        while True:
            await asyncio.sleep(0)  # runs once every turn of the loop
            for c in counts.values():
                c[0] = 0

    monkeypatch.setattr(convert, "funcspec_from_pb", counting("decoded", convert.funcspec_from_pb))
    monkeypatch.setattr(convert, "process_to_pb", counting("encoded", convert.process_to_pb))
    ticker = asyncio.run_coroutine_threadsafe(tick(), srv.loop)
    try:
        n = 10 * SLICE + 7
        assert len(client.submit_batch([spec("flood", keys.executortype)] * n, keys.user_key)) == n
    finally:
        ticker.cancel()
    for what, (_, most, total) in counts.items():
        assert total >= n, what
        assert most <= SLICE, what  # (all n in one step before slicing)


def test_only_a_call_that_proves_membership_vouches_for_a_caller(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    """A caller takes its colony's turns once a submit the colony accepted (or
    its executor's session) vouched for it; naming a colony in another call,
    even one that succeeds, or being refused, vouches for nothing."""
    from server.service import slices

    def vouched() -> set[tuple[str, str]]:
        share = slices._shares.get(server.loop)
        return set(share.vouched) if share is not None else set()

    user = id_of(colony.user_key)
    client.get_colony(colony.colonyname, colony.user_key)  # a read naming it
    assert (colony.colonyname, user) not in vouched()
    stranger = generate_private_key()
    with pytest.raises(PermissionDenied):
        client.submit_func_spec(spec(colony.colonyname, colony.executortype), stranger)
    assert (colony.colonyname, id_of(stranger)) not in vouched()
    client.submit_func_spec(spec(colony.colonyname, colony.executortype), colony.user_key)
    assert (colony.colonyname, user) in vouched()
