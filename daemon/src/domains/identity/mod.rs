//! Identity and sessions: accounts, sign-in (local and Navidrome), access and refresh
//! tokens, lockouts, the caller's own sessions, and the access table every request
//! passes ([`access`]).

pub mod access;
pub mod auth_rpc;
pub mod caller;
pub(crate) mod convert;
pub mod service;
pub mod sessions;
pub mod sessions_rpc;
pub mod store;
pub mod users;

use std::sync::Arc;

use spotter_proto::v1::{auth_server::AuthServer, sessions_server::SessionsServer};
use tonic::service::RoutesBuilder;

use crate::{events::EventBus, rpc::server, store::Store};

/// Serves `spotter.v1.Auth` and `spotter.v1.Sessions`.
pub fn register(
    routes: &mut RoutesBuilder,
    identity: &Arc<service::Identity>,
    store: &Store,
    events: &Arc<EventBus>,
) {
    routes.add_service(server!(
        AuthServer,
        auth_rpc::AuthService::new(identity.clone(), events.clone())
    ));
    routes.add_service(server!(
        SessionsServer,
        sessions_rpc::SessionsService::new(sessions::Sessions::new(store.clone(), events.clone()))
    ));
}
