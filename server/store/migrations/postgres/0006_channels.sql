-- Channels: live messages between the submitter of a process and its executor.
-- An entry's place in its channel is idx (from 1); a sender numbers its own
-- entries (sequence), never twice. Entries go with their process.
CREATE TABLE channel_entries (
    processid TEXT NOT NULL REFERENCES processes(processid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    idx BIGINT NOT NULL,
    senderid TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    inreplyto BIGINT NOT NULL,
    type TEXT NOT NULL,
    error TEXT NOT NULL,
    payload BYTEA NOT NULL,
    timestamp BIGINT NOT NULL,
    PRIMARY KEY (processid, name, idx)
);
CREATE UNIQUE INDEX channel_entries_sender ON channel_entries(processid, name, senderid, sequence);
