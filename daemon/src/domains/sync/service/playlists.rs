//! Playlist sync: every connected playlist source followed (Spotify, ListenBrainz,
//! Navidrome; each source's failure recorded as history sync records it), the user's
//! playlists matched again where the library changed, then the playlists pushed to
//! Navidrome updated.

use std::sync::Arc;

use super::{Progress, ProviderFailure, SyncContext, SyncReport};
use crate::{
    domains::{
        connections::store::ConnectionState,
        playlists::{
            matcher::Matcher,
            navidrome::NavidromeSync,
            sources::{FollowProgress, Sources},
        },
    },
    providers::ProviderError,
    store::Provider,
};

/// Sources in the order they are followed.
const ORDER: [Provider; 3] = [
    Provider::Spotify,
    Provider::ListenBrainz,
    Provider::Navidrome,
];

/// What the playlist sync works with (built at boot).
#[derive(Clone)]
pub struct PlaylistJobs {
    pub sources: Arc<Sources>,
    pub matcher: Arc<Matcher>,
    pub navidrome: Arc<NavidromeSync>,
}

impl PlaylistJobs {
    /// Built once at boot, sharing the daemon's matcher (its index cache): source
    /// following and Navidrome push.
    pub fn new(
        store: &crate::store::Store,
        connections: &Arc<crate::domains::connections::service::Connections>,
        matcher: &Arc<Matcher>,
        settings: &crate::config::PlaylistsSettings,
    ) -> PlaylistJobs {
        let matcher = matcher.clone();
        PlaylistJobs {
            sources: Arc::new(Sources::new(
                store.clone(),
                connections.clone(),
                matcher.clone(),
                settings,
            )),
            navidrome: Arc::new(NavidromeSync::new(
                store.clone(),
                connections.clone(),
                matcher.clone(),
            )),
            matcher,
        }
    }
}

/// The providers a playlist sync uses.
pub fn uses(provider: Provider) -> bool {
    ORDER.contains(&provider)
}

impl FollowProgress for Progress {
    fn step(&self, done: u64, message: String) -> impl Future<Output = ()> + Send {
        self.update(done, 0, message)
    }
}

pub async fn run(ctx: &SyncContext<'_>, jobs: &PlaylistJobs) -> SyncReport {
    let mut report = SyncReport::default();
    let connections = match ctx.store.connections(ctx.user_id).await {
        Ok(c) => c,
        Err(e) => {
            report.failures.push(ProviderFailure {
                provider: Provider::Navidrome,
                error: e.into(),
            });
            return report;
        }
    };
    let connected = |p: Provider| {
        connections
            .iter()
            .any(|c| c.provider == p && c.state == ConnectionState::Connected)
    };
    let mut parts = Vec::new();
    for provider in ORDER.into_iter().filter(|p| connected(*p)) {
        ctx.progress
            .update(0, 0, format!("{}: reading playlists", provider.as_str()))
            .await;
        match jobs
            .sources
            .follow(ctx.user_id, provider, ctx.progress)
            .await
        {
            Ok(followed) => {
                if let Some(source) = Sources::source_of(provider) {
                    parts.push(followed.summary(source));
                }
            }
            Err(error) => {
                tracing::info!(user_id = ctx.user_id, provider = provider.as_str(), %error, "playlist sync failed");
                parts.push(format!("{}: failed", provider.as_str()));
                ctx.connections
                    .record_failure(ctx.user_id, provider, &error)
                    .await;
                report.failures.push(ProviderFailure { provider, error });
            }
        }
    }

    ctx.progress
        .update(0, 0, "matching against the library")
        .await;
    match jobs.matcher.rematch_user(ctx.user_id, false).await {
        Ok(m) if m.playlists > 0 => parts.push(format!("{} playlists matched again", m.playlists)),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(user_id = ctx.user_id, error = %e, "re-matching playlists failed");
            report.failures.push(ProviderFailure {
                provider: Provider::Navidrome,
                error: ProviderError::Unavailable {
                    detail: "matching playlists failed; see the daemon log".into(),
                },
            });
        }
    }

    let navidrome_failed = report
        .failures
        .iter()
        .any(|f| f.provider == Provider::Navidrome && f.error.is_fatal());
    if connected(Provider::Navidrome) && !navidrome_failed {
        ctx.progress
            .update(0, 0, "updating Navidrome playlists")
            .await;
        match jobs.navidrome.sync_pushed(ctx.user_id).await {
            Ok(pushed) => parts.push(pushed.summary()),
            Err(error) => {
                parts.push("navidrome push: failed".into());
                ctx.connections
                    .record_failure(ctx.user_id, Provider::Navidrome, &error)
                    .await;
                report.failures.push(ProviderFailure {
                    provider: Provider::Navidrome,
                    error,
                });
            }
        }
    }
    report.summary = if parts.is_empty() {
        "no playlist source connected".into()
    } else {
        parts.join("; ")
    };
    report
}
