//! Administration: users, roles, lockouts, the sign-in allowlist, the audit log and
//! the online rotation of the encryption key. Admin acts on other domains' data
//! through their services and store queries; it owns [`rotation`] outright.

pub mod rotation;
pub mod rpc;
pub mod service;

use std::sync::Arc;

use spotter_proto::v1::admin_server::AdminServer;
use tonic::service::RoutesBuilder;

use super::DaemonState;
use crate::{config::AuthSettings, rpc::server};

/// Serves `spotter.v1.Admin`.
pub fn register(routes: &mut RoutesBuilder, state: &DaemonState, auth: &AuthSettings) {
    let admin = Arc::new(service::Admin::new(
        state.store.clone(),
        state.identity.clone(),
        state.keyring.clone(),
        state.key_source.clone(),
        auth.min_password_length,
    ));
    routes.add_service(server!(
        AdminServer,
        rpc::AdminService::new(admin, state.events.clone())
    ));
}
