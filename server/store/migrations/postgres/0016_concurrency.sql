-- Concurrency keys: at most `limit` running processes per key and colony.
-- The key and limit of a process come from its spec (concurrency); `held`
-- marks a waiting process taken out of the queue because its key was at its
-- limit when it reached the head, until a running process of the key ends.
ALTER TABLE processes ADD COLUMN concurrencykey TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN concurrencylimit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processes ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX processes_key_waiting ON processes(colonyname, concurrencykey, held, prioritytime)
    WHERE state = 0 AND concurrencykey <> '';
CREATE INDEX processes_key_running ON processes(colonyname, concurrencykey, starttime)
    WHERE state = 1 AND concurrencykey <> '';

-- Running processes per key: the claim takes a slot with one conditional
-- update of this row (which also orders concurrent claims of the key).
CREATE TABLE concurrency (
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    key TEXT NOT NULL,
    running INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (colonyname, key)
);
