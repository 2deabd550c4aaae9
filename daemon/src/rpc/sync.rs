//! `spotter.v1.Connections`, `spotter.v1.Jobs` and `spotter.v1.History`: thin
//! adapters over `service::connections`, `jobs` and the store, always scoped to the
//! caller's user id from the token.

use std::sync::Arc;

use spotter_proto::v1::{
    self, connections_server::Connections as ConnectionsRpc, jobs_server::Jobs as JobsRpc,
};
use tonic::{Request, Response, Status};

use crate::{
    auth::access::Caller,
    jobs::{JobStatus, Jobs, Trigger},
    service::connections::{ConnectionView, Connections},
    store::{
        Provider,
        connections::ConnectionState,
        jobs::{JobKind, JobRun, RunState},
    },
};

/// Recent runs returned by `ListJobs`.
pub const RECENT_RUNS: u32 = 20;

pub fn provider_from_wire(value: i32) -> Result<Provider, Status> {
    match v1::Provider::try_from(value) {
        Ok(v1::Provider::Navidrome) => Ok(Provider::Navidrome),
        Ok(v1::Provider::Spotify) => Ok(Provider::Spotify),
        Ok(v1::Provider::Lastfm) => Ok(Provider::LastFm),
        Ok(v1::Provider::Listenbrainz) => Ok(Provider::ListenBrainz),
        _ => Err(Status::invalid_argument("provider is missing or unknown")),
    }
}

pub fn provider_to_wire(p: Provider) -> v1::Provider {
    p.into()
}

fn kind_from_wire(value: i32) -> Result<JobKind, Status> {
    match v1::JobKind::try_from(value) {
        Ok(v1::JobKind::HistorySync) => Ok(JobKind::HistorySync),
        Ok(v1::JobKind::LibrarySync) => Ok(JobKind::LibrarySync),
        _ => Err(Status::invalid_argument("job kind is missing or unknown")),
    }
}

fn kind_to_wire(kind: JobKind) -> v1::JobKind {
    kind.into()
}

fn connection(view: ConnectionView) -> v1::Connection {
    use v1::connection::State;
    let mut out = v1::Connection {
        provider: provider_to_wire(view.provider) as i32,
        state: State::NotConnected as i32,
        available: view.offered.is_ok(),
        unavailable_reason: view.offered.err().unwrap_or_default(),
        ..Default::default()
    };
    if let Some(c) = view.connection {
        out.state = match c.state {
            ConnectionState::Connected => State::Connected,
            ConnectionState::NeedsReconnect => State::NeedsReconnect,
        } as i32;
        out.external_user = c.external_user;
        out.connected_at = c.connected_at;
        out.last_sync_at = c.last_sync_at.unwrap_or(0);
        out.last_error = c.last_error.unwrap_or_default();
        out.last_error_fatal = c.last_error_fatal;
        out.submit_listens = c.submit_listens;
    }
    out
}

fn run(r: JobRun) -> v1::JobRun {
    use v1::job_run::State;
    v1::JobRun {
        id: r.id,
        kind: kind_to_wire(r.kind) as i32,
        state: match r.state {
            RunState::Running => State::Running,
            RunState::Succeeded => State::Succeeded,
            RunState::Failed => State::Failed,
            RunState::Cancelled => State::Cancelled,
            RunState::Interrupted => State::Interrupted,
        } as i32,
        manual: r.manual,
        started_at: r.started_at,
        finished_at: r.finished_at.unwrap_or(0),
        done: r.done.max(0) as u64,
        total: r.total.max(0) as u64,
        message: r.message,
        error_fatal: r.error_fatal,
    }
}

fn job(status: JobStatus, started_at: Option<i64>) -> v1::Job {
    use v1::job::State;
    let state = if status.running.is_some() {
        State::Running
    } else if status.blocked.is_some() {
        State::Blocked
    } else if status.schedule.failures > 0 {
        State::BackingOff
    } else {
        State::Idle
    };
    v1::Job {
        kind: kind_to_wire(status.kind) as i32,
        state: state as i32,
        next_run_at: status.schedule.next_run_at,
        failures: status.schedule.failures.clamp(0, u32::MAX as i64) as u32,
        current: status.running.map(|(id, snap)| v1::JobRun {
            id,
            kind: kind_to_wire(status.kind) as i32,
            state: v1::job_run::State::Running as i32,
            started_at: started_at.unwrap_or(0),
            done: snap.done,
            total: snap.total,
            message: snap.message,
            ..Default::default()
        }),
        blocked_reason: status.blocked.unwrap_or_default(),
    }
}

pub struct ConnectionsService {
    connections: Arc<Connections>,
}

impl ConnectionsService {
    pub fn new(connections: Arc<Connections>) -> Self {
        ConnectionsService { connections }
    }
}

