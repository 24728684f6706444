-- Spectrus schema v2: the audit log is filtered by actor as well as by action.
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
