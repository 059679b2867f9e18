"""Reconcilers: functions that make the world match blueprints.

`@runtime.reconciler("Greeting")` registers `fn(blueprint, ctx)` for the
blueprints of a kind; it returns the blueprint's new status (a dict, or None
to leave it). The runtime serves the handler function the kind's definition
names (`functionName`, "reconcile" by default): called for one blueprint
(kwargs `kind`, `blueprintName`) it reconciles that one, called by the
periodic schedule (kwarg `kind` only) it reconciles every blueprint of the
kind. It also serves `cleanup`, which the server submits when a blueprint is
removed: `@runtime.cleanup("Greeting")` registers `fn(name, ctx)` for it (by
default there is nothing to clean).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pycolonies_like.core.models import Blueprint

if TYPE_CHECKING:
    from executors.context import ProcessContext

CLEANUP = "cleanup"  # the function the server submits when a blueprint is removed
Reconcile = Callable[[Blueprint, "ProcessContext"], Any]
Cleanup = Callable[[str, "ProcessContext"], Any]


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """A handler's result: awaited if async, else run in a thread (it may block)."""
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    return await asyncio.to_thread(fn, *args)


class Reconcilers:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.kinds: dict[str, Reconcile] = {}
        self.cleanups: dict[str, Cleanup] = {}

    def _handler(self, kind: str) -> Reconcile:
        handler = self.kinds.get(kind)
        if handler is None:
            served = ", ".join(sorted(self.kinds)) or "none"
            raise LookupError(
                f"this executor reconciles no kind {kind!r} (it reconciles: {served})"
            )
        return handler

    async def reconcile(
        self, ctx: ProcessContext, kind: str, blueprintName: str = "", force: bool = False
    ) -> list[str]:
        """Reconciles one blueprint, or every one of the kind; returns their names."""
        handler = self._handler(kind)
        client, key = self.runtime.client, self.runtime.key
        colonyname = ctx.process.spec.conditions.colonyname
        if blueprintName:
            blueprints = [await client.get_blueprint(colonyname, blueprintName, key)]
        else:
            blueprints = await client.get_blueprints(colonyname, key, kind)
        done = []
        for b in blueprints:
            status = await _call(handler, b, ctx)
            if status is not None:
                await client.update_blueprint_status(colonyname, b.metadata.name, status, key)
            ctx.log(f"reconciled {kind} {b.metadata.name} (generation {b.metadata.generation})")
            done.append(b.metadata.name)
        return done

    async def cleanup(self, ctx: ProcessContext, kind: str, blueprintName: str = "") -> list[str]:
        self._handler(kind)  # a kind this executor reconciles
        handler = self.cleanups.get(kind)
        if handler is not None:
            await _call(handler, blueprintName, ctx)
        ctx.log(f"cleaned up after {kind} {blueprintName}")
        return [blueprintName]
