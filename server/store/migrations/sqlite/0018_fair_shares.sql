-- Fair shares within a colony (start-time fair queuing, core/fairness.py):
-- each submitter's virtual time per colony and executor type, moved on in
-- the transaction that queues its processes (one conditional upsert), and
-- the step (1,000 / weight) it moved by per process then.
CREATE TABLE fairshares (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executortype TEXT NOT NULL,
    submitter TEXT NOT NULL,
    vtime INTEGER NOT NULL,
    step INTEGER NOT NULL,
    PRIMARY KEY (colonyname, executortype, submitter)
) WITHOUT ROWID;

-- A submitter's weight in its colony (default 1), set by the colony owner.
CREATE TABLE fairweights (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    submitter TEXT NOT NULL,
    weight INTEGER NOT NULL,
    PRIMARY KEY (colonyname, submitter)
) WITHOUT ROWID;
