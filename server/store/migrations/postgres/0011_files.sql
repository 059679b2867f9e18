-- ColonyFS: the metadata of files (the bytes are in object storage) and snapshots.

-- One row per revision of a file; a name under a label may have many, in
-- the order of sequencenr (shared by every colony, as in ColonyOS).
CREATE TABLE files (
    sequencenr BIGSERIAL PRIMARY KEY,
    fileid TEXT NOT NULL UNIQUE,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    checksum TEXT NOT NULL,
    checksumalg TEXT NOT NULL,
    ref TEXT NOT NULL,
    added BIGINT NOT NULL
);
CREATE INDEX files_by_name ON files(colonyname, label, name, sequencenr);

CREATE TABLE snapshots (
    snapshotid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    fileids TEXT NOT NULL,
    added BIGINT NOT NULL,
    UNIQUE (colonyname, name)
);
CREATE INDEX snapshots_by_time ON snapshots(colonyname, added);
