-- A batch of processes is written a slice at a time in a state of its own
-- (-1, staged) that no claim, list, count or statistics reads, under the id
-- of its batch, then published in one statement (server/store/processes.py,
-- StagedBatch). On PostgreSQL the whole batch is one transaction, so staged
-- rows are never committed; the column and index keep the schemas alike.
ALTER TABLE processes ADD COLUMN batch BIGINT NOT NULL DEFAULT 0;
CREATE INDEX processes_staged ON processes(batch) WHERE state = -1;
