-- Broad and role mentions. `message_mentions` keeps one row per member a message pings (what
-- read states count); `implied` marks rows that come from @everyone, @here or a role rather
-- than the member's own `<@id>` (messages list only the explicit ones).
ALTER TABLE message_mentions ADD COLUMN implied INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN mention_everyone INTEGER NOT NULL DEFAULT 0;

CREATE TABLE message_role_mentions (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    role_id    INTEGER NOT NULL,
    PRIMARY KEY (message_id, role_id)
);
