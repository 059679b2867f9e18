"""secp256k1 keys, signatures and identities, compatible with ColonyOS.

* A private key is 32 bytes, written as 64 hex characters.
* A signature is 65 bytes r || s || v (v = recovery id 0 or 1) over a SHA3-256
  digest, written as 130 hex characters; s is always in the lower half.
* An identity is the SHA3-256 hex digest of the *text* "04" + hex(X || Y) of the
  uncompressed public key -- exactly what ColonyOS and pycolonies compute.

`Crypto.sign` produces byte-for-byte the signatures of the published pycolonies
client (same deterministic nonce), while libsecp256k1 does the curve work.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

import coincurve
from coincurve._libsecp256k1 import ffi

from pycolonies_like.core.errors import InvalidArgument, Unauthenticated

# Order of the secp256k1 group.
CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_ORDER = CURVE_ORDER // 2


@ffi.callback(
    "int(unsigned char *, const unsigned char *, const unsigned char *,"
    " const unsigned char *, void *, unsigned int)"
)
def _given_nonce(nonce32, msg32, key32, algo16, data, attempt):  # type: ignore[no-untyped-def]
    # libsecp256k1 asks for a nonce; we hand it the one computed in _nonce().
    if attempt != 0:
        return 0
    ffi.memmove(nonce32, ffi.cast("unsigned char *", data), 32)
    return 1


def _nonce(digest: bytes, secret: bytes) -> bytes:
    """pycolonies' deterministic nonce: an HMAC-SHA256 chain over key and digest."""
    v0, k0, h = b"\x01" * 32, b"\x00" * 32, hashlib.sha256
    k1 = hmac.new(k0, v0 + b"\x00" + secret + digest, h).digest()
    v1 = hmac.new(k1, v0, h).digest()
    k2 = hmac.new(k1, v1 + b"\x01" + secret + digest, h).digest()
    v2 = hmac.new(k2, v1, h).digest()
    return hmac.new(k2, v2, h).digest()


@lru_cache(maxsize=256)
def _private_key(prvkey: str) -> coincurve.PrivateKey:
    if not prvkey:
        raise InvalidArgument(
            "no private key to sign with (it is empty): colonies_client() reads it from "
            "COLONIES_PRVKEY (the colony's from COLONIES_COLONY_PRVKEY); `source` the env file "
            "of `colonies dev` or set them"
        )
    try:
        secret = bytes.fromhex(prvkey)
    except (ValueError, TypeError):
        raise InvalidArgument("a private key must be 64 hex characters") from None
    if len(secret) != 32:
        raise InvalidArgument("a private key must be 64 hex characters")
    value = int.from_bytes(secret, "big")
    if not 0 < value < CURVE_ORDER:
        raise InvalidArgument("the private key is outside the secp256k1 range")
    return coincurve.PrivateKey(secret)


def sha3(data: bytes) -> bytes:
    return hashlib.sha3_256(data).digest()


def id_from_public_key(public_key: coincurve.PublicKey) -> str:
    text = public_key.format(compressed=False).hex()
    return hashlib.sha3_256(text.encode("ascii")).hexdigest()


def generate_private_key() -> str:
    while True:
        secret = secrets.token_bytes(32)
        if 0 < int.from_bytes(secret, "big") < CURVE_ORDER:
            return secret.hex()


@lru_cache(maxsize=256)
def id_of(prvkey: str) -> str:
    return id_from_public_key(_private_key(prvkey).public_key)


def sign_digest(digest: bytes, prvkey: str) -> bytes:
    """A 65-byte recoverable signature of a 32-byte digest."""
    key = _private_key(prvkey)
    nonce = ffi.new("unsigned char[32]", _nonce(digest, key.secret))
    return key.sign_recoverable(digest, hasher=None, custom_nonce=(_given_nonce, nonce))


def recover_id(digest: bytes, signature: bytes) -> str:
    """The identity of whoever signed `digest`; Unauthenticated if the signature
    is not a canonical 65-byte r || s || v signature."""
    if len(signature) != 65:
        raise Unauthenticated(f"a signature must be 65 bytes, got {len(signature)}")
    if signature[64] > 1:
        raise Unauthenticated("invalid signature recovery id")
    s = int.from_bytes(signature[32:64], "big")
    if s > _HALF_ORDER:
        # High-s signatures are the malleable twin of a low-s one; refuse them.
        raise Unauthenticated("invalid signature: s value is over half the order")
    try:
        public_key = coincurve.PublicKey.from_signature_and_message(signature, digest, hasher=None)
    except Exception:
        raise Unauthenticated("invalid signature: no public key can be recovered") from None
    return id_from_public_key(public_key)


class Crypto:
    """The pycolonies `Crypto` class: `prvkey()`, `id(prvkey)`, `sign(msg, prvkey)`."""

    def __init__(self, native: bool = False) -> None:
        # `native` selects pycolonies' C library; libsecp256k1 is always used here.
        self.native = native

    def prvkey(self) -> str:
        return generate_private_key()

    def id(self, prvkey: str) -> str:
        return id_of(prvkey)

    def sign(self, msg: str, prvkey: str) -> str:
        """Signs SHA3-256 of the UTF-8 text, as ColonyOS signs its RPC payloads."""
        return sign_digest(sha3(msg.encode("utf-8")), prvkey).hex()

    def hash(self, msg: str) -> str:
        return hashlib.sha3_256(msg.encode("utf-8")).hexdigest()

    def recoverid(self, msg: str, signature: str) -> str:
        try:
            raw = bytes.fromhex(signature)
        except ValueError:
            raise Unauthenticated("a signature must be hex") from None
        return recover_id(sha3(msg.encode("utf-8")), raw)
