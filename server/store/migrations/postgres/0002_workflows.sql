-- Process graphs (workflows), crons and generators.

CREATE TABLE processgraphs (
    processgraphid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    initiatorid TEXT NOT NULL,
    initiatorname TEXT NOT NULL,
    rootprocessids TEXT NOT NULL,
    state INTEGER NOT NULL,
    submissiontime BIGINT NOT NULL,
    starttime BIGINT NOT NULL DEFAULT 0,
    endtime BIGINT NOT NULL DEFAULT 0,
    -- Counters kept with every change, so that the graph state is known
    -- without scanning its processes.
    nprocesses INTEGER NOT NULL,
    nsuccessful INTEGER NOT NULL DEFAULT 0,
    nfailed INTEGER NOT NULL DEFAULT 0,
    ncancelled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX processgraphs_colony ON processgraphs(colonyname, state, submissiontime);
CREATE INDEX processgraphs_colony_time ON processgraphs(colonyname, submissiontime);

CREATE TABLE crons (
    cronid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    cronexpression TEXT NOT NULL,
    interval BIGINT NOT NULL,
    random INTEGER NOT NULL,
    nextrun BIGINT NOT NULL,
    lastrun BIGINT NOT NULL DEFAULT 0,
    workflowspec TEXT NOT NULL,
    prevprocessgraphid TEXT NOT NULL DEFAULT '',
    waitforprevprocessgraph INTEGER NOT NULL,
    initiatorid TEXT NOT NULL,
    initiatorname TEXT NOT NULL,
    UNIQUE (colonyname, name)
);
CREATE INDEX crons_due ON crons(nextrun);

CREATE TABLE generators (
    generatorid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    workflowspec TEXT NOT NULL,
    trigger BIGINT NOT NULL,
    timeout BIGINT NOT NULL,
    lastrun BIGINT NOT NULL DEFAULT 0,
    firstpack BIGINT NOT NULL DEFAULT 0,
    initiatorid TEXT NOT NULL,
    initiatorname TEXT NOT NULL,
    UNIQUE (colonyname, name)
);

CREATE TABLE generatorargs (
    seq BIGSERIAL PRIMARY KEY,
    generatorid TEXT NOT NULL REFERENCES generators(generatorid) ON DELETE CASCADE,
    arg TEXT NOT NULL,
    added BIGINT NOT NULL
);
CREATE INDEX generatorargs_generator ON generatorargs(generatorid, seq);
