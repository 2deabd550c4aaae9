//! Navidrome push state of a playlist (`playlists.nav_*`): the target playlist, what
//! it held right after our last push, and how the last push went.

use crate::{
    domains::playlists::model::Source,
    store::{Result, Store, StoreError, now},
};

/// Longest error kept (the table's CHECK).
const MAX_ERROR_CHARS: usize = 500;

/// `nav_state` values.
pub mod nav_state {
    pub const NOT_PUSHED: &str = "not_pushed";
    pub const IN_SYNC: &str = "in_sync";
    pub const PENDING: &str = "pending";
    pub const CHANGED_IN_NAVIDROME: &str = "changed_in_navidrome";
    pub const MISSING: &str = "missing";
    pub const FAILED: &str = "failed";
}

/// A playlist with its push state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NavLink {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub state: String,
    pub nav_id: Option<String>,
    pub nav_name: Option<String>,
    pub nav_state: String,
    pub nav_changed: Option<String>,
    pub nav_songs_hash: Option<String>,
}

impl NavLink {
    pub fn source(&self) -> Option<Source> {
        Source::parse(&self.source)
    }
}

impl Store {
    /// One playlist's push state (dismissed playlists are not found).
    pub async fn nav_link(&self, user_id: i64, playlist_id: i64) -> Result<Option<NavLink>> {
        Ok(sqlx::query_as(
            "SELECT id, name, source, state, nav_id, nav_name, nav_state, nav_changed, nav_songs_hash \
             FROM playlists WHERE user_id = ? AND id = ? AND state != 'dismissed'",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// The user's playlists that have a Navidrome target.
    pub async fn nav_links(&self, user_id: i64) -> Result<Vec<NavLink>> {
        Ok(sqlx::query_as(
            "SELECT id, name, source, state, nav_id, nav_name, nav_state, nav_changed, nav_songs_hash \
             FROM playlists WHERE user_id = ? AND nav_id IS NOT NULL AND state != 'dismissed' \
             ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// The matched song ids of a playlist, in order (unmatched entries left out).
    pub async fn matched_song_ids(&self, user_id: i64, playlist_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT song_id FROM playlist_entries WHERE user_id = ? AND playlist_id = ? \
             AND song_id IS NOT NULL ORDER BY position",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// After a push: the target, and what it held right after it.
    pub async fn set_nav_pushed(
        &self,
        user_id: i64,
        playlist_id: i64,
        nav_id: &str,
        nav_name: &str,
        changed: Option<&str>,
        songs_hash: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE playlists SET nav_id = ?, nav_name = ?, nav_state = 'in_sync', nav_changed = ?, \
               nav_songs_hash = ?, nav_pushed_at = ?, nav_error = NULL WHERE user_id = ? AND id = ?",
        )
        .bind(nav_id)
        .bind(nav_name.chars().take(1024).collect::<String>())
        .bind(changed.map(|c| c.chars().take(64).collect::<String>()))
        .bind(songs_hash)
        .bind(now())
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await;
        match done {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict),
            Err(e) => Err(e.into()),
            Ok(r) if r.rows_affected() == 0 => Err(StoreError::NotFound),
            Ok(_) => Ok(()),
        }
    }

    /// Links a playlist to a Navidrome playlist (nothing known about its content yet).
    pub async fn set_nav_target(
        &self,
        user_id: i64,
        playlist_id: i64,
        nav_id: &str,
        nav_name: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE playlists SET nav_id = ?, nav_name = ?, nav_state = 'pending', nav_changed = NULL, \
               nav_songs_hash = NULL, nav_error = NULL WHERE user_id = ? AND id = ?",
        )
        .bind(nav_id)
        .bind(nav_name.chars().take(1024).collect::<String>())
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await;
        match done {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict),
            Err(e) => Err(e.into()),
            Ok(r) if r.rows_affected() == 0 => Err(StoreError::NotFound),
            Ok(_) => Ok(()),
        }
    }

    /// Sets the push state (and a short error for `failed`).
    pub async fn set_nav_state(
        &self,
        user_id: i64,
        playlist_id: i64,
        state: &str,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE playlists SET nav_state = ?, nav_error = ? WHERE user_id = ? AND id = ?",
        )
        .bind(state)
        .bind(error.map(|e| e.chars().take(MAX_ERROR_CHARS).collect::<String>()))
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Forgets the Navidrome target.
    pub async fn clear_nav(&self, user_id: i64, playlist_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE playlists SET nav_id = NULL, nav_name = NULL, nav_state = 'not_pushed', \
               nav_changed = NULL, nav_songs_hash = NULL, nav_pushed_at = NULL, nav_error = NULL \
             WHERE user_id = ? AND id = ?",
        )
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// An imported playlist becomes local: it stops following its source.
    pub async fn make_local(&self, user_id: i64, playlist_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE playlists SET source = 'local', source_ref = NULL, source_version = NULL, \
               generated_by_source = 0, state = 'active', updated_at = ? \
             WHERE user_id = ? AND id = ? AND source NOT IN ('local', 'file')",
        )
        .bind(now())
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }
}
