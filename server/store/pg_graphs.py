"""How a workflow moves on in the PostgreSQL store, in few round trips and
without making the ends of one graph wait for each other's disk flushes.

A waiting child counts the parents it still waits for (`pendingparents`,
set when it is stored: processes.insert, graphs.py). An end commits on its
own (pg_statements.FINISH_ALONE), marked `settling` = 1; then one statement
that commits without waiting for the disk (COUNT_DOWN):

* counts one parent down on each waiting child of the process (if the mark
  is still 1: exactly once, the mark and the counts change together), and
  reads whether its graph has processes still open;
* marks the end 0 when that is all (no child is ready, the graph is open:
  the common case, one round trip), else 2.

Concurrent ends that share a child wait for each other only on that child's
row, only while this unflushed statement commits. An end marked 2 then
releases the children whose count reached zero with their parents' outputs
(RELEASE: every other parent's count was committed before this one, with
its output, so a statement after the commit sees them all), or, when the
graph may end (or a count and the states disagree), moves the graph on from
process states (graphs.after_end), which is what settle_unsettled also does
after a crash. An end lost in a crash is still marked: 1 is counted down
then, 2 is settled from states, never counted twice.
"""

from __future__ import annotations

from pycolonies_like.core.models import Process, ProcessState
from pycolonies_like.core.rules import deadline_sql
from server.store import processes as procs
from server.store import rows
from server.store.base import FinishResult
from server.store.graphs import Graphs

WAITING = int(ProcessState.WAITING)
RUNNING = int(ProcessState.RUNNING)
SUCCESSFUL = int(ProcessState.SUCCESSFUL)

_UNFLUSHED = "unflushed AS (SELECT set_config('synchronous_commit', 'off', true) AS x)"

# The children of :processid are locked in id order (ends that share
# children cannot deadlock); their ids go in as an array and `state + 0`
# matches no partial index on state, which pins the lookup to the primary
# key (else the planner may scan every waiting process).
COUNT_DOWN = f"""
WITH {_UNFLUSHED}, mine AS (
    SELECT p.children FROM processes p, unflushed WHERE p.processid = :processid
    AND p.settling = 1 AND p.state = {SUCCESSFUL} FOR UPDATE OF p
), kids AS (
    SELECT c.processid FROM processes c WHERE c.processid = ANY(ARRAY(
        SELECT json_array_elements_text(children::json) FROM mine WHERE children <> ''
    )) AND c.state + 0 = {WAITING} AND c.waitforparents = 1
    ORDER BY c.processid FOR UPDATE OF c
), counted_down AS (
    UPDATE processes c SET pendingparents = c.pendingparents - 1
    FROM kids WHERE c.processid = kids.processid
    RETURNING c.processid, c.pendingparents
), ready AS (
    SELECT ARRAY(
        SELECT processid FROM counted_down WHERE pendingparents <= 0 ORDER BY processid
    ) AS ids
), open AS (
    SELECT EXISTS (
        SELECT 1 FROM processes WHERE processgraphid = :processgraphid
        AND state IN ({WAITING}, {RUNNING}) AND processgraphid <> ''
    ) AS open
), marked AS (
    UPDATE processes SET settling = CASE WHEN CARDINALITY((SELECT ids FROM ready)) > 0
    OR NOT (SELECT open FROM open) THEN 2 ELSE 0 END
    WHERE processid = :processid AND EXISTS (SELECT 1 FROM mine)
)
SELECT ready.ids AS ready, open.open FROM mine, ready, open
"""

# The input of a child: its parents' outputs (JSON lists) joined in the order
# of its parents, as core.progress.child_input; '' when there is none.
_INPUT = """COALESCE((
    SELECT '[' || string_agg(substr(p.output, 2, length(p.output) - 2), ', ' ORDER BY o.n) || ']'
    FROM json_array_elements_text(c.parents::json) WITH ORDINALITY AS o(id, n)
    JOIN processes p ON p.processid = o.id WHERE length(p.output) > 2
), '')"""

# Releases the children :ids whose parents have all succeeded (checked again
# here: a count is a shortcut, the states are the truth); when it released
# them all, the end (:processid) is settled.
RELEASE = f"""
WITH released AS (
    UPDATE processes c SET waitforparents = 0, pendingparents = 0, input = {_INPUT},
    waitdeadline = {deadline_sql(":now", "c.maxwaittime")}
    WHERE c.processid = ANY(CAST(:ids AS TEXT[])) AND c.state + 0 = {WAITING}
    AND c.waitforparents = 1 AND NOT EXISTS (
        SELECT 1 FROM json_array_elements_text(c.parents::json) AS q(id)
        LEFT JOIN processes p ON p.processid = q.id WHERE p.state IS DISTINCT FROM {SUCCESSFUL}
    )
    RETURNING {rows.select(rows.PROCESS, "c")}
), settled AS (
    UPDATE processes SET settling = 0 WHERE processid = :processid AND settling = 2
    AND (SELECT count(*) FROM released) = CARDINALITY(CAST(:ids AS TEXT[]))
)
SELECT * FROM released ORDER BY processid
"""


class PgGraphs(Graphs):
    """Graphs.settle_process with the counts of COUNT_DOWN."""

    async def settle_process(self, process: Process, now_ns: int) -> FinishResult:
        if not process.processgraphid or process.state != ProcessState.SUCCESSFUL:
            return await super().settle_process(process, now_ns)
        async with self._write1() as tx:
            ids = {"processid": process.processid, "processgraphid": process.processgraphid}
            row = await tx.fetchone(COUNT_DOWN, ids)
        if row is None:  # counted down before (marked 2), or settled
            return await super().settle_process(process, now_ns)
        ready: list[str] = row["ready"]
        if not ready and row["open"]:
            return FinishResult(process)
        released: list[Process] = []
        if ready:
            async with self._tx_unflushed() as tx:
                found = await tx.fetchall(
                    RELEASE, {"ids": ready, "now": now_ns, "processid": process.processid}
                )
                released = [rows.process_from_row(r) for r in found]
                await procs.enqueue_all(tx, released)
            if len(released) == len(ready):
                return FinishResult(process, released)
        # The graph may end, or a count and the states disagree: states decide.
        result = await super().settle_process(process, now_ns)
        return FinishResult(process, [*released, *result.released], result.ended, result.graph)
