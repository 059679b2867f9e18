-- Workflows move on from process states: the open processes of a graph are
-- found by index, and an ended process whose graph has yet to move on
-- (PostgreSQL does that after the end is committed) is marked `settling`.
ALTER TABLE processes ADD COLUMN settling INTEGER NOT NULL DEFAULT 0;
CREATE INDEX processes_graph_state ON processes(processgraphid, state) WHERE processgraphid <> '';
CREATE INDEX processes_settling ON processes(endtime) WHERE settling = 1;
