-- Moderators' server mute and deafen: they outlive the voice session and the daemon,
-- as they do on Discord and TeamSpeak. A row exists only while a flag is set.
CREATE TABLE voice_moderation (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    mute    INTEGER NOT NULL DEFAULT 0,
    deaf    INTEGER NOT NULL DEFAULT 0
);
