-- Link previews: the embeds attached to a message (a JSON array; NULL for none), whether its
-- author removed them, and a member's "show link previews" setting.
ALTER TABLE messages ADD COLUMN embeds TEXT;
ALTER TABLE messages ADD COLUMN suppress_embeds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE user_settings ADD COLUMN show_link_previews INTEGER NOT NULL DEFAULT 1;
