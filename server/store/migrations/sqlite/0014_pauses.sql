-- Paused assignment: for a whole colony (executortype '') or one executor type.
CREATE TABLE pauses (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    executortype TEXT NOT NULL,
    pausedtime INTEGER NOT NULL,
    PRIMARY KEY (colonyname, executortype)
) WITHOUT ROWID;
