"""Load shedding: a token bucket per identity, and calls in flight per identity
and in all. Refusals are RESOURCE_EXHAUSTED (RateLimited) with when to retry;
the SDK retries them with backoff."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator

import grpc
import pytest

from pycolonies_like import RateLimited, signing
from pycolonies_like.crypto import Crypto
from server.limits import Limits
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.server.test_auth import payload_for, raw_call, signed


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
