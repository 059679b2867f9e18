-- Colonies, their members, and the process queue.

CREATE TABLE colonies (
    name TEXT PRIMARY KEY,
    colonyid TEXT NOT NULL
);

CREATE TABLE executors (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executorname TEXT NOT NULL,
    executorid TEXT NOT NULL,
    executortype TEXT NOT NULL,
    state INTEGER NOT NULL,
    commissiontime BIGINT NOT NULL,
    lastheardfromtime BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (colonyname, executorname),
    UNIQUE (colonyname, executorid)
);

CREATE TABLE users (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    userid TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (colonyname, name),
    UNIQUE (colonyname, userid)
);

CREATE TABLE functions (
    functionid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL,
    executorname TEXT NOT NULL,
    executortype TEXT NOT NULL,
    funcname TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    counter BIGINT NOT NULL DEFAULT 0,
    minwaittime DOUBLE PRECISION NOT NULL DEFAULT 0,
    maxwaittime DOUBLE PRECISION NOT NULL DEFAULT 0,
    minexectime DOUBLE PRECISION NOT NULL DEFAULT 0,
    maxexectime DOUBLE PRECISION NOT NULL DEFAULT 0,
    avgwaittime DOUBLE PRECISION NOT NULL DEFAULT 0,
    avgexectime DOUBLE PRECISION NOT NULL DEFAULT 0,
    UNIQUE (colonyname, executorname, funcname),
    FOREIGN KEY (colonyname, executorname)
        REFERENCES executors(colonyname, executorname) ON DELETE CASCADE
);

CREATE TABLE processes (
    processid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executortype TEXT NOT NULL,
    funcname TEXT NOT NULL,
    label TEXT NOT NULL,
    state INTEGER NOT NULL,
    initiatorid TEXT NOT NULL,
    initiatorname TEXT NOT NULL,
    assignedexecutorid TEXT NOT NULL DEFAULT '',
    assignedexecutorname TEXT NOT NULL DEFAULT '',
    attempt INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL,
    maxwaittime BIGINT NOT NULL,
    maxexectime BIGINT NOT NULL,
    maxretries INTEGER NOT NULL,
    prioritytime BIGINT NOT NULL,
    submissiontime BIGINT NOT NULL,
    starttime BIGINT NOT NULL DEFAULT 0,
    endtime BIGINT NOT NULL DEFAULT 0,
    waitdeadline BIGINT NOT NULL DEFAULT 0,
    execdeadline BIGINT NOT NULL DEFAULT 0,
    spec TEXT NOT NULL,
    input TEXT NOT NULL DEFAULT '',
    output TEXT NOT NULL DEFAULT '',
    errors TEXT NOT NULL DEFAULT '',
    processgraphid TEXT NOT NULL DEFAULT '',
    graphpos INTEGER NOT NULL DEFAULT 0,
    waitforparents INTEGER NOT NULL DEFAULT 0,
    pendingparents INTEGER NOT NULL DEFAULT 0,
    parents TEXT NOT NULL DEFAULT '',
    children TEXT NOT NULL DEFAULT '',
    nattributes INTEGER NOT NULL DEFAULT 0,
    idempotencykey TEXT
);
-- One partial index per kind of state: a state change touches few entries.
-- Queries name the state as a literal so that the planner can use them.
CREATE INDEX processes_waiting ON processes(colonyname, prioritytime) WHERE state = 0;
CREATE INDEX processes_running ON processes(colonyname, starttime) WHERE state = 1;
CREATE INDEX processes_successful ON processes(colonyname, endtime) WHERE state = 2;
CREATE INDEX processes_failed ON processes(colonyname, endtime) WHERE state = 3;
CREATE INDEX processes_cancelled ON processes(colonyname, endtime) WHERE state = 4;
CREATE INDEX processes_running_deadline ON processes(execdeadline)
    WHERE state = 1 AND execdeadline > 0;
CREATE INDEX processes_waiting_deadline ON processes(waitdeadline)
    WHERE state = 0 AND waitdeadline > 0;
CREATE INDEX processes_graph ON processes(processgraphid, graphpos) WHERE processgraphid <> '';
CREATE UNIQUE INDEX processes_idempotency ON processes(colonyname, initiatorid, idempotencykey)
    WHERE idempotencykey IS NOT NULL;

-- Assignable processes only, in claim order. executorname is '' for any
-- executor of the type, or one row per named executor. A claim scans from
-- the head with FOR UPDATE SKIP LOCKED, so concurrent claims on several
-- servers never wait for each other and never take the same process.
CREATE TABLE queue (
    colonyname TEXT NOT NULL,
    executortype TEXT NOT NULL,
    prioritytime BIGINT NOT NULL,
    executorname TEXT NOT NULL,
    processid TEXT NOT NULL,
    PRIMARY KEY (colonyname, executortype, prioritytime, executorname, processid)
);

CREATE TABLE attributes (
    attributeid TEXT PRIMARY KEY,
    targetid TEXT NOT NULL REFERENCES processes(processid) ON DELETE CASCADE,
    targetcolonyname TEXT NOT NULL,
    targetprocessgraphid TEXT NOT NULL DEFAULT '',
    attributetype INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    added BIGINT NOT NULL
);
CREATE INDEX attributes_target ON attributes(targetid);

CREATE TABLE logs (
    seq BIGSERIAL PRIMARY KEY,
    processid TEXT NOT NULL REFERENCES processes(processid) ON DELETE CASCADE,
    colonyname TEXT NOT NULL,
    executorname TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX logs_process ON logs(processid, seq);

-- Shared by every server, so that a request replayed to another server is
-- refused too. Unlogged: fast, and only lost if PostgreSQL itself crashes.
CREATE UNLOGGED TABLE nonces (
    nonce TEXT PRIMARY KEY,
    expires BIGINT NOT NULL
);
CREATE INDEX nonces_expires ON nonces(expires);
