-- Spectrus schema v3: actions taken through the admin socket record the peer's uid
-- (SO_PEERCRED). NULL for members' actions (actor_id says who) and for entries written
-- before v3.
ALTER TABLE audit_log ADD COLUMN admin_uid INTEGER;
