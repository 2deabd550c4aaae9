//! Following the playlists of a user's connected sources (Spotify, ListenBrainz,
//! Navidrome): one playlist row per source playlist, its entries replaced when the
//! source's version of it changed, then matched against the library.
//!
//! - **Versions.** Each source says when a playlist's tracks changed (Spotify
//!   `snapshot_id`, ListenBrainz last modification, Navidrome `changed`); an unchanged
//!   version means its tracks are not read again. Where a source says nothing
//!   (Spotify's Liked Songs, Supysonic), the tracks are read and a hash of them is the
//!   version, so unchanged entries are not rewritten.
//! - **Dismissed** playlists (deleted by the user) are never brought back; playlists
//!   no longer listed become **inactive**, and only after a complete listing.
//! - Navidrome playlists spotter pushed or linked are not imported back.
//! - **Limits**: `max_playlists_per_user` new playlists, `max_entries` per playlist;
//!   what passes them is left out and said in the report.

mod follow;
mod listenbrainz;
mod navidrome;
mod spotify;

use std::sync::Arc;

pub use follow::{FollowProgress, FollowReport, MAX_PAGES};

use self::follow::Follow;
use super::{matcher::Matcher, model::Source};
use crate::{
    config::PlaylistsSettings,
    domains::connections::service::Connections,
    providers::ProviderError,
    store::{Provider, Store},
};

/// Follows the playlists of a user's sources.
pub struct Sources {
    store: Store,
    connections: Arc<Connections>,
    matcher: Arc<Matcher>,
    settings: PlaylistsSettings,
}

impl Sources {
    pub fn new(
        store: Store,
        connections: Arc<Connections>,
        matcher: Arc<Matcher>,
        settings: &PlaylistsSettings,
    ) -> Sources {
        Sources {
            store,
            connections,
            matcher,
            settings: settings.clone(),
        }
    }

    /// The playlist source a provider connection brings, if any (Last.fm has none).
    pub fn source_of(provider: Provider) -> Option<Source> {
        match provider {
            Provider::Spotify => Some(Source::Spotify),
            Provider::ListenBrainz => Some(Source::ListenBrainz),
            Provider::Navidrome => Some(Source::Navidrome),
            Provider::LastFm => None,
        }
    }

    /// Follows every playlist of `provider` for `user_id`.
    pub async fn follow(
        &self,
        user_id: i64,
        provider: Provider,
        progress: &impl FollowProgress,
    ) -> Result<FollowReport, ProviderError> {
        let Some(source) = Self::source_of(provider) else {
            return Ok(FollowReport::default());
        };
        let mut run = Follow {
            store: &self.store,
            connections: &self.connections,
            matcher: &self.matcher,
            settings: &self.settings,
            user_id,
            source,
            known: self.store.source_playlists(user_id, source).await?,
            count: self.store.playlist_count(user_id).await?,
            report: FollowReport::default(),
            listed: Default::default(),
            over_limit: 0,
        };
        match provider {
            Provider::Spotify => spotify::follow(&mut run, progress).await?,
            Provider::ListenBrainz => listenbrainz::follow(&mut run, progress).await?,
            Provider::Navidrome => navidrome::follow(&mut run, progress).await?,
            Provider::LastFm => {}
        }
        Ok(run.finish())
    }
}
