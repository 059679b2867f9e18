"""pycolonies-like: a distributed executor framework in the style of ColonyOS.

The SDK mirrors the published pycolonies client::

    from pycolonies_like import Colonies, Crypto, FuncSpec, Conditions, colonies_client
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from pycolonies_like.core.errors import (
    AlreadyExists,
    ColoniesConnectionError,
    ColoniesError,
    FailedPrecondition,
    InvalidArgument,
    NoProcessAvailable,
    NotFound,
    PermissionDenied,
    RateLimited,
    ResourceExhausted,
    StaleAttempt,
    StorageError,
    Unauthenticated,
    Unavailable,
    WaitTimeout,
)
from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Concurrency,
    Conditions,
    Cron,
    Event,
    Executor,
    ExecutorState,
    FairWeight,
    FuncSpec,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    ProcessState,
    RateLimit,
    Statistics,
    User,
    Workflow,
)
from pycolonies_like.crypto import Crypto

if TYPE_CHECKING:
    from pycolonies_like.aio import AsyncColonies
    from pycolonies_like.client import Colonies, colonies_client
    from pycolonies_like.compat import func_spec
    from pycolonies_like.events import EventHandler


def __getattr__(name: str) -> object:  # lazy: importing the models must not pull in grpc
    if name in ("Colonies", "colonies_client"):
        from pycolonies_like import client

        return getattr(client, name)
    if name == "AsyncColonies":
        from pycolonies_like.aio import AsyncColonies

        return AsyncColonies
    if name == "func_spec":
        from pycolonies_like.compat import func_spec

        return func_spec
    if name == "EventHandler":
        from pycolonies_like.events import EventHandler

        return EventHandler
    raise AttributeError(name)


__all__ = [
    "AlreadyExists",
    "AsyncColonies",
    "Attribute",
    "Colonies",
    "ColoniesConnectionError",
    "ColoniesError",
    "Colony",
    "Concurrency",
    "Conditions",
    "Cron",
    "Crypto",
    "Event",
    "EventHandler",
    "Executor",
    "ExecutorState",
    "FailedPrecondition",
    "FairWeight",
    "FuncSpec",
    "Function",
    "Generator",
    "InvalidArgument",
    "LogEntry",
    "NoProcessAvailable",
    "RateLimit",
    "NotFound",
    "PermissionDenied",
    "Process",
    "ProcessGraph",
    "ProcessState",
    "RateLimited",
    "ResourceExhausted",
    "StaleAttempt",
    "Statistics",
    "StorageError",
    "Unauthenticated",
    "Unavailable",
    "User",
    "WaitTimeout",
    "Workflow",
    "colonies_client",
    "func_spec",
]
