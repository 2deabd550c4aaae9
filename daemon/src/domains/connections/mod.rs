//! Connections: a user's links to upstream providers (Spotify, Last.fm,
//! ListenBrainz, Navidrome), their sealed credentials and the connect flows. Sync
//! asks this domain for credentials; nothing else reads them.

pub mod clients;
pub mod credentials;
pub mod rpc;
pub mod service;
pub mod store;

use spotter_proto::v1::connections_server::ConnectionsServer;
use tonic::service::RoutesBuilder;

use crate::rpc::server;

/// Serves `spotter.v1.Connections`.
pub fn register(routes: &mut RoutesBuilder, connections: &std::sync::Arc<service::Connections>) {
    routes.add_service(server!(
        ConnectionsServer,
        rpc::ConnectionsService::new(connections.clone())
    ));
}
