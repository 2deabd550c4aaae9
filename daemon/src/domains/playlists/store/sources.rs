//! Playlists imported from a source (Spotify, ListenBrainz, Navidrome): one row per
//! source playlist (`UNIQUE(user_id, source, source_ref)`), followed on every sync.
//! A playlist the user dismissed is never brought back; one no longer listed at its
//! source becomes inactive, and active again if it reappears.

use std::collections::{HashMap, HashSet};

use crate::{
    domains::playlists::model::Source,
    store::{Result, Store, now},
};

/// Longest name, description and source id stored (the table's CHECKs).
const MAX_NAME_CHARS: usize = 1024;
const MAX_DESCRIPTION_CHARS: usize = 4096;
pub const MAX_SOURCE_REF_CHARS: usize = 255;

/// A source playlist as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub id: i64,
    pub source_version: Option<String>,
    pub dismissed: bool,
}

/// A playlist as a source lists it, to upsert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePlaylist {
    pub source_ref: String,
    pub name: String,
    pub description: String,
    pub generated: bool,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// The row (new or existing) to follow, with its last source version.
    Follow { id: i64, created: bool },
    /// The user dismissed it: left alone.
    Dismissed,
}

fn clip(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect::<String>()
}

impl Store {
    /// The user's playlists from `source`, by source id (every state).
    pub async fn source_playlists(
        &self,
        user_id: i64,
        source: Source,
    ) -> Result<HashMap<String, SourceRow>> {
        let rows: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT id, source_ref, source_version, state FROM playlists \
             WHERE user_id = ? AND source = ? AND source_ref IS NOT NULL",
        )
        .bind(user_id)
        .bind(source.as_str())
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, r, source_version, state)| {
                (
                    r,
                    SourceRow {
                        id,
                        source_version,
                        dismissed: state == "dismissed",
                    },
                )
            })
            .collect())
    }

    /// Playlists the user holds (dismissed ones not counted).
    pub async fn playlist_count(&self, user_id: i64) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM playlists WHERE user_id = ? AND state != 'dismissed'",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n.max(0) as u64)
    }

    /// Inserts a source playlist, or updates its name and description (an inactive one
    /// becomes active again). A dismissed one is left alone.
    pub async fn upsert_source_playlist(
        &self,
        user_id: i64,
        source: Source,
        p: &SourcePlaylist,
    ) -> Result<Upserted> {
        let name = Some(clip(&p.name, MAX_NAME_CHARS))
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "Untitled".into());
        let description = clip(&p.description, MAX_DESCRIPTION_CHARS);
        let source_ref = clip(&p.source_ref, MAX_SOURCE_REF_CHARS);
        let t = now();
        let mut tx = self.begin_write().await?;
        let existing: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, state FROM playlists WHERE user_id = ? AND source = ? AND source_ref = ?",
        )
        .bind(user_id)
        .bind(source.as_str())
        .bind(&source_ref)
        .fetch_optional(&mut *tx)
        .await?;
        let upserted = match existing {
            Some((_, state)) if state == "dismissed" => Upserted::Dismissed,
            Some((id, _)) => {
                sqlx::query(
                    "UPDATE playlists SET name = ?, description = ?, generated_by_source = ?, \
                       state = 'active' WHERE user_id = ? AND id = ?",
                )
                .bind(&name)
                .bind(&description)
                .bind(p.generated)
                .bind(user_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Upserted::Follow { id, created: false }
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO playlists (user_id, name, description, source, source_ref, \
                       generated_by_source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     RETURNING id",
                )
                .bind(user_id)
                .bind(&name)
                .bind(&description)
                .bind(source.as_str())
                .bind(&source_ref)
                .bind(p.generated)
                .bind(t)
                .bind(t)
                .fetch_one(&mut *tx)
                .await?;
                Upserted::Follow { id, created: true }
            }
        };
        tx.commit().await?;
        Ok(upserted)
    }

    /// Records the source version the entries now reflect.
    pub async fn set_source_version(
        &self,
        user_id: i64,
        playlist_id: i64,
        version: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE playlists SET source_version = ?, source_synced_at = ? WHERE user_id = ? AND id = ?",
        )
        .bind(version.map(|v| clip(v, MAX_SOURCE_REF_CHARS)))
        .bind(now())
        .bind(user_id)
        .bind(playlist_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// After a complete listing of `source`: its active playlists not in `listed`
    /// become inactive (kept, not deleted). Returns how many did.
    pub async fn deactivate_unlisted(
        &self,
        user_id: i64,
        source: Source,
        listed: &HashSet<String>,
    ) -> Result<u64> {
        let known = self.source_playlists(user_id, source).await?;
        let gone: Vec<i64> = known
            .iter()
            .filter(|(r, row)| !row.dismissed && !listed.contains(*r))
            .map(|(_, row)| row.id)
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut changed = 0;
        for id in gone {
            changed += sqlx::query(
                "UPDATE playlists SET state = 'inactive', updated_at = ? \
                 WHERE user_id = ? AND id = ? AND state = 'active'",
            )
            .bind(now())
            .bind(user_id)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Navidrome playlist ids spotter pushed to or linked (never imported back).
    pub async fn navidrome_targets(&self, user_id: i64) -> Result<HashMap<String, i64>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT nav_id, id FROM playlists WHERE user_id = ? AND nav_id IS NOT NULL",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }
}
