-- PostgreSQL settles the end of a process of a graph in two steps (see
-- server/store/pg_graphs.py): `settling` is 1 until its waiting children are
-- counted down, 2 until what that released (or the end of the graph) is done.
-- The sweep finds both.
DROP INDEX processes_settling;
CREATE INDEX processes_unsettled ON processes(endtime) WHERE settling <> 0;
-- Waiting children of graphs stored before: count the parents they still
-- wait for (those not succeeded, or succeeded but not yet counted down: a
-- sweep counts those down). A rerun used to count all of a child's parents.
UPDATE processes c SET pendingparents = (
    SELECT count(*) FROM json_array_elements_text(NULLIF(c.parents, '')::json) AS q(id)
    LEFT JOIN processes p ON p.processid = q.id
    WHERE p.state IS DISTINCT FROM 2 OR p.settling = 1
) WHERE c.state = 0 AND c.waitforparents = 1 AND c.processgraphid <> '';
