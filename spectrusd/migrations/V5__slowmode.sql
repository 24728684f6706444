-- Per-channel slowmode set by moderators: seconds a member waits between two messages
-- in the channel (0 = off, at most 21600).
ALTER TABLE channels ADD COLUMN slowmode_seconds INTEGER NOT NULL DEFAULT 0;
