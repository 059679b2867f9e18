"""The PostgreSQL store's hot statements, each one round trip: the claim and
the finish (whole, or its first step), built from queue.py's fragments, and
the nonce's upsert."""

from __future__ import annotations

from pycolonies_like.core import function_stats
from pycolonies_like.core.models import ProcessState
from server.store import concurrency, functions, queue, ratelimits, rows
from server.store import processes as procs

# The head of the queue for an executor: in each shape of needs it fits, the
# first of the rows for any executor of its type and for it by name (the
# queue's key is ordered for this), skipping rows that concurrent claims hold,
# so that they never wait for each other; then the best of those heads.
HEADS = f"""
SELECT q.processid, q.prioritytime, q.shape
FROM (SELECT '' AS shape UNION ALL {queue.FITTING_SHAPES}) AS fit, LATERAL (
    SELECT processid, prioritytime, shape FROM queue
    WHERE colonyname = :colonyname AND executortype = :executortype AND shape = fit.shape
    AND executorname IN ('', :executorname)
    ORDER BY prioritytime LIMIT 1 FOR UPDATE SKIP LOCKED
) AS q"""
BEST = "ORDER BY prioritytime LIMIT 1"

# The claim in one statement: check approval and pauses, take the head of the
# queue, remove it from the queue, take the tokens of its rate limit and a
# slot of its concurrency key (or hold it back when the key has no free slot,
# or park it until its tokens are due when the limit has too few), assign it,
# start its graph. The later steps read `pick` and `upd` through scalar
# subqueries, which pins them to index lookups: a join there may be planned as
# a scan of the whole queue. The tokens are taken only when the key's slot
# looks free; the slot only when the tokens were taken (a slot lost to a race
# after that costs the tokens, never the limit).
_KEY = "(SELECT concurrencykey FROM keyed)"
_TAKE_SLOT = (
    concurrency.take_slot_sql(_KEY, "(SELECT concurrencylimit FROM keyed)")
    + " AND (NOT EXISTS (SELECT 1 FROM limited) OR EXISTS (SELECT 1 FROM took))"
)
_LIMIT = "(SELECT ratelimit FROM limited)"
_UNITS = "(SELECT ratelimitunits FROM limited)"
_SLOT_LOOKS_FREE = (
    f"(COALESCE({_KEY}, '') = '' OR EXISTS (SELECT 1 FROM concurrency "
    f"WHERE colonyname = :colonyname AND key = {_KEY} "
    "AND running < (SELECT concurrencylimit FROM keyed)))"
)

