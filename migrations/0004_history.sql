-- History at scale: full-text search and the aggregates behind the stats.
-- Why these shapes, and their costs, are explained in daemon/src/store/history.rs
-- and daemon/src/store/stats.rs.

-- Full-text search over artist, album and title. Contentless (the text lives in
-- `listens`), with deletes allowed. The rowid is the listen's sort key,
-- played_at * 2^30 + id, so FTS5 walks matches newest first and a page stops after
-- `LIMIT` matches instead of sorting all of them. (Ids stay below 2^30 and times
-- below 2^33: about a billion listens, until the year 2242.)
CREATE VIRTUAL TABLE listens_fts USING fts5 (
    artist, album, title,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER listens_fts_insert AFTER INSERT ON listens BEGIN
    INSERT INTO listens_fts (rowid, artist, album, title)
    VALUES (new.played_at * 1073741824 + new.id, new.artist, coalesce(new.album, ''), new.title);
END;

CREATE TRIGGER listens_fts_update AFTER UPDATE OF artist, album, title ON listens BEGIN
    DELETE FROM listens_fts WHERE rowid = old.played_at * 1073741824 + old.id;
    INSERT INTO listens_fts (rowid, artist, album, title)
    VALUES (new.played_at * 1073741824 + new.id, new.artist, coalesce(new.album, ''), new.title);
END;

CREATE TRIGGER listens_fts_delete AFTER DELETE ON listens BEGIN
    DELETE FROM listens_fts WHERE rowid = old.played_at * 1073741824 + old.id;
END;

INSERT INTO listens_fts (rowid, artist, album, title)
SELECT played_at * 1073741824 + id, artist, coalesce(album, ''), title FROM listens;

-- Keys (all derived from columns `listens` already has):
--   artist (kind 1): the artist part of match_key (folded primary artist);
--   album  (kind 2): that, the separator, and lower(trim(album)); none without album;
--   track  (kind 3): match_key (folded primary artist and core title).

-- All-time count and first listen per artist, album and track, with the names as
-- first heard: top of all time, discoveries and distinct totals read only this.
CREATE TABLE listen_totals (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
    key      TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    artist   TEXT    NOT NULL,
    album    TEXT,
    title    TEXT,
    PRIMARY KEY (user_id, kind, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX listen_totals_top ON listen_totals (user_id, kind, n DESC);
CREATE INDEX listen_totals_first ON listen_totals (user_id, kind, first_at);

-- Counts per 30-day bucket (played_at / 2592000): a period's top list sums the
-- buckets it covers and counts only its ragged edges from `listens`.
CREATE TABLE listen_months (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    INTEGER NOT NULL CHECK (kind IN (1, 2, 3)),
    bucket  INTEGER NOT NULL,
    key     TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, bucket, key)
) STRICT, WITHOUT ROWID;

-- Listens per quarter hour (played_at / 900): per-day, per-hour and streaks in any
-- time zone (every UTC offset in use is a multiple of 15 minutes).
CREATE TABLE listen_slots (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slot    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, slot)
) STRICT, WITHOUT ROWID;

-- Listens each source reported, for the summary without counting a million rows.
CREATE TABLE listen_source_totals (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source  TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (user_id, source)
) STRICT, WITHOUT ROWID;

INSERT INTO listen_source_totals (user_id, source, n)
SELECT user_id, source, count(*) FROM listen_sources GROUP BY user_id, source;

-- A merge that fills in a missing album moves the listen into that album's counts.
CREATE TRIGGER listens_album_filled AFTER UPDATE OF album ON listens
WHEN trim(coalesce(old.album, '')) = '' AND trim(coalesce(new.album, '')) <> '' BEGIN
    INSERT INTO listen_totals (user_id, kind, key, n, first_at, artist, album, title)
    VALUES (new.user_id, 2,
            substr(new.match_key, 1, instr(new.match_key, char(31))) || lower(trim(new.album)),
            1, new.played_at, new.artist, new.album, NULL)
    ON CONFLICT (user_id, kind, key) DO UPDATE SET
        n = n + 1,
        artist = CASE WHEN excluded.first_at < first_at THEN excluded.artist ELSE artist END,
        album = CASE WHEN excluded.first_at < first_at THEN excluded.album ELSE album END,
        first_at = min(first_at, excluded.first_at);
    INSERT INTO listen_months (user_id, kind, bucket, key, n)
    VALUES (new.user_id, 2, new.played_at / 2592000,
            substr(new.match_key, 1, instr(new.match_key, char(31))) || lower(trim(new.album)), 1)
    ON CONFLICT (user_id, kind, bucket, key) DO UPDATE SET n = n + 1;
    -- The track's names as first heard gain the album too.
    UPDATE listen_totals SET album = new.album
    WHERE user_id = new.user_id AND kind = 3 AND key = new.match_key AND album IS NULL
      AND first_at = new.played_at;
END;

-- The aggregates of the listens already here (the same statements the store runs
-- for each page of new listens; see daemon/src/store/listens.rs).
INSERT INTO listen_totals (user_id, kind, key, n, first_at, artist, album, title)
SELECT user_id, 1, substr(match_key, 1, instr(match_key, char(31)) - 1), count(*), min(played_at),
       artist, NULL, NULL
FROM listens GROUP BY user_id, 3
UNION ALL
SELECT user_id, 2, substr(match_key, 1, instr(match_key, char(31))) || lower(trim(album)), count(*),
       min(played_at), artist, album, NULL
FROM listens WHERE trim(coalesce(album, '')) <> '' GROUP BY user_id, 3
UNION ALL
SELECT user_id, 3, match_key, count(*), min(played_at), artist, album, title
FROM listens GROUP BY user_id, 3;

INSERT INTO listen_months (user_id, kind, bucket, key, n)
SELECT user_id, 1, played_at / 2592000, substr(match_key, 1, instr(match_key, char(31)) - 1), count(*)
FROM listens GROUP BY user_id, 3, 4
UNION ALL
SELECT user_id, 2, played_at / 2592000,
       substr(match_key, 1, instr(match_key, char(31))) || lower(trim(album)), count(*)
FROM listens WHERE trim(coalesce(album, '')) <> '' GROUP BY user_id, 3, 4
UNION ALL
SELECT user_id, 3, played_at / 2592000, match_key, count(*)
FROM listens GROUP BY user_id, 3, 4;

INSERT INTO listen_slots (user_id, slot, n)
SELECT user_id, played_at / 900, count(*) FROM listens GROUP BY user_id, 2;
