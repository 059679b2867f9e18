"""Load shedding: a token bucket per identity, and calls in flight per identity
and in all. Refusals are RESOURCE_EXHAUSTED (RateLimited) with when to retry;
the SDK retries them with backoff."""

from __future__ import annotations

import base64
import contextlib
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from pycolonies_like import RateLimited, signing
from pycolonies_like.crypto import Crypto
from server.limits import Limits
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.server.test_auth import METHOD, payload_for, raw_call, signed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_at_its_rate() -> None:
    clock = Clock()
    limits = Limits(rate=2, burst=3, inflight_per_identity=0, inflight_total=0, clock=clock)
    for _ in range(3):
        limits.admit("a")
        limits.release("a")
    with pytest.raises(RateLimited) as err:
        limits.admit("a")
    assert err.value.retry_after_s == pytest.approx(0.5)
    assert err.value.message == (
        "rate limit: a... may make 2 calls per second (bursts of 3); retry in 0.50 s"
    )
    limits.admit("b")  # another identity has its own bucket
    clock.now += 0.5
    limits.admit("a")


def test_calls_in_flight_are_limited_per_identity_and_in_all() -> None:
    limits = Limits(rate=0, burst=1, inflight_per_identity=2, inflight_total=3, clock=Clock())
    limits.admit("a")
    limits.admit("a")
    with pytest.raises(RateLimited) as err:
        limits.admit("a")
    assert err.value.message == (
        "too many calls in progress for a... (at most 2 at once); try again shortly"
    )
    limits.admit("b")
    with pytest.raises(RateLimited) as err:
        limits.admit("c")
    assert err.value.message == "the server is busy: 3 calls in progress; try again shortly"
    limits.release("a")
    limits.admit("c")


def test_a_refusal_is_held_until_the_callers_turn() -> None:
    clock = Clock()
    limits = Limits(rate=2, burst=1, inflight_per_identity=0, inflight_total=0, clock=clock)
    limits.admit("a")
    limits.release("a")
    held = []
    for _ in range(3):  # three calls at once, all refused
        with pytest.raises(RateLimited) as err:
            limits.admit("a")
        seconds = limits.hold("a", err.value)
        held.append((seconds, err.value.retry_after_s))
    # The first would get a token in 0.5 s, the second after it, the third never
    # waits more than a second here: what is left is its hint.
    assert held == [(0.5, 0.0), (1.0, 0.0), (1.0, pytest.approx(0.5))]
    assert limits.held == 3
    for _ in range(3):
        limits.unhold("a")
    assert limits.held == 0


def test_held_refusals_are_bounded_per_identity() -> None:
    from server.limits import HOLD_PER_IDENTITY

    limits = Limits(rate=1, burst=1, inflight_per_identity=0, inflight_total=0, clock=Clock())
    limits.admit("a")
    for _ in range(HOLD_PER_IDENTITY):
        assert limits.hold("a", RateLimited("x", 1.0)) > 0
    assert limits.hold("a", RateLimited("x", 1.0)) == 0  # refused at once
    limits.admit("b")
    assert limits.hold("b", RateLimited("x", 1.0)) > 0  # another identity has its own


def test_a_connection_of_one_identity_over_budget_is_refused_early() -> None:
    clock = Clock()
    limits = Limits(rate=1, burst=1, inflight_per_identity=0, inflight_total=0, clock=clock)
    assert limits.refuse_early("ipv4:1") is None  # unknown connection
    limits.note_peer("ipv4:1", "a")
    limits.admit("a")
    early = limits.refuse_early("ipv4:1")
    assert early is not None
    assert early[0] == "a" and early[1].retry_after_s == pytest.approx(1.0)
    assert early[1].message.startswith("rate limit: a... may make 1 calls per second")
    clock.now += 1.0
    assert limits.refuse_early("ipv4:1") is None  # a token again: checked fully
    limits.admit("a")  # refuse_early took nothing from the bucket
    assert limits.refuse_early("ipv4:1") is not None  # over budget again
    # An address not seen for a while may be another connection by now.
    clock.now += 5.1
    limits._buckets["a"].tokens = -10.0
    assert limits.refuse_early("ipv4:1") is None
    # A connection shared by two identities is never refused early.
    limits.note_peer("ipv4:1", "a")
    assert limits.refuse_early("ipv4:1") is not None
    limits.note_peer("ipv4:1", "b")
    assert limits.refuse_early("ipv4:1") is None


@pytest.fixture(scope="module")
def limited() -> Iterator[tuple[ThreadedServer, ColonyKeys]]:
    with ThreadedServer(http=True, rate_limit=2, rate_burst=4) as srv:
        yield srv, bootstrap(srv.client(), srv.server_key, executors=1)


def test_a_greedy_identity_is_refused_and_told_when_to_retry(
    limited: tuple[ThreadedServer, ColonyKeys],
) -> None:
    srv, colony = limited
    payload = payload_for(colony)
    key = colony.executor_keys[0]
    with pytest.raises(grpc.RpcError) as info:
        for _ in range(10):
            raw_call(srv, payload, signed(key, payload))
    err = info.value
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert err.details().startswith("rate limit: ")
    assert "may make 2 calls per second (bursts of 4); retry in " in err.details()
    trailing = dict(err.trailing_metadata())
    assert trailing[signing.ERROR_KEY] == "RateLimited"
    assert 1 <= int(trailing[signing.RETRY_AFTER_KEY]) <= 500
    # Another identity is served meanwhile.
    reply, _ = raw_call(srv, payload, signed(colony.user_key, payload))
    assert reply.name == colony.colonyname