# The executor's approval is read twice. `known`, in the statement's snapshot,
# says whether it may claim at all (and is reported: `approved`). Then, once
# a head of the queue is taken, `ok` locks the executor's row (FOR SHARE), or
# updates it when its "last heard from" time is due: a rejection or removal
# committed meanwhile is then seen (PostgreSQL waits for it and checks the
# row again), and one that starts meanwhile waits for the claim, then takes
# back what it claimed (queue.requeue_running_of); a claim that took a head
# and then found the row no longer approved reports so (`approved` 0), so
# that its wake-up passes on to another executor. Read only in the snapshot,
# a process claimed as the executor was rejected would stay with it. With
# nothing to take, the lock is not taken: a claim that finds nothing writes
# nothing (and has no commit to flush).
_APPROVED = (
    f"SELECT 1 FROM executors WHERE {queue.IS_APPROVED} AND EXISTS (SELECT 1 FROM head) FOR SHARE"
)
_HEARD_FROM = f"UPDATE executors SET lastheardfromtime = :now WHERE {queue.IS_APPROVED} RETURNING 1"
# The first steps of every claim: approval, pauses, the head, the lock.
_PICK = f"""known AS (
    SELECT 1 FROM executors WHERE {queue.IS_APPROVED}
), head AS (
    {HEADS} WHERE EXISTS (SELECT 1 FROM known) AND {queue.NOT_PAUSED} {BEST}
), ok AS (
    {{ok}}
), pick AS (
    SELECT * FROM head WHERE EXISTS (SELECT 1 FROM ok)
)"""
# Whether the executor may claim at all (0: not approved, or no longer, see `ok`).
_APPROVED_COLUMN = """CASE WHEN EXISTS (SELECT 1 FROM head) AND NOT EXISTS (SELECT 1 FROM ok) THEN 0
ELSE (SELECT count(*) FROM known) END AS approved"""
_CLAIM = f"""
WITH {_PICK}, keyed AS (
    {concurrency.key_of("(SELECT processid FROM pick)")}
), limited AS (
    SELECT p.ratelimit, p.ratelimitunits FROM processes p, ratelimits r
    WHERE p.processid = (SELECT processid FROM pick) AND p.ratelimit <> ''
    AND r.colonyname = :colonyname AND r.name = p.ratelimit
), took AS (
    {ratelimits.take_sql(_LIMIT, _UNITS)} AND {_SLOT_LOOKS_FREE}
    RETURNING 1 AS x
), wait AS (
    {ratelimits.park_sql(_LIMIT, _UNITS)} AND {_SLOT_LOOKS_FREE}
    AND NOT EXISTS (SELECT 1 FROM took) {ratelimits.parked_at(_UNITS)}
), slot AS (
    {_TAKE_SLOT}
    RETURNING 1 AS x
), may_run AS (
    SELECT 1 AS x WHERE (COALESCE({_KEY}, '') = '' OR EXISTS (SELECT 1 FROM slot))
    AND (NOT EXISTS (SELECT 1 FROM limited) OR EXISTS (SELECT 1 FROM took))
), taken AS (
    DELETE FROM queue WHERE colonyname = :colonyname AND executortype = :executortype
    AND shape = (SELECT shape FROM pick) AND prioritytime = (SELECT prioritytime FROM pick)
    AND processid = (SELECT processid FROM pick)
), upd AS (
    UPDATE processes SET {queue.ASSIGN}
    WHERE processid = (SELECT processid FROM pick) AND state = {queue.WAITING}
    AND EXISTS (SELECT 1 FROM may_run)
    RETURNING {procs.COLUMNS}
), parked AS (
    {ratelimits.wait_sql("(SELECT processid FROM pick)", "(SELECT due FROM wait)")}
    AND EXISTS (SELECT 1 FROM wait)
    RETURNING 1 AS x
), held AS (
    {concurrency.hold_sql("(SELECT processid FROM pick)")} AND NOT EXISTS (SELECT 1 FROM may_run)
    AND NOT EXISTS (SELECT 1 FROM wait)
    RETURNING 1 AS x
), graph AS (
    {queue.start_graph("(SELECT processgraphid FROM upd)")}
)
SELECT {_APPROVED_COLUMN},
(SELECT count(*) FROM held) + (SELECT count(*) FROM parked) AS held, false AS gated, upd.*
FROM (SELECT 1) AS one LEFT JOIN upd ON true
"""
CLAIM = _CLAIM.replace("{ok}", _APPROVED)
# The same, recording "last heard from" in the same round trip.
CLAIM_HEARD = _CLAIM.replace("{ok}", _HEARD_FROM)

# The claim of a head that no concurrency key or rate limit gates, which is
# most of them: CLAIM without the steps of keys and limits. Each execution
# sets up every step of its statement, run or not; those steps made up about
# 40 % of the database's CPU per claim (bench/claim_sql.py). A head it cannot
# take as it is (`gated`: its process has a key or a limit, or is no longer
# waiting) keeps its queue row, and CLAIM is run for it: the queue row goes
# only with the assignment (`taken` reads `upd`).
_CLAIM_PLAIN = f"""
WITH {_PICK}, upd AS (
    UPDATE processes SET {queue.ASSIGN}
    WHERE processid = (SELECT processid FROM pick) AND state = {queue.WAITING}
    AND concurrencykey = '' AND ratelimit = ''
    RETURNING {procs.COLUMNS}
), taken AS (
    DELETE FROM queue WHERE colonyname = :colonyname AND executortype = :executortype
    AND shape = (SELECT shape FROM pick) AND prioritytime = (SELECT prioritytime FROM pick)
    AND processid = (SELECT processid FROM upd)
), graph AS (
    {queue.start_graph("(SELECT processgraphid FROM upd)")}
)
SELECT {_APPROVED_COLUMN}, 0 AS held,
EXISTS (SELECT 1 FROM pick) AND NOT EXISTS (SELECT 1 FROM upd) AS gated, upd.*
FROM (SELECT 1) AS one LEFT JOIN upd ON true
"""
CLAIM_PLAIN = _CLAIM_PLAIN.replace("{ok}", _APPROVED)
CLAIM_PLAIN_HEARD = _CLAIM_PLAIN.replace("{ok}", _HEARD_FROM)

