-- Revisions by checksum: the server's own objects (reference protocol "local")
-- are named by their SHA-256, and one is removed when no revision names it.
CREATE INDEX files_by_checksum ON files(colonyname, checksum);
