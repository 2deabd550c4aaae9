//! System: facts about the running daemon (`spotter.v1.System`, public) and the
//! caller's live event stream (`spotter.v1.Events`, which rechecks the session as
//! it goes). It owns no tables: it reads the shared state and the event bus.

pub mod events_rpc;
pub mod rpc;

use std::sync::Arc;

use spotter_proto::v1::{events_server::EventsServer, system_server::SystemServer};
use tonic::service::RoutesBuilder;

use super::identity::service::Identity;
use crate::{events::EventBus, rpc::server};

/// Serves `spotter.v1.System` and `spotter.v1.Events`.
pub fn register(
    routes: &mut RoutesBuilder,
    facts: rpc::SystemFacts,
    events: &Arc<EventBus>,
    identity: &Arc<Identity>,
) {
    routes.add_service(server!(SystemServer, rpc::SystemService::new(facts)));
    routes.add_service(server!(
        EventsServer,
        events_rpc::EventsService::new(events.clone(), identity.clone())
    ));
}
