-- Direct messages. A conversation is a row of `channels` (kind 'text', so its messages,
-- reactions, read states and search index are the channels' own) that `dm_channels` marks
-- as private: `store::channels::list` and everything built on it leave such rows out.
CREATE TABLE dm_channels (
    channel_id INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('dm', 'group_dm')),
    owner_id   INTEGER NOT NULL,
    -- For a one-to-one DM, "<smaller id>:<larger id>": one conversation per pair.
    pair_key   TEXT UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE dm_recipients (
    channel_id INTEGER NOT NULL REFERENCES dm_channels(channel_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX dm_recipients_user ON dm_recipients(user_id, channel_id);

-- `user_id` blocked `blocked_id`.
CREATE TABLE user_blocks (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, blocked_id)
);

-- A member's own settings; no row means the defaults.
CREATE TABLE user_settings (
    user_id   INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    allow_dms INTEGER NOT NULL DEFAULT 1
);
