-- Assignment leases. An assignment is confirmed by its executor and kept
-- alive by it; past `leasedeadline` (0: no lease) it goes back to the queue.
-- `lease`: 0 assigned, not yet confirmed; 1 confirmed and kept alive by the
-- executor's session or heartbeats; 2 confirmed by a client that sends no
-- heartbeats (only maxexectime applies, as in ColonyOS).
ALTER TABLE processes ADD COLUMN lease INTEGER NOT NULL DEFAULT 0;
ALTER TABLE processes ADD COLUMN leasedeadline INTEGER NOT NULL DEFAULT 0;
CREATE INDEX processes_running_lease ON processes(leasedeadline)
    WHERE state = 1 AND leasedeadline > 0;
CREATE INDEX processes_running_executor ON processes(assignedexecutorid) WHERE state = 1;
