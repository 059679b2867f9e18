"""Signatures, replay protection, message limits and health, over raw gRPC."""

from __future__ import annotations

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from pycolonies_like import Colonies, signing
from pycolonies_like.crypto import generate_private_key, sign_digest
from pycolonies_like.proto import colonies_pb2 as pb
from server.testing import ColonyKeys, ThreadedServer

METHOD = "/colonies.v1.Colonies/GetColony"


def raw_call(server: ThreadedServer, payload: bytes, metadata: tuple, method: str = METHOD):  # type: ignore[no-untyped-def]
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = channel.unary_unary(method, response_deserializer=pb.Colony.FromString)
        return call.with_call(payload, metadata=metadata, timeout=10)


def expect(code: grpc.StatusCode, fn, *args) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.RpcError) as info:
        fn(*args)
    assert info.value.code() == code, info.value.details()
    return info.value


def signed(prvkey: str, payload: bytes, *, ts: int | None = None, nonce: str | None = None,
           method: str = METHOD) -> tuple:  # fmt: skip
    ts = ts if ts is not None else time.time_ns() // 1_000_000
    nonce = nonce or signing.new_nonce()
    sig = sign_digest(signing.digest(signing.RPC_TAG, method, ts, nonce, payload), prvkey)
    return (
        (signing.TIMESTAMP_KEY, str(ts)),
        (signing.NONCE_KEY, nonce),
        (signing.SIGNATURE_KEY, sig.hex()),
    )


def payload_for(colony: ColonyKeys) -> bytes:
    return pb.ColonyNameRequest(colonyname=colony.colonyname).SerializeToString()


def test_a_properly_signed_call_works(server: ThreadedServer, colony: ColonyKeys) -> None:
    reply, _ = raw_call(
        server, payload_for(colony), signed(colony.executor_key, payload_for(colony))
    )
    assert reply.name == colony.colonyname


def test_an_unsigned_call_is_unauthenticated(server: ThreadedServer, colony: ColonyKeys) -> None:
    err = expect(grpc.StatusCode.UNAUTHENTICATED, raw_call, server, payload_for(colony), ())
    assert "not signed" in err.details()
    assert dict(err.trailing_metadata())[signing.ERROR_KEY] == "Unauthenticated"


def test_a_replayed_call_is_refused(server: ThreadedServer, colony: ColonyKeys) -> None:
    payload = payload_for(colony)
    metadata = signed(colony.executor_key, payload)
    raw_call(server, payload, metadata)
    err = expect(grpc.StatusCode.UNAUTHENTICATED, raw_call, server, payload, metadata)
    assert "replayed" in err.details()


@pytest.mark.parametrize("skew_s", [-400, 400])
def test_a_timestamp_outside_the_window_is_refused(
    server: ThreadedServer, colony: ColonyKeys, skew_s: int
) -> None:
    payload = payload_for(colony)
    ts = time.time_ns() // 1_000_000 + skew_s * 1000
    err = expect(grpc.StatusCode.UNAUTHENTICATED, raw_call, server, payload,
                 signed(colony.executor_key, payload, ts=ts))  # fmt: skip
    assert "check the client's clock" in err.details()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (signing.SIGNATURE_KEY, "zz" * 65, "130 lowercase hex"),
        (signing.SIGNATURE_KEY, "00" * 65, "no public key"),
        (signing.NONCE_KEY, "short", "16 to 64"),
        (signing.TIMESTAMP_KEY, "yesterday", "Unix milliseconds"),
    ],
)
def test_malformed_signature_fields_are_refused(
    server: ThreadedServer, colony: ColonyKeys, key: str, value: str, message: str
) -> None:
    payload = payload_for(colony)
    metadata = tuple((k, value if k == key else v) for k, v in signed(colony.executor_key, payload))
    err = expect(grpc.StatusCode.UNAUTHENTICATED, raw_call, server, payload, metadata)
    assert message in err.details()


def test_a_tampered_request_is_not_the_signers(server: ThreadedServer, client: Colonies,
                                               colony: ColonyKeys) -> None:  # fmt: skip
    # The signature covers the exact bytes: change them and another id signs.
    payload = pb.ColonyNameRequest(colonyname=colony.colonyname).SerializeToString()
    metadata = signed(colony.colony_key, payload, method="/colonies.v1.Colonies/RemoveColony")
    forged = pb.ColonyNameRequest(colonyname=colony.colonyname + "x").SerializeToString()
    expect(grpc.StatusCode.PERMISSION_DENIED, raw_call, server, forged, metadata,
           "/colonies.v1.Colonies/RemoveColony")  # fmt: skip
    # and a signature for one method does not work for another
    expect(grpc.StatusCode.PERMISSION_DENIED, raw_call, server, payload,
           signed(server.server_key, payload, method="/colonies.v1.Colonies/GetColony"),
           "/colonies.v1.Colonies/RemoveColony")  # fmt: skip
    assert client.get_colony(colony.colonyname, colony.colony_key).name == colony.colonyname


def test_a_malformed_message_is_invalid(server: ThreadedServer, colony: ColonyKeys) -> None:
    payload = b"\xff\xff\xff\xff"
    err = expect(grpc.StatusCode.INVALID_ARGUMENT, raw_call, server, payload,
                 signed(colony.executor_key, payload))  # fmt: skip
    assert "malformed" in err.details()


def test_an_oversized_message_is_refused(server: ThreadedServer, client: Colonies,
                                         colony: ColonyKeys) -> None:  # fmt: skip
    from pycolonies_like.core.errors import ResourceExhausted
    from tests.conftest import spec

    big = spec(colony.colonyname, args=["x" * (5 * 1024 * 1024)])
    with pytest.raises(ResourceExhausted):
        client.submit(big, colony.user_key)
    assert client.stats(colony.colonyname, colony.user_key).waitingprocesses == 0


def test_health_service_reports_serving(server: ThreadedServer) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "colonies.v1.Colonies"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_server_info_needs_no_membership(server: ThreadedServer, client: Colonies) -> None:
    info = client.server_info(generate_private_key())
    assert info.store == server.server.store.kind and info.signature_window_ms == 300_000
    assert abs(info.time - time.time_ns()) < 60 * 10**9
