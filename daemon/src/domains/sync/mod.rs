//! Sync: the background jobs that pull a user's listening history and Navidrome
//! library into the store ([`jobs`] schedules and runs them, [`service`] is each
//! job's work), and the `Jobs` rpc that lists, starts and cancels them.

pub mod jobs;
pub mod rpc;
pub mod service;
pub mod store;

use spotter_proto::v1::jobs_server::JobsServer;
use tonic::service::RoutesBuilder;

use crate::rpc::server;

/// Serves `spotter.v1.Jobs`.
pub fn register(routes: &mut RoutesBuilder, jobs: &jobs::Jobs) {
    routes.add_service(server!(JobsServer, rpc::JobsService::new(jobs.clone())));
}
