//! Playlist rows: create, rename, delete or dismiss, duplicate, and the list with
//! its counts. Every query filters on the caller's user id; a playlist of another
//! user is [`StoreError::NotFound`] exactly like a missing one.

use sqlx::{FromRow, Sqlite, Transaction};

use super::{NEEDS_REVIEW, Result};
use crate::{
    domains::playlists::model::Source,
    store::{Store, StoreError, now},
};

/// A playlist with its entry counts, as listed.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct PlaylistRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub source: String,
    pub state: String,
    pub generated_by_source: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub source_synced_at: Option<i64>,
    pub nav_id: Option<String>,
    pub nav_name: Option<String>,
    pub nav_state: String,
    pub nav_pushed_at: Option<i64>,
    pub nav_error: Option<String>,
    pub entries: i64,
    pub matched: i64,
    pub not_in_library: i64,
    pub to_review: i64,
}

impl PlaylistRow {
    pub fn source(&self) -> Option<Source> {
        Source::parse(&self.source)
    }

    /// Local and file playlists are edited here.
    pub fn editable(&self) -> bool {
        self.source().is_some_and(Source::editable)
    }
}

/// Why a new playlist could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("you have {limit} playlists, this server's limit (playlists.max_playlists_per_user)")]
    TooMany { limit: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for CreateError {
    fn from(e: sqlx::Error) -> Self {
        CreateError::Store(e.into())
    }
}

/// The list's columns: the row and its counts from one grouped pass over the user's
/// entries (never one count query per playlist).
fn select_rows(where_clause: &str) -> String {
    format!(
        "SELECT p.id, p.name, p.description, p.source, p.state, p.generated_by_source,
                p.created_at, p.updated_at, p.source_synced_at, p.nav_id, p.nav_name,
                p.nav_state, p.nav_pushed_at, p.nav_error,
                coalesce(c.entries, 0) AS entries, coalesce(c.matched, 0) AS matched,
                coalesce(c.not_in_library, 0) AS not_in_library,
                coalesce(c.to_review, 0) AS to_review
         FROM playlists p
         LEFT JOIN (
             SELECT e.playlist_id, count(*) AS entries,
                    sum(e.song_id IS NOT NULL) AS matched,
                    sum(e.method = 'not_in_library') AS not_in_library,
                    sum({NEEDS_REVIEW}) AS to_review
             FROM playlist_entries e
             WHERE e.user_id = ?1 {entries_filter}
             GROUP BY e.playlist_id
         ) c ON c.playlist_id = p.id
         WHERE p.user_id = ?1 AND {where_clause}
         ORDER BY p.name COLLATE NOCASE, p.id",
        entries_filter = if where_clause.contains("?2") {
            "AND e.playlist_id = ?2"
        } else {
            ""
        },
    )
}

impl Store {
    /// The user's playlists (dismissed ones never; inactive ones when asked).
    pub async fn list_playlists(
        &self,
        user_id: i64,
        include_inactive: bool,
    ) -> Result<Vec<PlaylistRow>> {
        let state = if include_inactive {
            "p.state != 'dismissed'"
        } else {
            "p.state = 'active'"
        };
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(select_rows(state)))
            .bind(user_id)
            .fetch_all(self.pool())
            .await?)
    }

    /// One playlist of the user (not a dismissed one), or `NotFound`.
    pub async fn playlist(&self, user_id: i64, playlist_id: i64) -> Result<PlaylistRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(select_rows(
            "p.id = ?2 AND p.state != 'dismissed'",
        )))
        .bind(user_id)
        .bind(playlist_id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// A new local or file playlist, refused past `max_playlists` (imported ones and
    /// inactive ones count; dismissed ones do not).
    pub async fn create_playlist(
        &self,
        user_id: i64,
        name: &str,
        description: &str,
        source: Source,
        max_playlists: u64,
    ) -> Result<i64, CreateError> {
        let mut tx = self.begin_write().await?;
        let id =
            insert_playlist(&mut tx, user_id, name, description, source, max_playlists).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Renames one of the user's playlists.
    pub async fn rename_playlist(&self, user_id: i64, playlist_id: i64, name: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE playlists SET name = ?, updated_at = ?
             WHERE id = ? AND user_id = ? AND state != 'dismissed'",
        )
        .bind(name)
        .bind(now())
        .bind(playlist_id)
        .bind(user_id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes a local or file playlist (its entries go with it); dismisses an
    /// imported one (hidden, its entries dropped, not imported again). Manual choices
    /// stay: they belong to the track, not the playlist.
    pub async fn delete_playlist(&self, user_id: i64, playlist_id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let source: Option<String> = sqlx::query_scalar(
            "SELECT source FROM playlists WHERE id = ? AND user_id = ? AND state != 'dismissed'",
        )
        .bind(playlist_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(source) = source else {
            return Err(StoreError::NotFound);
        };
        if Source::parse(&source).is_some_and(Source::editable) {
            sqlx::query("DELETE FROM playlists WHERE id = ? AND user_id = ?")
                .bind(playlist_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("DELETE FROM playlist_entries WHERE playlist_id = ? AND user_id = ?")
                .bind(playlist_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE playlists SET state = 'dismissed', nav_id = NULL, nav_name = NULL,
                 nav_state = 'not_pushed', nav_changed = NULL, nav_songs_hash = NULL,
                 updated_at = ? WHERE id = ? AND user_id = ?",
            )
            .bind(now())
            .bind(playlist_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// "Duplicate as local": a new local playlist named `name` with a copy of every
    /// entry of `playlist_id`, its match included, in one transaction.
    pub async fn duplicate_playlist(
        &self,
        user_id: i64,
        playlist_id: i64,
        name: &str,
        max_playlists: u64,
    ) -> Result<i64, CreateError> {
        let mut tx = self.begin_write().await?;
        let description: Option<String> = sqlx::query_scalar(
            "SELECT description FROM playlists
             WHERE id = ? AND user_id = ? AND state != 'dismissed'",
        )
        .bind(playlist_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(description) = description else {
            return Err(StoreError::NotFound.into());
        };
        let id = insert_playlist(
            &mut tx,
            user_id,
            name,
            &description,
            Source::Local,
            max_playlists,
        )
        .await?;
        sqlx::query(
            "INSERT INTO playlist_entries (playlist_id, user_id, position, artist, title, album,
                 duration_ms, isrc, mbid, source_ref, entry_key, song_id, method, confidence,
                 version_differs, best_candidate)
             SELECT ?, user_id, position, artist, title, album, duration_ms, isrc, mbid,
                 source_ref, entry_key, song_id, method, confidence, version_differs,
                 best_candidate
             FROM playlist_entries WHERE playlist_id = ? AND user_id = ? ORDER BY position",
        )
        .bind(id)
        .bind(playlist_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE playlists SET matched_run = (SELECT matched_run FROM playlists
                 WHERE id = ? AND user_id = ?) WHERE id = ? AND user_id = ?",
        )
        .bind(playlist_id)
        .bind(user_id)
        .bind(id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The user's playlists (not dismissed) holding an entry with `entry_key`.
    pub async fn playlists_with_key(&self, user_id: i64, entry_key: &str) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT e.playlist_id FROM playlist_entries e
             JOIN playlists p ON p.id = e.playlist_id AND p.user_id = e.user_id
             WHERE e.user_id = ? AND e.entry_key = ? AND p.state != 'dismissed'",
        )
        .bind(user_id)
        .bind(entry_key)
        .fetch_all(self.pool())
        .await?)
    }
}

async fn insert_playlist(
    tx: &mut Transaction<'static, Sqlite>,
    user_id: i64,
    name: &str,
    description: &str,
    source: Source,
    max_playlists: u64,
) -> Result<i64, CreateError> {
    let held: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM playlists WHERE user_id = ? AND state != 'dismissed'",
    )
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    if held as u64 >= max_playlists {
        return Err(CreateError::TooMany {
            limit: max_playlists,
        });
    }
    let at = now();
    Ok(sqlx::query_scalar(
        "INSERT INTO playlists (user_id, name, description, source, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(description)
    .bind(source.as_str())
    .bind(at)
    .bind(at)
    .fetch_one(&mut **tx)
    .await?)
}