def test_the_sdk_retries_a_rate_limited_call(limited: tuple[ThreadedServer, ColonyKeys]) -> None:
    srv, colony = limited
    client = srv.client()
    names = [client.get_colony(colony.colonyname, colony.colony_key).name for _ in range(8)]
    assert names == [colony.colonyname] * 8


def test_the_gateway_answers_429_with_retry_after(
    limited: tuple[ThreadedServer, ColonyKeys],
) -> None:
    srv, colony = limited
    key = "ab" * 32  # an identity of its own: a fresh bucket
    statuses = []
    for _ in range(10):
        msg = {"msgtype": "getcolonymsg", "colonyname": colony.colonyname}
        payload = base64.b64encode(json.dumps(msg).encode()).decode()
        body = json.dumps({"payloadtype": "getcolonymsg", "payload": payload,
                           "signature": Crypto().sign(payload, key)}).encode()  # fmt: skip
        request = urllib.request.Request(f"http://127.0.0.1:{srv.http_port}/api", data=body)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                statuses.append(reply.status)
        except urllib.error.HTTPError as err:
            with err:
                statuses.append(err.code)
                text = err.read()
            if err.code == 429:
                assert int(err.headers["Retry-After"]) >= 1
                envelope = json.loads(text)
                assert envelope["error"] is True and envelope["payloadtype"] == "error"
                inner = json.loads(base64.b64decode(envelope["payload"]))
                assert inner["status"] == 429 and inner["message"].startswith("rate limit: ")
                break
    assert statuses[-1] == 429 and 403 in statuses  # refused as a stranger, then limited


@contextlib.contextmanager
def over_budget(srv: ThreadedServer, key: str, payload: bytes) -> Iterator[Any]:
    """A call of a connection whose identity `key` has spent its budget: ten
    calls at once, the burst served, the others refused."""
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        call = channel.unary_unary(METHOD)
        calls = [call.future(payload, metadata=signed(key, payload), timeout=10)
                 for _ in range(10)]  # fmt: skip
        calls[0].exception()
        yield call
        assert grpc.StatusCode.RESOURCE_EXHAUSTED in [c.code() for c in calls]


def call_on_own_connection(srv: ThreadedServer, payload: bytes, metadata: tuple) -> object:
    """A call over a new connection (gRPC shares one between channels to the
    same address unless told not to)."""
    options = [("grpc.use_local_subchannel_pool", 1)]
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}", options=options) as channel:
        return channel.unary_unary(METHOD)(payload, metadata=metadata, timeout=10)


@pytest.fixture(scope="module")
def frugal() -> Iterator[tuple[ThreadedServer, ColonyKeys]]:
    """A budget that refills too slowly to matter within a test (one call per
    10 s), so an identity that spent its burst stays over budget; one executor
    key per test. The burst covers the set-up's calls."""
    with ThreadedServer(http=True, rate_limit=0.1, rate_burst=8) as srv:
        yield srv, bootstrap(srv.client(), srv.server_key, executors=2)


def test_a_connection_over_budget_is_refused_before_its_signature_is_checked(
    frugal: tuple[ThreadedServer, ColonyKeys],
) -> None:
    srv, colony = frugal
    payload = payload_for(colony)
    key = colony.executor_keys[0]
    forged = (*signed(key, payload)[:2], (signing.SIGNATURE_KEY, "00" * 65))
    with over_budget(srv, key, payload) as call:
        # The connection's next call is refused as it is, signature unread.
        with pytest.raises(grpc.RpcError) as info:
            call(payload, metadata=forged, timeout=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # On a connection of its own, the same forgery is read and refused for what it is.
    with pytest.raises(grpc.RpcError) as info:
        call_on_own_connection(srv, payload, forged)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_a_call_refused_before_its_signature_is_checked_cannot_run_later(
    frugal: tuple[ThreadedServer, ColonyKeys],
) -> None:
    srv, colony = frugal
    payload = payload_for(colony)
    key = colony.executor_keys[1]
    captured = signed(key, payload)
    with over_budget(srv, key, payload) as call:
        with pytest.raises(grpc.RpcError) as info:
            call(payload, metadata=captured, timeout=10)
        assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The sender retries under a new nonce; a copy of the refused call sent
    # again (here on a connection of its own, so its signature is checked) is
    # a replay.
    with pytest.raises(grpc.RpcError) as info:
        call_on_own_connection(srv, payload, captured)
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "replayed" in (info.value.details() or "")


def test_nonces_of_calls_refused_unverified_are_bounded() -> None:
    from pycolonies_like.core.clock import SystemClock
    from server.auth import MAX_UNVERIFIED, RequestVerifier

    verifier = RequestVerifier(None, SystemClock())  # type: ignore[arg-type]
    ts = str(SystemClock().now_ns() // 1_000_000)
    meta = lambda nonce: ((signing.TIMESTAMP_KEY, ts), (signing.NONCE_KEY, nonce))  # noqa: E731
    assert not verifier.refuse_unverified(meta("not-hex"))
    assert not verifier.refuse_unverified(((signing.NONCE_KEY, "ab" * 8),))
    for i in range(MAX_UNVERIFIED):
        assert verifier.refuse_unverified(meta(f"{i:016x}"))
    # Full: the next call is verified before it is refused.
    assert not verifier.refuse_unverified(meta("f" * 16))
