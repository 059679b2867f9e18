"""How the SDK talks to a server: signed calls over a gRPC channel.

The generated stubs (`pycolonies_like.proto.colonies_stubs`) name the calls
and their types; the transports here send them. Every request is signed with
the caller's key over the method and the serialized payload, and a failed
call becomes a typed error (`NotFound`, `PermissionDenied`, ...), from the
one table of the client side.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, TypeVar

import grpc

from pycolonies_like import signing
from pycolonies_like.core import errors
from pycolonies_like.proto.colonies_stubs import ColoniesStub, StreamCall

SERVICE = ColoniesStub.SERVICE
DEFAULT_PORT = 50070

_Reply = TypeVar("_Reply")

_CODE_CLASSES: dict[grpc.StatusCode, type[errors.ColoniesError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: errors.Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: errors.WaitTimeout,
    grpc.StatusCode.INTERNAL: errors.Internal,
}


def error_from_rpc(err: grpc.RpcError, target: str = "") -> errors.ColoniesError:
    """The typed error for a failed call (the one table of the client side)."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = (err.details() if hasattr(err, "details") else None) or code.name.lower()
    reason, retry_after_ms = "", ""
    trailing = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailing or ():
        text = value.decode() if isinstance(value, bytes) else value
        if key == signing.ERROR_KEY:
            reason = text
        elif key == signing.RETRY_AFTER_KEY:
            retry_after_ms = text
    cls = errors.ERROR_CLASSES.get(reason) or _CODE_CLASSES.get(code, errors.ColoniesError)
    if not reason and code == grpc.StatusCode.UNAVAILABLE:
        return errors.Unavailable(f"cannot reach the server at {target}: {details}")
    if cls is errors.RateLimited:
        try:
            return errors.RateLimited(details, int(retry_after_ms) / 1000)
        except ValueError:
            return errors.RateLimited(details)
    return cls(details)


RATE_LIMIT_RETRIES = 6


def backoff(err: errors.RateLimited, attempt: int) -> float:
    """Seconds to wait before retrying a rate-limited call: the server's hint, growing
    with each attempt, jittered so that refused clients do not return together."""
    return min(err.retry_after_s * (1.5**attempt), 5.0) * random.uniform(1.0, 1.5)


def open_channel(
    grpc_module: Any, target: str, tls: bool, root_certificates: bytes | None,
    options: Sequence[tuple[str, Any]],
) -> Any:  # fmt: skip
    """A channel of `grpc` or `grpc.aio` to `target`."""
    opts = [("grpc.max_receive_message_length", 64 * 1024 * 1024), *options]
    if tls:
        credentials = grpc.ssl_channel_credentials(root_certificates)
        return grpc_module.secure_channel(target, credentials, options=opts)
    return grpc_module.insecure_channel(target, options=opts)


class _Calls:
    """One multicallable per method of a channel, made on first use."""

    def __init__(self, channel: Any, target: str, timeout: float) -> None:
        self.channel = channel
        self.target = target
        self.timeout = timeout
        self._calls: dict[str, Any] = {}

    def _call(self, method: str, deserialize: Callable[[bytes], Any], kind: str) -> Any:
        call = self._calls.get(method)
        if call is None:
            factory = getattr(self.channel, kind)
            call = self._calls[method] = factory(
                SERVICE + method, response_deserializer=deserialize
            )
        return call


