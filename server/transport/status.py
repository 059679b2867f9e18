"""The one table from domain errors to gRPC status codes."""

from __future__ import annotations

import grpc

from pycolonies_like import signing
from pycolonies_like.core import errors

# Most specific classes first.
STATUS_CODES: dict[type[errors.ColoniesError], grpc.StatusCode] = {
    errors.NoProcessAvailable: grpc.StatusCode.NOT_FOUND,
    errors.StaleAttempt: grpc.StatusCode.FAILED_PRECONDITION,
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.StorageError: grpc.StatusCode.UNAVAILABLE,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
    errors.WaitTimeout: grpc.StatusCode.DEADLINE_EXCEEDED,
    errors.Internal: grpc.StatusCode.INTERNAL,
}


def status_of(err: errors.ColoniesError) -> grpc.StatusCode:
    for cls in type(err).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]  # type: ignore[index]
    return grpc.StatusCode.UNKNOWN


def code_number(err: errors.ColoniesError) -> int:
    return int(status_of(err).value[0])


async def abort(context: grpc.aio.ServicerContext, err: errors.ColoniesError) -> None:
    """Ends the call with the error's status; the class name travels as metadata (and,
    for a rate limit, when to retry)."""
    trailing: tuple[tuple[str, str], ...] = ((signing.ERROR_KEY, type(err).__name__),)
    if isinstance(err, errors.RateLimited):
        trailing += ((signing.RETRY_AFTER_KEY, str(max(1, round(err.retry_after_s * 1000)))),)
    await context.abort(status_of(err), err.message, trailing_metadata=trailing)
