-- Foundation schema: accounts, sealed per-user provider credentials, instance settings
-- and sealed instance secrets. Times are Unix seconds (UTC).
-- Sealed columns are declared in daemon/src/crypto/registry.rs; every value in them is a
-- `spotter:v1:` envelope bound to (table, column, row id).

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    username    TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 255),
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE provider_credentials (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    TEXT    NOT NULL CHECK (provider IN ('navidrome', 'spotify', 'lastfm', 'listenbrainz')),
    -- sealed: registry PROVIDER_CREDENTIALS_SECRET
    secret      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (user_id, provider)
) STRICT;

-- Instance-wide secrets (LLM, Lidarr, Fanart.tv keys, SMTP password, ...).
CREATE TABLE instance_secrets (
    name        TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    -- sealed: registry INSTANCE_SECRETS_VALUE
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Instance-wide plain settings (allowlisted keys; never secrets).
CREATE TABLE instance_settings (
    name        TEXT    PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    value       TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
