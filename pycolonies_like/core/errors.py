"""The error hierarchy shared by the server and the SDK.

The server raises these from its service layer; the gRPC transport maps each
class to a status code in one table, and the SDK maps codes back to the same
classes, so `except NotFound:` works the same on both sides of the wire.
"""

from __future__ import annotations


class ColoniesError(Exception):
    """Base class of every error raised on purpose by pycolonies-like."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidArgument(ColoniesError):
    """The request is malformed or violates a rule; nothing was changed."""


class NotFound(ColoniesError):
    """The colony, executor, process... named in the request does not exist."""


class NoProcessAvailable(NotFound):
    """`assign` found no process for the executor before its timeout."""


class AlreadyExists(ColoniesError):
    """An object with the same name or id exists already."""


class Unauthenticated(ColoniesError):
    """The signature is missing, invalid, too old, or replayed."""


class PermissionDenied(ColoniesError):
    """The signer is known but not allowed to do this."""


class FailedPrecondition(ColoniesError):
    """The object is not in a state that allows the operation."""


class StaleAttempt(FailedPrecondition):
    """The call was made for an assignment that is no longer current."""


class ResourceExhausted(ColoniesError):
    """A size or count limit was exceeded."""


class RateLimited(ResourceExhausted):
    """Too many requests from one identity, or in flight at once: retry after `retry_after_s`
    (the SDK does, with backoff)."""

    def __init__(self, message: str = "", retry_after_s: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(ColoniesError):
    """The server cannot be reached, or cannot serve now; retry later."""


class StorageError(Unavailable):
    """The database is unreachable or failed; retry later (an `Unavailable`,
    so a client retrying on `Unavailable` rides out a database outage)."""


class WaitTimeout(ColoniesError, TimeoutError):
    """A wait ended before the awaited state was reached."""


class Internal(ColoniesError):
    """An unexpected server error (a bug); the server log has the details."""


# pycolonies raises ColoniesConnectionError for every failed call; code written
# against it keeps working because every error here derives from ColoniesError.
ColoniesConnectionError = ColoniesError

ERROR_CLASSES: dict[str, type[ColoniesError]] = {
    cls.__name__: cls
    for cls in (
        ColoniesError,
        InvalidArgument,
        NotFound,
        NoProcessAvailable,
        AlreadyExists,
        Unauthenticated,
        PermissionDenied,
        FailedPrecondition,
        StaleAttempt,
        ResourceExhausted,
        RateLimited,
        StorageError,
        Unavailable,
        WaitTimeout,
        Internal,
    )
}
