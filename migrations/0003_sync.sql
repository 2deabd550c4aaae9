-- Provider connections, the Navidrome library, the listening-history timeline and the
-- background jobs that fill them. Times are Unix seconds (UTC). Every table holding
-- user data carries user_id and every query filters on it (SECURITY.md T7).

-- One row per (user, provider) the user connected. The credential itself lives sealed
-- in provider_credentials; this row holds what may be shown.
CREATE TABLE connections (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        TEXT    NOT NULL CHECK (provider IN ('navidrome', 'spotify', 'lastfm', 'listenbrainz')),
    -- connected: jobs run; needs_reconnect: the provider refused the credentials (fatal),
    -- nothing runs until the user reconnects.
    state           TEXT    NOT NULL CHECK (state IN ('connected', 'needs_reconnect')),
    -- The account name at the provider (shown to the user, used in API paths).
    external_user   TEXT    NOT NULL CHECK (length(external_user) <= 255),
    connected_at    INTEGER NOT NULL,
    last_sync_at    INTEGER,
    last_error      TEXT    CHECK (length(last_error) <= 500),
    last_error_fatal INTEGER NOT NULL DEFAULT 0 CHECK (last_error_fatal IN (0, 1)),
    -- ListenBrainz only: submit listens from other sources (opt-in).
    submit_listens  INTEGER NOT NULL DEFAULT 0 CHECK (submit_listens IN (0, 1)),
    PRIMARY KEY (user_id, provider)
) STRICT, WITHOUT ROWID;

-- The Navidrome library as each user's Navidrome account sees it. Ids are the server's.
-- `seen_run` is the number of the library sync that last listed the row; rows a
-- completed sync did not list are gone from the server and are deleted.
CREATE TABLE library_artists (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    album_count INTEGER NOT NULL,
    mbid        TEXT,
    seen_run    INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE library_albums (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    artist      TEXT    NOT NULL,
    artist_id   TEXT,
    year        INTEGER,
    song_count  INTEGER NOT NULL,
    -- What the album list said last time; a change means the album's songs are fetched
    -- again on the next incremental run.
    fingerprint TEXT    NOT NULL,
    seen_run    INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE library_tracks (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          TEXT    NOT NULL,
    album_id    TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    artist      TEXT    NOT NULL,
    album       TEXT    NOT NULL,
    track_no    INTEGER,
    disc_no     INTEGER,
    duration_ms INTEGER,
    isrc        TEXT,
    mbid        TEXT,
    -- normalised artist + U+001F + normalised title (service::normalize).
    match_key   TEXT    NOT NULL,
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, album_id) REFERENCES library_albums (user_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX library_tracks_match ON library_tracks (user_id, match_key);
CREATE INDEX library_tracks_album ON library_tracks (user_id, album_id);

-- One timeline per user. The same play seen by several sources is one row here and
-- one row per source in listen_sources.
CREATE TABLE listens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    played_at   INTEGER NOT NULL,
    artist      TEXT    NOT NULL,
    album       TEXT,
    title       TEXT    NOT NULL,
    duration_ms INTEGER,
    isrc        TEXT,
    mbid        TEXT,
    match_key   TEXT    NOT NULL,
    -- The library track this listen matched, if any (no FK: a library resync may
    -- delete and re-add tracks; a dangling id is re-matched, never an error).
    track_id    TEXT,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX listens_user_time ON listens (user_id, played_at DESC, id DESC);
CREATE INDEX listens_user_key_time ON listens (user_id, match_key, played_at);

CREATE TABLE listen_sources (
    listen_id   INTEGER NOT NULL REFERENCES listens (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('navidrome', 'spotify', 'lastfm', 'listenbrainz', 'import')),
    -- The play's identity at the source; seeing it again adds nothing.
    source_ref  TEXT    NOT NULL,
    PRIMARY KEY (listen_id, source),
    UNIQUE (user_id, source, source_ref)
) STRICT, WITHOUT ROWID;

-- Listens sent to ListenBrainz (never the same one twice).
CREATE TABLE listen_submissions (
    listen_id    INTEGER PRIMARY KEY REFERENCES listens (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL,
    submitted_at INTEGER NOT NULL
) STRICT;

-- Per user and source: history up to `watermark` (Unix seconds, or the source's own
-- cursor) is in the store. Advanced in the same transaction as the page it covers.
CREATE TABLE sync_watermarks (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source      TEXT    NOT NULL,
    watermark   INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, source)
) STRICT, WITHOUT ROWID;

-- Scheduler state per user and job kind, persisted so that a restart neither hammers
-- a failing provider nor forgets a fatal error.
CREATE TABLE job_schedules (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('history_sync', 'library_sync')),
    next_run_at INTEGER NOT NULL,
    -- Consecutive failed runs; 0 after a success.
    failures    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind)
) STRICT, WITHOUT ROWID;

-- Every run: progress and outcome.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('history_sync', 'library_sync')),
    trigger     TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    state       TEXT    NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    message     TEXT    NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    error_fatal INTEGER NOT NULL DEFAULT 0 CHECK (error_fatal IN (0, 1))
) STRICT;
CREATE INDEX job_runs_user ON job_runs (user_id, id DESC);
