-- Dashboard sessions, in the database so that every server (and every worker
-- of one) knows them. The token itself is never stored: only its SHA-256.
CREATE TABLE dashboard_sessions (
    tokenhash TEXT NOT NULL PRIMARY KEY,
    identity TEXT NOT NULL,
    csrf TEXT NOT NULL,
    expires BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions(expires);
