-- Logs read by executor (pycolonies' get_executor_log).
CREATE INDEX logs_executor ON logs(colonyname, executorname, seq);
