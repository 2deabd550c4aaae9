//! The listening-history timeline: one row per play, one `listen_sources` row per
//! source that reported it, and per-source watermarks.
//!
//! [`Store::record_listens`] is the only writer during sync. It takes one page from one
//! source and, in one transaction:
//! - skips plays this source already reported (`UNIQUE (user_id, source, source_ref)`),
//!   so a page fetched twice or a sync restarted after a crash adds nothing;
//! - merges a play into an existing listen with the same match key within
//!   ±[`DEDUPE_WINDOW_SECS`] that this source has not reported yet (the same play seen
//!   by two sources), filling in metadata the first source lacked;
//! - otherwise inserts a new listen, linked to the library track with the same key;
//! - advances the source's watermark, so the watermark never runs ahead of what is
//!   committed.

use std::collections::{HashMap, HashSet};

use sqlx::{FromRow, SqliteConnection};

use crate::store::{Result, Store, StoreError, now};
use crate::{music_text::normalize::match_key, providers::RemoteListen};

/// Two reports of the same song this close together are one play.
pub const DEDUPE_WINDOW_SECS: i64 = 120;

/// What recording one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageOutcome {
    /// New listens on the timeline.
    pub added: u64,
    /// Plays another source had already reported: recorded as a second source.
    pub merged: u64,
    /// Plays this source had already reported: nothing changed.
    pub known: u64,
}

impl std::ops::AddAssign for PageOutcome {
    fn add_assign(&mut self, o: Self) {
        self.added += o.added;
        self.merged += o.merged;
        self.known += o.known;
    }
}

/// One listen as shown to its user.
#[derive(Debug, Clone, FromRow)]
pub struct ListenRow {
    pub id: i64,
    pub played_at: i64,
    pub artist: String,
    pub album: Option<String>,
    pub title: String,
    pub duration_ms: Option<i64>,
    pub track_id: Option<String>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    /// Comma-separated source names, sorted.
    pub sources: String,
}

/// A listen to send to ListenBrainz.
#[derive(Debug, Clone, FromRow)]
pub struct SubmittableListen {
    pub id: i64,
    pub played_at: i64,
    pub artist: String,
    pub album: Option<String>,
    pub title: String,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
}

