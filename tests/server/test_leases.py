"""Assignments are leases: confirmed by the executor, kept alive by its session
or heartbeats, and taken back when it goes silent, whatever maxexectime is."""

from __future__ import annotations

import asyncio
import base64
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from pycolonies_like import (
    Colonies,
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    PermissionDenied,
    ProcessState,
    StaleAttempt,
)
from pycolonies_like.client import AsyncColonies
from pycolonies_like.core.clock import ManualClock
from pycolonies_like.crypto import Crypto, generate_private_key
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ServerProcess, ThreadedServer, bootstrap
from tests.conftest import need_pg, spec, unique
from tests.pg import database
from tests.server.conftest import ACK_S, LEASE_S, sweep


def raw_assign(client: Colonies, colonyname: str, key: str) -> pb.Process:
    """An Assign whose reply the executor then loses: nothing confirms it."""
    return client.rpc.Assign(pb.AssignRequest(colonyname=colonyname, timeout=1), key)


def state_of(client: Colonies, processid: str, key: str) -> ProcessState:
    return client.get_process(processid, key).state


def test_an_assignment_nobody_confirms_goes_back_to_the_queue(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=0), lcolony.user_key)
    lost = raw_assign(lclient, name, key)
    assert lost.processid == p.processid and lost.attempt == 1
    clock.advance(ACK_S / 2)
    assert sweep(leased) == 0
    clock.advance(ACK_S / 2 + 0.1)
    assert sweep(leased) == 1
    back = lclient.get_process(p.processid, lcolony.user_key)
    assert back.state == ProcessState.WAITING and back.retries == 0  # a lost reply costs nothing
    assert [h.outcome for h in back.history] == ["unconfirmed"]
    # The executor that lost the reply cannot close the attempt it never confirmed.
    with pytest.raises(StaleAttempt, match=r"attempt 1 .* is over; the process was put back"):
        lclient.close(p.processid, ["late"], key, attempt=1)
    again = lclient.assign(name, 1, lcolony.executor_keys[1])
    assert again.attempt == 2
    lclient.close(again["processid"], ["once"], lcolony.executor_keys[1])
    done = lclient.get_process(p.processid, lcolony.user_key)
    assert done.state == ProcessState.SUCCESSFUL and done.output == ["once"]


def test_a_confirmed_assignment_is_kept_until_maxexectime_as_in_colonyos(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=100), lcolony.user_key)
    got = raw_assign(lclient, name, key)
    lclient.acknowledge(got.processid, key, attempt=got.attempt)
    lclient.acknowledge(got.processid, key, attempt=got.attempt)  # again: nothing changes
    clock.advance(50)
    assert sweep(leased) == 0
    clock.advance(51)
    assert sweep(leased) == 1  # maxexectime, not the lease
    ended = lclient.get_process(p.processid, lcolony.user_key)
    assert ended.errors == ("Maximum execution time limit exceeded",)


def test_a_client_closed_right_after_assign_still_confirms_it(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=100), lcolony.user_key)
    quick = leased.client()
    assert quick.assign(name, 1, key).processid == p.processid
    quick.close_channel()  # before the delayed confirmation was due
    clock.advance(ACK_S + 1)
    assert sweep(leased) == 0
    running = lclient.get_process(p.processid, lcolony.user_key)
    assert running.state == ProcessState.RUNNING and running.attempt == 1


async def test_an_async_client_closed_right_after_assign_still_confirms_it(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=100), lcolony.user_key)
    quick = AsyncColonies("127.0.0.1", leased.port)
    assert (await quick.assign(name, 1, key)).processid == p.processid
    await quick.close_channel()
    clock.advance(ACK_S + 1)
    assert sweep(leased) == 0
    assert lclient.get_process(p.processid, lcolony.user_key).state == ProcessState.RUNNING


