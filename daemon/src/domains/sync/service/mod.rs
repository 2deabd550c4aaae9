//! Sync of a user's listening history and Navidrome library into the store. Run by
//! `jobs`; each function here is one job's work, reporting through [`Progress`] and
//! committing page by page, so a cancelled or crashed run loses nothing and a rerun
//! duplicates nothing (see `store::listens` and `store::library`).

pub mod history;
pub mod library;
pub mod playlists;
pub mod progress;

use std::sync::Arc;

pub use progress::{Progress, Snapshot};

use crate::domains::connections::service::Connections;
use crate::{
    events::EventBus,
    providers::{ProviderError, clients::Offered},
    store::{Provider, Store},
};

/// Pages fetched from one source in one run, at most (a guard against a provider
/// that never stops paging).
pub const MAX_PAGES_PER_RUN: usize = 100_000;

/// What a sync needs.
pub struct SyncContext<'a> {
    pub store: &'a Store,
    pub connections: &'a Connections,
    pub events: &'a Arc<EventBus>,
    pub user_id: i64,
    /// How far back a source's first sync reaches, in seconds; `None` = everything.
    pub lookback_secs: Option<i64>,
    pub progress: &'a Progress,
}

impl SyncContext<'_> {
    /// The user's stored credential for `provider`.
    pub async fn secret(
        &self,
        provider: Provider,
    ) -> Result<crate::crypto::SecretString, ProviderError> {
        self.connections.credential(self.user_id, provider).await
    }
}

/// The instance's client for a provider, or why the instance does not offer it.
pub fn offered<T>(client: &Offered<T>) -> Result<&T, ProviderError> {
    client.as_ref().map_err(|reason| ProviderError::Refused {
        detail: reason.clone(),
    })
}

/// A sync that failed for one provider (others may have succeeded).
#[derive(Debug)]
pub struct ProviderFailure {
    pub provider: Provider,
    pub error: ProviderError,
}

/// How a run went: a summary for the run record, and the failures by provider.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub summary: String,
    pub failures: Vec<ProviderFailure>,
    /// A library sync changed the mirror (albums read or removed): playlists are
    /// matched again.
    pub library_changed: bool,
}

impl SyncReport {
    /// Only fatal failures: the providers concerned are parked, nothing to retry.
    pub fn only_fatal(&self) -> bool {
        !self.failures.is_empty() && self.failures.iter().all(|f| f.error.is_fatal())
    }

    /// The longest wait a provider asked for.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.failures
            .iter()
            .filter_map(|f| f.error.retry_after())
            .max()
    }
}

impl From<crate::store::StoreError> for ProviderError {
    /// A store failure during sync is retried like an unavailable provider.
    fn from(e: crate::store::StoreError) -> Self {
        tracing::error!(error = %e, "store error during sync");
        ProviderError::Unavailable {
            detail: "the local database failed; see the daemon log".into(),
        }
    }
}
