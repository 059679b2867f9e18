"""Malformed requests over gRPC: INVALID_ARGUMENT naming the field, never
INTERNAL, and nothing of them is stored."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from pycolonies_like import Colonies
from pycolonies_like.crypto import generate_private_key, id_of
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ThreadedServer
from tests.server.test_auth import expect, signed

DEEP = '{"a": ' * 1_000 + "1" + "}" * 1_000


def call(server: ThreadedServer, method: str, request: Any, key: str) -> Any:
    payload = request.SerializeToString()
    path = f"/colonies.v1.Colonies/{method}"
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        rpc = channel.unary_unary(path, response_deserializer=lambda b: b)
        return rpc(payload, metadata=signed(key, payload, method=path), timeout=10)


def funcspec(colony: ColonyKeys, **fields: Any) -> pb.FuncSpec:
    conditions = pb.Conditions(colonyname=colony.colonyname, executortype=colony.executortype)
    return pb.FuncSpec(funcname="f", conditions=conditions, **fields)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kwargs_json": DEEP}, "kwargs nests deeper than"),
        ({"args_json": "[" * 1_000 + "]" * 1_000}, "args nests deeper than"),
        ({"args_json": "[" * 100_000 + "]" * 100_000}, "args nests deeper than"),
        ({"kwargs_json": '{"x": NaN}'}, "kwargs.x must be a finite number"),
        ({"args_json": "[1, Infinity]"}, "args.1 must be a finite number"),
        ({"args_json": f"[{2**70}]"}, "args.0 is out of range"),
        ({"kwargs_json": '{"x": "\\ud800"}'}, "kwargs.x is not valid Unicode"),
        ({"kwargs_json": '{"\\udfff": 1}'}, "kwargs has a key that is not valid Unicode"),
    ],
)
def test_bad_json_in_a_spec_is_invalid(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys, fields: dict[str, Any],
    words: str,
) -> None:  # fmt: skip
    request = pb.SubmitRequest(spec=funcspec(colony, **fields))
    err = expect(grpc.StatusCode.INVALID_ARGUMENT, call, server, "Submit", request,
                 colony.executor_key)  # fmt: skip
    assert words in err.details()
    assert client.list_processes(colony.colonyname, 100, 0, colony.executor_key) == []


def test_deep_output_is_invalid(server: ThreadedServer, client: Colonies,
                                colony: ColonyKeys) -> None:  # fmt: skip
    from tests.conftest import spec

    client.submit(spec(colony.colonyname), colony.executor_key)
    process = client.assign(colony.colonyname, 5, colony.executor_key)
    request = pb.SetOutputRequest(processid=process.processid, out_json="[" + DEEP + "]")
    err = expect(grpc.StatusCode.INVALID_ARGUMENT, call, server, "SetOutput", request,
                 colony.executor_key)  # fmt: skip
    assert "out nests deeper than" in err.details()
    assert client.get_process(process.processid, colony.executor_key).output == []


def test_an_unknown_executor_state_is_invalid(server: ThreadedServer, client: Colonies,
                                              colony: ColonyKeys) -> None:  # fmt: skip
    key = generate_private_key()
    executor = pb.Executor(executorid=id_of(key), executortype="t", executorname="odd",
                           colonyname=colony.colonyname, state=7)  # fmt: skip
    err = expect(grpc.StatusCode.INVALID_ARGUMENT, call, server, "AddExecutor",
                 pb.AddExecutorRequest(executor=executor), colony.colony_key)  # fmt: skip
    assert "state" in err.details()
    names = [e.executorname for e in client.list_executors(colony.colonyname, colony.colony_key)]
    assert "odd" not in names
