"""Malformed messages on the ColonyOS API: each is a 400 naming what is wrong,
never a 500, and nothing of it is stored."""

from __future__ import annotations

import base64
import copy
import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from pycolonies_like.crypto import Crypto, id_of
from server.testing import ThreadedServer
from tests.gateway.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY

COLONY = "badinput"
TYPE = "bad-input-type"
CONDITIONS = {"colonyname": COLONY, "executortype": TYPE}


@pytest.fixture(scope="module")
def gw() -> Iterator[ThreadedServer]:
    with ThreadedServer(http=True, server_key=SERVER_KEY) as srv:
        client = srv.client()
        client.add_colony({"colonyid": id_of(COLONY_KEY), "name": COLONY}, srv.server_key)
        client.add_executor({"executorid": id_of(EXECUTOR_KEY), "executortype": TYPE,
                             "executorname": "bad-input", "colonyname": COLONY},
                            COLONY_KEY)  # fmt: skip
        client.approve_executor(COLONY, "bad-input", COLONY_KEY)
        yield srv


def post_text(gw: ThreadedServer, payloadtype: str, payload_text: str, key: str) -> tuple[int, Any]:
    payload = base64.b64encode(payload_text.encode()).decode()
    envelope = {"payloadtype": payloadtype, "payload": payload,
                "signature": Crypto().sign(payload, key)}  # fmt: skip
    request = urllib.request.Request(f"http://127.0.0.1:{gw.http_port}/api",
                                     data=json.dumps(envelope).encode(), method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, body = reply.status, reply.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    return status, json.loads(base64.b64decode(json.loads(body)["payload"]))


def post(gw: ThreadedServer, payloadtype: str, msg: dict[str, Any], key: str) -> tuple[int, Any]:
    return post_text(gw, payloadtype, json.dumps({**msg, "msgtype": payloadtype}), key)


def spec(**changes: Any) -> dict[str, Any]:
    return {"funcname": "f", "conditions": CONDITIONS, "maxexectime": 10, **changes}


SERVER, COLONY_OWNER, MEMBER = "server", "colony", "member"
KEYS = {SERVER: SERVER_KEY, COLONY_OWNER: COLONY_KEY, MEMBER: EXECUTOR_KEY}

# (payloadtype, message, signer, words the error must contain)
CASES = [
    ("addcolonymsg", {"colony": "x"}, SERVER, "colony"),
    ("addcolonymsg", {"colony": [1, 2]}, SERVER, "colony"),
    ("addcolonymsg", {"colony": 5}, SERVER, "colony"),
    ("addexecutormsg", {"executor": "x"}, COLONY_OWNER, "executor"),
    ("addexecutormsg", {"executor": [{}]}, COLONY_OWNER, "executor"),
    ("addusermsg", {"user": "x"}, COLONY_OWNER, "user"),
    ("addusermsg", {"user": 7}, COLONY_OWNER, "user"),
    ("addattributemsg", {"attribute": "x"}, MEMBER, "attribute"),
    ("addattributemsg", {"attribute": [1]}, MEMBER, "attribute"),
    ("addcronmsg", {"cron": "x"}, MEMBER, "cron"),
    ("addcronmsg", {"cron": [1]}, MEMBER, "cron"),
    ("addgeneratormsg", {"generator": "x"}, MEMBER, "generator"),
    ("submitfuncspecmsg", {"spec": 5}, MEMBER, "spec"),
    ("submitfuncspecmsg", {"spec": [spec()]}, MEMBER, "spec"),
    ("submitfuncspecmsg", {"spec": spec(conditions="x")}, MEMBER, "conditions"),
    ("submitfuncspecmsg", {"spec": spec(conditions=[CONDITIONS])}, MEMBER, "conditions"),
    ("submitfuncspecmsg", {"spec": spec(conditions=5)}, MEMBER, "conditions"),
    ("submitfuncspecmsg", {"spec": spec(priority=2**70)}, MEMBER, "priority"),
    ("submitfuncspecmsg", {"spec": spec(maxexectime=2**64)}, MEMBER, "maxexectime"),
    ("submitfuncspecmsg", {"spec": spec(maxretries=-(2**64))}, MEMBER, "maxretries"),
    (
        "submitfuncspecmsg",
        {"spec": spec(fs={"mount": "", "dirs": [{"label": "/l", "dir": "../x"}]})},
        MEMBER,
        "fs.dirs[0].dir",
    ),
    (
        "submitfuncspecmsg",
        {"spec": spec(fs={"dirs": [{"label": "/l/../m", "dir": "x"}]})},
        MEMBER,
        "fs.dirs[0].label",
    ),
    ("submitworkflowspecmsg", {"spec": "x"}, MEMBER, "spec"),
    ("assignprocessmsg", {"colonyname": COLONY, "timeout": "abc"}, MEMBER, "timeout"),
    ("assignprocessmsg", {"colonyname": COLONY, "timeout": [1]}, MEMBER, "timeout"),
    ("getprocessesmsg", {"colonyname": COLONY, "state": 0, "count": 2**70}, MEMBER, "count"),
    ("getprocessesmsg", {"colonyname": COLONY, "state": 99}, MEMBER, "state"),
    ("getlogsmsg", {"colonyname": COLONY, "processid": "p", "since": 2**80}, MEMBER, "since"),
    ("getcolonymsg", {"colonyname": {"a": 1}}, MEMBER, "colonyname"),
    ("getcolonymsg", {"colonyname": "\ud800"}, MEMBER, "colonyname is not valid Unicode"),
    ("submitfuncspecmsg", {"spec": spec(funcname="a\udc00")}, MEMBER, "spec.funcname is not"),
]


@pytest.mark.parametrize(("payloadtype", "msg", "signer", "words"), CASES)
def test_wrong_shapes_are_400s_naming_the_field(
    gw: ThreadedServer, payloadtype: str, msg: dict[str, Any], signer: str, words: str
) -> None:
    before = gw.client().list_processes(COLONY, 100, 0, EXECUTOR_KEY)
    status, error = post(gw, payloadtype, msg, KEYS[signer])
    assert (status, error["status"]) == (400, 400), error
    assert words in error["message"], error
    assert "Traceback" not in error["message"]
    assert gw.client().list_processes(COLONY, 100, 0, EXECUTOR_KEY) == before


@pytest.mark.parametrize(
    ("payloadtype", "text", "words"),
    [
        # NaN and infinities are not JSON; Python's decoder takes them.
        ("assignprocessmsg", f'{{"msgtype": "assignprocessmsg", "colonyname": "{COLONY}", '
         '"timeout": NaN}', "timeout"),
        ("assignprocessmsg", f'{{"msgtype": "assignprocessmsg", "colonyname": "{COLONY}", '
         '"timeout": Infinity}', "timeout"),
        # deep nesting, where an object or a plain value is expected
        ("getcoloniesmsg", '{"msgtype": "getcoloniesmsg", "x": ' + "[" * 100_000 + "]" * 100_000
         + "}", "nest"),
        ("submitfuncspecmsg", '{"msgtype": "submitfuncspecmsg", "spec": {"funcname": "f", '
         '"kwargs": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}}", "nest"),
    ],
)  # fmt: skip
def test_what_json_does_not_allow_is_a_400(
    gw: ThreadedServer, payloadtype: str, text: str, words: str
) -> None:
    status, error = post_text(gw, payloadtype, text, EXECUTOR_KEY)
    assert (status, error["status"]) == (400, 400), error
    assert words in error["message"], error


def test_null_is_the_zero_value_as_in_colonyos(gw: ThreadedServer) -> None:
    status, process = post(gw, "submitfuncspecmsg", {"spec": spec(label=None)}, EXECUTOR_KEY)
    assert status == 200 and process["spec"]["label"] == ""
    gw.client().remove_process(process["processid"], EXECUTOR_KEY)


@pytest.mark.parametrize(
    ("payloadtype", "msg", "words"),
    [
        ("subscribeprocessmsg", {"processid": "p", "state": 99, "timeout": 1}, "state"),
        ("subscribeprocessmsg", {"processid": "p", "state": "x", "timeout": 1}, "state"),
        ("subscribeprocessmsg", {"processid": "p", "state": 2, "timeout": "abc"}, "timeout"),
        ("subscribeprocessmsg", {"processid": ["p"], "state": 2, "timeout": 1}, "processid"),
        ("subscribeprocessesmsg", {"colonyname": COLONY, "state": 99, "timeout": 1}, "state"),
        ("subscribeprocessesmsg", {"colonyname": COLONY, "state": 0, "timeout": "x"}, "timeout"),
        ("subscribechannelmsg", {"processid": "p", "name": "c", "timeout": "abc"}, "timeout"),
        ("subscribechannelmsg", {"processid": "p", "name": "c", "timeout": [1]}, "timeout"),
    ],
)
def test_bad_subscriptions_get_an_error_frame(
    gw: ThreadedServer, payloadtype: str, msg: dict[str, Any], words: str
) -> None:
    import asyncio

    import aiohttp

    payload = base64.b64encode(json.dumps({**msg, "msgtype": payloadtype}).encode()).decode()
    envelope = {"payloadtype": payloadtype, "payload": payload,
                "signature": Crypto().sign(payload, EXECUTOR_KEY)}  # fmt: skip

    async def subscribe() -> aiohttp.WSMessage:
        url = f"http://127.0.0.1:{gw.http_port}/pubsub"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            await ws.send_str(json.dumps(envelope))
            return await ws.receive(timeout=10)

    frame = asyncio.run(subscribe())
    assert frame.type == aiohttp.WSMsgType.TEXT, frame
    error = json.loads(base64.b64decode(json.loads(frame.data)["payload"]))
    assert error["status"] == 400 and words in error["message"], error


# Recorded requests with one field deep inside given the wrong type.
@pytest.mark.parametrize(
    ("payloadtype", "path", "value", "words"),
    [
        ("submitfuncspecmsg", "spec.priority", "x", "priority"),
        ("submitfuncspecmsg", "spec.priority", {"a": 1}, "priority"),
        ("submitfuncspecmsg", "spec.conditions.executortype", 5, "conditions.executortype"),
        ("submitfuncspecmsg", "spec.conditions.colonyname", [1], "conditions.colonyname"),
        ("submitfuncspecmsg", "spec.conditions.gpu.name", True, "gpu.name"),
        ("addblueprintdefinitionmsg", "blueprintdefinition.metadata.name", 5, "metadata.name"),
        ("addblueprintdefinitionmsg", "blueprintdefinition.spec.names.kind", [1], "names.kind"),
        ("addblueprintmsg", "blueprint.metadata.name", {"a": 1}, "metadata.name"),
        ("addblueprintmsg", "blueprint.metadata.colonyname", [1], "metadata.colonyname"),
        ("updateblueprintmsg", "blueprint.metadata.name", -1, "metadata.name"),
    ],
)
def test_wrong_types_deep_in_recorded_requests(
    gw: ThreadedServer, payloadtype: str, path: str, value: Any, words: str
) -> None:
    from tests.gateway.test_wire import recorded

    msg = copy.deepcopy(recorded(payloadtype)["request_payload"])
    *parents, last = path.split(".")
    target = msg
    for key in parents:
        target = target[key]
    target[last] = value
    before = gw.client().list_processes(COLONY, 100, 0, EXECUTOR_KEY)
    status, error = post(gw, payloadtype, msg, EXECUTOR_KEY)
    assert (status, error["status"]) == (400, 400), error
    assert words in error["message"], error
    assert gw.client().list_processes(COLONY, 100, 0, EXECUTOR_KEY) == before


WRONG = ["x", 5, -1, True, None, [1], {"a": 1}, 2**70, [{"a": []}]]


def _variants(request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The request with one field (at any depth, in lists too) replaced by each wrong value."""
    todo: list[list[Any]] = [[k] for k in request if k != "msgtype"]
    while todo:
        path = todo.pop()
        for value in WRONG:
            msg = copy.deepcopy(request)
            target = msg
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            yield ".".join(map(str, path)), msg
        found: Any = request
        for key in path:
            found = found[key]
        if isinstance(found, dict):
            todo += [[*path, k] for k in found]
        elif isinstance(found, list) and found and isinstance(found[0], dict):
            todo.append([*path, 0])


def test_no_wrong_field_in_a_recorded_request_is_a_5xx(
    gw: ThreadedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Every field of one recorded request per message type, given each wrong JSON
    type in turn, signed by each kind of caller: refusals are 4xx, never 5xx."""
    from tests.gateway.test_wire import RECORDED

    requests = {r["payloadtype"]: r["request_payload"] for r in RECORDED
                if isinstance(r.get("request_payload"), dict) and r.get("payloadtype")
                and r["payloadtype"] != "assignprocessmsg"}  # fmt: skip
    assert len(requests) > 40
    failures = []
    for payloadtype, request in sorted(requests.items()):
        for path, msg in _variants(request):
            for key in KEYS.values():
                status, reply = post(gw, payloadtype, msg, key)
                if status >= 500:
                    failures.append(f"{payloadtype} {path}: {status} {reply}")
    assert failures == []
    assert [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= 40] == []


def test_numbers_at_the_64_bit_edge_travel_exactly_or_are_refused(gw: ThreadedServer) -> None:
    # What the gateway passes on is exact: 64-bit integers to the last unit and
    # floats to the last bit; one past the signed 64-bit range is refused.
    edge = [2**63 - 1, -(2**63), 0.1, 1e308, 5e-324, -0.0, 123456789.12345679]
    status, process = post(gw, "submitfuncspecmsg", {"spec": spec(args=edge)}, EXECUTOR_KEY)
    assert status == 200, process
    assert process["spec"]["args"] == edge
    assert [type(a) for a in process["spec"]["args"]] == [type(a) for a in edge]
    assert str(process["spec"]["args"][5]) == "-0.0"
    for beyond in (2**63, -(2**63) - 1, 2**64):
        status, error = post(gw, "submitfuncspecmsg", {"spec": spec(args=[beyond])}, EXECUTOR_KEY)
        assert (status, error["status"]) == (400, 400) and "64-bit" in error["message"], error