impl Store {
    /// Records one page of `source`'s plays and, when given, moves its watermark to
    /// `watermark` in the same transaction (see the module docs).
    pub async fn record_listens(
        &self,
        user_id: i64,
        source: &str,
        listens: &[RemoteListen],
        watermark: Option<i64>,
    ) -> Result<PageOutcome> {
        // Every writer of listens comes through here: whatever a provider or a file
        // sent, no stored name holds a control character or exceeds its bound.
        let cleaned: Vec<RemoteListen>;
        let listens = if listens.iter().any(|l| l.cleaned().is_some()) {
            cleaned = listens
                .iter()
                .map(|l| l.cleaned().unwrap_or_else(|| l.clone()))
                .collect();
            &cleaned[..]
        } else {
            listens
        };
        // Normalising is the page's main CPU cost: done before the write lock.
        let keys: Vec<String> = listens
            .iter()
            .map(|l| match_key(&l.artist, &l.title))
            .collect();
        let mut tx = self.begin_write().await?;
        let held: i64 = sqlx::query_scalar(
            "SELECT coalesce((SELECT n FROM listen_user_totals WHERE user_id = ?), 0)",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let room = self.listen_quota.saturating_sub(held.max(0) as u64);
        let t = now();
        let outcome = record_page(&mut tx, user_id, source, listens, &keys, t, room).await?;
        if outcome.added > room {
            // Nothing of a page that does not fit is kept (the transaction rolls back
            // on drop), so the limit is never passed and the watermark stays behind.
            return Err(StoreError::ListenQuota {
                limit: self.listen_quota,
            });
        }
        if let Some(watermark) = watermark {
            set_watermark(&mut tx, user_id, source, watermark, t).await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// Whether `source` already reported this song within `window` seconds of `at`
    /// (for sources whose times are approximate).
    pub async fn has_listen_near(
        &self,
        user_id: i64,
        source: &str,
        artist: &str,
        title: &str,
        at: i64,
        window: i64,
    ) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM listens l JOIN listen_sources s ON s.listen_id = l.id \
             WHERE l.user_id = ? AND l.match_key = ? AND l.played_at BETWEEN ? AND ? \
               AND s.source = ? LIMIT 1",
        )
        .bind(user_id)
        .bind(match_key(artist, title))
        .bind(at - window)
        .bind(at + window)
        .bind(source)
        .fetch_optional(self.pool())
        .await?;
        Ok(found.is_some())
    }

    /// Where `source`'s history sync for `user_id` got to; `None` before the first run.
    pub async fn watermark(&self, user_id: i64, source: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT watermark FROM sync_watermarks WHERE user_id = ? AND source = ?",
        )
        .bind(user_id)
        .bind(source)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Forgets where every history source got to, so the next sync reads each from
    /// its beginning.
    pub async fn clear_watermarks(&self, user_id: i64) -> Result<()> {
        sqlx::query("DELETE FROM sync_watermarks WHERE user_id = ?")
            .bind(user_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    pub async fn set_watermark(&self, user_id: i64, source: &str, watermark: i64) -> Result<()> {
        let mut conn = self.writer().acquire().await?;
        set_watermark(&mut conn, user_id, source, watermark, now()).await
    }

    /// Listens in the timeline, and how many of them came from each source. Read from
    /// the aggregates (`listen_totals` counts every listen once under its artist,
    /// `listen_source_totals` per source) rather than counted.
    pub async fn listen_counts(&self, user_id: i64) -> Result<(i64, Vec<(String, i64)>)> {
        let total: i64 = sqlx::query_scalar(
            "SELECT coalesce(sum(n), 0) FROM listen_totals WHERE user_id = ? AND kind = 1",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        let per_source = sqlx::query_as(
            "SELECT source, n FROM listen_source_totals WHERE user_id = ? AND n > 0 ORDER BY source",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok((total, per_source))
    }

    /// Up to `limit` of the user's listens that ListenBrainz has neither reported nor
    /// been sent, oldest first.
    pub async fn listens_to_submit(
        &self,
        user_id: i64,
        limit: u32,
    ) -> Result<Vec<SubmittableListen>> {
        Ok(sqlx::query_as(
            "SELECT l.id, l.played_at, l.artist, l.album, l.title, l.duration_ms, l.isrc, l.mbid \
             FROM listens l \
             WHERE l.user_id = ? \
               AND NOT EXISTS (SELECT 1 FROM listen_sources s \
                               WHERE s.listen_id = l.id AND s.source = 'listenbrainz') \
               AND NOT EXISTS (SELECT 1 FROM listen_submissions x WHERE x.listen_id = l.id) \
             ORDER BY l.played_at, l.id LIMIT ?",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Marks listens as sent to ListenBrainz.
    pub async fn mark_submitted(&self, user_id: i64, ids: &[i64]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let t = now();
        for id in ids {
            sqlx::query(
                "INSERT OR IGNORE INTO listen_submissions (listen_id, user_id, submitted_at) \
                 SELECT id, user_id, ? FROM listens WHERE id = ? AND user_id = ?",
            )
            .bind(t)
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Links the user's unlinked listens to library tracks with the same match key
    /// (after a library sync brought new tracks). Returns how many were linked.
    pub async fn link_listens_to_library(&self, user_id: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE listens SET track_id = \
               (SELECT t.id FROM library_tracks t \
                WHERE t.user_id = listens.user_id AND t.match_key = listens.match_key \
                ORDER BY t.id LIMIT 1) \
             WHERE user_id = ? AND track_id IS NULL AND EXISTS \
               (SELECT 1 FROM library_tracks t \
                WHERE t.user_id = listens.user_id AND t.match_key = listens.match_key)",
        )
        .bind(user_id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected())
    }
}

/// Decides for each play of the page whether it is known, the same play as a listen
/// on the timeline, or new (see the module docs), then writes the page in a handful
/// of statements. `keys[i]` is the match key of `listens[i]`.
async fn record_page(
    conn: &mut SqliteConnection,
    user_id: i64,
    source: &str,
    listens: &[RemoteListen],
    keys: &[String],
    t: i64,
    room: u64,
) -> Result<PageOutcome> {
    let mut outcome = PageOutcome::default();
    let mut page = PageState::load(conn, user_id, source, listens, keys).await?;
    // The write lock is held, so ids after the current largest are ours to give.
    let first_id: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM listens")
        .fetch_one(&mut *conn)
        .await?;
    let mut writes = PageWrites::default();
    for (listen, key) in listens.iter().zip(keys) {
        // Also catches the same play twice within one page.
        if !page.known.insert(listen.source_ref.clone()) {
            outcome.known += 1;
            continue;
        }
        let id = match page.take_same_play(key, listen) {
            SamePlay::Duplicate => {
                outcome.known += 1;
                continue;
            }
            SamePlay::Merge(id) => {
                writes.merges.push(serde_json::json!([
                    id,
                    listen.album,
                    listen.duration_ms,
                    listen.isrc,
                    listen.recording_mbid
                ]));
                outcome.merged += 1;
                id
            }
            SamePlay::None => {
                let id = first_id + writes.inserts.len() as i64;
                writes.inserts.push(serde_json::json!([
                    id,
                    listen.played_at,
                    listen.artist,
                    listen.album,
                    listen.title,
                    listen.duration_ms,
                    listen.isrc,
                    listen.recording_mbid,
                    key
                ]));
                page.candidates
                    .entry(key.clone())
                    .or_default()
                    .push(Candidate {
                        played_at: listen.played_at,
                        id,
                        reported: Some(listen.source_ref.clone()),
                    });
                outcome.added += 1;
                id
            }
        };
        writes
            .sources
            .push(serde_json::json!([id, listen.source_ref]));
    }
    if outcome.added > room {
        // The caller refuses the page; writing it would be wasted work.
        return Ok(outcome);
    }
    writes.apply(conn, user_id, source, first_id, t).await?;
    Ok(outcome)
}

async fn set_watermark(
    conn: &mut SqliteConnection,
    user_id: i64,
    source: &str,
    watermark: i64,
    t: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sync_watermarks (user_id, source, watermark, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (user_id, source) DO UPDATE SET \
           watermark = max(watermark, excluded.watermark), updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(source)
    .bind(watermark)
    .bind(t)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What one page needs to know about the timeline, read in two queries up front
/// rather than two per listen (each statement is a round trip to sqlx's SQLite
/// thread): the source ids this source already reported, and the listens that could
/// be the same play (same match key, within the window of the page's times).
struct PageState<'a> {
    source: &'a str,
    known: HashSet<String>,
    candidates: HashMap<String, Vec<Candidate>>,
}

/// A listen that may be the same play as one on the page.
struct Candidate {
    played_at: i64,
    id: i64,
    /// This source's `source_ref` for it, when this source already reported it.
    reported: Option<String>,
}

/// What to do with one play of the page.
enum SamePlay {
    /// Add this source to that listen.
    Merge(i64),
    /// The same play is already on the timeline from another import file.
    Duplicate,
    /// A new listen.
    None,
}

impl<'a> PageState<'a> {
    async fn load(
        conn: &mut SqliteConnection,
        user_id: i64,
        source: &'a str,
        listens: &[RemoteListen],
        keys: &[String],
    ) -> Result<PageState<'a>> {
        let mut state = PageState {
            source,
            known: HashSet::new(),
            candidates: HashMap::new(),
        };
        let (Some(lo), Some(hi)) = (
            listens.iter().map(|l| l.played_at).min(),
            listens.iter().map(|l| l.played_at).max(),
        ) else {
            return Ok(state);
        };
        let refs: Vec<&str> = listens.iter().map(|l| l.source_ref.as_str()).collect();
        let refs = serde_json::to_string(&refs).unwrap_or_default();
        state.known = sqlx::query_scalar(
            "SELECT source_ref FROM listen_sources WHERE user_id = ? AND source = ? \
               AND source_ref IN (SELECT value FROM json_each(?))",
        )
        .bind(user_id)
        .bind(source)
        .bind(refs)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let distinct: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let keys = serde_json::to_string(&distinct).unwrap_or_default();
        let rows: Vec<(String, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT l.match_key, l.played_at, l.id, \
               (SELECT s.source_ref FROM listen_sources s WHERE s.listen_id = l.id AND s.source = ?) \
             FROM listens l \
             WHERE l.user_id = ? AND l.match_key IN (SELECT value FROM json_each(?)) \
               AND l.played_at BETWEEN ? AND ?",
        )
        .bind(source)
        .bind(user_id)
        .bind(keys)
        .bind(lo - DEDUPE_WINDOW_SECS)
        .bind(hi + DEDUPE_WINDOW_SECS)
        .fetch_all(&mut *conn)
        .await?;
        for (key, played_at, id, reported) in rows {
            state.candidates.entry(key).or_default().push(Candidate {
                played_at,
                id,
                reported,
            });
        }
        Ok(state)
    }

    /// The nearest listen with `key` within the window that this source has not
    /// reported yet (ties: the older id), marked as reported now.
    ///
    /// Imports are one source ("import") for several kinds of file, and a listen
    /// holds one row per source. So an imported play near a listen already imported
    /// from a *different* kind of file (say, Spotify's basic and extended exports of
    /// the same plays) is that play again, while two near plays from the same kind of
    /// file are two plays, as for any other source.
    fn take_same_play(&mut self, key: &str, listen: &RemoteListen) -> SamePlay {
        let Some(candidates) = self.candidates.get_mut(key) else {
            return SamePlay::None;
        };
        let near =
            |c: &&mut Candidate| (c.played_at - listen.played_at).abs() <= DEDUPE_WINDOW_SECS;
        if let Some(best) = candidates
            .iter_mut()
            .filter(|c| c.reported.is_none())
            .filter(near)
            .min_by_key(|c| ((c.played_at - listen.played_at).abs(), c.id))
        {
            best.reported = Some(listen.source_ref.clone());
            return SamePlay::Merge(best.id);
        }
        if self.source == IMPORT_SOURCE {
            let origin = import_origin(&listen.source_ref);
            if candidates.iter_mut().filter(near).any(|c| {
                c.reported
                    .as_deref()
                    .is_some_and(|r| import_origin(r) != origin)
            }) {
                return SamePlay::Duplicate;
            }
        }
        SamePlay::None
    }
}

/// The source name of plays read from export files.
pub const IMPORT_SOURCE: &str = "import";

/// The kind of export file an imported play came from: its `source_ref` up to the
/// first ':' (see `history_import`).
fn import_origin(source_ref: &str) -> &str {
    source_ref.split_once(':').map_or("", |(origin, _)| origin)
}

/// The writes one page decided on, made as one statement each.
#[derive(Default)]
struct PageWrites {
    /// [id, album, duration_ms, isrc, mbid] of listens another source reported first.
    merges: Vec<serde_json::Value>,
    /// [id, played_at, artist, album, title, duration_ms, isrc, mbid, match_key].
    inserts: Vec<serde_json::Value>,
    /// [listen id, source_ref].
    sources: Vec<serde_json::Value>,
}

impl PageWrites {
    async fn apply(
        self,
        conn: &mut SqliteConnection,
        user_id: i64,
        source: &str,
        first_id: i64,
        t: i64,
    ) -> Result<()> {
        if !self.merges.is_empty() {
            sqlx::query(
                "UPDATE listens SET album = coalesce(listens.album, j.value ->> 1), \
                   duration_ms = coalesce(listens.duration_ms, j.value ->> 2), \
                   isrc = coalesce(listens.isrc, j.value ->> 3), \
                   mbid = coalesce(listens.mbid, j.value ->> 4) \
                 FROM json_each(?) j WHERE listens.id = j.value ->> 0",
            )
            .bind(serde_json::Value::Array(self.merges).to_string())
            .execute(&mut *conn)
            .await?;
        }
        let inserted = self.inserts.len() as i64;
        if inserted > 0 {
            sqlx::query(
                "INSERT INTO listens (id, user_id, played_at, artist, album, title, duration_ms, \
                   isrc, mbid, match_key, track_id, created_at) \
                 SELECT j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3, \
                   j.value ->> 4, j.value ->> 5, j.value ->> 6, j.value ->> 7, j.value ->> 8, \
                   (SELECT t.id FROM library_tracks t \
                    WHERE t.user_id = ?1 AND t.match_key = j.value ->> 8 ORDER BY t.id LIMIT 1), \
                   ?2 \
                 FROM json_each(?3) j",
            )
            .bind(user_id)
            .bind(t)
            .bind(serde_json::Value::Array(self.inserts).to_string())
            .execute(&mut *conn)
            .await?;
            let last_id = first_id + inserted - 1;
            for sql in [ADD_TOTALS, ADD_MONTHS, ADD_SLOTS] {
                sqlx::query(sql)
                    .bind(first_id)
                    .bind(last_id)
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query(ADD_USER_TOTAL)
                .bind(user_id)
                .bind(inserted)
                .execute(&mut *conn)
                .await?;
        }
        if !self.sources.is_empty() {
            let reported = self.sources.len() as i64;
            sqlx::query(
                "INSERT INTO listen_sources (listen_id, user_id, source, source_ref) \
                 SELECT j.value ->> 0, ?, ?, j.value ->> 1 FROM json_each(?) j",
            )
            .bind(user_id)
            .bind(source)
            .bind(serde_json::Value::Array(self.sources).to_string())
            .execute(&mut *conn)
            .await?;
            sqlx::query(ADD_SOURCE_TOTAL)
                .bind(user_id)
                .bind(source)
                .bind(reported)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

/// Each user's number of listens (the quota reads it).
pub const ADD_USER_TOTAL: &str = "\
INSERT INTO listen_user_totals (user_id, n) VALUES (?1, ?2) \
ON CONFLICT (user_id) DO UPDATE SET n = n + excluded.n";

// The aggregates behind the stats (see `stats.rs` for why they exist), brought up to
// date for the listens with ids ?1..=?2 in one statement each: grouping a page in
// SQLite touches each aggregate row once per page rather than once per listen. The
// key expressions are the ones in migrations/0004_history.sql.
pub const ADD_TOTALS: &str = "\
INSERT INTO listen_totals (user_id, kind, key, n, first_at, artist, album, title) \
SELECT user_id, 1, substr(match_key, 1, instr(match_key, char(31)) - 1), count(*), \
       min(played_at), artist, NULL, NULL \
FROM listens WHERE id BETWEEN ?1 AND ?2 GROUP BY 3 \
UNION ALL \
SELECT user_id, 2, substr(match_key, 1, instr(match_key, char(31))) || lower(trim(album)), \
       count(*), min(played_at), artist, album, NULL \
FROM listens WHERE id BETWEEN ?1 AND ?2 AND trim(coalesce(album, '')) <> '' GROUP BY 3 \
UNION ALL \
SELECT user_id, 3, match_key, count(*), min(played_at), artist, album, title \
FROM listens WHERE id BETWEEN ?1 AND ?2 GROUP BY 3 \
ON CONFLICT (user_id, kind, key) DO UPDATE SET \
  n = n + excluded.n, \
  artist = CASE WHEN excluded.first_at < first_at THEN excluded.artist ELSE artist END, \
  album = CASE WHEN excluded.first_at < first_at THEN excluded.album ELSE album END, \
  title = CASE WHEN excluded.first_at < first_at THEN excluded.title ELSE title END, \
  first_at = min(first_at, excluded.first_at)";

pub const ADD_MONTHS: &str = "\
INSERT INTO listen_months (user_id, kind, bucket, key, n) \
SELECT user_id, 1, played_at / 2592000, substr(match_key, 1, instr(match_key, char(31)) - 1), \
       count(*) \
FROM listens WHERE id BETWEEN ?1 AND ?2 GROUP BY 3, 4 \
UNION ALL \
SELECT user_id, 2, played_at / 2592000, \
       substr(match_key, 1, instr(match_key, char(31))) || lower(trim(album)), count(*) \
FROM listens WHERE id BETWEEN ?1 AND ?2 AND trim(coalesce(album, '')) <> '' GROUP BY 3, 4 \
UNION ALL \
SELECT user_id, 3, played_at / 2592000, match_key, count(*) \
FROM listens WHERE id BETWEEN ?1 AND ?2 GROUP BY 3, 4 \
ON CONFLICT (user_id, kind, bucket, key) DO UPDATE SET n = n + excluded.n";

/// After a page's sources: how many listens each source reported, for the summary.
pub const ADD_SOURCE_TOTAL: &str = "\
INSERT INTO listen_source_totals (user_id, source, n) VALUES (?, ?, ?) \
ON CONFLICT (user_id, source) DO UPDATE SET n = n + excluded.n";

pub const ADD_SLOTS: &str = "\
INSERT INTO listen_slots (user_id, slot, n) \
SELECT user_id, played_at / 900, count(*) FROM listens WHERE id BETWEEN ?1 AND ?2 GROUP BY 2 \
ON CONFLICT (user_id, slot) DO UPDATE SET n = n + excluded.n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domains::{
        history::store::queries::{ListenQuery, NEWEST},
        identity::users::Role,
    };

    async fn store() -> (Store, i64, i64, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let a = store
            .create_account("ann", Role::User, None, false)
            .await
            .unwrap()
            .id;
        let b = store
            .create_account("bob", Role::User, None, false)
            .await
            .unwrap()
            .id;
        (store, a, b, dir)
    }

    /// Issue 10, finding 1: a per-user quota on stored listens, never passed.
    #[tokio::test]
    async fn a_page_that_would_pass_the_users_quota_is_refused_whole() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_with(
            &dir.path().join("t.db"),
            crate::store::StoreOptions { listen_quota: 3 },
        )
        .await
        .unwrap();
        let ann = s
            .create_account("ann", Role::User, None, false)
            .await
            .unwrap()
            .id;
        let bob = s
            .create_account("bob", Role::User, None, false)
            .await
            .unwrap()
            .id;
        let page = |from: i64, n: i64| -> Vec<RemoteListen> {
            (from..from + n)
                .map(|i| play("A", &format!("S{i}"), i * 1000, &i.to_string()))
                .collect()
        };
        assert_eq!(
            s.record_listens(ann, "lastfm", &page(0, 2), Some(10))
                .await
                .unwrap()
                .added,
            2
        );
        let e = s
            .record_listens(ann, "lastfm", &page(2, 2), Some(20))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::ListenQuota { limit: 3 }), "{e:?}");
        assert!(e.to_string().contains("limit of 3 listens"), "{e}");
        assert_eq!(s.listen_counts(ann).await.unwrap().0, 2);
        assert_eq!(
            s.watermark(ann, "lastfm").await.unwrap(),
            Some(10),
            "watermark stays"
        );
        // Plays already there cost nothing; what fits still goes in.
        let again = s
            .record_listens(ann, "lastfm", &page(0, 2), None)
            .await
            .unwrap();
        assert_eq!((again.added, again.known), (0, 2));
        assert_eq!(
            s.record_listens(ann, "lastfm", &page(2, 1), None)
                .await
                .unwrap()
                .added,
            1
        );
        // Each user has their own.
        assert_eq!(
            s.record_listens(bob, "lastfm", &page(0, 3), None)
                .await
                .unwrap()
                .added,
            3
        );
    }

    /// Issue 10, findings 1 and 8: whatever a provider sends, names are stored
    /// without control characters and at most 1,024 bytes long.
    #[tokio::test]
    async fn names_are_stored_clean_and_bounded_whatever_the_source_sent() {
        let (s, ann, _, _dir) = store().await;
        let mut hostile = play("Evil\u{1b}]0;pwned\u{7}", &"T".repeat(400_000), 5, "1");
        hostile.album = Some("\u{9b}31mRed".into());
        hostile.isrc = Some("X".repeat(5000));
        s.record_listens(ann, "lastfm", &[hostile], None)
            .await
            .unwrap();
        let rows = s
            .list_listens(ann, &ListenQuery::everything(), NEWEST, 10)
            .await
            .unwrap();
        assert_eq!(rows[0].artist, "Evil]0;pwned");
        assert_eq!(rows[0].title.len(), crate::music_text::MAX_NAME_BYTES);
        assert_eq!(rows[0].album.as_deref(), Some("31mRed"));
        assert_eq!(rows[0].isrc, None);
    }

    fn play(artist: &str, title: &str, at: i64, source_ref: &str) -> RemoteListen {
        RemoteListen {
            played_at: at,
            artist: artist.into(),
            album: None,
            title: title.into(),
            duration_ms: None,
            isrc: None,
            recording_mbid: None,
            source_ref: source_ref.into(),
        }
    }

    #[tokio::test]
    async fn a_page_seen_twice_adds_nothing_and_repeats_are_separate_plays() {
        let (s, ann, _, _dir) = store().await;
        let page = [play("A", "Song", 1_000, "1"), play("A", "Song", 1_060, "2")];
        let first = s
            .record_listens(ann, "lastfm", &page, Some(1_060))
            .await
            .unwrap();
        // One source reporting the same song twice a minute apart: two plays.
        assert_eq!((first.added, first.merged, first.known), (2, 0, 0));
        let again = s
            .record_listens(ann, "lastfm", &page, Some(1_060))
            .await
            .unwrap();
        assert_eq!((again.added, again.merged, again.known), (0, 0, 2));
        assert_eq!(s.listen_counts(ann).await.unwrap().0, 2);
    }

    #[tokio::test]
    async fn another_source_merges_into_the_nearest_play_within_the_window() {
        let (s, ann, _, _dir) = store().await;
        s.record_listens(
            ann,
            "listenbrainz",
            &[play("A", "Song", 1_000, "x"), play("A", "Song", 1_200, "y")],
            None,
        )
        .await
        .unwrap();
        let o = s
            .record_listens(ann, "lastfm", &[play("a", "SONG", 1_150, "z")], None)
            .await
            .unwrap();
        assert_eq!((o.added, o.merged), (0, 1));
        let rows = s
            .list_listens(ann, &ListenQuery::everything(), NEWEST, 10)
            .await
            .unwrap();
        let merged: Vec<_> = rows.iter().filter(|r| r.sources.contains(',')).collect();
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].played_at, 1_200, "the nearer play");
        assert_eq!(merged[0].sources, "lastfm,listenbrainz");
        // Outside the window: a separate listen.
        let o = s
            .record_listens(
                ann,
                "spotify",
                &[play("A", "Song", 1_200 + DEDUPE_WINDOW_SECS + 1, "s")],
                None,
            )
            .await
            .unwrap();
        assert_eq!(o.added, 1);
    }

    #[tokio::test]
    async fn watermarks_never_move_back_and_belong_to_their_user() {
        let (s, ann, bob, _dir) = store().await;
        s.record_listens(ann, "lastfm", &[play("A", "S", 5, "1")], Some(500))
            .await
            .unwrap();
        s.record_listens(ann, "lastfm", &[], Some(400))
            .await
            .unwrap();
        assert_eq!(s.watermark(ann, "lastfm").await.unwrap(), Some(500));
        assert_eq!(s.watermark(bob, "lastfm").await.unwrap(), None);
        assert!(
            s.list_listens(bob, &ListenQuery::everything(), NEWEST, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.listen_counts(bob).await.unwrap().0, 0);
    }

    #[tokio::test]
    async fn submission_skips_listenbrainz_listens_and_sent_ones() {
        let (s, ann, bob, _dir) = store().await;
        s.record_listens(ann, "listenbrainz", &[play("A", "On LB", 100, "1")], None)
            .await
            .unwrap();
        s.record_listens(
            ann,
            "lastfm",
            &[
                play("A", "On LB", 130, "2"),
                play("B", "Only LF", 1_000, "3"),
                play("C", "Also LF", 2_000, "4"),
            ],
            None,
        )
        .await
        .unwrap();
        let todo = s.listens_to_submit(ann, 1_000).await.unwrap();
        let titles: Vec<_> = todo.iter().map(|l| l.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Only LF", "Also LF"],
            "oldest first, LB's own excluded"
        );
        // Bob cannot mark Ann's listens.
        s.mark_submitted(bob, &[todo[0].id]).await.unwrap();
        assert_eq!(s.listens_to_submit(ann, 1_000).await.unwrap().len(), 2);
        s.mark_submitted(ann, &[todo[0].id]).await.unwrap();
        let left = s.listens_to_submit(ann, 1_000).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].title, "Also LF");
    }
}