#[tonic::async_trait]
impl ConnectionsRpc for ConnectionsService {
    async fn list_connections(
        &self,
        request: Request<v1::ListConnectionsRequest>,
    ) -> Result<Response<v1::ListConnectionsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let views = self.connections.list(caller.user_id).await?;
        Ok(Response::new(v1::ListConnectionsResponse {
            connections: views.into_iter().map(connection).collect(),
        }))
    }

    async fn begin_connect(
        &self,
        request: Request<v1::BeginConnectRequest>,
    ) -> Result<Response<v1::BeginConnectResponse>, Status> {
        let caller = Caller::of(&request)?;
        let provider = provider_from_wire(request.get_ref().provider)?;
        let flow = self
            .connections
            .begin(caller.user_id, &caller.session_id, provider)
            .await?;
        Ok(Response::new(v1::BeginConnectResponse {
            authorize_url: flow.authorize_url,
            flow_id: flow.flow_id,
            expires_at: flow.expires_at,
            instructions: flow.instructions,
        }))
    }

    async fn complete_connect(
        &self,
        request: Request<v1::CompleteConnectRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let provider = provider_from_wire(r.provider)?;
        let view = self
            .connections
            .complete(
                caller.user_id,
                &caller.session_id,
                provider,
                &r.flow_id,
                &r.redirected_url,
            )
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn connect_listen_brainz(
        &self,
        request: Request<v1::ConnectListenBrainzRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let view = self
            .connections
            .connect_listenbrainz(caller.user_id, &request.get_ref().token)
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn connect_navidrome(
        &self,
        request: Request<v1::ConnectNavidromeRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let view = self
            .connections
            .connect_navidrome(caller.user_id, caller.peer_uid, &r.username, &r.password)
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn disconnect(
        &self,
        request: Request<v1::DisconnectRequest>,
    ) -> Result<Response<v1::DisconnectResponse>, Status> {
        let caller = Caller::of(&request)?;
        let provider = provider_from_wire(request.get_ref().provider)?;
        let disconnected = self
            .connections
            .disconnect(caller.user_id, provider)
            .await?;
        Ok(Response::new(v1::DisconnectResponse { disconnected }))
    }

    async fn set_listen_submission(
        &self,
        request: Request<v1::SetListenSubmissionRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let view = self
            .connections
            .set_submission(caller.user_id, request.get_ref().enabled)
            .await?;
        Ok(Response::new(connection(view)))
    }
}

pub struct JobsService {
    jobs: Jobs,
}

impl JobsService {
    pub fn new(jobs: Jobs) -> Self {
        JobsService { jobs }
    }
}

#[tonic::async_trait]
impl JobsRpc for JobsService {
    async fn list_jobs(
        &self,
        request: Request<v1::ListJobsRequest>,
    ) -> Result<Response<v1::ListJobsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let statuses = self.jobs.list(caller.user_id).await?;
        let runs = self
            .jobs
            .store()
            .job_runs(caller.user_id, RECENT_RUNS)
            .await?;
        let jobs = statuses
            .into_iter()
            .map(|s| {
                let started = s
                    .running
                    .as_ref()
                    .and_then(|(id, _)| runs.iter().find(|r| r.id == *id))
                    .map(|r| r.started_at);
                job(s, started)
            })
            .collect();
        Ok(Response::new(v1::ListJobsResponse {
            jobs,
            recent_runs: runs.into_iter().map(run).collect(),
        }))
    }

    async fn run_job(
        &self,
        request: Request<v1::RunJobRequest>,
    ) -> Result<Response<v1::RunJobResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let kind = kind_from_wire(r.kind)?;
        if r.everything && kind != JobKind::HistorySync {
            return Err(Status::invalid_argument(
                "`everything` applies to the history sync only",
            ));
        }
        let trigger = Trigger {
            manual: true,
            everything: r.everything,
        };
        let run_id = self.jobs.start(caller.user_id, kind, trigger).await?;
        Ok(Response::new(v1::RunJobResponse { run_id }))
    }

    async fn cancel_job(
        &self,
        request: Request<v1::CancelJobRequest>,
    ) -> Result<Response<v1::CancelJobResponse>, Status> {
        let caller = Caller::of(&request)?;
        let kind = kind_from_wire(request.get_ref().kind)?;
        Ok(Response::new(v1::CancelJobResponse {
            cancelled: self.jobs.cancel(caller.user_id, kind),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_providers_and_kinds_are_invalid() {
        assert!(provider_from_wire(0).is_err());
        assert!(provider_from_wire(99).is_err());
        assert!(kind_from_wire(0).is_err());
        assert_eq!(provider_from_wire(2).unwrap(), Provider::Spotify);
    }
}
