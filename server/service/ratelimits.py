"""Rate limits: named budgets of process starts, defined by a colony's owner."""

from __future__ import annotations

from collections.abc import Iterable

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.errors import InvalidArgument, NotFound
from pycolonies_like.core.flow import check_rate_limit, units_of
from pycolonies_like.core.models import FuncSpec, RateLimit
from pycolonies_like.core.rules import check_name
from server.service.guard import AccessGuard
from server.store.base import Store


async def check_defined(store: Store, colonyname: str, specs: Iterable[FuncSpec]) -> None:
    """Refuses specs that name a rate limit the colony does not have (they
    would wait for a budget nobody defined), or take more tokens a start than
    its burst holds (they could never start)."""
    limited = [s for s in specs if s.ratelimit]
    if not limited:
        return
    bursts = await store.rate_limit_bursts(colonyname)
    for spec in limited:
        burst = bursts.get(spec.ratelimit)
        if burst is None:
            raise InvalidArgument(
                f"ratelimit {spec.ratelimit!r} is not defined in colony {colonyname!r} "
                "(colonies ratelimit add)"
            )
        if units_of(spec) > burst:
            raise InvalidArgument(
                f"ratelimitunits {units_of(spec)} is more than the burst of rate limit "
                f"{spec.ratelimit!r} ({burst}): the process could never start"
            )


class RateLimitService:
    def __init__(self, store: Store, guard: AccessGuard, clock: Clock) -> None:
        self.store = store
        self.guard = guard
        self.clock = clock

    async def add(self, caller: str, limit: RateLimit) -> RateLimit:
        check_name("ratelimit name", limit.name)
        check_rate_limit(limit)
        await self.guard.colony_owner(caller, limit.colonyname)
        return await self.store.add_rate_limit(
            RateLimit(limit.colonyname, limit.name, limit.rate, limit.unit, limit.burst),
            self.clock.now_ns(),
        )

    async def get(self, caller: str, colonyname: str, name: str) -> RateLimit:
        await self.guard.reader(caller, colonyname)
        found = await self.store.get_rate_limit(colonyname, name, self.clock.now_ns())
        if found is None:
            raise NotFound(f"rate limit {name!r} does not exist in colony {colonyname!r}")
        return found

    async def list(self, caller: str, colonyname: str) -> list[RateLimit]:
        await self.guard.reader(caller, colonyname)
        return await self.store.list_rate_limits(colonyname, self.clock.now_ns())

    async def remove(self, caller: str, colonyname: str, name: str) -> None:
        """Removes a limit; processes that wait for it start when their due
        time comes, with no limit to take from."""
        await self.guard.colony_owner(caller, colonyname)
        if not await self.store.remove_rate_limit(colonyname, name):
            raise NotFound(f"rate limit {name!r} does not exist in colony {colonyname!r}")
