//! TEMPORARY STUB of the lead's matcher (replaced whole when main's lands): manual
//! choices and `song:` refs only, no index.

use std::sync::Arc;

use super::model::{NewEntry, SourceRef};
use crate::{config::PlaylistsSettings, service::ServiceError, store::Store};

#[derive(Debug, Clone, PartialEq)]
pub struct LibrarySong {
    pub id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<i64>,
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub song: LibrarySong,
    pub score: f32,
    pub version_differs: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct MatchReport {
    pub playlists: u32,
    pub entries: u32,
    pub matched: u32,
    pub changed: u32,
}

pub struct Matcher {
    store: Store,
}

impl Matcher {
    pub fn new(store: Store, _settings: &PlaylistsSettings) -> Matcher {
        Matcher { store }
    }

    pub async fn match_playlist(
        &self,
        user_id: i64,
        playlist_id: i64,
    ) -> Result<MatchReport, ServiceError> {
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, entry_key, source_ref, song_id FROM playlist_entries
             WHERE user_id = ? AND playlist_id = ?",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_all(self.store.pool())
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        let mut report = MatchReport {
            playlists: 1,
            ..MatchReport::default()
        };
        for (id, key, source_ref, old) in rows {
            report.entries += 1;
            let choice: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT song_id FROM playlist_choices WHERE user_id = ? AND entry_key = ?",
            )
            .bind(user_id)
            .bind(&key)
            .fetch_optional(self.store.pool())
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
            let (song, method, confidence) = match choice {
                Some((Some(song),)) => (Some(song), "manual", 1.0),
                Some((None,)) => (None, "not_in_library", 0.0),
                None => match source_ref.as_deref().and_then(SourceRef::from_stored) {
                    Some(SourceRef::Song(s)) if self.song(user_id, &s).await?.is_some() => {
                        (Some(s), "song_id", 1.0)
                    }
                    _ => (None, "none", 0.0),
                },
            };
            if song.is_some() {
                report.matched += 1;
            }
            if song != old {
                report.changed += 1;
            }
            sqlx::query(
                "UPDATE playlist_entries SET song_id = ?, method = ?, confidence = ?,
                 version_differs = 0, best_candidate = 0 WHERE id = ? AND user_id = ?",
            )
            .bind(song)
            .bind(method)
            .bind(confidence)
            .bind(id)
            .bind(user_id)
            .execute(self.store.writer())
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        }
        Ok(report)
    }

    pub async fn rematch_user(
        &self,
        user_id: i64,
        _force: bool,
    ) -> Result<MatchReport, ServiceError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM playlists WHERE user_id = ? AND state != 'dismissed'",
        )
        .bind(user_id)
        .fetch_all(self.store.pool())
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        let mut all = MatchReport::default();
        for id in ids {
            let r = self.match_playlist(user_id, id).await?;
            all.playlists += 1;
            all.entries += r.entries;
            all.matched += r.matched;
            all.changed += r.changed;
        }
        Ok(all)
    }

    pub async fn candidates(
        &self,
        _user_id: i64,
        _entry: &NewEntry,
    ) -> Result<Vec<Candidate>, ServiceError> {
        Ok(Vec::new())
    }

    pub async fn song(
        &self,
        user_id: i64,
        song_id: &str,
    ) -> Result<Option<LibrarySong>, ServiceError> {
        let row: Option<(String, String, String, String, Option<i64>, Option<String>)> =
            sqlx::query_as(
                "SELECT id, artist, title, album, duration_ms, path FROM library_tracks
                 WHERE user_id = ? AND id = ?",
            )
            .bind(user_id)
            .bind(song_id)
            .fetch_optional(self.store.pool())
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        Ok(row.map(
            |(id, artist, title, album, duration_ms, path)| LibrarySong {
                id,
                artist,
                title,
                album,
                duration_ms,
                path,
            },
        ))
    }
}

#[allow(dead_code)]
fn _arc(_: Arc<Matcher>) {}
