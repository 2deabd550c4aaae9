//! One source's follow in progress, and what every source's follow shares: the
//! listed-playlist bookkeeping, entries stored and matched, limits and the report.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::Arc,
};

use sha2::{Digest, Sha256};

use crate::{
    config::PlaylistsSettings,
    domains::{
        connections::service::Connections,
        playlists::{
            matcher::Matcher,
            model::{NewEntry, Source, SourceRef},
            store::sources::{SourcePlaylist, SourceRow, Upserted},
        },
    },
    music_text::{clean_id, clean_name},
    providers::{ProviderError, clients::Offered, playlist::RemoteTrack},
    store::Store,
};

/// Pages read from one listing in one run, at most (a guard against a source that
/// never stops paging).
pub const MAX_PAGES: usize = 10_000;

/// Where a follow reports how far it got (the sync job's progress).
pub trait FollowProgress: Sync {
    fn step(&self, done: u64, message: String) -> impl Future<Output = ()> + Send;
}

/// What following one source did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FollowReport {
    /// Playlists the source listed.
    pub listed: u32,
    /// Playlists whose tracks were read and changed here.
    pub updated: u32,
    /// Playlists new here.
    pub created: u32,
    /// Playlists that became inactive.
    pub inactive: u64,
    /// Limits reached and other things the user should know.
    pub notes: Vec<String>,
}

impl FollowReport {
    pub fn summary(&self, source: Source) -> String {
        let mut s = format!(
            "{}: {} playlists, {} new, {} updated",
            source.as_str(),
            self.listed,
            self.created,
            self.updated
        );
        if self.inactive > 0 {
            s.push_str(&format!(", {} gone at the source", self.inactive));
        }
        for note in &self.notes {
            s.push_str("; ");
            s.push_str(note);
        }
        s
    }
}

/// One source's follow in progress.
pub(super) struct Follow<'a> {
    pub store: &'a Store,
    pub connections: &'a Arc<Connections>,
    pub matcher: &'a Matcher,
    pub settings: &'a PlaylistsSettings,
    pub user_id: i64,
    pub source: Source,
    pub known: HashMap<String, SourceRow>,
    pub count: u64,
    pub report: FollowReport,
    pub listed: HashSet<String>,
    pub over_limit: u32,
}

/// A playlist as listed, before its tracks are read.
pub(super) struct Listed {
    pub source_ref: String,
    pub name: String,
    pub description: String,
    pub generated: bool,
    pub version: Option<String>,
}

/// What to do with a listed playlist.
pub(super) enum Next {
    /// Left alone (dismissed, over the limit, or unchanged).
    Skip,
    /// Read its tracks and [`Follow::store_entries`] them into this row.
    Read { id: i64 },
}

impl Follow<'_> {
    pub fn store(&self) -> &Store {
        self.store
    }

    pub fn connections(&self) -> &Connections {
        self.connections
    }

    /// Records a listed playlist; says whether its tracks need reading.
    pub async fn listed(&mut self, p: &Listed) -> Result<Next, ProviderError> {
        self.listed.insert(p.source_ref.clone());
        self.report.listed += 1;
        let known = self.known.get(&p.source_ref);
        if known.is_some_and(|k| k.dismissed) {
            return Ok(Next::Skip);
        }
        if known.is_none() && self.count >= self.settings.max_playlists_per_user {
            self.over_limit += 1;
            return Ok(Next::Skip);
        }
        let upserted = self
            .store()
            .upsert_source_playlist(
                self.user_id,
                self.source,
                &SourcePlaylist {
                    source_ref: p.source_ref.clone(),
                    name: p.name.clone(),
                    description: p.description.clone(),
                    generated: p.generated,
                },
            )
            .await?;
        let Upserted::Follow { id, created } = upserted else {
            return Ok(Next::Skip);
        };
        if created {
            self.count += 1;
            self.report.created += 1;
        }
        let unchanged = p.version.is_some()
            && known.and_then(|k| k.source_version.as_ref()) == p.version.as_ref();
        Ok(if unchanged && !created {
            Next::Skip
        } else {
            Next::Read { id }
        })
    }

    /// Replaces a playlist's entries with what the source holds now (unless a
    /// hash-versioned playlist is unchanged) and matches them.
    pub async fn store_entries(
        &mut self,
        id: i64,
        name: &str,
        version: Option<String>,
        mut entries: Vec<NewEntry>,
    ) -> Result<(), ProviderError> {
        let max = self.settings.max_entries as usize;
        if entries.len() > max {
            entries.truncate(max);
            self.report.notes.push(format!(
                "“{}” holds more than {max} tracks: the first {max} kept",
                clean_name(name).text
            ));
        }
        let version = version.unwrap_or_else(|| entries_hash(&entries));
        let before = self
            .known
            .values()
            .find(|k| k.id == id)
            .and_then(|k| k.source_version.clone());
        if before.as_deref() == Some(version.as_str()) {
            self.store()
                .set_source_version(self.user_id, id, Some(&version))
                .await?;
            return Ok(());
        }
        let store = self.store();
        store.replace_entries(self.user_id, id, &entries).await?;
        store
            .set_source_version(self.user_id, id, Some(&version))
            .await?;
        self.matcher
            .match_playlist(self.user_id, id)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, playlist_id = id, "matching a followed playlist failed");
                ProviderError::Unavailable {
                    detail: "matching the playlist failed; see the daemon log".into(),
                }
            })?;
        self.report.updated += 1;
        Ok(())
    }

    /// After a complete listing: what was not listed is inactive now.
    pub async fn listing_complete(&mut self) -> Result<(), ProviderError> {
        self.report.inactive = self
            .store()
            .deactivate_unlisted(self.user_id, self.source, &self.listed)
            .await?;
        Ok(())
    }

    pub fn finish(mut self) -> FollowReport {
        if self.over_limit > 0 {
            self.report.notes.push(format!(
                "{} playlists not imported: the limit of {} playlists is reached",
                self.over_limit, self.settings.max_playlists_per_user
            ));
        }
        self.report
    }
}

/// The instance's client for a provider, or why the instance does not offer it.
pub(super) fn offered<T>(client: &Offered<T>) -> Result<&T, ProviderError> {
    client.as_ref().map_err(|reason| ProviderError::Refused {
        detail: reason.clone(),
    })
}

/// A version for playlists whose source gives none: a hash of the entries' identities.
fn entries_hash(entries: &[NewEntry]) -> String {
    let mut sha = Sha256::new();
    for e in entries {
        sha.update(e.key().as_bytes());
        sha.update([0x1f]);
    }
    format!("h:{}", hex::encode(&sha.finalize()[..16]))
}

/// A provider's track as an entry, its texts made fit to store.
pub(super) fn entry(t: &RemoteTrack, source_ref: Option<SourceRef>) -> NewEntry {
    NewEntry {
        artist: clean_name(&t.artist).text.into_owned(),
        title: clean_name(&t.title).text.into_owned(),
        album: t
            .album
            .as_deref()
            .map(|a| clean_name(a).text.into_owned())
            .filter(|a| !a.is_empty()),
        duration_ms: t.duration_ms.filter(|d| *d > 0),
        isrc: t.isrc.as_deref().and_then(clean_id).map(str::to_owned),
        mbid: t.mbid.as_deref().and_then(clean_id).map(str::to_owned),
        source_ref: source_ref.filter(|r| r.to_stored().len() <= 4096),
    }
}
