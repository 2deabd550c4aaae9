//! Administration: users, roles, lockouts, the sign-in allowlist, the audit log and
//! the online rotation of the encryption key. Admin acts on other domains' data
//! through their services and store queries; it owns [`rotation`] outright.

pub mod rotation;
pub mod rpc;
pub mod service;

use std::sync::Arc;

use spotter_proto::v1::admin_server::AdminServer;
use tonic::service::RoutesBuilder;

use tokio::sync::RwLock;

use super::identity::service::Identity;
use crate::{
    config::AuthSettings,
    crypto::{KeySource, Keyring},
    events::EventBus,
    rpc::server,
    store::Store,
};

/// What the admin service acts with.
pub struct AdminDeps<'a> {
    pub store: &'a Store,
    pub identity: &'a Arc<Identity>,
    pub keyring: &'a Arc<RwLock<Keyring>>,
    pub key_source: &'a KeySource,
    pub events: &'a Arc<EventBus>,
}

/// Serves `spotter.v1.Admin`.
pub fn register(routes: &mut RoutesBuilder, deps: AdminDeps<'_>, auth: &AuthSettings) {
    let admin = Arc::new(service::Admin::new(
        deps.store.clone(),
        deps.identity.clone(),
        deps.keyring.clone(),
        deps.key_source.clone(),
        auth.min_password_length,
    ));
    routes.add_service(server!(
        AdminServer,
        rpc::AdminService::new(admin, deps.events.clone())
    ));
}
