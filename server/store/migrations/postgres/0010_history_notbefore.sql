-- Past attempts of a process (a JSON list, oldest first), and when a waiting
-- process may run: a process waiting for its time (a delayed run, a retry
-- waiting its backoff) has no queue row until then, so it costs the claim
-- nothing; the index finds those whose time has come.
ALTER TABLE processes ADD COLUMN history TEXT NOT NULL DEFAULT '';
ALTER TABLE processes ADD COLUMN notbefore BIGINT NOT NULL DEFAULT 0;
CREATE INDEX processes_waiting_notbefore ON processes(notbefore)
    WHERE state = 0 AND notbefore > 0;
