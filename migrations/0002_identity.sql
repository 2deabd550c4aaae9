-- Identity: local passwords, roles, sessions (refresh families), lockouts, audit.
-- Times are Unix seconds (UTC).

ALTER TABLE users ADD COLUMN password_hash TEXT;           -- argon2id PHC string; NULL = no local password
ALTER TABLE users ADD COLUMN navidrome_linked INTEGER NOT NULL DEFAULT 0 CHECK (navidrome_linked IN (0, 1));
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
-- Bumped on sign-out everywhere, role change, disable and password change: every
-- access token carries the version it was issued under and dies when it moves on.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

-- One row per sign-in on a device: a refresh-token family.
CREATE TABLE sessions (
    id            TEXT    PRIMARY KEY,                       -- random, public id
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_label  TEXT    NOT NULL CHECK (length(device_label) <= 255),
    peer_uid      INTEGER NOT NULL,                          -- the Unix uid the tokens are bound to
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    revoked_reason TEXT
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id, revoked_at);

-- Refresh tokens: only the SHA-256 of the 32 random bytes is stored.
CREATE TABLE refresh_tokens (
    token_hash    BLOB    PRIMARY KEY,
    session_id    TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    consumed_at   INTEGER                                    -- set when rotated; presenting it again is a replay
) STRICT;
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- Access tokens ended early (sign-out), until they would have expired anyway.
CREATE TABLE revoked_access_tokens (
    jti           TEXT    PRIMARY KEY,
    expires_at    INTEGER NOT NULL
) STRICT;

-- Failed sign-ins per account, keyed by a keyed hash of the lower-cased username:
-- the table never stores usernames, and unknown usernames are counted the same way.
CREATE TABLE login_lockouts (
    account_key     TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    tier            INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_failure_at INTEGER NOT NULL
) STRICT;

-- Closed registration: when enabled (instance_settings 'allowlist_enabled' = '1'),
-- only these usernames (and owners) may sign in or be created.
CREATE TABLE allowlist (
    username      TEXT    PRIMARY KEY COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 255)
) STRICT;

CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    actor_user_id   INTEGER,
    subject_user_id INTEGER,
    peer_uid        INTEGER,
    detail          TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_events_by_kind ON audit_events (kind, id);
