-- Attachments (docs/api.md, "Attachments"). File bytes live on disk, content-addressed by
-- SHA-256 under <data_dir>/files/ab/cdef…; `blobs` has one row per stored file and
-- `attachments` one per file of a message. When the last attachment naming a blob goes (its
-- message or channel deleted), a trigger moves the blob to `blob_garbage`, whose files the
-- daemon unlinks after the commit.
CREATE TABLE blobs (
    sha256       TEXT PRIMARY KEY,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    has_thumb    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);

CREATE TABLE attachments (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES blobs(sha256)
);
CREATE INDEX attachments_message ON attachments(message_id, position);
CREATE INDEX attachments_blob ON attachments(sha256);

CREATE TABLE blob_garbage (sha256 TEXT PRIMARY KEY);

CREATE TRIGGER attachments_release AFTER DELETE ON attachments
WHEN NOT EXISTS (SELECT 1 FROM attachments WHERE sha256 = OLD.sha256)
BEGIN
    DELETE FROM blobs WHERE sha256 = OLD.sha256;
    INSERT OR IGNORE INTO blob_garbage(sha256) VALUES (OLD.sha256);
END;

-- Avatars: the SHA-256 of the user's 256 px PNG under <data_dir>/files/images/ (NULL: none).
ALTER TABLE users ADD COLUMN avatar TEXT;
