//! A playlist's entries as shown (paged, filtered, with the matched song), edits of
//! editable playlists (positions stay dense, 0..n-1, in one write transaction each),
//! manual choices, and the library search songs are added from.

use sqlx::{FromRow, Sqlite, Transaction};

use super::{NEEDS_REVIEW, Result};
use crate::{
    domains::playlists::model::{Method, NewEntry, SourceRef},
    music_text::normalize::normalize,
    store::{Store, StoreError, now},
};

/// Which entries a page lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryFilter {
    All,
    /// Without a song, not marked "not in my library".
    Unmatched,
    /// Worth a look (see [`NEEDS_REVIEW`]).
    Review,
}

impl EntryFilter {
    fn sql(self) -> &'static str {
        match self {
            EntryFilter::All => "1",
            EntryFilter::Unmatched => "(e.song_id IS NULL AND e.method != 'not_in_library')",
            EntryFilter::Review => NEEDS_REVIEW,
        }
    }
}

/// An entry with its matched song (when the library still has it).
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub position: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub source_ref: Option<String>,
    pub entry_key: String,
    pub song_id: Option<String>,
    pub method: String,
    pub confidence: f64,
    pub version_differs: bool,
    pub best_candidate: f64,
    pub needs_review: bool,
    pub song_artist: Option<String>,
    pub song_title: Option<String>,
    pub song_album: Option<String>,
    pub song_duration_ms: Option<i64>,
    pub song_path: Option<String>,
}

impl EntryRow {
    pub fn method(&self) -> Method {
        Method::parse(&self.method).unwrap_or(Method::None)
    }

    /// The entry as read from its source, for the matcher.
    pub fn to_new_entry(&self) -> NewEntry {
        NewEntry {
            artist: self.artist.clone(),
            title: self.title.clone(),
            album: self.album.clone(),
            duration_ms: self.duration_ms,
            isrc: self.isrc.clone(),
            mbid: self.mbid.clone(),
            source_ref: self.source_ref.as_deref().and_then(SourceRef::from_stored),
        }
    }
}

const ENTRY_COLUMNS: &str = "e.id, e.position, e.artist, e.title, e.album, e.duration_ms,
    e.isrc, e.mbid, e.source_ref, e.entry_key, e.song_id, e.method, e.confidence,
    e.version_differs, e.best_candidate,";

/// A library song, as the search and the add edit see it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SongRow {
    pub id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<i64>,
}

/// Why an edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(
        "the playlist would hold {would} entries; this server keeps at most {limit} \
         (playlists.max_entries); nothing was added"
    )]
    TooManyEntries { would: u64, limit: u64 },
    #[error("this playlist follows its source and cannot be edited here; duplicate it first")]
    NotEditable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for EditError {
    fn from(e: sqlx::Error) -> Self {
        EditError::Store(e.into())
    }
}

