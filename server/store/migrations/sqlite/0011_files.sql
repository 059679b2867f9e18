-- ColonyFS: the metadata of files (the bytes are in object storage) and snapshots.

-- One row per revision of a file; a name under a label may have many, in
-- the order of sequencenr (shared by every colony, as in ColonyOS).
CREATE TABLE files (
    sequencenr INTEGER PRIMARY KEY AUTOINCREMENT,
    fileid TEXT NOT NULL UNIQUE,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    label TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    checksum TEXT NOT NULL,
    checksumalg TEXT NOT NULL,
    ref TEXT NOT NULL,
    added INTEGER NOT NULL
);
CREATE INDEX files_by_name ON files(colonyname, label, name, sequencenr);

CREATE TABLE snapshots (
    snapshotid TEXT PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    fileids TEXT NOT NULL,
    added INTEGER NOT NULL,
    UNIQUE (colonyname, name)
) WITHOUT ROWID;
CREATE INDEX snapshots_by_time ON snapshots(colonyname, added);
