//! The Jobs service's calls for the tab.

use spotter_proto::v1::{CancelJobRequest, JobKind, ListJobsRequest, RunJobRequest};

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

type Result = std::result::Result<Reply, ClientError>;

pub async fn run(client: &DaemonClient, auth: &Authenticator, call: Call) -> Result {
    match call {
        Call::ListJobs => list_jobs(client, auth).await,
        Call::RunJob { kind, everything } => run_job(client, auth, kind, everything).await,
        Call::CancelJob { kind } => cancel_job(client, auth, kind).await,
    }
}

pub async fn list_jobs(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(ListJobsRequest {});
    let response = client
        .within_deadline("ListJobs", client.jobs().list_jobs(request))
        .await?;
    Ok(Reply::Jobs {
        jobs: response.jobs,
        recent_runs: response.recent_runs,
    })
}

pub async fn run_job(
    client: &DaemonClient,
    auth: &Authenticator,
    kind: JobKind,
    everything: bool,
) -> Result {
    let request = auth.authorize(RunJobRequest {
        kind: kind as i32,
        everything,
    });
    client
        .within_deadline("RunJob", client.jobs().run_job(request))
        .await?;
    Ok(Reply::JobStarted { kind })
}

pub async fn cancel_job(client: &DaemonClient, auth: &Authenticator, kind: JobKind) -> Result {
    let request = auth.authorize(CancelJobRequest { kind: kind as i32 });
    let response = client
        .within_deadline("CancelJob", client.jobs().cancel_job(request))
        .await?;
    Ok(Reply::JobCancelled {
        kind,
        cancelled: response.cancelled,
    })
}
