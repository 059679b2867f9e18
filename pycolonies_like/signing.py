"""How a gRPC call is signed; shared by the SDK (signs) and the server (verifies).

The digest covers a domain tag, the full method path, a timestamp, a nonce and
the exact request bytes sent on the wire. The tag makes a gRPC signature
useless anywhere else: ColonyOS signs base64 text, which can never start with
"colonies-rpc-v1\\n".
"""

from __future__ import annotations

import secrets
import time

from pycolonies_like import crypto

RPC_TAG = b"colonies-rpc-v1"
SESSION_TAG = b"colonies-session-v1"
LOGIN_TAG = b"colonies-dashboard-login-v1"
LOGIN_PATH = "/ui/login"

TIMESTAMP_KEY = "x-colonies-timestamp"
NONCE_KEY = "x-colonies-nonce"
SIGNATURE_KEY = "x-colonies-signature"
ERROR_KEY = "x-colonies-error"


def digest(tag: bytes, method: str, timestamp_ms: int, nonce: str, payload: bytes) -> bytes:
    head = b"\n".join((tag, method.encode(), str(timestamp_ms).encode(), nonce.encode()))
    return crypto.sha3(head + b"\n" + payload)


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_call(prvkey: str, method: str, payload: bytes) -> tuple[tuple[str, str], ...]:
    """Metadata to send with a unary or server-streaming call."""
    timestamp_ms = time.time_ns() // 1_000_000
    nonce = new_nonce()
    signature = crypto.sign_digest(digest(RPC_TAG, method, timestamp_ms, nonce, payload), prvkey)
    return (
        (TIMESTAMP_KEY, str(timestamp_ms)),
        (NONCE_KEY, nonce),
        (SIGNATURE_KEY, signature.hex()),
    )


def sign_session_message(prvkey: str, method: str, payload: bytes) -> tuple[int, str, str]:
    """(timestamp_ms, nonce, signature hex) for one message of an executor session."""
    timestamp_ms = time.time_ns() // 1_000_000
    nonce = new_nonce()
    signature = crypto.sign_digest(
        digest(SESSION_TAG, method, timestamp_ms, nonce, payload), prvkey
    )
    return timestamp_ms, nonce, signature.hex()


def login_query(prvkey: str) -> str:
    """The query string of a one-time dashboard login link signed with `prvkey`:
    the server checks it as it checks a call (time window, unused nonce) and
    turns it into a session cookie for the signer. The key never leaves here."""
    timestamp_ms = time.time_ns() // 1_000_000
    nonce = new_nonce()
    signature = crypto.sign_digest(digest(LOGIN_TAG, LOGIN_PATH, timestamp_ms, nonce, b""), prvkey)
    return f"t={timestamp_ms}&n={nonce}&s={signature.hex()}"
