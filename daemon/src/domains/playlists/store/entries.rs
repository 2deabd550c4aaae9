//! TEMPORARY STUB of the lead's `replace_entries` (replaced whole when main's lands).

use crate::{
    domains::playlists::model::NewEntry,
    store::{self, Store, now},
};

impl Store {
    pub async fn replace_entries(
        &self,
        user_id: i64,
        playlist_id: i64,
        entries: &[NewEntry],
    ) -> store::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM playlist_entries WHERE user_id = ? AND playlist_id = ?")
            .bind(user_id)
            .bind(playlist_id)
            .execute(&mut *tx)
            .await?;
        for (i, e) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO playlist_entries (playlist_id, user_id, position, artist, title,
                 album, duration_ms, isrc, mbid, source_ref, entry_key, method)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'none')",
            )
            .bind(playlist_id)
            .bind(user_id)
            .bind(i as i64)
            .bind(&e.artist)
            .bind(&e.title)
            .bind(&e.album)
            .bind(e.duration_ms)
            .bind(&e.isrc)
            .bind(&e.mbid)
            .bind(e.source_ref.as_ref().map(|r| r.to_stored()))
            .bind(e.key())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE playlists SET updated_at = ? WHERE id = ? AND user_id = ?")
            .bind(now())
            .bind(playlist_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
