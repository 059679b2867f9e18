"""Hostile input on the gRPC API, property-based: for every unary method, requests
built from the message's own fields with hostile values (out-of-range enums,
extreme integers, NaN and infinite numbers, odd unicode, deep or wrong JSON in
the *_json fields, seeded with the values of the recorded ColonyOS exchanges),
and valid requests cut short or with bytes changed, each signed by the server
owner, the colony owner, a member or a stranger. Whatever comes in: never
INTERNAL, UNKNOWN or UNAVAILABLE, never an error in the server's log, and a
refused request stores nothing. Derandomized: the same examples on every run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import given
from hypothesis import strategies as st

from pycolonies_like.crypto import generate_private_key
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ThreadedServer, bootstrap
from tests.conftest import spec
from tests.gateway.test_wire import RECORDED
from tests.hostile import (
    HOSTILE,
    SERVER_USES_RANDOM,
    LogWatch,
    deepen,
    fingerprint,
    mutated,
    paths,
    suite,
)
from tests.hostile import watching_the_log as watching
from tests.server.test_auth import signed

SERVICE = pb.DESCRIPTOR.services_by_name["Colonies"]
# Not called: a long poll, and the removal of the colony everything else needs.
SKIPPED = {"Assign", "RemoveColony"}
METHODS = sorted(
    m.name for m in SERVICE.methods
    if not m.client_streaming and not m.server_streaming and m.name not in SKIPPED
)  # fmt: skip
WRONG = {
    grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DATA_LOSS, grpc.StatusCode.UNIMPLEMENTED,
}  # fmt: skip

pytestmark = SERVER_USES_RANDOM


def _values(payload: Any) -> list[str]:
    """The objects and lists inside a recorded request, as JSON texts."""
    found = set()
    for where in paths(payload):
        value = payload
        for key in where:
            value = value[key]
        if isinstance(value, (dict, list)) and where:
            found.add(json.dumps(value, sort_keys=True))
    return sorted(found)


JSON_SEEDS = sorted({t for r in RECORDED if isinstance(r.get("request_payload"), dict)
                     for t in _values(r["request_payload"])})[:300]  # fmt: skip

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
ODD = st.sampled_from(["", " ", "\x00", "💥" * 30, "a" * 70_000, "../x", "\u202e", "null"])
JSON_TEXT = st.one_of(
    st.sampled_from(JSON_SEEDS).flatmap(lambda t: mutated(json.loads(t)))
    .map(lambda v: deepen(json.dumps(v))),
    HOSTILE.map(lambda v: deepen(json.dumps(v))),
    st.sampled_from(JSON_SEEDS),
    TEXT,
)  # fmt: skip
TIMEOUTS = st.sampled_from([float("nan"), float("-inf"), -1.0, 0.0, 0.001])
F = FieldDescriptor
RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1), F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1), F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1), F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1), F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1),
}  # fmt: skip


def integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-3, 100).filter(lambda i: low <= i <= high),
                     st.sampled_from([low, high, low + 1, high - 1]),
                     st.integers(low, high))  # fmt: skip


def scalar(field: FieldDescriptor, ids: list[str], colony: str) -> st.SearchStrategy[Any]:
    if field.type == F.TYPE_STRING:
        if field.name.endswith("_json"):
            return JSON_TEXT
        if field.name == "colonyname":
            return st.one_of(st.just(colony), TEXT)
        if field.name.endswith("id") or field.name.endswith("ids"):
            return st.one_of(st.sampled_from(ids), TEXT)
        return st.one_of(TEXT, ODD)
    if field.type == F.TYPE_BYTES:
        return st.binary(max_size=64)
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        if "timeout" in field.name:
            return TIMEOUTS
        return st.floats(allow_nan=True, allow_infinity=True, width=64 if
                         field.type == F.TYPE_DOUBLE else 32)  # fmt: skip
    if field.type == F.TYPE_ENUM:
        return integers(-(2**31), 2**31 - 1)  # open enums: any number travels
    low, high = RANGES[field.type]
    return integers(low, high)


_MESSAGES: dict[tuple[str, int], Any] = {}


def message(descriptor: Descriptor, ids: list[str], colony: str, depth: int = 0) -> Any:
    """Messages of `descriptor`, each field left out or set to a hostile value."""
    key = (descriptor.full_name, depth)
    if key not in _MESSAGES:
        _MESSAGES[key] = _message(descriptor, ids, colony, depth)
    return _MESSAGES[key]


def _message(descriptor: Descriptor, ids: list[str], colony: str, depth: int) -> Any:
    from google.protobuf import message_factory

    cls = message_factory.GetMessageClass(descriptor)
    optional = {}
    for field in descriptor.fields:
        if field.type == F.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                key = scalar(field.message_type.fields_by_name["key"], ids, colony)
                value = scalar(field.message_type.fields_by_name["value"], ids, colony)
                optional[field.name] = st.dictionaries(key, value, max_size=3)
                continue
            if depth >= 3:
                continue
            inner = message(field.message_type, ids, colony, depth + 1)
        else:
            inner = scalar(field, ids, colony)
        optional[field.name] = st.lists(inner, max_size=3) if field.is_repeated else inner
    return st.fixed_dictionaries({}, optional=optional).map(lambda kw: cls(**kw))


class Api:
    def __init__(self, srv: ThreadedServer, keys: ColonyKeys, ids: list[str]) -> None:
        self.srv, self.keys, self.ids = srv, keys, ids
        self.channel = grpc.insecure_channel(f"127.0.0.1:{srv.port}")
        self.signers = [srv.server_key, keys.colony_key, keys.executor_key, keys.user_key,
                        generate_private_key()]  # fmt: skip

    def call(self, method: str, payload: bytes, key: str) -> grpc.StatusCode:
        path = f"/colonies.v1.Colonies/{method}"
        rpc = self.channel.unary_unary(path)
        try:
            rpc(payload, metadata=signed(key, payload, method=path), timeout=30)
        except grpc.RpcError as err:
            code: grpc.StatusCode = err.code()
            assert code not in WRONG, f"{method}: {code} {err.details()}"
            return code
        return grpc.StatusCode.OK


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[Api, LogWatch]]:
    with ThreadedServer(rate_limit=0) as srv, watching() as watch:
        client = srv.client()
        keys = bootstrap(client, srv.server_key, colonyname="hostile", executors=1)
        process = client.submit(spec(keys.colonyname), keys.user_key)
        ids = [process.processid, keys.executor_names[0], "0" * 64]
        watch.check()
        a = Api(srv, keys, ids)
        yield a, watch
        a.channel.close()


def check(api: Api, watch: LogWatch, method: str, payload: bytes, key: str) -> None:
    before = fingerprint(api.srv)
    code = api.call(method, payload, key)
    if code != grpc.StatusCode.OK:
        after = fingerprint(api.srv)
        changed = [table for table in before if before[table] != after.get(table)]
        assert not changed, f"a refused {method} ({code}) changed {changed}"
    watch.check()


@st.composite
def requests(draw: st.DrawFn, api: Api) -> tuple[str, bytes, str]:
    method = draw(st.sampled_from(METHODS))
    descriptor = SERVICE.methods_by_name[method].input_type
    request = draw(message(descriptor, api.ids, api.keys.colonyname))
    return method, request.SerializeToString(), draw(st.sampled_from(api.signers))


@suite(max_examples=1500)
@given(data=st.data())
def test_hostile_requests(api: tuple[Api, LogWatch], data: st.DataObject) -> None:
    a, watch = api
    method, payload, key = data.draw(requests(a))
    check(a, watch, method, payload, key)


@suite(max_examples=500)
@given(data=st.data())
def test_broken_bytes(api: tuple[Api, LogWatch], data: st.DataObject) -> None:
    a, watch = api
    method, payload, key = data.draw(requests(a))
    raw = bytearray(payload)
    how = data.draw(st.sampled_from(["cut", "flip", "append"]))
    if how == "cut" and raw:
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif how == "flip" and raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
    else:
        raw += data.draw(st.binary(min_size=1, max_size=16))
    check(a, watch, method, bytes(raw), key)
