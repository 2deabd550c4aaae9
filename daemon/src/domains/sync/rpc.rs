//! `spotter.v1.Jobs`: a thin adapter over the job runner, always scoped to the
//! caller's user id from the token.

use spotter_proto::v1::{self, jobs_server::Jobs as JobsRpc};
use tonic::{Request, Response, Status};

use crate::domains::{
    identity::caller::Caller,
    sync::{
        jobs::{JobStatus, Jobs, Trigger},
        store::jobs::{JobKind, JobRun, RunState},
    },
};

/// Recent runs returned by `ListJobs`.
pub const RECENT_RUNS: u32 = 20;

fn kind_from_wire(value: i32) -> Result<JobKind, Status> {
    match v1::JobKind::try_from(value) {
        Ok(v1::JobKind::HistorySync) => Ok(JobKind::HistorySync),
        Ok(v1::JobKind::LibrarySync) => Ok(JobKind::LibrarySync),
        Ok(v1::JobKind::PlaylistSync) => Ok(JobKind::PlaylistSync),
        _ => Err(Status::invalid_argument("job kind is missing or unknown")),
    }
}

fn kind_to_wire(kind: JobKind) -> v1::JobKind {
    kind.into()
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
    use crate::{rpc::wire::provider_from_wire, store::Provider};

    #[test]
    fn unknown_providers_and_kinds_are_invalid() {
        assert!(provider_from_wire(0).is_err());
        assert!(provider_from_wire(99).is_err());
        assert!(kind_from_wire(0).is_err());
        assert_eq!(provider_from_wire(2).unwrap(), Provider::Spotify);
    }
}
