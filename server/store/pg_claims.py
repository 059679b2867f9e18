"""Claims on PostgreSQL, in the fewest steps the head needs.

Most heads of a queue are plain: no concurrency key and no rate limit. They
are claimed with CLAIM_PLAIN (pg_statements), a statement without the steps
of keys and limits, which PostgreSQL would set up on every execution, run or
not. A head it meets that is gated (a key or a limit, or a process no longer
waiting) is left as it is, queue row and all, and the same caller makes the
full CLAIM at once; for the next second, claims of that colony and executor
type go to CLAIM straight away.
"""

from __future__ import annotations

import logging

from pycolonies_like.core.errors import ColoniesError
from pycolonies_like.core.models import Executor, Process
from pycolonies_like.core.rules import NS_PER_SECOND, executor_not_approved
from server.store import concurrency, queue
from server.store import processes as procs
from server.store.db import Row, Tx
from server.store.pg_retry import retrying
from server.store.pg_statements import CLAIM, CLAIM_HEARD, CLAIM_PLAIN, CLAIM_PLAIN_HEARD
from server.store.queue import Queue

log = logging.getLogger(__name__)


class PgClaims(Queue):
    def __init__(self) -> None:
        super().__init__()
        # (colony, executor type) -> until when its claims skip CLAIM_PLAIN
        self._gated: dict[tuple[str, str], int] = {}

    @retrying
    async def claim_process(
        self, executor: Executor, now_ns: int, lease_ns: int = 0
    ) -> Process | None:
        """queue.Queue.claim_process in one statement (one round trip), which
        also records "last heard from" when that is due (at most once a second);
        two when the head is gated by a concurrency key or a rate limit and
        CLAIM_PLAIN was tried first (see _claim_sql)."""
        params = queue.claim_params(executor, now_ns, lease_ns)
        claim = self._claim_sql(executor, now_ns)
        async with self._write1() as tx:
            if claim in (CLAIM_PLAIN, CLAIM_PLAIN_HEARD):
                row = await tx.fetchone(claim, params)
                assert row is not None
                if not row["gated"]:
                    return await self._claimed(tx, row, executor)
                self._gate(executor, now_ns)  # CLAIM_PLAIN left the head to CLAIM
                claim = CLAIM
            for _ in range(concurrency.MAX_HELD_PER_CLAIM):
                row = await tx.fetchone(claim, params)
                claim = CLAIM
                assert row is not None
                if row["processid"] is not None or not row["held"] or not row["approved"]:
                    return await self._claimed(tx, row, executor)
                # The head's key was at its limit (it is held back), or its rate
                # limit had too few tokens (it is parked): try the next.
            return None

    async def _claimed(self, tx: Tx, row: Row, executor: Executor) -> Process | None:
        if not row["approved"]:
            raise executor_not_approved(executor.executorname, executor.colonyname)
        return await self._load_claimed(tx, row) if row["processid"] is not None else None

    async def _load_claimed(self, tx: Tx, row: Row) -> Process:
        """The claimed process of `row`, its spec parsed at most once on its
        way from submit to end (ParsedSpecs)."""
        process = await procs.load(tx, row, self._submitted_specs.take(row))
        self._specs.keep(process, row["spec"])  # for its end
        return process

    def _claim_sql(self, executor: Executor, now_ns: int) -> str:
        """CLAIM_PLAIN, unless a head of the executor's colony and type was
        gated (by a key or a rate limit) in the last second: CLAIM then, one
        statement rather than two for each claim of a keyed queue."""
        heard = self._heard_from(executor, now_ns)
        if now_ns < self._gated.get((executor.colonyname, executor.executortype), 0):
            return CLAIM_HEARD if heard else CLAIM
        return CLAIM_PLAIN_HEARD if heard else CLAIM_PLAIN

    def _gate(self, executor: Executor, now_ns: int) -> None:
        if len(self._gated) >= 4096:
            self._gated = {k: t for k, t in self._gated.items() if t > now_ns}
            if len(self._gated) >= 4096:
                self._gated.clear()
        self._gated[(executor.colonyname, executor.executortype)] = now_ns + NS_PER_SECOND

    async def _claim_gated(self, claimer: Executor, now_ns: int, lease_ns: int) -> Process | None:
        """The full claim after an end whose CLAIM_PLAIN met a gated head. That
        head stayed locked until the end's commit, and a claim that skipped it
        meanwhile found nothing and waits for a wake-up that is not coming: so
        the claim is made here, as it was with the end before there was a
        CLAIM_PLAIN. The end is committed: if this claim fails, it takes
        nothing (the session's next claim tries again, or says why)."""
        try:
            return await self.claim_process(claimer, now_ns, lease_ns)
        except ColoniesError as err:
            log.info("the claim after %s's end took nothing: %s", claimer.executorname, err)
            return None
