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

use spotter_proto::v1::{auth_server::AuthServer, sessions_server::SessionsServer};
use tonic::service::RoutesBuilder;

use super::DaemonState;
use crate::rpc::server;

/// Serves `spotter.v1.Auth` and `spotter.v1.Sessions`.
pub fn register(routes: &mut RoutesBuilder, state: &DaemonState) {
    routes.add_service(server!(
        AuthServer,
        auth_rpc::AuthService::new(state.identity.clone(), state.events.clone())
    ));
    routes.add_service(server!(
        SessionsServer,
        sessions_rpc::SessionsService::new(sessions::Sessions::new(
            state.store.clone(),
            state.events.clone()
        ))
    ));
}
