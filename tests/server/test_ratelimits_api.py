"""Rate limits over gRPC with the SDK, on each store: defining and reading
them, what is refused, processes that wait for their tokens; and one budget
shared by two servers on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from pycolonies_like import (
    AsyncColonies,
    Colonies,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
)
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.core.models import ProcessState
from pycolonies_like.crypto import generate_private_key
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import need_pg, spec, unique
from tests.server.conftest import wake

S = 1_000_000_000


def test_the_owner_defines_members_read_the_budget(client: Colonies, colony: ColonyKeys) -> None:
    c = colony.colonyname
    added = client.add_rate_limit(c, "openai", 10, colony.colony_key, unit="minute", burst=3)
    assert (added.rate, added.unit, added.burst, added.tokens) == (10, "minute", 3, 3.0)
    client.submit_func_spec(spec(c, ratelimit="openai", ratelimitunits=2), colony.user_key)
    client.assign(c, 1, colony.executor_key)
    left = client.get_rate_limit(c, "openai", colony.user_key).tokens
    assert 1.0 <= left < 1.1  # two taken; the clock is real, so a little came back
    assert [r.name for r in client.get_rate_limits(c, colony.executor_key)] == ["openai"]
    with pytest.raises(PermissionDenied):
        client.add_rate_limit(c, "mine", 1, colony.user_key)
    with pytest.raises(PermissionDenied):
        client.remove_rate_limit(c, "openai", colony.user_key)
    client.remove_rate_limit(c, "openai", colony.colony_key)
    with pytest.raises(NotFound, match="rate limit 'openai' does not exist"):
        client.get_rate_limit(c, "openai", colony.user_key)


def test_the_async_client_too(server: ThreadedServer, client: Colonies, colony: ColonyKeys) -> None:
    c, owner = colony.colonyname, colony.colony_key

    async def run() -> list[str]:
        async with AsyncColonies("127.0.0.1", server.port) as ac:
            await ac.add_rate_limit(c, "a", 5, owner)
            assert (await ac.get_rate_limit(c, "a", owner)).burst == 5  # burst defaults to rate
            names = [r.name for r in await ac.get_rate_limits(c, owner)]
            await ac.remove_rate_limit(c, "a", owner)
            return names

    assert asyncio.run(run()) == ["a"]
    assert client.get_rate_limits(c, owner) == []


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"rate": 0}, "rate must be a whole number from 1"),
        ({"burst": 0}, "burst must be a whole number from 1"),
        ({"unit": "hour"}, "unit must be one of second, minute, got 'hour'"),
        ({"name": "no way"}, "ratelimit name 'no way' is invalid"),
        ({"name": "x" * 200}, "ratelimit name is longer than 128 characters"),
    ],
)
def test_bad_limits_are_refused(
    client: Colonies, colony: ColonyKeys, kw: dict, message: str
) -> None:
    args = {"name": "ok", "rate": 1, **kw}
    with pytest.raises(InvalidArgument, match=message):
        client.add_rate_limit(colony.colonyname, args.pop("name"), args.pop("rate"),
                              colony.colony_key, **args)  # fmt: skip
    assert client.get_rate_limits(colony.colonyname, colony.colony_key) == []


def test_an_undefined_limit_is_refused_at_submit(client: Colonies, colony: ColonyKeys) -> None:
    with pytest.raises(InvalidArgument, match="ratelimit 'gone' is not defined in colony"):
        client.submit_func_spec(spec(colony.colonyname, ratelimit="gone"), colony.user_key)
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 0


def test_a_process_waits_for_its_token_then_runs(
    clocked: ThreadedServer, clock: ManualClock
) -> None:
    client = clocked.client()
    keys = bootstrap(client, clocked.server_key, colonyname=unique(), executors=2)
    c = keys.colonyname
    client.add_rate_limit(c, "api", 1, keys.colony_key, burst=1)
    first = client.submit_func_spec(spec(c, ratelimit="api", priority=1), keys.user_key)
    second = client.submit_func_spec(spec(c, ratelimit="api"), keys.user_key)
    assert client.assign(c, 1, keys.executor_key).processid == first.processid
    with pytest.raises(NoProcessAvailable):
        client.assign(c, 0.2, keys.executor_keys[1])
    waiting = client.get_process(second.processid, keys.user_key)
    assert waiting.state == ProcessState.WAITING and waiting.notbefore > clock.now_ns()
    got: list[str] = []
    waiter = threading.Thread(
        target=lambda: got.append(client.assign(c, 10, keys.executor_keys[1]).processid)
    )
    waiter.start()
    clock.advance(1)
    clock.set(clock.now_ns() + 1)
    assert wake(clocked) == 1  # its token is due: the parked executor gets it
    waiter.join(10)
    assert got == [second.processid]


# -- Two servers on one PostgreSQL database, on one clock.


@pytest.fixture
def replicas(clock: ManualClock) -> Iterator[list[ThreadedServer]]:
    from tests.pg import database

    key = generate_private_key()
    settings = dict(
        clock=clock, server_key=key, signature_window_s=10**9, sweep_interval_s=3600,
        cron_interval_s=3600, generator_interval_s=3600, retention_interval_s=3600,
        ready_interval_s=3600,
    )  # fmt: skip
    with (
        database(need_pg()) as url,
        ThreadedServer(db_url=url, **settings) as a,
        ThreadedServer(db_url=url, **settings) as b,
    ):  # type: ignore[arg-type]
        yield [a, b]


def test_two_servers_share_one_budget(replicas: list[ThreadedServer], clock: ManualClock) -> None:
    clients = [r.client() for r in replicas]
    keys = bootstrap(clients[0], replicas[0].server_key, colonyname=unique(), executors=4)
    c = keys.colonyname
    clients[1].add_rate_limit(c, "api", 10, keys.colony_key, burst=5)  # 10/s, 5 at once
    for i in range(30):
        clients[i % 2].submit_func_spec(spec(c, ratelimit="api"), keys.user_key)

    def start_all() -> int:
        """Claims through both servers, by turns, until neither has anything."""
        started, idle = 0, 0
        while idle < len(keys.executor_keys):
            for i, key in enumerate(keys.executor_keys):
                try:
                    p = clients[i % 2].assign(c, 0, key)
                except NoProcessAvailable:
                    idle += 1
                    continue
                idle = 0
                started += 1
                clients[i % 2].close(p.processid, [], key)
        return started

    assert start_all() == 5  # the burst, between both servers
    # Then one each tenth of a second, wherever it is claimed.
    for _ in range(10):
        clock.advance(0.1)
        clock.set(clock.now_ns() + 1)
        assert sum(wake(r) for r in replicas) == 1  # woken once, by either server
        assert start_all() == 1
    assert clients[0].stats(c, keys.user_key).successfulprocesses == 15