# The first step of a finish in one statement: end the process and read (and
# lock) the row of the function it ran, whose statistics then count the run.
FN = "fn_"
FINISH = f"""
WITH upd AS (
    UPDATE processes SET {queue.FINISH} WHERE {queue.FINISHABLE}
    RETURNING {procs.COLUMNS}, colonyname, funcname
), fn AS (
    SELECT {", ".join(f"f.{c} AS {FN}{c}" for c in rows.FUNCTION)} FROM functions f, upd
    WHERE upd.state = {int(ProcessState.SUCCESSFUL)}
    AND {" AND ".join(f"f.{f} = upd.{p}" for f, p in functions.RAN_BY.items())}
    FOR UPDATE OF f
)
SELECT upd.*, fn.* FROM upd LEFT JOIN fn ON true
"""

# The whole of a finish in one statement, committed on its own, for every
# process that holds no slot of a concurrency key: end it, count the run in
# the statistics of the function it ran (core.function_stats' rule in SQL),
# and mark a process of a graph `settling` (as Graphs._moving_on does). A
# process with a key, or one that is not finishable, updates nothing here and
# takes the transaction of finish_process.
_COUNT_RUN = function_stats.count_run_sql("upd.submissiontime", "upd.starttime", "upd.endtime")
FINISH_ALONE = f"""
WITH upd AS (
    UPDATE processes SET {queue.FINISH},
    settling = CASE WHEN processgraphid = '' THEN settling ELSE 1 END
    WHERE {queue.FINISHABLE} AND concurrencykey = ''
    RETURNING {procs.COLUMNS}, colonyname, funcname
), counted AS (
    UPDATE functions f SET {_COUNT_RUN}
    FROM upd WHERE upd.state = {int(ProcessState.SUCCESSFUL)}
    AND {" AND ".join(f"f.{f} = upd.{p}" for f, p in functions.RAN_BY.items())}
)
SELECT * FROM upd
"""


def _epoch_ns(timestamp: str) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {timestamp}) * 1000000000 AS BIGINT)"


# The database's clock, in ns: shared by every server, whatever their own say.
DB_NOW_NS = _epoch_ns("clock_timestamp()")

# nonces.py's upsert of a batch of nonces (pg_nonces), answering the ones it
# remembered, in a transaction that commits without waiting for the WAL flush
# (set_config(..., true) lasts until the statement's own commit). A nonce that
# PURGE_NONCES may have removed already (by the database's clock) is refused.
REMEMBER_NONCES = (
    "WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "INSERT INTO nonces (nonce, expires) SELECT n, e FROM unflushed, "
    "unnest(?::text[], ?::bigint[]) WITH ORDINALITY AS t(n, e, i) "
    f"WHERE e >= {DB_NOW_NS} - ? ORDER BY i "
    "ON CONFLICT (nonce) DO UPDATE SET expires = excluded.expires "
    "WHERE nonces.expires < ? AND nonces.expires < excluded.expires RETURNING nonce"
)
# Nonces past their expiry and the grace, by the database's clock as well as
# the server's (whichever is earlier). The statement's start, not the clock:
# a value fixed for the statement lets the index on `expires` find the rows
# (a volatile one would read the whole table), and an earlier time purges less.
PURGE_NONCES = (
    f"DELETE FROM nonces WHERE expires < LEAST(?, {_epoch_ns('statement_timestamp()')} - ?)"
)
