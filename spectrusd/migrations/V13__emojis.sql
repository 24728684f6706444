-- Custom emoji: a name unique on the server and a stored PNG (`files/images/<sha256>.png`,
-- the avatars' store). `creator_id` is who uploaded it (NULL: the operator).
CREATE TABLE emojis (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    animated INTEGER NOT NULL DEFAULT 0,
    creator_id INTEGER,
    created_at INTEGER NOT NULL
);
