-- Retention: finished processes and workflows older than a colony's
-- retention period (seconds; 0 keeps them) are removed in the background.
ALTER TABLE colonies ADD COLUMN retention BIGINT NOT NULL DEFAULT 0;

-- How many finished processes and workflows retention removed, by state, so
-- that statistics keep counting them.
CREATE TABLE retired (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state INTEGER NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (colonyname, kind, state)
);

-- Finished workflows, oldest end first (what retention removes).
CREATE INDEX processgraphs_ended ON processgraphs(colonyname, endtime) WHERE state >= 2;