/// The playlist is the user's, visible, and editable (within the transaction).
async fn editable(
    tx: &mut Transaction<'static, Sqlite>,
    user_id: i64,
    playlist_id: i64,
) -> Result<(), EditError> {
    let source: Option<String> = sqlx::query_scalar(
        "SELECT source FROM playlists WHERE id = ? AND user_id = ? AND state != 'dismissed'",
    )
    .bind(playlist_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    match source.as_deref() {
        None => Err(StoreError::NotFound.into()),
        Some("local" | "file") => Ok(()),
        Some(_) => Err(EditError::NotEditable),
    }
}

async fn touch(
    tx: &mut Transaction<'static, Sqlite>,
    user_id: i64,
    playlist_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE playlists SET updated_at = ?,
             nav_state = CASE WHEN nav_state = 'in_sync' THEN 'pending' ELSE nav_state END
         WHERE id = ? AND user_id = ?",
    )
    .bind(now())
    .bind(playlist_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Numbers the playlist's entries 0..n-1 in their order, in one statement.
async fn renumber(
    tx: &mut Transaction<'static, Sqlite>,
    user_id: i64,
    playlist_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH r AS (SELECT id, row_number() OVER (ORDER BY position, id) - 1 AS p
                    FROM playlist_entries WHERE playlist_id = ?1 AND user_id = ?2)
         UPDATE playlist_entries SET position = r.p FROM r
         WHERE playlist_entries.id = r.id AND playlist_entries.position != r.p",
    )
    .bind(playlist_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn entry_count(
    tx: &mut Transaction<'static, Sqlite>,
    user_id: i64,
    playlist_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM playlist_entries WHERE playlist_id = ? AND user_id = ?",
    )
    .bind(playlist_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
}

impl Store {
    /// A page of a playlist's entries in order, filtered, and how many pass the
    /// filter. The caller checked the playlist is the user's.
    pub async fn entries_page(
        &self,
        user_id: i64,
        playlist_id: i64,
        filter: EntryFilter,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<EntryRow>, u64)> {
        let cond = filter.sql();
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} {NEEDS_REVIEW} AS needs_review,
                t.artist AS song_artist, t.title AS song_title, t.album AS song_album,
                t.duration_ms AS song_duration_ms, t.path AS song_path
             FROM playlist_entries e
             LEFT JOIN library_tracks t ON t.user_id = e.user_id AND t.id = e.song_id
             WHERE e.user_id = ? AND e.playlist_id = ? AND {cond}
             ORDER BY e.position, e.id LIMIT ? OFFSET ?"
        )))
        .bind(user_id)
        .bind(playlist_id)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(self.pool())
        .await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM playlist_entries e
             WHERE e.user_id = ? AND e.playlist_id = ? AND {cond}"
        )))
        .bind(user_id)
        .bind(playlist_id)
        .fetch_one(self.pool())
        .await?;
        Ok((rows, total.max(0) as u64))
    }

    /// One entry of one of the user's (visible) playlists, or `NotFound`: an entry
    /// of another playlist, or of another user, is not found.
    pub async fn entry(&self, user_id: i64, playlist_id: i64, entry_id: i64) -> Result<EntryRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} {NEEDS_REVIEW} AS needs_review,
                t.artist AS song_artist, t.title AS song_title, t.album AS song_album,
                t.duration_ms AS song_duration_ms, t.path AS song_path
             FROM playlist_entries e
             JOIN playlists p ON p.id = e.playlist_id AND p.user_id = e.user_id
             LEFT JOIN library_tracks t ON t.user_id = e.user_id AND t.id = e.song_id
             WHERE e.user_id = ? AND e.playlist_id = ? AND e.id = ?
               AND p.state != 'dismissed'"
        )))
        .bind(user_id)
        .bind(playlist_id)
        .bind(entry_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// Inserts library songs before `position` (at the end when `None` or past it),
    /// matched by their id, in one transaction; refused past `max_entries`.
    pub async fn insert_songs(
        &self,
        user_id: i64,
        playlist_id: i64,
        songs: &[SongRow],
        position: Option<u32>,
        max_entries: u64,
    ) -> Result<(), EditError> {
        let mut tx = self.begin_write().await?;
        editable(&mut tx, user_id, playlist_id).await?;
        let held = entry_count(&mut tx, user_id, playlist_id).await?.max(0) as u64;
        let would = held + songs.len() as u64;
        if would > max_entries {
            return Err(EditError::TooManyEntries {
                would,
                limit: max_entries,
            });
        }
        let at = position.map_or(held, |p| u64::from(p).min(held)) as i64;
        sqlx::query(
            "UPDATE playlist_entries SET position = position + ?
             WHERE playlist_id = ? AND user_id = ? AND position >= ?",
        )
        .bind(songs.len() as i64)
        .bind(playlist_id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        for (i, song) in songs.iter().enumerate() {
            let entry = NewEntry {
                artist: song.artist.clone(),
                title: song.title.clone(),
                album: Some(song.album.clone()),
                duration_ms: song.duration_ms,
                isrc: None,
                mbid: None,
                source_ref: Some(SourceRef::Song(song.id.clone())),
            };
            sqlx::query(
                "INSERT INTO playlist_entries (playlist_id, user_id, position, artist, title,
                     album, duration_ms, source_ref, entry_key, song_id, method, confidence)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'song_id', 1)",
            )
            .bind(playlist_id)
            .bind(user_id)
            .bind(at + i as i64)
            .bind(&entry.artist)
            .bind(&entry.title)
            .bind(&entry.album)
            .bind(entry.duration_ms)
            .bind(entry.source_ref.as_ref().map(SourceRef::to_stored))
            .bind(entry.key())
            .bind(&song.id)
            .execute(&mut *tx)
            .await?;
        }
        touch(&mut tx, user_id, playlist_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes entries by id; every id must be an entry of this playlist (else
    /// `NotFound` and nothing is removed).
    pub async fn remove_entries(
        &self,
        user_id: i64,
        playlist_id: i64,
        entry_ids: &[i64],
    ) -> Result<(), EditError> {
        let mut tx = self.begin_write().await?;
        editable(&mut tx, user_id, playlist_id).await?;
        let mut ids = entry_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for id in &ids {
            let done = sqlx::query(
                "DELETE FROM playlist_entries WHERE id = ? AND playlist_id = ? AND user_id = ?",
            )
            .bind(id)
            .bind(playlist_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                // Dropping the transaction rolls back what was removed.
                return Err(StoreError::NotFound.into());
            }
        }
        renumber(&mut tx, user_id, playlist_id).await?;
        touch(&mut tx, user_id, playlist_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves one entry to `to` (clamped to the end); the others close up.
    pub async fn move_entry(
        &self,
        user_id: i64,
        playlist_id: i64,
        entry_id: i64,
        to: u32,
    ) -> Result<(), EditError> {
        let mut tx = self.begin_write().await?;
        editable(&mut tx, user_id, playlist_id).await?;
        let from: Option<i64> = sqlx::query_scalar(
            "SELECT position FROM playlist_entries WHERE id = ? AND playlist_id = ? AND user_id = ?",
        )
        .bind(entry_id)
        .bind(playlist_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(from) = from else {
            return Err(StoreError::NotFound.into());
        };
        let last = entry_count(&mut tx, user_id, playlist_id).await? - 1;
        let to = i64::from(to).min(last);
        if to != from {
            let (lo, hi, step) = if to > from {
                (from + 1, to, -1)
            } else {
                (to, from - 1, 1)
            };
            sqlx::query(
                "UPDATE playlist_entries SET position = position + ?
                 WHERE playlist_id = ? AND user_id = ? AND position BETWEEN ? AND ?",
            )
            .bind(step)
            .bind(playlist_id)
            .bind(user_id)
            .bind(lo)
            .bind(hi)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE playlist_entries SET position = ? WHERE id = ? AND user_id = ?")
                .bind(to)
                .bind(entry_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            touch(&mut tx, user_id, playlist_id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a manual choice for a track: a song, or `None` for "not in my library".
    pub async fn set_choice(
        &self,
        user_id: i64,
        entry_key: &str,
        song_id: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO playlist_choices (user_id, entry_key, song_id, chosen_at)
             VALUES (?, ?, ?, ?)
             ON CONFLICT (user_id, entry_key) DO UPDATE
             SET song_id = excluded.song_id, chosen_at = excluded.chosen_at",
        )
        .bind(user_id)
        .bind(entry_key)
        .bind(song_id)
        .bind(now())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Forgets a manual choice.
    pub async fn clear_choice(&self, user_id: i64, entry_key: &str) -> Result<()> {
        sqlx::query("DELETE FROM playlist_choices WHERE user_id = ? AND entry_key = ?")
            .bind(user_id)
            .bind(entry_key)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    /// Library songs of the user by id, in the order asked; ids not in the library
    /// are left out.
    pub async fn songs_to_add(&self, user_id: i64, ids: &[String]) -> Result<Vec<SongRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<SongRow> = sqlx::query_as(
                "SELECT id, artist, title, album, duration_ms FROM library_tracks
                 WHERE user_id = ? AND id = ?",
            )
            .bind(user_id)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            out.extend(row);
        }
        Ok(out)
    }

    /// Songs of the user's library whose artist, title or album hold every word of
    /// `query` (folded: case and diacritics do not matter), at most `limit`. One pass
    /// over the user's tracks, stopped at `limit`.
    pub async fn search_library(
        &self,
        user_id: i64,
        query: &str,
        limit: u32,
    ) -> Result<Vec<SongRow>> {
        let words: Vec<String> = normalize(query)
            .split_whitespace()
            .take(8)
            .map(|w| format!("%{}%", like_escape(w)))
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // match_key holds the folded artist and title; the album is folded by lower()
        // only (ASCII), which is enough for a search box.
        let cond = words
            .iter()
            .map(|_| "(t.match_key LIKE ? ESCAPE '\\' OR lower(t.album) LIKE ? ESCAPE '\\')")
            .collect::<Vec<_>>()
            .join(" AND ");
        let sql = format!(
            "SELECT t.id, t.artist, t.title, t.album, t.duration_ms FROM library_tracks t
             WHERE t.user_id = ? AND {cond}
             ORDER BY t.artist COLLATE NOCASE, t.album COLLATE NOCASE, t.disc_no, t.track_no
             LIMIT ?"
        );
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id);
        for w in &words {
            q = q.bind(w).bind(w);
        }
        Ok(q.bind(i64::from(limit)).fetch_all(self.pool()).await?)
    }
}

/// `s` with LIKE's wildcards and the escape character escaped.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
