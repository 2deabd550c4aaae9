-- no-transaction
-- Ids of users and of sealed credentials are never handed out twice (issue 10,
-- finding 2): a deleted user's id came back for the next user created, and with it the
-- old user's live event stream and buffered events. AUTOINCREMENT cannot be added to a
-- table, so both tables are rebuilt with it, keeping every row and id (sealed values
-- are bound to their row id and still open). Sessions already have random ids.
--
-- Also: `users.navidrome_account`, the Navidrome account an administrator allows a user
-- to connect when it is not their own user name (finding 4), and `listen_user_totals`,
-- each user's number of listens, for the per-user quota (finding 1).
--
-- A table rebuild needs foreign keys off, which SQLite ignores inside a transaction:
-- hence no migration transaction, and one of our own. Every statement can run again,
-- so a crash between our commit and the migration's bookkeeping is harmless.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE users_rebuilt (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    username          TEXT    NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 255),
    role              TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'user')),
    created_at        INTEGER NOT NULL,
    password_hash     TEXT,
    navidrome_linked  INTEGER NOT NULL DEFAULT 0 CHECK (navidrome_linked IN (0, 1)),
    disabled          INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    token_version     INTEGER NOT NULL DEFAULT 0,
    navidrome_account TEXT    CHECK (navidrome_account IS NULL OR length(navidrome_account) BETWEEN 1 AND 255)
) STRICT;
INSERT INTO users_rebuilt (id, username, role, created_at, password_hash, navidrome_linked,
                           disabled, token_version)
SELECT id, username, role, created_at, password_hash, navidrome_linked, disabled, token_version
FROM users;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;

CREATE TABLE provider_credentials_rebuilt (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider    TEXT    NOT NULL CHECK (provider IN ('navidrome', 'spotify', 'lastfm', 'listenbrainz')),
    -- sealed: registry PROVIDER_CREDENTIALS_SECRET
    secret      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (user_id, provider)
) STRICT;
INSERT INTO provider_credentials_rebuilt (id, user_id, provider, secret, created_at, updated_at)
SELECT id, user_id, provider, secret, created_at, updated_at FROM provider_credentials;
DROP TABLE provider_credentials;
ALTER TABLE provider_credentials_rebuilt RENAME TO provider_credentials;

-- Users deleted before this migration may have had higher ids than any left: the audit
-- log remembers every user id it named, so the sequence starts past those too.
DELETE FROM sqlite_sequence WHERE name = 'users';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'users', max(coalesce((SELECT max(id) FROM users), 0),
                    coalesce((SELECT max(subject_user_id) FROM audit_events), 0),
                    coalesce((SELECT max(actor_user_id) FROM audit_events), 0));

CREATE TABLE IF NOT EXISTS listen_user_totals (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    n       INTEGER NOT NULL
) STRICT;
INSERT OR REPLACE INTO listen_user_totals (user_id, n)
SELECT user_id, count(*) FROM listens GROUP BY user_id;

COMMIT;
PRAGMA foreign_keys = ON;