class SignedChannel(_Calls):
    """The blocking transport of `ColoniesStub`."""

    def unary(
        self, method: str, request: Any, deserialize: Callable[[bytes], _Reply], prvkey: str,
        timeout: float | None,
    ) -> _Reply:  # fmt: skip
        payload = request.SerializeToString()
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            metadata = signing.sign_call(prvkey, SERVICE + method, payload)
            try:
                reply: _Reply = self._call(method, deserialize, "unary_unary")(
                    payload, metadata=metadata, timeout=timeout or self.timeout
                )
                return reply
            except grpc.RpcError as err:
                error = error_from_rpc(err, self.target)
            if not isinstance(error, errors.RateLimited) or attempt == RATE_LIMIT_RETRIES:
                raise error
            time.sleep(backoff(error, attempt))
        raise AssertionError("unreachable")

    def unary_stream(
        self, method: str, request: Any, deserialize: Callable[[bytes], _Reply], prvkey: str,
        timeout: float | None,
    ) -> Iterator[_Reply]:  # fmt: skip
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, payload)
        call = self._call(method, deserialize, "unary_stream")(
            payload, metadata=metadata, timeout=timeout
        )
        try:
            yield from call
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        finally:
            call.cancel()

    def stream_unary(
        self, method: str, requests: Iterator[Any], deserialize: Callable[[bytes], _Reply],
        prvkey: str, timeout: float | None,
    ) -> _Reply:  # fmt: skip
        """A client stream, signed over its first message (which the server checks
        before it reads the rest; the rest is bound to it by what it declares)."""
        first = next(iter(requests)).SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, first)

        def payloads() -> Iterator[bytes]:
            yield first
            for r in requests:
                yield r.SerializeToString()

        try:
            reply: _Reply = self._call(method, deserialize, "stream_unary")(
                payloads(), metadata=metadata, timeout=timeout
            )
            return reply
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None

    def stream_stream(
        self, method: str, requests: Iterator[Any], deserialize: Callable[[bytes], _Reply],
        timeout: float | None,
    ) -> Iterator[_Reply]:  # fmt: skip
        call = self.channel.stream_stream(SERVICE + method, response_deserializer=deserialize)(
            (r.SerializeToString() for r in requests), timeout=timeout
        )
        try:
            yield from call
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        finally:
            call.cancel()


class AsyncSignedChannel(_Calls):
    """The asyncio transport of `AsyncColoniesStub`."""

    async def unary(
        self, method: str, request: Any, deserialize: Callable[[bytes], _Reply], prvkey: str,
        timeout: float | None,
    ) -> _Reply:  # fmt: skip
        payload = request.SerializeToString()
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            metadata = signing.sign_call(prvkey, SERVICE + method, payload)
            try:
                reply: _Reply = await self._call(method, deserialize, "unary_unary")(
                    payload, metadata=metadata, timeout=timeout or self.timeout
                )
                return reply
            except grpc.RpcError as err:
                error = error_from_rpc(err, self.target)
            if not isinstance(error, errors.RateLimited) or attempt == RATE_LIMIT_RETRIES:
                raise error
            await asyncio.sleep(backoff(error, attempt))
        raise AssertionError("unreachable")

    async def unary_stream(
        self, method: str, request: Any, deserialize: Callable[[bytes], _Reply], prvkey: str,
        timeout: float | None,
    ) -> AsyncIterator[_Reply]:  # fmt: skip
        payload = request.SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, payload)
        call = self._call(method, deserialize, "unary_stream")(
            payload, metadata=metadata, timeout=timeout
        )
        try:
            async for reply in call:
                yield reply
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None
        finally:
            call.cancel()

    async def stream_unary(
        self, method: str, requests: AsyncIterator[Any], deserialize: Callable[[bytes], _Reply],
        prvkey: str, timeout: float | None,
    ) -> _Reply:  # fmt: skip
        """A client stream, signed over its first message (see SignedChannel)."""
        first = (await anext(aiter(requests))).SerializeToString()
        metadata = signing.sign_call(prvkey, SERVICE + method, first)

        async def payloads() -> AsyncIterator[bytes]:
            yield first
            async for r in requests:
                yield r.SerializeToString()

        try:
            reply: _Reply = await self._call(method, deserialize, "stream_unary")(
                payloads(), metadata=metadata, timeout=timeout
            )
            return reply
        except grpc.RpcError as err:
            raise error_from_rpc(err, self.target) from None

    def stream_stream(
        self, method: str, deserialize: Callable[[bytes], _Reply], timeout: float | None
    ) -> StreamCall[Any, _Reply]:
        """The raw call: each message is the caller's to sign (see `session`)."""
        stub = self.channel.stream_stream(
            SERVICE + method,
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=deserialize,
        )
        call: StreamCall[Any, _Reply] = stub(timeout=timeout)
        return call


class Endpoint:
    """Where a client connects; the state names are pycolonies' client attributes."""

    WAITING = 0
    RUNNING = 1
    SUCCESSFUL = 2
    FAILED = 3
    CANCELLED = 4

    def __init__(self, host: str, port: int, tls: bool, timeout: float) -> None:
        self.host, self.port, self.tls, self.timeout = host, int(port), tls, timeout
        self.target = f"{host}:{self.port}"
