-- Colonies, their members, and the process queue.

CREATE TABLE colonies (
    name TEXT PRIMARY KEY,
    colonyid TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE executors (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executorname TEXT NOT NULL,
    executorid TEXT NOT NULL,
    executortype TEXT NOT NULL,
    state INTEGER NOT NULL,
    commissiontime INTEGER NOT NULL,
    lastheardfromtime INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (colonyname, executorname),
    UNIQUE (colonyname, executorid)
) WITHOUT ROWID;

CREATE TABLE users (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    userid TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (colonyname, name),
    UNIQUE (colonyname, userid)
) WITHOUT ROWID;

CREATE TABLE functions (
    functionid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL,
    executorname TEXT NOT NULL,
    executortype TEXT NOT NULL,
    funcname TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    counter INTEGER NOT NULL DEFAULT 0,
    minwaittime REAL NOT NULL DEFAULT 0,
    maxwaittime REAL NOT NULL DEFAULT 0,
    minexectime REAL NOT NULL DEFAULT 0,
    maxexectime REAL NOT NULL DEFAULT 0,
    avgwaittime REAL NOT NULL DEFAULT 0,
    avgexectime REAL NOT NULL DEFAULT 0,
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
    maxwaittime INTEGER NOT NULL,
    maxexectime INTEGER NOT NULL,
    maxretries INTEGER NOT NULL,
    prioritytime INTEGER NOT NULL,
    submissiontime INTEGER NOT NULL,
    starttime INTEGER NOT NULL DEFAULT 0,
    endtime INTEGER NOT NULL DEFAULT 0,
    waitdeadline INTEGER NOT NULL DEFAULT 0,
    execdeadline INTEGER NOT NULL DEFAULT 0,
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
-- Partial indexes, one per kind of state, so that a state change touches
-- as few index entries as possible. Queries name the state as a literal.
CREATE INDEX processes_waiting ON processes(colonyname, prioritytime) WHERE state = 0;
CREATE INDEX processes_running ON processes(colonyname, starttime) WHERE state = 1;
CREATE INDEX processes_successful ON processes(colonyname, endtime) WHERE state = 2;
CREATE INDEX processes_failed ON processes(colonyname, endtime) WHERE state = 3;
CREATE INDEX processes_cancelled ON processes(colonyname, endtime) WHERE state = 4;
CREATE INDEX processes_running_deadline ON processes(execdeadline)
    WHERE state = 1 AND execdeadline > 0;
CREATE INDEX processes_waiting_deadline ON processes(waitdeadline)
    WHERE state = 0 AND waitdeadline > 0;
CREATE INDEX processes_graph ON processes(processgraphid, graphpos) WHERE processgraphid != '';
CREATE UNIQUE INDEX processes_idempotency ON processes(colonyname, initiatorid, idempotencykey)
    WHERE idempotencykey IS NOT NULL;

-- Assignable processes only: one row per process, or one per named executor
-- when the spec names executors. Claiming reads the head of an index range,
-- so its cost does not grow with the number of waiting processes. Every key
-- can be computed from its process, so the table needs no other index.
CREATE TABLE queue (
    colonyname TEXT NOT NULL,
    executortype TEXT NOT NULL,
    executorname TEXT NOT NULL,
    prioritytime INTEGER NOT NULL,
    processid TEXT NOT NULL,
    PRIMARY KEY (colonyname, executortype, executorname, prioritytime, processid)
) WITHOUT ROWID;

CREATE TABLE attributes (
    attributeid TEXT PRIMARY KEY,
    targetid TEXT NOT NULL REFERENCES processes(processid) ON DELETE CASCADE,
    targetcolonyname TEXT NOT NULL,
    targetprocessgraphid TEXT NOT NULL DEFAULT '',
    attributetype INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    added INTEGER NOT NULL
);
CREATE INDEX attributes_target ON attributes(targetid);

CREATE TABLE logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    processid TEXT NOT NULL REFERENCES processes(processid) ON DELETE CASCADE,
    colonyname TEXT NOT NULL,
    executorname TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX logs_process ON logs(processid, seq);

CREATE TABLE nonces (
    nonce TEXT PRIMARY KEY,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX nonces_expires ON nonces(expires);
