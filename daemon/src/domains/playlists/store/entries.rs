//! STUB standing in for the lead's entries store until it lands on main (same API);
//! the merge takes main's file.

use crate::{
    domains::playlists::model::NewEntry,
    store::{Result, Store, now},
};

impl Store {
    pub async fn replace_entries(
        &self,
        user_id: i64,
        playlist_id: i64,
        entries: &[NewEntry],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM playlist_entries WHERE user_id = ? AND playlist_id = ?")
            .bind(user_id)
            .bind(playlist_id)
            .execute(&mut *tx)
            .await?;
        for (i, e) in entries.iter().enumerate() {
            sqlx::query(
                "INSERT INTO playlist_entries (playlist_id, user_id, position, artist, title, album, \
                   duration_ms, isrc, mbid, source_ref, entry_key, method) \
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
        sqlx::query("UPDATE playlists SET updated_at = ? WHERE user_id = ? AND id = ?")
            .bind(now())
            .bind(user_id)
            .bind(playlist_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn stub_active_playlists(&self, user_id: i64) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM playlists WHERE user_id = ? AND state = 'active'")
                .bind(user_id)
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub(crate) async fn stub_match(&self, user_id: i64, playlist_id: i64) -> Result<u32> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE playlist_entries SET song_id = substr(source_ref, 6), method = 'song_id', confidence = 1 \
             WHERE user_id = ? AND playlist_id = ? AND source_ref LIKE 'song:%'",
        )
        .bind(user_id)
        .bind(playlist_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE playlist_entries SET song_id = (SELECT t.id FROM library_tracks t \
               WHERE t.user_id = playlist_entries.user_id AND lower(t.title) = lower(playlist_entries.title) \
               AND lower(t.artist) = lower(playlist_entries.artist) ORDER BY t.id LIMIT 1), \
               method = 'exact', confidence = 1 \
             WHERE user_id = ? AND playlist_id = ? AND (source_ref IS NULL OR source_ref NOT LIKE 'song:%')",
        )
        .bind(user_id)
        .bind(playlist_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE playlist_entries SET method = 'none', confidence = 0 \
             WHERE user_id = ? AND playlist_id = ? AND song_id IS NULL",
        )
        .bind(user_id)
        .bind(playlist_id)
        .execute(&mut *tx)
        .await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM playlist_entries WHERE user_id = ? AND playlist_id = ? AND song_id IS NOT NULL",
        )
        .bind(user_id)
        .bind(playlist_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(n as u32)
    }
}
