-- no-transaction
-- Playlists (issue 12): imported from Spotify, ListenBrainz, Navidrome and files, or
-- created here; every entry matched to a song of the user's library mirror; pushed
-- to Navidrome and kept in sync. Every row carries user_id (SECURITY.md T7).
--
-- The job tables are rebuilt to accept the new job kind `playlist_sync` (a CHECK
-- constraint cannot be altered in SQLite), keeping every row and id. As in 0005, a
-- rebuild needs foreign keys off, hence no migration transaction and one of our own.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE job_schedules_rebuilt (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('history_sync', 'library_sync', 'playlist_sync')),
    next_run_at INTEGER NOT NULL,
    failures    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, kind)
) STRICT, WITHOUT ROWID;
INSERT INTO job_schedules_rebuilt SELECT user_id, kind, next_run_at, failures FROM job_schedules;
DROP TABLE job_schedules;
ALTER TABLE job_schedules_rebuilt RENAME TO job_schedules;

CREATE TABLE job_runs_rebuilt (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('history_sync', 'library_sync', 'playlist_sync')),
    trigger     TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    state       TEXT    NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    done        INTEGER NOT NULL DEFAULT 0,
    total       INTEGER NOT NULL DEFAULT 0,
    message     TEXT    NOT NULL DEFAULT '' CHECK (length(message) <= 500),
    error_fatal INTEGER NOT NULL DEFAULT 0 CHECK (error_fatal IN (0, 1))
) STRICT;
INSERT INTO job_runs_rebuilt SELECT id, user_id, kind, trigger, state, started_at, finished_at,
    done, total, message, error_fatal FROM job_runs;
DROP TABLE job_runs;
ALTER TABLE job_runs_rebuilt RENAME TO job_runs;
CREATE INDEX job_runs_user ON job_runs (user_id, id DESC);

-- The file path Navidrome reports for a song (relative to its music folder), to match
-- M3U lines naming files.
ALTER TABLE library_tracks ADD COLUMN path TEXT;

-- Per user, a number bumped by every library sync that changed the library: the
-- matcher's cached index and each playlist's `matched_run` are compared with it.
CREATE TABLE library_generations (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    generation  INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL
) STRICT;

-- One row per playlist. Ids are never handed out twice.
CREATE TABLE playlists (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    description     TEXT    NOT NULL DEFAULT '' CHECK (length(description) <= 4096),
    source          TEXT    NOT NULL CHECK (source IN ('local', 'file', 'spotify', 'listenbrainz', 'navidrome')),
    -- The playlist's id at its source ("liked" for Spotify's Liked Songs); NULL for
    -- local and file playlists.
    source_ref      TEXT    CHECK (length(source_ref) <= 255),
    -- What the source said last time (Spotify snapshot_id, ListenBrainz last
    -- modification, Navidrome `changed`): unchanged means its tracks are not re-read.
    source_version  TEXT    CHECK (length(source_version) <= 255),
    -- Spotify Liked Songs, ListenBrainz "created for you".
    generated_by_source INTEGER NOT NULL DEFAULT 0 CHECK (generated_by_source IN (0, 1)),
    -- active; inactive: deleted at its source, kept; dismissed: deleted by the user,
    -- hidden and not imported again.
    state           TEXT    NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive', 'dismissed')),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    source_synced_at INTEGER,
    -- The library generation (library_generations) the entries were last matched
    -- against: a newer one means a re-match.
    matched_run     INTEGER NOT NULL DEFAULT 0,
    -- Navidrome push state. nav_id: the Navidrome playlist pushed to or linked.
    nav_id          TEXT    CHECK (length(nav_id) <= 255),
    nav_name        TEXT    CHECK (length(nav_name) <= 1024),
    -- not_pushed, in_sync, pending, changed_in_navidrome, missing, failed.
    nav_state       TEXT    NOT NULL DEFAULT 'not_pushed' CHECK (nav_state IN
                        ('not_pushed', 'in_sync', 'pending', 'changed_in_navidrome', 'missing', 'failed')),
    -- Navidrome's `changed` and a hash of its song id list right after our last push:
    -- either differing later means someone changed it there.
    nav_changed     TEXT    CHECK (length(nav_changed) <= 64),
    nav_songs_hash  TEXT    CHECK (length(nav_songs_hash) <= 128),
    nav_pushed_at   INTEGER,
    nav_error       TEXT    CHECK (length(nav_error) <= 500)
) STRICT;
CREATE INDEX playlists_user ON playlists (user_id, state);
CREATE UNIQUE INDEX playlists_source ON playlists (user_id, source, source_ref)
    WHERE source_ref IS NOT NULL;
CREATE UNIQUE INDEX playlists_nav ON playlists (user_id, nav_id) WHERE nav_id IS NOT NULL;

-- Entries in order (position 0..n-1, dense). Re-synced imported playlists replace
-- their entries; manual choices live in playlist_choices and survive that.
CREATE TABLE playlist_entries (
    id              INTEGER PRIMARY KEY,
    playlist_id     INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    position        INTEGER NOT NULL,
    artist          TEXT    NOT NULL CHECK (length(artist) <= 1024),
    title           TEXT    NOT NULL CHECK (length(title) <= 1024),
    album           TEXT    CHECK (length(album) <= 1024),
    duration_ms     INTEGER,
    isrc            TEXT    CHECK (length(isrc) <= 64),
    mbid            TEXT    CHECK (length(mbid) <= 64),
    -- The track's id at the source (Spotify track id, Navidrome song id, a file path).
    source_ref      TEXT    CHECK (length(source_ref) <= 4096),
    -- The track's identity for manual choices: the same track in another playlist or
    -- after a re-sync finds the same choice.
    entry_key       TEXT    NOT NULL,
    -- The matched library track (no FK: a library resync may delete and re-add
    -- tracks; a dangling id is re-matched, never an error).
    song_id         TEXT,
    method          TEXT    NOT NULL CHECK (method IN
                        ('isrc', 'mbid', 'exact', 'fuzzy', 'song_id', 'path', 'manual', 'none', 'not_in_library')),
    confidence      REAL    NOT NULL DEFAULT 0,
    version_differs INTEGER NOT NULL DEFAULT 0 CHECK (version_differs IN (0, 1)),
    -- Best candidate's score when unmatched (for "needs review").
    best_candidate  REAL    NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX playlist_entries_order ON playlist_entries (playlist_id, position);
CREATE INDEX playlist_entries_user_key ON playlist_entries (user_id, entry_key);

-- Manual choices per user and track: a song id, or NULL for "not in my library".
CREATE TABLE playlist_choices (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    entry_key   TEXT    NOT NULL,
    song_id     TEXT,
    chosen_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, entry_key)
) STRICT, WITHOUT ROWID;

COMMIT;
PRAGMA foreign_keys = ON;
