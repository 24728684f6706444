-- The server's licence (issue 16): at most one row. `source` is `online` (a key checked
-- against Keygen) or `file` (a signed offline licence file); the key and the file are kept so
-- the daemon can check again after a restart. The rest is the last check's outcome.
CREATE TABLE license (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    source          TEXT NOT NULL,
    license_key     TEXT,
    license_file    TEXT,
    license_id      TEXT,
    valid           INTEGER NOT NULL,
    code            TEXT NOT NULL,
    detail          TEXT,
    plan            TEXT,
    expiry_ms       INTEGER,
    file_issued_ms  INTEGER,
    file_expiry_ms  INTEGER,
    last_valid_ms   INTEGER,
    last_checked_ms INTEGER NOT NULL,
    reachable       INTEGER NOT NULL DEFAULT 1
);

-- Installed plugins (issue 16): the validated `spectrus-plugin.json` and where it came from.
CREATE TABLE plugins (
    id           TEXT PRIMARY KEY,
    source       TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    enabled      INTEGER NOT NULL DEFAULT 1,
    installed_at INTEGER NOT NULL
);
