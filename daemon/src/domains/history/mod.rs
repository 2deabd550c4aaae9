//! History: a user's listens, their statistics, import from export files
//! ([`formats`] parses them, [`import`] stores them) and export.

pub mod export;
pub mod formats;
pub mod import;
pub mod rpc;
pub mod service;
pub mod store;

use std::time::Duration;

use spotter_proto::v1::history_server::HistoryServer;
use tonic::service::RoutesBuilder;

use crate::{
    config::{HistorySettings, SyncSettings},
    events::EventBus,
    rpc::server,
    store::Store,
};

/// Serves `spotter.v1.History`.
pub fn register(
    routes: &mut RoutesBuilder,
    store: &Store,
    events: &std::sync::Arc<EventBus>,
    history: &HistorySettings,
    sync: &SyncSettings,
) {
    routes.add_service(server!(
        HistoryServer,
        rpc::HistoryService::new(
            store.clone(),
            events.clone(),
            sync.import_min_play_secs,
            import::ImportLimits {
                max_running: history.max_concurrent_imports,
                idle_timeout: Duration::from_secs(history.import_idle_timeout_secs),
            },
        )
    ));
}