def test_acknowledge_refusals(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    lclient.submit(spec(name), lcolony.user_key)
    got = raw_assign(lclient, name, key)
    with pytest.raises(PermissionDenied, match="Access denied"):
        lclient.acknowledge(got.processid, lcolony.executor_keys[1], attempt=got.attempt)
    with pytest.raises(StaleAttempt):
        lclient.acknowledge(got.processid, key, attempt=got.attempt + 1)
    lclient.close(got.processid, [], key, attempt=got.attempt)
    with pytest.raises(FailedPrecondition, match="has ended"):
        lclient.acknowledge(got.processid, key, attempt=got.attempt)


def test_heartbeats_keep_the_lease_and_silence_loses_it_whatever_maxexectime(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=1000, maxretries=1), lcolony.user_key)
    got = raw_assign(lclient, name, key)
    for _ in range(3):  # alive for three lease timeouts, heartbeating
        clock.advance(LEASE_S * 0.75)
        lclient.heartbeat(got.processid, key, attempt=got.attempt)
        assert sweep(leased) == 0
    # Then silent (killed): back after the lease, not after maxexectime.
    clock.advance(LEASE_S + 0.1)
    assert sweep(leased) == 1
    back = lclient.get_process(p.processid, lcolony.user_key)
    assert back.state == ProcessState.WAITING and back.retries == 1  # it counts
    # A late heartbeat or close of the lost attempt is stale, not forbidden.
    with pytest.raises(StaleAttempt):
        lclient.heartbeat(got.processid, key, attempt=got.attempt)
    with pytest.raises(StaleAttempt, match="put back in the queue"):
        lclient.close(got.processid, ["late"], key, attempt=got.attempt)


def test_timeouts_that_are_not_finite_numbers_are_refused(
    lclient: Colonies, lcolony: ColonyKeys
) -> None:
    for bad in (float("nan"), float("inf"), float("-inf")):
        request = pb.AssignRequest(colonyname=lcolony.colonyname, timeout=bad)
        with pytest.raises(InvalidArgument, match="timeout must be a finite number"):
            lclient.rpc.Assign(request, lcolony.executor_key, timeout=5)  # the server refuses
        with pytest.raises(InvalidArgument, match="timeout must be a finite number"):
            lclient.assign(lcolony.colonyname, bad, lcolony.executor_key)  # so does the SDK


async def test_a_session_keeps_its_leases_and_loses_them_when_it_dies(
    leased: ThreadedServer, clock: ManualClock, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=0, maxretries=1), lcolony.user_key)
    client = AsyncColonies("127.0.0.1", leased.port)
    try:
        session = client.session(name, key, capacity=1)
        await session.open()
        got = await session.next_assignment(5)
        assert got is not None and got.processid == p.processid
        await asyncio.sleep(1.5)  # the session confirms it, the server records it
        for _ in range(3):  # the executor works long, silently: its session keeps the lease
            clock.advance(LEASE_S * 0.75)
            await asyncio.sleep(1.2)  # a renewal happens meanwhile
            assert await asyncio.to_thread(sweep, leased) == 0
        assert state_of(lclient, p.processid, lcolony.user_key) == ProcessState.RUNNING
        await session.aclose()  # the executor dies
        await asyncio.sleep(0.5)
        clock.advance(LEASE_S + 0.1)
        assert await asyncio.to_thread(sweep, leased) == 1
        back = lclient.get_process(p.processid, lcolony.user_key)
        assert back.state == ProcessState.WAITING
    finally:
        await client.close_channel()


async def test_a_session_that_ends_before_confirming_hands_its_assignment_back(
    leased: ThreadedServer, lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key = lcolony.colonyname, lcolony.executor_key
    p = lclient.submit(spec(name, maxexectime=0), lcolony.user_key)
    client = AsyncColonies("127.0.0.1", leased.port)
    try:
        session = client.session(name, key, capacity=1)
        await session.open()
        assert await session.next_assignment(5) is not None
        await session.aclose()  # before its confirmation went out
        for _ in range(50):
            if state_of(lclient, p.processid, lcolony.user_key) == ProcessState.WAITING:
                break
            await asyncio.sleep(0.1)
        assert state_of(lclient, p.processid, lcolony.user_key) == ProcessState.WAITING
    finally:
        await client.close_channel()


# ------------------------------------------------------ the fault campaign --


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest) -> Iterator[ThreadedServer]:
    """A server on the real clock with short leases and a fast sweep."""
    settings = dict(assign_ack_timeout_s=ACK_S, lease_timeout_s=ACK_S, sweep_interval_s=0.2)
    if request.param == "sqlite":
        with ThreadedServer(**settings) as srv:  # type: ignore[arg-type]
            yield srv
        return
    from tests.pg import database

    with database(need_pg()) as url, ThreadedServer(db_url=url, **settings) as srv:  # type: ignore[arg-type]
        yield srv


