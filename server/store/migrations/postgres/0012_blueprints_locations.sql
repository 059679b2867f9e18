-- Locations of a colony, and blueprints: definitions of kinds, the blueprints
-- of each kind, and the history of their changes. Documents are stored as the
-- JSON of the model's own dict form; the columns are what queries select on.
CREATE TABLE locations (
    locationid TEXT NOT NULL PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    long DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    UNIQUE (colonyname, name)
);

CREATE TABLE blueprint_definitions (
    blueprintdefinitionid TEXT NOT NULL PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (colonyname, name),
    UNIQUE (colonyname, kind)
);

CREATE TABLE blueprints (
    blueprintid TEXT NOT NULL PRIMARY KEY,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    locationname TEXT NOT NULL,
    generation BIGINT NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (colonyname, name)
);
CREATE INDEX blueprints_kind ON blueprints(colonyname, kind, locationname);

CREATE TABLE blueprint_history (
    seq BIGSERIAL PRIMARY KEY,
    historyid TEXT NOT NULL UNIQUE,
    blueprintid TEXT NOT NULL,
    colonyname TEXT NOT NULL REFERENCES colonies(name) ON DELETE CASCADE,
    timestamp BIGINT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX blueprint_history_of ON blueprint_history(blueprintid, seq);
