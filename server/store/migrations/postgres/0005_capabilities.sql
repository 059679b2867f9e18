-- What executors have, and the queue keyed by what a process needs.
--
-- A process' needs (cpu, memory, GPUs, ... from its conditions) are a shape;
-- processes with equal needs share one. The queue is keyed by shape, so that a
-- claim takes the head of each shape the executor fits: shapes it does not fit
-- are never read, however many processes wait in them.

ALTER TABLE executors ADD COLUMN locationname TEXT NOT NULL DEFAULT '';
ALTER TABLE executors ADD COLUMN capabilities TEXT NOT NULL DEFAULT '';

-- One row per hardware entry of an executor, in plain units (millicores, bytes).
CREATE TABLE executorhardware (
    colonyname TEXT NOT NULL,
    executorname TEXT NOT NULL,
    position INTEGER NOT NULL,
    cpu BIGINT NOT NULL,
    mem BIGINT NOT NULL,
    storage BIGINT NOT NULL,
    gpus INTEGER NOT NULL,
    gpumem BIGINT NOT NULL,
    gpuname TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    PRIMARY KEY (colonyname, executorname, position),
    FOREIGN KEY (colonyname, executorname)
        REFERENCES executors(colonyname, executorname) ON DELETE CASCADE
);

-- Every shape ever queued in a colony, for an executor type ('' = needs nothing).
CREATE TABLE shapes (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executortype TEXT NOT NULL,
    shape TEXT NOT NULL,
    cpu BIGINT NOT NULL,
    mem BIGINT NOT NULL,
    storage BIGINT NOT NULL,
    gpus INTEGER NOT NULL,
    gpumem BIGINT NOT NULL,
    gpuname TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    locationname TEXT NOT NULL,
    hardware INTEGER NOT NULL,
    PRIMARY KEY (colonyname, executortype, shape)
);

-- Until now conditions beyond the executor were not kept: every queued process needs nothing.
ALTER TABLE queue ADD COLUMN shape TEXT NOT NULL DEFAULT '';
ALTER TABLE queue ALTER COLUMN shape DROP DEFAULT;
ALTER TABLE queue DROP CONSTRAINT queue_pkey;
ALTER TABLE queue ADD PRIMARY KEY (colonyname, executortype, shape, prioritytime, executorname, processid);
