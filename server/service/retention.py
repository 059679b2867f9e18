"""Retention: the background removal of finished work past each colony's period."""

from __future__ import annotations

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.flow import retention_cutoff
from server.store.base import Store


class RetentionService:
    def __init__(self, store: Store, clock: Clock, *, batch: int = 500, batches: int = 20) -> None:
        self.store = store
        self.clock = clock
        self.batch = batch  # processes removed per transaction
        self.batches = batches  # transactions per colony and pass, at most

    async def purge(self) -> int:
        """One pass of the retention loop: in every colony that has a retention
        period, removes finished processes (with their logs and attributes)
        and finished workflows that ended longer ago than it, in bounded
        batches; returns how many processes it removed."""
        now = self.clock.now_ns()
        removed = 0
        for colonyname, retention_s in await self.store.colonies_with_retention():
            before = retention_cutoff(now, retention_s)
            for _ in range(self.batches):
                n = await self.store.purge_finished(colonyname, before, self.batch)
                removed += n
                if n < self.batch:
                    break
        return removed
