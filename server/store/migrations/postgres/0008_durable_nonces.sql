-- Nonces guard against replays: they must survive a crash of the database as
-- well as the changes they guard, so the table is written to the WAL.
ALTER TABLE nonces SET LOGGED;
