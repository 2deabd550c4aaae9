//! `spotter sync history|library|playlists [--wait]`: `Jobs.RunJob`, then (with
//! `--wait`) the run followed through the live event stream until it ends, or
//! through `ListJobs` now and then when the stream cannot be had.

use std::time::Duration;

use futures::StreamExt as _;
use spotter_proto::v1::{
    JobKind, JobRun, ListJobsRequest, RunJobRequest, SubscribeRequest,
    event::{Kind, job_progress},
    job_run,
    jobs_client::JobsClient,
};
use tonic::transport::Channel;

use super::args::SyncArgs;
use crate::{
    client::{ClientError, DaemonClient, Timeouts},
    history_cli::{
        output::{Outcome, Stdout},
        session::{Failure, Session, client_failure},
    },
    job_kinds::job_name,
    safe_text::{eprint_message, escape_controls},
    socket::SocketTarget,
};

/// How often the jobs are re-read when the event stream is not there.
const POLL_EVERY: Duration = Duration::from_secs(1);

macro_rules! jobs_rpc {
    ($method:ident) => {
        |mut c: JobsClient<Channel>, r| Box::pin(async move { c.$method(r).await })
    };
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub succeeded: bool,
    /// "succeeded", "failed", "cancelled", "interrupted".
    pub state: &'static str,
    pub message: String,
}

pub fn ended_from_run(run: &JobRun) -> Option<Ended> {
    let (succeeded, state) = match run.state() {
        job_run::State::Succeeded => (true, "succeeded"),
        job_run::State::Failed => (false, "failed"),
        job_run::State::Cancelled => (false, "cancelled"),
        job_run::State::Interrupted => (false, "interrupted"),
        job_run::State::Running | job_run::State::Unspecified => return None,
    };
    Some(Ended {
        succeeded,
        state,
        message: run.message.clone(),
    })
}

pub fn ended_from_event(state: job_progress::State, message: &str) -> Option<Ended> {
    let (succeeded, state) = match state {
        job_progress::State::Succeeded => (true, "succeeded"),
        job_progress::State::Failed => (false, "failed"),
        job_progress::State::Cancelled => (false, "cancelled"),
        _ => return None,
    };
    Some(Ended {
        succeeded,
        state,
        message: message.to_owned(),
    })
}

pub(super) async fn run(target: &SocketTarget, args: &SyncArgs) -> Result<Outcome, String> {
    let kind = args.job.kind();
    let name = job_name(kind);
    let mut session = Session::open(target).await?;
    // Listening before the run starts, so its end cannot slip by unseen.
    let mut events = if args.wait {
        subscribe(target, &session).await
    } else {
        None
    };
    let request = RunJobRequest {
        kind: kind as i32,
        everything: false,
    };
    let run_id = match session
        .try_call("RunJob", request, DaemonClient::jobs, jobs_rpc!(run_job))
        .await?
    {
        Ok(response) => {
            eprint_message(format_args!("spotter: {name} started"));
            Some(response.run_id)
        }
        Err(ClientError::Rpc {
            code: tonic::Code::AlreadyExists,
            ..
        }) => {
            if !args.wait {
                let mut out = Stdout::new();
                out.write_text(&format!("{name} is already running\n"))?;
                out.flush()?;
                return Ok(Outcome::Done);
            }
            eprint_message(format_args!(
                "spotter: {name} is already running; waiting for it"
            ));
            None
        }
        Err(err) => return Err(client_failure(&err)),
    };
    if !args.wait {
        let mut out = Stdout::new();
        out.write_text(&format!("{name} started\n"))?;
        out.flush()?;
        return Ok(Outcome::Done);
    }
    let run_id = match run_id {
        Some(id) => id,
        None => match running_or_last(&mut session, kind).await? {
            Watch::Running(id) => id,
            Watch::Ended(ended) => return report(name, &ended),
        },
    };
    // It may have ended before the stream was reading.
    if let Some(ended) = finished(&mut session, run_id).await? {
        return report(name, &ended);
    }
    let ended = loop {
        if let Some((_, stream)) = events.as_mut() {
            match stream.next().await {
                Some(Ok(event)) => {
                    if let Some(Kind::JobProgress(p)) = &event.kind
                        && p.job_kind() == kind
                        && p.job_id == run_id.to_string()
                        && let Some(ended) = ended_from_event(p.state(), &p.message)
                    {
                        // The run's own record has the final message.
                        break finished(&mut session, run_id).await?.unwrap_or(ended);
                    }
                    if let Some(Kind::ResyncRequired(_)) = &event.kind
                        && let Some(ended) = finished(&mut session, run_id).await?
                    {
                        break ended;
                    }
                    continue;
                }
                _ => {
                    events = None;
                    continue;
                }
            }
        }
        tokio::time::sleep(POLL_EVERY).await;
        if let Some(ended) = finished(&mut session, run_id).await? {
            break ended;
        }
    };
    report(name, &ended)
}

/// The stream, with the connection it runs on (kept open as long as it).
type Events = (DaemonClient, tonic::Streaming<spotter_proto::v1::Event>);

/// The live event stream on a connection of its own; `None` when it cannot be
/// had (the jobs are polled then).
async fn subscribe(target: &SocketTarget, session: &Session) -> Option<Events> {
    let client = DaemonClient::connect(target, Timeouts::default())
        .await
        .ok()?;
    let request = session.auth().authorize(SubscribeRequest {
        after_seq: 0,
        epoch: 0,
    });
    let mut events = client.events();
    let call = events.subscribe(request);
    match tokio::time::timeout(client.timeouts().call, call).await {
        Ok(Ok(response)) => Some((client, response.into_inner())),
        _ => None,
    }
}

enum Watch {
    Running(i64),
    Ended(Ended),
}

/// The running run of `kind`, or how the last one ended when none is running.
async fn running_or_last(session: &mut Session, kind: JobKind) -> Result<Watch, Failure> {
    let jobs = session
        .call(
            "ListJobs",
            ListJobsRequest {},
            DaemonClient::jobs,
            jobs_rpc!(list_jobs),
        )
        .await?;
    if let Some(current) = jobs
        .jobs
        .iter()
        .find(|j| j.kind() == kind)
        .and_then(|j| j.current.as_ref())
        && current.id != 0
    {
        return Ok(Watch::Running(current.id));
    }
    jobs.recent_runs
        .iter()
        .find(|r| r.kind() == kind)
        .and_then(ended_from_run)
        .map(Watch::Ended)
        .ok_or_else(|| format!("{} is not running any more", job_name(kind)))
}

/// How run `id` ended, once it has.
async fn finished(session: &mut Session, id: i64) -> Result<Option<Ended>, Failure> {
    let jobs = session
        .call(
            "ListJobs",
            ListJobsRequest {},
            DaemonClient::jobs,
            jobs_rpc!(list_jobs),
        )
        .await?;
    Ok(jobs
        .recent_runs
        .iter()
        .find(|r| r.id == id)
        .and_then(ended_from_run))
}

fn report(name: &str, ended: &Ended) -> Result<Outcome, String> {
    let message = if ended.message.is_empty() {
        String::new()
    } else {
        format!(": {}", escape_controls(&ended.message))
    };
    if ended.succeeded {
        let mut out = Stdout::new();
        out.write_text(&format!("{name} {}{message}\n", ended.state))?;
        out.flush()?;
        Ok(Outcome::Done)
    } else {
        Err(format!("{name} {}{message}", ended.state))
    }
}
