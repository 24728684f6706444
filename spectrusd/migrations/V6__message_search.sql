-- Full-text search over messages (FTS5, external content: the text lives once, in
-- `messages`), kept in step by triggers, so every writer (post, edit, delete, a channel's
-- cascade) updates it in its own transaction. Pins: `pinned_at` (Unix ms) on messages.
--
-- Besides the text, each row indexes `meta`: the tokens `a<author_id>`, `c<channel_id>` and
-- `hlink` (an http(s) link in the text), so `from:`, `in:` and `has:link` are doclist
-- intersections inside the index rather than row look-ups. The view `messages_fts_source`
-- is the content the index reads back (the same expressions as the triggers).

CREATE VIEW messages_fts_source AS
    SELECT id, content,
           'a' || author_id || ' c' || channel_id ||
           CASE WHEN content LIKE '%http://%' OR content LIKE '%https://%' THEN ' hlink' ELSE '' END
           AS meta
    FROM messages;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    meta,
    content = 'messages_fts_source',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content, meta) VALUES (new.id, new.content,
        'a' || new.author_id || ' c' || new.channel_id ||
        CASE WHEN new.content LIKE '%http://%' OR new.content LIKE '%https://%' THEN ' hlink' ELSE '' END);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, meta) VALUES ('delete', old.id, old.content,
        'a' || old.author_id || ' c' || old.channel_id ||
        CASE WHEN old.content LIKE '%http://%' OR old.content LIKE '%https://%' THEN ' hlink' ELSE '' END);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, meta) VALUES ('delete', old.id, old.content,
        'a' || old.author_id || ' c' || old.channel_id ||
        CASE WHEN old.content LIKE '%http://%' OR old.content LIKE '%https://%' THEN ' hlink' ELSE '' END);
    INSERT INTO messages_fts(rowid, content, meta) VALUES (new.id, new.content,
        'a' || new.author_id || ' c' || new.channel_id ||
        CASE WHEN new.content LIKE '%http://%' OR new.content LIKE '%https://%' THEN ' hlink' ELSE '' END);
END;

-- Index what is already there.
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
CREATE INDEX messages_pinned ON messages(channel_id, pinned_at) WHERE pinned_at IS NOT NULL;
