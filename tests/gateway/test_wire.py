"""The gateway against the recorded ColonyOS exchanges: the same requests, byte
for byte, and replies of the same shape."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

from pycolonies_like.core import errors
from pycolonies_like.crypto import CURVE_ORDER, Crypto, generate_private_key, id_of
from server.testing import ThreadedServer
from server.transport.http_gateway import wire
from tests.gateway.conftest import COLONY_KEY, EXECUTOR_KEY

# Request/reply pairs recorded between pycolonies 1.0.25 and a ColonyOS v1.9 server.
EXCHANGES = Path(__file__).parent / "data" / "colonyos-exchanges.jsonl"
RECORDED = [json.loads(line) for line in EXCHANGES.read_text().splitlines()]


def post(gw: ThreadedServer, envelope: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{gw.http_port}/api",
                                     data=json.dumps(envelope).encode(), method="POST")  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, body = reply.status, reply.read()
    except urllib.error.HTTPError as err:
        status, body = err.code, err.read()
    return status, json.loads(body)


def decoded(reply: dict[str, Any]) -> Any:
    return json.loads(base64.b64decode(reply["payload"]))


def replay(gw: ThreadedServer, record: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return post(gw, {"payloadtype": record["payloadtype"],
                     "payload": record["request_payload_base64"],
                     "signature": record["signature"]})  # fmt: skip


def recorded(payloadtype: str, status: str = "200") -> dict[str, Any]:
    return next(r for r in RECORDED if r.get("payloadtype") == payloadtype
                and status in r.get("http_status", ""))  # fmt: skip


def signed(payloadtype: str, msg: dict[str, Any], prvkey: str) -> dict[str, Any]:
    payload = base64.b64encode(json.dumps({**msg, "msgtype": payloadtype}).encode()).decode()
    return {"payloadtype": payloadtype, "payload": payload,
            "signature": Crypto().sign(payload, prvkey)}  # fmt: skip


def test_a_recorded_request_is_accepted_byte_for_byte(gw: ThreadedServer) -> None:
    status, reply = replay(gw, recorded("getcoloniesmsg"))  # signed by the dev server key
    assert status == 200 and reply["error"] is False and reply["payloadtype"] == "getcoloniesmsg"
    assert isinstance(decoded(reply), list)


def test_recorded_refusals_get_colonyos_error_envelopes(gw: ThreadedServer) -> None:
    status, reply = replay(gw, recorded("addcolonymsg", "403"))
    assert status == 403 and reply["payloadtype"] == "error" and reply["error"] is True
    error = decoded(reply)
    assert error["status"] == 403 and error["message"].startswith("Access denied")
    status, reply = replay(gw, recorded("getprocessmsg", "404"))
    assert status == 404 and decoded(reply)["status"] == 404


def test_an_assign_timeout_is_a_404_as_in_colonyos(gw: ThreadedServer) -> None:
    record = recorded("assignprocessmsg", "404")
    caller = Crypto().recoverid(record["request_payload_base64"], record["signature"])
    colonyname = record["request_payload"]["colonyname"]
    _register(gw, colonyname, caller)
    started = time.monotonic()
    status, reply = replay(gw, record)  # timeout 2 s, as recorded
    assert status == 404 and decoded(reply)["message"] == "No process available for assignment"
    assert 1.5 < time.monotonic() - started < 10


def _register(gw: ThreadedServer, colonyname: str, executorid: str) -> None:
    client = gw.client()
    client.add_colony({"colonyid": id_of(COLONY_KEY), "name": colonyname}, gw.server_key)
    client.add_executor({"executorid": executorid, "executortype": "t", "executorname": "e",
                         "colonyname": colonyname}, COLONY_KEY)  # fmt: skip
    client.approve_executor(colonyname, "e", COLONY_KEY)


@pytest.mark.parametrize(
    ("envelope", "status", "message"),
    [
        ({"payloadtype": "getcoloniesmsg"}, 400, "not a ColonyOS RPC envelope"),
        ({"payloadtype": "getcoloniesmsg", "payload": "e30=", "signature": "zz"}, 403, "not hex"),
        (
            {"payloadtype": "getcoloniesmsg", "payload": "e30=", "signature": "00" * 65},
            403,
            "no public key",
        ),
        ({"payloadtype": "nosuchmsg", "payload": "e30=", "signature": ""}, 403, "65 bytes"),
    ],
)
def test_malformed_envelopes(gw: ThreadedServer, envelope: dict[str, Any], status: int,
                             message: str) -> None:  # fmt: skip
    got, reply = post(gw, envelope)
    assert got == status and reply["error"] is True and message in decoded(reply)["message"]


def test_msgtype_must_match_and_unknown_types_are_refused(gw: ThreadedServer) -> None:
    env = signed("getcoloniesmsg", {}, gw.server_key)
    env["payloadtype"] = "getcolonymsg"
    env["signature"] = Crypto().sign(env["payload"], gw.server_key)
    status, reply = post(gw, env)
    assert status == 400 and "does not match payloadType" in decoded(reply)["message"]
    status, reply = post(gw, signed("nosuchmsg", {}, gw.server_key))
    assert status == 403 and "invalid rpcMsg.PayloadType" in decoded(reply)["message"]
    status, reply = post(gw, signed("getclustermsg", {}, gw.server_key))
    assert status == 400 and "not supported by this server" in decoded(reply)["message"]


def test_version_and_server_info_need_no_signature(gw: ThreadedServer) -> None:
    payload = base64.b64encode(b'{"msgtype": "versionmsg"}').decode()
    status, reply = post(gw, {"payloadtype": "versionmsg", "payload": payload, "signature": ""})
    assert status == 200 and decoded(reply)["buildversion"]
    with urllib.request.urlopen(f"http://127.0.0.1:{gw.http_port}/health", timeout=5) as health:
        assert health.status == 200 and health.read() == b""


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def same_shape(ours: Any, theirs: Any, path: str = "") -> None:
    if theirs == "NoneType" or ours == "NoneType":
        return  # null on one side: the other may carry a value
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: expected an object"
        missing = set(theirs) - set(ours)
        assert not missing, f"{path}: missing {sorted(missing)}"
        for key in theirs:
            same_shape(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{path}: expected a list"
        if theirs and ours:
            same_shape(ours[0], theirs[0], f"{path}[0]")
    else:
        assert ours == theirs, f"{path}: {ours} instead of {theirs}"


def test_replies_have_the_recorded_shapes(gw: ThreadedServer) -> None:
    from pycolonies_like.core.models import Conditions, FuncSpec, Workflow

    colonyname = "shapes"
    client = gw.client()
    client.add_colony({"colonyid": id_of(COLONY_KEY), "name": colonyname}, gw.server_key)
    client.add_executor({"executorid": id_of(EXECUTOR_KEY), "executortype": "t",
                         "executorname": "test-executor", "colonyname": colonyname}, COLONY_KEY)  # fmt: skip
    client.approve_executor(colonyname, "test-executor", COLONY_KEY)
    key = EXECUTOR_KEY

    def call(payloadtype: str, msg: dict[str, Any]) -> Any:
        status, reply = post(gw, signed(payloadtype, msg, key))
        assert status == 200, decoded(reply)
        return decoded(reply)

    spec = {"funcname": "f", "nodename": "f", "args": ["x"], "env": {"k": "v"},
            "conditions": {"colonyname": colonyname, "executortype": "t"}}  # fmt: skip
    ours = {
        "submitfuncspecmsg": call("submitfuncspecmsg", {"spec": spec}),
        "assignprocessmsg": call("assignprocessmsg", {"colonyname": colonyname, "timeout": 5}),
        "getexecutormsg": call("getexecutormsg", {"colonyname": colonyname,
                                                  "executorname": "test-executor"}),
        "addfunctionmsg": call("addfunctionmsg", {"fun": {"colonyname": colonyname,
                                                          "executorname": "test-executor",
                                                          "funcname": "f"}}),
        "getcolonystatsmsg": call("getcolonystatsmsg", {"colonyname": colonyname}),
    }  # fmt: skip
    pid = ours["assignprocessmsg"]["processid"]
    ours["addattributemsg"] = call("addattributemsg", {"attribute": {
        "targetid": pid, "key": "k", "value": "v", "attributetype": 1}})  # fmt: skip
    call("addlogmsg", {"processid": pid, "message": "m"})
    ours["getlogsmsg"] = call("getlogsmsg", {"colonyname": colonyname, "processid": pid,
                                             "count": 10, "since": -1})  # fmt: skip
    call("closesuccessfulmsg", {"processid": pid, "out": ["o"]})
    wf = Workflow(colonyname=colonyname, functionspecs=[
        FuncSpec(nodename="a", funcname="f", conditions=Conditions(colonyname=colonyname, executortype="t")),
        FuncSpec(nodename="b", funcname="f", conditions=Conditions(
            colonyname=colonyname, executortype="t", dependencies=["a"]))])  # fmt: skip
    graph = call("submitworkflowspecmsg", {"spec": wf.to_dict()})
    ours["submitworkflowspecmsg"] = graph
    ours["getprocessgraphmsg"] = call(
        "getprocessgraphmsg", {"processgraphid": graph["processgraphid"]}
    )
    text = json.dumps(wf.to_dict())
    ours["getcronmsg"] = call("getcronmsg", {"cronid": call("addcronmsg", {"cron": {
        "name": "c", "colonyname": colonyname, "interval": -1, "cronexpression": "0/1 * * * * *",
        "workflowspec": text}})["cronid"]})  # fmt: skip
    ours["addgeneratormsg"] = call("addgeneratormsg", {"generator": {
        "name": "g", "colonyname": colonyname, "trigger": 2, "timeout": 1, "workflowspec": text}})  # fmt: skip
    for payloadtype, reply in ours.items():
        theirs = recorded(payloadtype)["reply_payload"]
        same_shape(shape(reply), shape(theirs), payloadtype)


def test_objects_are_shared_with_the_grpc_api(gw: ThreadedServer) -> None:
    pycolonies = pytest.importorskip("pycolonies")
    py = pycolonies.Colonies("127.0.0.1", gw.http_port)
    grpc_client = gw.client()
    colony_key, user_key = generate_private_key(), generate_private_key()
    py.add_colony({"colonyid": id_of(colony_key), "name": "shared"}, gw.server_key)
    grpc_client.add_user(
        {"colonyname": "shared", "userid": id_of(user_key), "name": "u"}, colony_key
    )
    from model import Conditions as PyConditions
    from model import FuncSpec as PyFuncSpec

    submitted = py.submit_func_spec(PyFuncSpec(funcname="f", conditions=PyConditions(
        colonyname="shared", executortype="t")), user_key)  # fmt: skip
    seen = grpc_client.get_process(submitted.processid, user_key)
    assert seen.initiatorid == id_of(user_key) and seen.spec.funcname == "f"


def test_a_repeated_signature_is_recovered_once_and_its_twins_still_refused() -> None:
    # A poll repeats its payload and (deterministic) signature; the gateway
    # remembers who signed that pair, and checks every other pair afresh.

    env = signed("assignprocessmsg", {"colonyname": "c", "timeout": 1}, EXECUTOR_KEY)
    body = json.dumps(env).encode()
    assert wire.decode(body)[1] == id_of(EXECUTOR_KEY)
    hits = wire._signer.cache_info().hits
    assert wire.decode(body)[1] == id_of(EXECUTOR_KEY)
    assert wire._signer.cache_info().hits == hits + 1
    other = generate_private_key()
    env2 = {**env, "signature": Crypto().sign(env["payload"], other)}
    assert wire.decode(json.dumps(env2).encode())[1] == id_of(other)
    # The malleable twin (n - s, the other recovery id) names the same key: refused.
    sig = bytes.fromhex(env["signature"])
    s = CURVE_ORDER - int.from_bytes(sig[32:64], "big")
    twin = sig[:32] + s.to_bytes(32, "big") + bytes([sig[64] ^ 1])
    with pytest.raises(errors.Unauthenticated, match="over half the order"):
        wire.decode(json.dumps({**env, "signature": twin.hex()}).encode())
    # A signature of another payload does not pass for this one.
    env3 = {**env, "signature": Crypto().sign(signed("getcoloniesmsg", {}, EXECUTOR_KEY)["payload"],
                                               EXECUTOR_KEY)}  # fmt: skip
    try:
        assert wire.decode(json.dumps(env3).encode())[1] != id_of(EXECUTOR_KEY)
    except errors.Unauthenticated:
        pass  # no key at all: refused too


def _reply(payload: Any) -> Any:
    return json.loads(base64.b64decode(json.loads(wire.envelope("x", payload))["payload"]))


def test_replies_carry_every_integer_and_float_exactly() -> None:
    # Replies are written by orjson where it writes the same values, else by the
    # standard library: integers beyond 64 bits (orjson refuses them), lone
    # surrogates and integer keys come through exactly all the same, and NaN is
    # never turned into null.
    edge = [2**63 - 1, -(2**63), 2**64 - 1, 2**64, -(2**63) - 1, 10**30,
            0.1, 1e308, 5e-324, -0.0, 123456789.12345679, 1e16, 1e-7]  # fmt: skip
    back = _reply({"args": edge})["args"]
    assert back == edge and [type(v) for v in back] == [type(v) for v in edge]
    assert str(back[9]) == "-0.0"
    assert _reply(["\ud800", "é", "\u2028"]) == ["\ud800", "é", "\u2028"]
    assert _reply({1: "one"}) == {"1": "one"}
    assert wire.dumps([float("nan"), float("-inf")]) == b"[NaN, -Infinity]"
    assert wire.dumps({"a": [1, {"b": float("inf")}]}) == b'{"a": [1, {"b": Infinity}]}'


def test_nan_and_infinity_inside_subclasses_are_written_as_the_standard_library_writes_them() -> (
    None
):
    class Big(float):
        pass

    assert wire.dumps(OrderedDict(a=float("inf"))) == b'{"a": Infinity}'
    assert wire.dumps({"a": Big("nan")}) == b'{"a": NaN}'
    assert wire.dumps(OrderedDict(a=[OrderedDict(b=float("-inf"))])) == b'{"a": [{"b": -Infinity}]}'


async def test_a_sliced_reply_holds_the_same_json_as_a_whole_one() -> None:
    items = [{"n": i, "big": 2**64 + i, "f": i / 3, "s": "\ud800" if i % 7 == 0 else "x" * 500}
             for i in range(400)]  # fmt: skip
    sliced = json.loads(await wire.sliced_envelope("getprocessesmsg", items))
    assert sliced["payloadtype"] == "getprocessesmsg" and sliced["error"] is False
    assert json.loads(base64.b64decode(sliced["payload"])) == items == _reply(items)
