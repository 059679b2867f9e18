"""How a workflow moves on in the PostgreSQL store, in few round trips and
without making the ends of one graph wait for each other's disk flushes.

A waiting child counts the parents it still waits for (`pendingparents`,
set when it is stored: processes.insert, graphs.py). An end commits on its
own (pg_statements.FINISH_ALONE), marked `settling` = 1; then one statement
that commits without waiting for the disk (COUNT_DOWN):

* counts one parent down on each waiting child of the process (if the mark
  is still 1: exactly once, the mark and the counts change together), and
  reads whether its graph has processes still open;
* releases, in the same change, each child whose count reached zero when
  its queue row needs nothing from Python (it asks for no resources and
  names no executors: _PLAIN) and the statement sees all of its parents
  succeeded (its snapshot may predate the end of a parent counted down
  just before it, on another connection): its input is built from their
  outputs, its row is queued;
* marks the end 0 when that is all (every child whose count reached zero
  was released, the graph is open: one round trip, also for a chain), else 2.

Concurrent ends that share a child wait for each other only on that child's
row, only while this unflushed statement commits. An end marked 2 then
releases the children whose count reached zero and were left waiting with
their parents' outputs (RELEASE: every other parent's count was committed
before this one, with its output, so a statement after the commit sees them
all), or, when the graph may end (or a count and the states disagree),
moves the graph on from process states (graphs.after_end), which is what
settle_unsettled also does after a crash. An end lost in a crash is still
marked: 1 is counted down then, 2 is settled from states, never counted twice.
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

# The input of a child: its parents' outputs (JSON lists) joined in the order
# of its parents, as core.progress.child_input; '' when there is none.
_INPUT = """COALESCE((
    SELECT '[' || string_agg(substr(p.output, 2, length(p.output) - 2), ', ' ORDER BY o.n) || ']'
    FROM json_array_elements_text(c.parents::json) WITH ORDINALITY AS o(id, n)
    JOIN processes p ON p.processid = o.id WHERE length(p.output) > 2
), '')"""

# A child whose queue row is made of its own columns, as processes.enqueue
# would make it: its stored conditions (rows.spec_json leaves out what is
# unset) hold none that shape its needs (core.requirements), and it names no
# executors. Anything else is queued by Python (RELEASE).
UNSHAPED = ("colonyname", "executortype", "executornames", "dependencies")
_PLAIN = f"""(NOT EXISTS (
    SELECT 1 FROM json_object_keys(c.spec::json -> 'conditions') AS k(name)
    WHERE k.name NOT IN ({", ".join(f"'{n}'" for n in UNSHAPED)})
) AND json_array_length(COALESCE(c.spec::json -> 'conditions' -> 'executornames',
    '[]'::json)) = 0)"""

# Whether child `c` may be released by the count-down of its last parent:
# it is plain and every parent is seen succeeded (checked only for a child
# with one count left).
_MAY_GO = f"""(CASE WHEN c.pendingparents > 1 THEN false ELSE {_PLAIN} AND NOT EXISTS (
    SELECT 1 FROM json_array_elements_text(c.parents::json) AS q(id)
    LEFT JOIN processes p ON p.processid = q.id WHERE p.state IS DISTINCT FROM {SUCCESSFUL}
) END)"""
# The count-down released child `c` (its row as updated).
_GOES = "(c.pendingparents <= 1 AND kids.may_go)"
# A column of the released children only (the others are left waiting).
_HEAVY = ("spec", "input", "output", "errors", "parents", "children", "history")
_RETURNED = ", ".join(
    f"CASE WHEN c.waitforparents = 0 THEN c.{n} END AS {n}" if n in _HEAVY else f"c.{n}"
    for n in rows.PROCESS
)

# The children of :processid are locked in id order (ends that share
# children cannot deadlock); their ids go in as an array and `state + 0`
# matches no partial index on state, which pins the lookup to the primary
# key (else the planner may scan every waiting process). A graph with a
# child counted down is open (the child waits): only an end without one
# looks for open processes in its graph, an index scan that passes the
# entries its graph's ended processes left. One row per child
# released (none: one row of NULLs), each with `ready` (the children counted
# to zero but left waiting) and `open`; no row when the end was counted down
# before.
COUNT_DOWN = f"""
WITH {_UNFLUSHED}, mine AS (
    SELECT p.children FROM processes p, unflushed WHERE p.processid = :processid
    AND p.settling = 1 AND p.state = {SUCCESSFUL} FOR UPDATE OF p
), kids AS (
    SELECT c.processid, {_MAY_GO} AS may_go FROM processes c WHERE c.processid = ANY(ARRAY(
        SELECT json_array_elements_text(children::json) FROM mine WHERE children <> ''
    )) AND c.state + 0 = {WAITING} AND c.waitforparents = 1
    ORDER BY c.processid FOR UPDATE OF c
), counted_down AS (
    UPDATE processes c SET
    pendingparents = CASE WHEN {_GOES} THEN 0 ELSE c.pendingparents - 1 END,
    waitforparents = CASE WHEN {_GOES} THEN 0 ELSE 1 END,
    input = CASE WHEN {_GOES} THEN {_INPUT} ELSE c.input END,
    waitdeadline = CASE WHEN {_GOES} THEN {deadline_sql(":now", "c.maxwaittime")}
        ELSE c.waitdeadline END
    FROM kids WHERE c.processid = kids.processid
    RETURNING {_RETURNED}, c.pendingparents AS pendingparents,
    c.colonyname AS q_colonyname, c.executortype AS q_executortype
), queued AS (
    INSERT INTO queue (colonyname, executortype, executorname, shape, prioritytime, processid)
    SELECT q_colonyname, q_executortype, '', '', prioritytime, processid
    FROM counted_down WHERE waitforparents = 0
), ready AS (
    SELECT ARRAY(
        SELECT processid FROM counted_down WHERE waitforparents = 1 AND pendingparents <= 0
        ORDER BY processid
    ) AS ids
), open AS (
    SELECT EXISTS (SELECT 1 FROM counted_down) OR EXISTS (
        SELECT 1 FROM processes WHERE processgraphid = :processgraphid
        AND state IN ({WAITING}, {RUNNING}) AND processgraphid <> ''
    ) AS open
), marked AS (
    UPDATE processes SET settling = CASE WHEN CARDINALITY((SELECT ids FROM ready)) > 0
    OR NOT (SELECT open FROM open) THEN 2 ELSE 0 END
    WHERE processid = :processid AND EXISTS (SELECT 1 FROM mine)
)
SELECT ready.ids AS ready, open.open, d.* FROM mine CROSS JOIN ready CROSS JOIN open
LEFT JOIN counted_down d ON d.waitforparents = 0 ORDER BY d.processid
"""

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
            found = await tx.fetchall(COUNT_DOWN, {
                "processid": process.processid, "processgraphid": process.processgraphid,
                "now": now_ns})  # fmt: skip
        if not found:  # counted down before (marked 2), or settled
            return await super().settle_process(process, now_ns)
        ready: list[str] = found[0]["ready"]
        released = [rows.process_from_row(r) for r in found if r["processid"] is not None]
        if not ready and found[0]["open"]:
            return FinishResult(process, released)
        if ready:
            async with self._tx_unflushed() as tx:
                again = await tx.fetchall(
                    RELEASE, {"ids": ready, "now": now_ns, "processid": process.processid}
                )
                later = [rows.process_from_row(r) for r in again]
                await procs.enqueue_all(tx, later)
            released += later
            if len(later) == len(ready):
                return FinishResult(process, released)
        # The graph may end, or a count and the states disagree: states decide.
        result = await super().settle_process(process, now_ns)
        return FinishResult(process, [*released, *result.released], result.ended, result.graph)
