"""Transactions that PostgreSQL aborts to break a deadlock (or a
serialization race) between servers are run again, with backoff."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from pycolonies_like.core.errors import StorageError

T = TypeVar("T")
Args = ParamSpec("Args")

RETRIES = 5


class Retry(Exception):
    """A transaction lost a deadlock or serialization race; run it again."""


def retrying(
    method: Callable[Args, Coroutine[Any, Any, T]],
) -> Callable[Args, Coroutine[Any, Any, T]]:
    """Runs a transaction again (with backoff) when PostgreSQL aborted it to
    break a deadlock between servers."""

    @functools.wraps(method)
    async def run(*args: Args.args, **kwargs: Args.kwargs) -> T:
        for attempt in range(RETRIES):
            try:
                return await method(*args, **kwargs)
            except Retry:
                await asyncio.sleep(0.005 * 2**attempt)
        raise StorageError("the database kept aborting the transaction (contention); try again")

    return run
