//! The Navidrome library mirror: artists, albums and tracks per user.
//!
//! A library sync is numbered (`seen_run`). It upserts every artist and album it lists
//! with that number, re-reads the songs of albums whose fingerprint changed, and only
//! when the listing completed deletes what it did not see: an interrupted run deletes
//! nothing, and a later run picks up where the server is.

use std::collections::HashMap;

use crate::providers::library::{LibraryAlbum, LibraryArtist, LibraryTrack};
use crate::store::{Result, Store};

/// A library song as playlists show and match it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LibrarySong {
    pub id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    /// The file's path as Navidrome reports it (relative to its music folder).
    pub path: Option<String>,
}

/// Sizes of a user's library mirror.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LibraryCounts {
    pub artists: i64,
    pub albums: i64,
    pub tracks: i64,
}

impl Store {
    /// The number of the next library sync for `user_id`.
    pub async fn next_library_run(&self, user_id: i64) -> Result<i64> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT max(seen_run) FROM (SELECT seen_run FROM library_albums WHERE user_id = ?1 \
             UNION ALL SELECT seen_run FROM library_artists WHERE user_id = ?1)",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(last.unwrap_or(0) + 1)
    }

    /// Upserts one page of artists as seen by `run`.
    pub async fn upsert_artists(
        &self,
        user_id: i64,
        run: i64,
        artists: &[LibraryArtist],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for a in artists {
            sqlx::query(
                "INSERT INTO library_artists (user_id, id, name, album_count, mbid, seen_run) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, id) DO UPDATE SET \
                 name = excluded.name, album_count = excluded.album_count, mbid = excluded.mbid, \
                 seen_run = excluded.seen_run",
            )
            .bind(user_id)
            .bind(&a.id)
            .bind(&a.name)
            .bind(a.album_count)
            .bind(&a.mbid)
            .bind(run)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Fingerprints of the albums already mirrored, by album id.
    pub async fn album_fingerprints(&self, user_id: i64) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id, fingerprint FROM library_albums WHERE user_id = ?")
                .bind(user_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Marks unchanged albums (and their tracks, implicitly) as seen by `run`.
    pub async fn touch_albums(&self, user_id: i64, run: i64, ids: &[&str]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query("UPDATE library_albums SET seen_run = ? WHERE user_id = ? AND id = ?")
                .bind(run)
                .bind(user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces albums and their songs as `run` saw them: tracks no longer on an album
    /// are deleted with it in the same transaction.
    pub async fn replace_albums(
        &self,
        user_id: i64,
        run: i64,
        albums: &[(LibraryAlbum, Vec<LibraryTrack>)],
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for (album, tracks) in albums {
            sqlx::query(
                "INSERT INTO library_albums (user_id, id, name, artist, artist_id, year, song_count, \
                   fingerprint, seen_run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (user_id, id) DO UPDATE SET name = excluded.name, \
                   artist = excluded.artist, artist_id = excluded.artist_id, year = excluded.year, \
                   song_count = excluded.song_count, fingerprint = excluded.fingerprint, \
                   seen_run = excluded.seen_run",
            )
            .bind(user_id)
            .bind(&album.id)
            .bind(&album.name)
            .bind(&album.artist)
            .bind(&album.artist_id)
            .bind(album.year)
            .bind(album.song_count)
            .bind(&album.fingerprint)
            .bind(run)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM library_tracks WHERE user_id = ? AND album_id = ?")
                .bind(user_id)
                .bind(&album.id)
                .execute(&mut *tx)
                .await?;
            for t in tracks {
                // A song listed under two albums (rare) keeps the last one.
                sqlx::query(
                    "INSERT INTO library_tracks (user_id, id, album_id, title, artist, album, \
                       track_no, disc_no, duration_ms, isrc, mbid, match_key) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (user_id, id) DO UPDATE SET album_id = excluded.album_id, \
                       title = excluded.title, artist = excluded.artist, album = excluded.album, \
                       track_no = excluded.track_no, disc_no = excluded.disc_no, \
                       duration_ms = excluded.duration_ms, isrc = excluded.isrc, \
                       mbid = excluded.mbid, match_key = excluded.match_key",
                )
                .bind(user_id)
                .bind(&t.id)
                .bind(&album.id)
                .bind(&t.title)
                .bind(&t.artist)
                .bind(&t.album)
                .bind(t.track_no)
                .bind(t.disc_no)
                .bind(t.duration_ms)
                .bind(&t.isrc)
                .bind(&t.mbid)
                .bind(crate::music_text::normalize::match_key(&t.artist, &t.title))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a complete listing by `run`: deletes the artists and albums (with their
    /// tracks) it did not see. Returns the number of albums deleted.
    pub async fn delete_unseen(&self, user_id: i64, run: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let albums = sqlx::query("DELETE FROM library_albums WHERE user_id = ? AND seen_run < ?")
            .bind(user_id)
            .bind(run)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM library_artists WHERE user_id = ? AND seen_run < ?")
            .bind(user_id)
            .bind(run)
            .execute(&mut *tx)
            .await?;
        // Listens keep their text; a link to a deleted track is dropped.
        sqlx::query(
            "UPDATE listens SET track_id = NULL WHERE user_id = ? AND track_id IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM library_tracks t WHERE t.user_id = listens.user_id \
                             AND t.id = listens.track_id)",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(albums)
    }

    /// Records that a library sync changed the user's library: the generation the
    /// playlist matcher compares with goes up by one. Returns the new generation.
    pub async fn bump_library_generation(&self, user_id: i64) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let generation: i64 = sqlx::query_scalar(
            "INSERT INTO library_generations (user_id, generation, changed_at) VALUES (?, 1, ?) \
             ON CONFLICT (user_id) DO UPDATE SET generation = generation + 1, \
               changed_at = excluded.changed_at RETURNING generation",
        )
        .bind(user_id)
        .bind(crate::store::now())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(generation)
    }

    /// The user's library generation (0 before the first library sync that changed
    /// anything).
    pub async fn library_generation(&self, user_id: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM library_generations WHERE user_id = ?")
                .bind(user_id)
                .fetch_optional(self.pool())
                .await?
                .unwrap_or(0),
        )
    }

    pub async fn library_counts(&self, user_id: i64) -> Result<LibraryCounts> {
        let (artists, albums, tracks): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM library_artists WHERE user_id = ?1), \
                    (SELECT count(*) FROM library_albums WHERE user_id = ?1), \
                    (SELECT count(*) FROM library_tracks WHERE user_id = ?1)",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(LibraryCounts {
            artists,
            albums,
            tracks,
        })
    }

    /// Every song of the user's library (the matcher indexes them).
    pub async fn library_songs(&self, user_id: i64) -> Result<Vec<LibrarySong>> {
        Ok(sqlx::query_as(
            "SELECT id, artist, title, album, duration_ms, isrc, mbid, path FROM library_tracks \
             WHERE user_id = ?",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }

    /// Songs of the user's library by id, in no particular order; unknown ids are left
    /// out.
    pub async fn library_songs_by_id(
        &self,
        user_id: i64,
        ids: &[&str],
    ) -> Result<Vec<LibrarySong>> {
        let mut out = Vec::with_capacity(ids.len());
        // Bounded statements: SQLite limits the number of parameters.
        for chunk in ids.chunks(500) {
            // Only placeholders are spliced in; the ids are bound.
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "SELECT id, artist, title, album, duration_ms, isrc, mbid, path \
                 FROM library_tracks WHERE user_id = ? AND id IN ({marks})"
            );
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id);
            for id in chunk {
                q = q.bind(*id);
            }
            out.extend(q.fetch_all(self.pool()).await?);
        }
        Ok(out)
    }

    /// One library track of the user (tests and the listen details).
    pub async fn library_track(&self, user_id: i64, id: &str) -> Result<Option<LibraryTrack>> {
        Ok(sqlx::query_as(
            "SELECT id, album_id, title, artist, album, track_no, disc_no, duration_ms, isrc, mbid \
             FROM library_tracks WHERE user_id = ? AND id = ?",
        )
        .bind(user_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }
}
