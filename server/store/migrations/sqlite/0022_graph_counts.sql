-- PostgreSQL settles the end of a process of a graph in two steps (see
-- server/store/pg_graphs.py): `settling` is 1 until its waiting children are
-- counted down, 2 until what that released (or the end of the graph) is done.
-- The sweep finds both.
DROP INDEX processes_settling;
CREATE INDEX processes_unsettled ON processes(endtime) WHERE settling <> 0;
