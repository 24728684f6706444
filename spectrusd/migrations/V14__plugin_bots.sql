-- Plugin bots (issue 16): a bot account has no password login; a plugin's managed role is
-- removed with the plugin and cannot be edited by people; the bot token is kept as SHA-256.
ALTER TABLE users ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN managed_by TEXT;

CREATE TABLE plugin_bots (
    plugin_id  TEXT PRIMARY KEY REFERENCES plugins(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    role_id    INTEGER NOT NULL,
    token_hash TEXT NOT NULL
);
