//! Playlist entries as the matcher reads and writes them: replaced whole when a source
//! or a file gives a new list, matched in place afterwards.

use std::collections::HashMap;

use crate::domains::playlists::model::{Method, NewEntry, SourceRef};
use crate::store::{Result, Store, StoreError, now};

/// One entry as the matcher reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MatchRow {
    pub id: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub source_ref: Option<String>,
    pub entry_key: String,
    pub song_id: Option<String>,
}

impl MatchRow {
    /// The entry as a source gave it.
    pub fn entry(&self) -> NewEntry {
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

/// The matcher's verdict on one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryMatch {
    pub entry_id: i64,
    pub song_id: Option<String>,
    pub method: Method,
    pub confidence: f32,
    pub version_differs: bool,
    /// The best candidate's score when unmatched (0 without one).
    pub best_candidate: f32,
}

impl Store {
    /// Replaces the entries of the user's playlist in one write transaction: positions
    /// 0..n in the given order, unmatched (method `none`) until the matcher runs, each
    /// keyed by [`NewEntry::key`]. `NotFound` when the playlist is not the user's.
    pub async fn replace_entries(
        &self,
        user_id: i64,
        playlist_id: i64,
        entries: &[NewEntry],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let touched =
            sqlx::query("UPDATE playlists SET updated_at = ? WHERE id = ? AND user_id = ?")
                .bind(now())
                .bind(playlist_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if touched == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM playlist_entries WHERE playlist_id = ? AND user_id = ?")
            .bind(playlist_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for (position, e) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO playlist_entries (playlist_id, user_id, position, artist, title, \
                   album, duration_ms, isrc, mbid, source_ref, entry_key, method) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'none')",
            )
            .bind(playlist_id)
            .bind(user_id)
            .bind(position as i64)
            .bind(&e.artist)
            .bind(&e.title)
            .bind(&e.album)
            .bind(e.duration_ms)
            .bind(&e.isrc)
            .bind(&e.mbid)
            .bind(e.source_ref.as_ref().map(SourceRef::to_stored))
            .bind(e.key())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The entries of the user's playlist, for matching.
    pub async fn entries_to_match(&self, user_id: i64, playlist_id: i64) -> Result<Vec<MatchRow>> {
        Ok(sqlx::query_as(
            "SELECT id, artist, title, album, duration_ms, isrc, mbid, source_ref, entry_key, \
               song_id FROM playlist_entries WHERE user_id = ? AND playlist_id = ? \
             ORDER BY position",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The user's manual choices for the entries of one playlist, by entry key: a song
    /// id, or `None` for "not in my library".
    pub async fn choices_for_playlist(
        &self,
        user_id: i64,
        playlist_id: i64,
    ) -> Result<HashMap<String, Option<String>>> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT c.entry_key, c.song_id FROM playlist_choices c WHERE c.user_id = ?1 \
             AND c.entry_key IN (SELECT entry_key FROM playlist_entries \
                                 WHERE user_id = ?1 AND playlist_id = ?2)",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Writes the matcher's verdicts and records the library generation they were
    /// made against. A pushed playlist whose songs changed becomes `pending` (the next
    /// sync pushes it). Returns how many entries changed song; `NotFound` when the
    /// playlist is not the user's.
    pub async fn write_matches(
        &self,
        user_id: i64,
        playlist_id: i64,
        generation: i64,
        matches: &[EntryMatch],
    ) -> Result<u32> {
        let mut tx = self.begin_write().await?;
        let mut changed = 0u32;
        for m in matches {
            let before: Option<Option<String>> = sqlx::query_scalar(
                "SELECT song_id FROM playlist_entries WHERE id = ? AND user_id = ? \
                 AND playlist_id = ?",
            )
            .bind(m.entry_id)
            .bind(user_id)
            .bind(playlist_id)
            .fetch_optional(&mut *tx)
            .await?;
            // An entry removed since it was read is skipped.
            let Some(before) = before else { continue };
            if before != m.song_id {
                changed += 1;
            }
            sqlx::query(
                "UPDATE playlist_entries SET song_id = ?, method = ?, confidence = ?, \
                   version_differs = ?, best_candidate = ? WHERE id = ? AND user_id = ?",
            )
            .bind(&m.song_id)
            .bind(m.method.as_str())
            .bind(m.confidence)
            .bind(m.version_differs)
            .bind(m.best_candidate)
            .bind(m.entry_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        let found = sqlx::query(
            "UPDATE playlists SET matched_run = ?1, \
               nav_state = CASE WHEN ?2 > 0 AND nav_state = 'in_sync' THEN 'pending' \
                           ELSE nav_state END \
             WHERE id = ?3 AND user_id = ?4",
        )
        .bind(generation)
        .bind(changed)
        .bind(playlist_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The user's active playlists matched against an older library generation than
    /// `generation` (all active ones with `force`).
    pub async fn playlists_to_rematch(
        &self,
        user_id: i64,
        generation: i64,
        force: bool,
    ) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM playlists WHERE user_id = ? AND state != 'dismissed' \
             AND (? OR matched_run < ?) ORDER BY id",
        )
        .bind(user_id)
        .bind(force)
        .bind(generation)
        .fetch_all(self.pool())
        .await?)
    }
}
