//! What the domains are built from: the infrastructure handles and the domain
//! services other domains use. Boot fills it in dependency order; each domain's
//! `register` takes what it needs.

use std::{sync::Arc, time::Instant};

use spotter_proto::locations::Mode;
use tokio::sync::RwLock;

use super::{
    connections::service::Connections, identity::service::Identity, playlists::service::Playlists,
    sync::jobs::Jobs,
};
use crate::{
    crypto::{KeySource, Keyring},
    events::EventBus,
    store::Store,
    transport,
};

/// What every service shares.
pub struct DaemonState {
    pub mode: Mode,
    pub started: Instant,
    pub schema_version: i64,
    pub store: Store,
    /// Seals with the primary key; may hold old keys after an online rotation.
    pub keyring: Arc<RwLock<Keyring>>,
    /// Where the encryption key came from (a rotation replaces it there).
    pub key_source: KeySource,
    pub identity: Arc<Identity>,
    /// Live per-user events (`spotter.v1.Events`).
    pub events: Arc<EventBus>,
    /// Provider connections and the credentials jobs use.
    pub connections: Arc<Connections>,
    /// Playlists, their matching and Navidrome push.
    pub playlists: Arc<Playlists>,
    /// The background job scheduler.
    pub jobs: Jobs,
    /// The client connections held, per Unix user and in all.
    pub admission: Arc<transport::connections::Admission>,
}
