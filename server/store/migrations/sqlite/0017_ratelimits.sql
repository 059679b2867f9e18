-- Rate limits: named budgets of process starts per colony (token buckets).
-- A process whose spec names a limit carries its name and the tokens a start
-- takes; the claim takes them with one conditional update of the limit's row,
-- the bucket refilled from `updated` to the claim's time at rate/periodns,
-- never above burst. A process that finds too few tokens waits (notbefore)
-- until they are due; `horizon` spreads those waits, one due time each.
ALTER TABLE processes ADD COLUMN ratelimit TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN ratelimitunits INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ratelimits (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    rate INTEGER NOT NULL,
    unit TEXT NOT NULL,
    periodns INTEGER NOT NULL,
    burst INTEGER NOT NULL,
    tokens REAL NOT NULL,
    updated INTEGER NOT NULL,
    horizon INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (colonyname, name)
) WITHOUT ROWID;
