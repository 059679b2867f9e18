"""Keys, signatures and ids: ColonyOS test vectors and the published pycolonies client."""

from __future__ import annotations

import os

import pytest

from pycolonies_like import Crypto
from pycolonies_like.core.errors import InvalidArgument, Unauthenticated
from pycolonies_like.crypto import CURVE_ORDER, recover_id, sha3, sign_digest

pycolonies_crypto = pytest.importorskip("crypto")  # the published pycolonies package

VECTORS = {
    "ddf7f7791208083b6a9ed975a72684f6406a269cfa36f1b1c32045c0a71fff05": "3fc05cf3df4b494e95d6a3d297a34f19938f7daa7422ab0d4f794454133341ac",
    "6d2fb6f546bacfd98c68769e61e0b44a697a30596c018a50e28200aa59b01c0a": "4fef2b5a82d134d058c1883c72d6d9caf77cd59ca82d73105017590dea3dcb87",
    "fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d": "039231c7644e04b6895471dd5335cf332681c54e27f81fac54f9067b3f2c0103",
    "ba949fa134981372d6da62b6a56f336ab4d843b22c02a4257dcf7d0d73097514": "4787a5071856a4acf702b2ffcea422e3237a679c681314113d86139461290cf4",
}


@pytest.mark.parametrize(("prvkey", "identity"), VECTORS.items())
def test_ids_match_colonyos_vectors(prvkey: str, identity: str) -> None:
    assert Crypto().id(prvkey) == identity


def test_sha3_vector() -> None:
    assert sha3(b"hello world").hex() == (
        "644bcc7e564373040999aac89e7622f3ca71fba1d972fd94a31c3bfbf24e3938"
    )


def test_signature_vector_of_pycolonies() -> None:
    key = "d6eb959e9aec2e6fdc44b5862b269e987b8a4d6f2baca542d8acaa97ee5e74f6"
    assert Crypto().sign("hello", key) == (
        "e713a1bb015fecabb5a084b0fe6d6e7271fca6f79525a634183cfdb175fe6924"
        "1f4da161779d8e6b761200e1cf93766010a19072fa778f9643363e2cfadd640900"
    )


def test_signatures_equal_the_published_pycolonies_client() -> None:
    crypto = Crypto()
    for i in range(200):
        key = pycolonies_crypto.genkey()
        message = os.urandom(i % 50 + 1).hex() + "é"
        assert crypto.sign(message, key) == pycolonies_crypto.sign(message, key)
        assert crypto.id(key) == pycolonies_crypto.get_id(key)


def test_go_signature_recovers_to_the_same_id() -> None:
    go_signature = (
        "997eca36736d465e0e8d64e6d657ff4c939c8f5cad4272797ea0fe372bfd8d09"
        "53d21b3d06ded5dd80aee8cfa3a9be7ce615ce690eb64184fe15962943fe541300"
    )
    assert Crypto().recoverid("hello", go_signature) == (
        "5d6568f883451ae2e407d1a0a7992e414f2a67b69d0e6e9176d353b98f06f696"
    )


def test_colonyos_envelope_example_recovers_to_the_server_id() -> None:
    payload = "eyJtc2d0eXBlIjogImdldGNvbG9uaWVzbXNnIn0="
    signature = (
        "82a2287f7fa7aad2f7a476c2b91743d67792c4f1f580f7cad92ecc6c3504bc6f"
        "2f542e984ed0d7d8b5a90a6fc1a381bb18e29dceabb6e97600395d37706732af01"
    )
    assert (
        Crypto().recoverid(payload, signature)
        == VECTORS["fcc79953d8a751bf41db661592dc34d30004b1a651ffa0725b03ac227641499d"]
    )


def test_generated_keys_are_valid_and_distinct() -> None:
    keys = {Crypto().prvkey() for _ in range(50)}
    assert len(keys) == 50
    for key in keys:
        assert len(key) == 64 and 0 < int(key, 16) < CURVE_ORDER


def test_high_s_signatures_are_refused() -> None:
    key = Crypto().prvkey()
    digest = sha3(b"message")
    sig = sign_digest(digest, key)
    s = int.from_bytes(sig[32:64], "big")
    twin = sig[:32] + (CURVE_ORDER - s).to_bytes(32, "big") + bytes([sig[64] ^ 1])
    with pytest.raises(Unauthenticated, match="half the order"):
        recover_id(digest, twin)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (b"\x01" * 64, "65 bytes"),
        (b"\x01" * 64 + b"\x04", "recovery id"),
        (b"\x00" * 65, "no public key"),
    ],
)
def test_malformed_signatures_are_refused(signature: bytes, message: str) -> None:
    with pytest.raises(Unauthenticated, match=message):
        recover_id(sha3(b"x"), signature)


@pytest.mark.parametrize("bad", ["", "zz" * 32, "00" * 32, "ff" * 32, "01" * 31])
def test_invalid_private_keys_are_refused(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        Crypto().id(bad)
