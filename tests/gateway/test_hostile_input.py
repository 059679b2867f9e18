"""Hostile input on the ColonyOS API, property-based: the recorded exchanges
(tests/gateway/data/colonyos-exchanges.jsonl), each changed in one to three
places (wrong types, deeper nesting, huge integers, NaN, odd unicode, keys
missing or unknown), signed by the server owner, the colony owner or a member.
Whatever comes in: never a 5xx, never a traceback in the server's log, and a
refused request stores nothing. Seeded and derandomized: the same examples on
every run."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pycolonies_like.crypto import Crypto, id_of
from server.testing import ThreadedServer
from tests.gateway.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY
from tests.gateway.test_wire import RECORDED
from tests.hostile import (
    HOSTILE,
    SERVER_USES_RANDOM,
    LogWatch,
    deepen,
    fingerprint,
    mutated,
    suite,
    watching_the_log,
)

COLONY = "hostile"
TYPE = "hostile-type"
# Not replayed: a long poll (its timeout may be made huge) and the removal of the
# colony everything else here needs.
SKIPPED = {"assignprocessmsg", "removecolonymsg"}

pytestmark = SERVER_USES_RANDOM


def retarget(value: Any) -> Any:
    """A recorded message aimed at this test's colony and executor type."""
    if isinstance(value, dict):
        return {k: COLONY if k == "colonyname" else TYPE if k == "executortype" else retarget(v)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [retarget(v) for v in value]
    return value


SEEDS = sorted(
    {(r["payloadtype"], json.dumps(retarget(r["request_payload"]), sort_keys=True))
     for r in RECORDED
     if r.get("payloadtype") and r.get("request_payload") and r["payloadtype"] not in SKIPPED}
)  # fmt: skip
KEYS = [SERVER_KEY, COLONY_KEY, EXECUTOR_KEY]


@pytest.fixture(scope="module")
def gw() -> Iterator[tuple[ThreadedServer, LogWatch]]:
    with ThreadedServer(http=True, server_key=SERVER_KEY, rate_limit=0) as srv, \
            watching_the_log() as watch:  # fmt: skip
        client = srv.client()
        client.add_colony({"colonyid": id_of(COLONY_KEY), "name": COLONY}, srv.server_key)
        client.add_executor({"executorid": id_of(EXECUTOR_KEY), "executortype": TYPE,
                             "executorname": "hostile-executor", "colonyname": COLONY},
                            COLONY_KEY)  # fmt: skip
        client.approve_executor(COLONY, "hostile-executor", COLONY_KEY)
        watch.check()
        yield srv, watch


def post(srv: ThreadedServer, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{srv.http_port}/api", data=body,
                                     method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


def sign(payload_text: str, payloadtype: Any, key: str) -> bytes:
    payload = base64.b64encode(payload_text.encode("utf-8", "surrogatepass")).decode()
    envelope = {"payloadtype": payloadtype, "payload": payload,
                "signature": Crypto().sign(payload, key)}  # fmt: skip
    return json.dumps(envelope).encode()


def check(srv: ThreadedServer, watch: LogWatch, body: bytes) -> None:
    before = fingerprint(srv)
    status, reply = post(srv, body)
    assert status < 500, reply[:2000]
    envelope = json.loads(reply)
    assert isinstance(envelope, dict) and "payloadtype" in envelope
    if status != 200:
        assert envelope["error"] is True
        after = fingerprint(srv)
        changed = [table for table in before if before[table] != after.get(table)]
        assert not changed, f"a refused request ({status}) changed {changed}"
    watch.check()


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, str]:
    payloadtype, text = draw(st.sampled_from(SEEDS))
    keep = draw(st.integers(0, 9)) > 0  # msgtype mostly left right: the message is read
    msg = draw(mutated(json.loads(text), frozenset({"msgtype"}) if keep else frozenset()))
    return payloadtype, deepen(json.dumps(msg)), draw(st.sampled_from(KEYS))


@suite(max_examples=1000)
@given(request=requests())
def test_mutated_recorded_requests(
    gw: tuple[ThreadedServer, LogWatch], request: tuple[str, str, str]
) -> None:
    srv, watch = gw
    payloadtype, text, key = request
    check(srv, watch, sign(text, payloadtype, key))


ENVELOPE_FIELDS = st.fixed_dictionaries(
    {},
    optional={"payloadtype": st.one_of(st.sampled_from([s[0] for s in SEEDS]), HOSTILE),
              "payload": st.one_of(st.just("e30="), st.text(max_size=40), HOSTILE),
              "signature": st.one_of(st.just("ab" * 65), st.text(max_size=140), HOSTILE),
              "extra": HOSTILE},
)  # fmt: skip


@suite(max_examples=200)
@given(envelope=st.one_of(ENVELOPE_FIELDS, HOSTILE), raw=st.booleans())
def test_hostile_envelopes(gw: tuple[ThreadedServer, LogWatch], envelope: Any, raw: bool) -> None:
    srv, watch = gw
    text = deepen(json.dumps(envelope))
    if raw:  # and bytes that are not JSON, or not even UTF-8
        text = text[: len(text) // 2] + "\udcff"
    check(srv, watch, text.encode("utf-8", "surrogateescape"))