@pytest.mark.slow
def test_pollers_that_cancel_assign_at_random_leave_nothing_stuck(live: ThreadedServer) -> None:
    """Flaky executors abandon their polls at random moments (and drop any reply
    they get) while work arrives; a healthy executor then finishes everything:
    nothing stays running without a live owner, nothing is lost, nothing is
    completed twice."""
    client = live.client()
    keys = bootstrap(client, live.server_key, colonyname=unique(), executors=5)
    name, n = keys.colonyname, 120
    stop = threading.Event()
    flaky_claims = Counter[str]()

    def flaky(key: str, seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            request = pb.AssignRequest(colonyname=name, timeout=1)
            try:
                got = client.rpc.Assign(request, key, timeout=rng.uniform(0.01, 0.3))
                flaky_claims[got.processid] += 1  # and never heard of again
            except Exception:
                pass

    pollers = [threading.Thread(target=flaky, args=(k, i)) for i, k in
               enumerate(keys.executor_keys[1:])]  # fmt: skip
    for t in pollers:
        t.start()
    submitted = []
    for _ in range(n):
        submitted.append(client.submit(spec(name, maxexectime=0), keys.user_key).processid)
        time.sleep(0.01)
    stop.set()
    for t in pollers:
        t.join()
    closed = Counter[str]()
    deadline = time.monotonic() + 30
    while len(closed) < n and time.monotonic() < deadline:
        try:
            got = client.assign(name, 0.5, keys.executor_key)
        except NoProcessAvailable:
            continue
        client.close(got["processid"], ["ok"], keys.executor_key)
        closed[got.processid] += 1
    states = Counter(state_of(client, pid, keys.user_key) for pid in submitted)
    assert flaky_claims, "the flaky pollers never got anything: the test proves nothing"
    assert states == {ProcessState.SUCCESSFUL: n}
    assert sorted(closed) == sorted(submitted) and max(closed.values()) == 1


# ------------------------------------------------------------ the gateway --


def _post_and_vanish(port: int, envelope: dict[str, object], after: float) -> None:
    """Sends an HTTP request, then closes the socket without reading the reply."""
    body = json.dumps(envelope).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(
            b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(after)


def test_a_gateway_poll_whose_client_went_away_claims_nothing() -> None:
    with ThreadedServer(http=True) as gw:
        client = gw.client()
        keys = bootstrap(client, gw.server_key, colonyname=unique(), executors=2)
        name = keys.colonyname
        msg = {"colonyname": name, "timeout": 10, "msgtype": "assignprocessmsg"}
        payload = base64.b64encode(json.dumps(msg).encode()).decode()
        envelope = {"payloadtype": "assignprocessmsg", "payload": payload,
                    "signature": Crypto().sign(payload, keys.executor_keys[1])}  # fmt: skip
        for _ in range(3):
            _post_and_vanish(gw.http_port, envelope, after=1.0)
            time.sleep(0.3)  # the gateway notices
            p = client.submit(spec(name, maxexectime=0), keys.user_key)
            got = client.assign(name, 5, keys.executor_key)
            assert got.processid == p.processid and got.attempt == 1
            client.close(got["processid"], [], keys.executor_key)


# ------------------------------------------- two servers on one PostgreSQL --


@pytest.mark.slow
def test_two_servers_share_leases_renewals_and_takebacks(tmp_path: Path) -> None:
    """A session on one server keeps its lease while the other server sweeps;
    an assignment handed out by a server that is then killed comes back
    through the other, and the executor that lost it cannot close it."""
    with database(need_pg()) as url:
        key = generate_private_key()
        args = ["--db", url, "--assign-ack-timeout", "2", "--lease-timeout", "2"]
        r0, r1 = (ServerProcess(str(tmp_path / f"r{i}"), server_key=key, args=args).start()
                  for i in range(2))  # fmt: skip
        try:
            c0, c1 = r0.client(), r1.client()
            keys = bootstrap(c0, key, colonyname=unique(), executors=2)
            name, user = keys.colonyname, keys.user_key

            async def held_by_a_session_on_r1() -> str:
                p = c1.submit(spec(name, maxexectime=0), user)
                client = AsyncColonies("127.0.0.1", r1.port)
                async with client, client.session(name, keys.executor_keys[1]) as session:
                    got = await session.next_assignment(5)
                    assert got is not None and got.processid == p.processid
                    await asyncio.sleep(7)  # three lease timeouts, silent but connected
                    assert state_of(c0, p.processid, user) == ProcessState.RUNNING
                    await session.close(got, ["kept"])
                return p.processid

            kept = asyncio.run(held_by_a_session_on_r1())
            assert c0.get_process(kept, user).output == ["kept"]

            p = c0.submit(spec(name, maxexectime=0), user)
            lost = raw_assign(c0, name, keys.executor_key)  # its reply is lost, then r0 dies
            r0.kill()
            got = c1.assign(name, 10, keys.executor_keys[1])
            assert got.processid == p.processid and got.attempt == lost.attempt + 1
            with pytest.raises(StaleAttempt):
                c1.close(lost.processid, ["late"], keys.executor_key, attempt=lost.attempt)
            c1.close(got["processid"], ["once"], keys.executor_keys[1])
            assert c1.get_process(p.processid, user).output == ["once"]
        finally:
            r0.kill()
            r1.kill()


# ------------------------------------------------------ retried calls, stop --


def test_repeating_the_same_close_or_fail_is_ok_anything_else_is_refused(
    lclient: Colonies, lcolony: ColonyKeys
) -> None:
    name, key, other = lcolony.colonyname, lcolony.executor_key, lcolony.executor_keys[1]
    p = lclient.submit(spec(name), lcolony.user_key)
    got = lclient.assign(name, 1, key)
    lclient.close(got["processid"], ["done"], key)
    lclient.close(got["processid"], ["done"], key)  # its reply was lost: the same close again
    for call, message in (
        (lambda: lclient.close(got["processid"], ["other"], key), "has ended"),
        (lambda: lclient.fail(got["processid"], ["no"], key), "has ended"),
        (lambda: lclient.close(got["processid"], ["done"], other), "is over"),
        (lambda: lclient.close(p.processid, ["done"], key, attempt=got.attempt + 1), "has ended"),
    ):
        with pytest.raises((FailedPrecondition, PermissionDenied), match=message):
            call()
    q = lclient.submit(spec(name), lcolony.user_key)
    got = lclient.assign(name, 1, key)
    lclient.fail(got["processid"], ["IOError: x"], key)
    lclient.fail(got["processid"], ["IOError: x"], key)
    with pytest.raises(FailedPrecondition, match="has ended"):
        lclient.fail(got["processid"], ["IOError: y"], key)
    assert lclient.get_process(q.processid, lcolony.user_key).errors == ("IOError: x",)
    assert lclient.get_process(p.processid, lcolony.user_key).output == ["done"]


def test_a_parked_poll_at_shutdown_is_told_the_server_is_going_away() -> None:
    from pycolonies_like import StorageError, Unavailable

    assert issubclass(StorageError, Unavailable)  # a client retrying on Unavailable rides it out
    srv = ThreadedServer().start()
    try:
        client = Colonies("127.0.0.1", srv.port)  # stays open while the server stops
        keys = bootstrap(client, srv.server_key, colonyname=unique())
        outcome: list[BaseException] = []

        def poll() -> None:
            try:
                client.assign(keys.colonyname, 30, keys.executor_key)
            except BaseException as err:
                outcome.append(err)

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)  # parked
    finally:
        srv.stop()
    poller.join(10)
    client.close_channel()
    assert len(outcome) == 1 and isinstance(outcome[0], Unavailable), outcome
    assert "shutting down" in str(outcome[0])


def test_async_colonies_is_exported_as_documented() -> None:
    import pycolonies_like
    from pycolonies_like.aio import AsyncColonies as Direct

    assert pycolonies_like.AsyncColonies is Direct and "AsyncColonies" in pycolonies_like.__all__
