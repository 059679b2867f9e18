"""Flow control of the SDK's clients: rate limits, fair-share weights,
retention, pausing assignment. Mixed into `Colonies` and `AsyncColonies`.

A rate limit is a named budget of process starts in a colony: `rate` per
`unit` ("second" or "minute"), at most `burst` at once. A spec takes from it
with `ratelimit="name"` (and `ratelimitunits`, 1 by default); a process that
finds the budget spent waits until its tokens are due, then runs.
"""

from __future__ import annotations

from pycolonies_like import convert
from pycolonies_like.core.fairness import DEFAULT_WEIGHT
from pycolonies_like.core.models import Colony, FairWeight, RateLimit
from pycolonies_like.proto import colonies_pb2 as pb
from pycolonies_like.proto.colonies_stubs import AsyncColoniesStub, ColoniesStub


def _limit(colony_name: str, name: str, rate: int, unit: str, burst: int | None) -> pb.RateLimit:
    return pb.RateLimit(colonyname=colony_name, name=name, rate=rate, unit=unit,
                        burst=rate if burst is None else burst)  # fmt: skip


class FlowMethods:
    rpc: ColoniesStub

    def set_fair_weight(self, colonyname: str, name: str, weight: int, prvkey: str) -> None:
        """Gives a user or executor (by name) `weight` times the share of the
        colony's claims of a submitter of weight 1 (colony owner; 1..1000)."""
        request = pb.FairWeightRequest(colonyname=colonyname, name=name, weight=weight)
        self.rpc.SetFairWeight(request, prvkey)

    def get_fair_weights(self, colonyname: str, prvkey: str) -> list[FairWeight]:
        """The users and executors of the colony whose weight is not the
        default (1), by name (the colony owner and its members)."""
        reply = self.rpc.ListFairWeights(pb.ColonyNameRequest(colonyname=colonyname), prvkey)
        return [convert.from_pb(FairWeight, w) for w in reply.weights]

    def remove_fair_weight(self, colonyname: str, name: str, prvkey: str) -> None:
        """Puts a user's or executor's weight back to the default (colony owner)."""
        self.set_fair_weight(colonyname, name, DEFAULT_WEIGHT, prvkey)

    def set_retention(self, colonyname: str, retention_s: int, prvkey: str) -> Colony:
        """Keeps the colony's finished processes and workflows `retention_s`
        seconds after they end (0: for ever). Colony owner."""
        request = pb.SetRetentionRequest(colonyname=colonyname, retention=retention_s)
        return convert.colony_from_pb(self.rpc.SetRetention(request, prvkey))

    def pause(self, colonyname: str, prvkey: str, executortype: str = "") -> Colony:
        """Stops assigning the colony's processes (or one executor type's); running
        ones go on. Colony owner."""
        request = pb.PauseRequest(colonyname=colonyname, executortype=executortype)
        return convert.colony_from_pb(self.rpc.PauseAssignment(request, prvkey))

    def resume(self, colonyname: str, prvkey: str, executortype: str = "") -> Colony:
        request = pb.PauseRequest(colonyname=colonyname, executortype=executortype)
        return convert.colony_from_pb(self.rpc.ResumeAssignment(request, prvkey))

    def add_rate_limit(
        self, colony_name: str, name: str, rate: int, prvkey: str, *, unit: str = "second",
        burst: int | None = None,
    ) -> RateLimit:  # fmt: skip
        """Defines a rate limit (the colony owner's key): `rate` starts per
        `unit`, at most `burst` (default: `rate`) at once."""
        reply = self.rpc.AddRateLimit(_limit(colony_name, name, rate, unit, burst), prvkey)
        return convert.from_pb(RateLimit, reply)

    def get_rate_limit(self, colony_name: str, name: str, prvkey: str) -> RateLimit:
        """The limit, with `tokens`: the budget left now."""
        request = pb.RateLimitRequest(colonyname=colony_name, name=name)
        return convert.from_pb(RateLimit, self.rpc.GetRateLimit(request, prvkey))

    def get_rate_limits(self, colony_name: str, prvkey: str) -> list[RateLimit]:
        reply = self.rpc.ListRateLimits(pb.ColonyNameRequest(colonyname=colony_name), prvkey)
        return [convert.from_pb(RateLimit, r) for r in reply.ratelimits]

    def remove_rate_limit(self, colony_name: str, name: str, prvkey: str) -> None:
        self.rpc.RemoveRateLimit(pb.RateLimitRequest(colonyname=colony_name, name=name), prvkey)


class AsyncFlowMethods:
    rpc: AsyncColoniesStub

    async def set_fair_weight(self, colonyname: str, name: str, weight: int, prvkey: str) -> None:
        request = pb.FairWeightRequest(colonyname=colonyname, name=name, weight=weight)
        await self.rpc.SetFairWeight(request, prvkey)

    async def get_fair_weights(self, colonyname: str, prvkey: str) -> list[FairWeight]:
        request = pb.ColonyNameRequest(colonyname=colonyname)
        reply = await self.rpc.ListFairWeights(request, prvkey)
        return [convert.from_pb(FairWeight, w) for w in reply.weights]

    async def remove_fair_weight(self, colonyname: str, name: str, prvkey: str) -> None:
        await self.set_fair_weight(colonyname, name, DEFAULT_WEIGHT, prvkey)

    async def set_retention(self, colonyname: str, retention_s: int, prvkey: str) -> Colony:
        request = pb.SetRetentionRequest(colonyname=colonyname, retention=retention_s)
        return convert.colony_from_pb(await self.rpc.SetRetention(request, prvkey))

    async def pause(self, colonyname: str, prvkey: str, executortype: str = "") -> Colony:
        request = pb.PauseRequest(colonyname=colonyname, executortype=executortype)
        return convert.colony_from_pb(await self.rpc.PauseAssignment(request, prvkey))

    async def resume(self, colonyname: str, prvkey: str, executortype: str = "") -> Colony:
        request = pb.PauseRequest(colonyname=colonyname, executortype=executortype)
        return convert.colony_from_pb(await self.rpc.ResumeAssignment(request, prvkey))

    async def add_rate_limit(
        self, colony_name: str, name: str, rate: int, prvkey: str, *, unit: str = "second",
        burst: int | None = None,
    ) -> RateLimit:  # fmt: skip
        reply = await self.rpc.AddRateLimit(_limit(colony_name, name, rate, unit, burst), prvkey)
        return convert.from_pb(RateLimit, reply)

    async def get_rate_limit(self, colony_name: str, name: str, prvkey: str) -> RateLimit:
        request = pb.RateLimitRequest(colonyname=colony_name, name=name)
        return convert.from_pb(RateLimit, await self.rpc.GetRateLimit(request, prvkey))

    async def get_rate_limits(self, colony_name: str, prvkey: str) -> list[RateLimit]:
        request = pb.ColonyNameRequest(colonyname=colony_name)
        reply = await self.rpc.ListRateLimits(request, prvkey)
        return [convert.from_pb(RateLimit, r) for r in reply.ratelimits]

    async def remove_rate_limit(self, colony_name: str, name: str, prvkey: str) -> None:
        request = pb.RateLimitRequest(colonyname=colony_name, name=name)
        await self.rpc.RemoveRateLimit(request, prvkey)
