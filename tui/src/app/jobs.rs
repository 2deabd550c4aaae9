//! The Jobs tab: the user's background jobs (schedule, backoff, what blocks them)
//! with the running run's progress, and the recent runs; run now and cancel.
//!
//! Progress arrives as live events and is applied in place, so nothing polls while
//! the event stream is up; without it, a running job is re-read every few seconds.

use spotter_proto::v1::{
    Job, JobKind, JobRun,
    event::{JobProgress, job_progress},
    job, job_run,
};

use super::{
    Command, Effect,
    calls::{Call, CallError, Reply},
    live::LiveState,
    rows::Rows,
    signed_in::{Main, Notice, Outcome, Tab},
};

/// How often a running job is re-read while the live stream is down.
pub const JOBS_POLL_SECONDS: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobsView {
    pub rows: Rows<Job>,
    /// Newest first, as the daemon sends them.
    pub recent: Vec<JobRun>,
    /// When the jobs were last re-read for want of live events.
    polled_at: i64,
}

/// The job's name ("History sync"); the names live in the proto crate.
pub fn job_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Unspecified => "A job",
        known => known.display_name(),
    }
}

impl Main {
    pub(super) fn jobs_command(&mut self, command: Command) -> Outcome {
        let Some(kind) = self.jobs.rows.selected_item().map(Job::kind) else {
            return Outcome::default();
        };
        let call = match command {
            Command::RunJob => Call::RunJob {
                kind,
                everything: false,
            },
            Command::SyncEverything => Call::RunJob {
                kind: JobKind::HistorySync,
                everything: true,
            },
            Command::CancelJob => Call::CancelJob { kind },
            _ => return Outcome::default(),
        };
        vec![self.call(call)].into()
    }

    pub(super) fn jobs_reply(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Jobs {
                mut jobs,
                recent_runs,
            } => {
                jobs.sort_by_key(|j| j.kind);
                self.jobs.rows.replace(jobs, 0);
                self.jobs.recent = recent_runs;
                Vec::new()
            }
            Reply::JobStarted { kind } => {
                self.notice = Some(Notice::info(format!("{} started.", job_name(kind))));
                vec![self.call(Call::ListJobs)]
            }
            Reply::JobCancelled { kind, cancelled } => {
                self.notice = Some(Notice::info(if cancelled {
                    format!("{} is being cancelled.", job_name(kind))
                } else {
                    format!("{} was not running.", job_name(kind))
                }));
                vec![self.call(Call::ListJobs)]
            }
            // Routed here by `call_done` only for the replies above.
            _ => Vec::new(),
        }
    }

    /// "Run now" on a running job is not a failure: say so plainly.
    pub(super) fn job_already_running(&mut self, call: &Call, error: &CallError) -> bool {
        match (call, error) {
            (
                Call::RunJob { kind, .. },
                CallError::Rejected {
                    code: tonic::Code::AlreadyExists,
                    ..
                },
            ) => {
                self.notice = Some(Notice::info(format!(
                    "{} is already running.",
                    job_name(*kind)
                )));
                true
            }
            _ => false,
        }
    }

    /// A progress event: moves the job's gauge; a finished run reloads the tab on
    /// screen (next run, recent runs and last sync times changed).
    pub(super) fn job_progress(&mut self, progress: &JobProgress, at: i64) -> Vec<Effect> {
        // Kinds this build does not know (enrichment, later) are ignored.
        let kind = progress.job_kind();
        if kind == JobKind::Unspecified {
            return Vec::new();
        }
        let finished = matches!(
            progress.state(),
            job_progress::State::Succeeded
                | job_progress::State::Failed
                | job_progress::State::Cancelled
        );
        if let Some(job) = self.jobs.rows.items.iter_mut().find(|j| j.kind() == kind) {
            if finished {
                // Until the reload says otherwise (it may be backing off now).
                job.set_state(job::State::Idle);
                job.current = None;
            } else {
                apply_progress(job, progress, at);
            }
        }
        match self.tab {
            Tab::Jobs | Tab::Connections if finished => self.reload_tab(),
            _ => Vec::new(),
        }
    }

    /// Without live events, a running job's progress is re-read now and then.
    pub(super) fn poll_jobs(&mut self, now: i64) -> Vec<Effect> {
        let running = self
            .jobs
            .rows
            .items
            .iter()
            .any(|j| j.state() == job::State::Running);
        if self.tab != Tab::Jobs
            || self.live == LiveState::Live
            || !running
            || self.jobs.rows.loading
            || now - self.jobs.polled_at < JOBS_POLL_SECONDS
        {
            return Vec::new();
        }
        self.jobs.polled_at = now;
        vec![self.call(Call::ListJobs)]
    }
}

fn apply_progress(job: &mut Job, progress: &JobProgress, at: i64) {
    job.set_state(job::State::Running);
    let id = progress.job_id.parse::<i64>().ok();
    let kind = job.kind;
    let current = job.current.get_or_insert_with(JobRun::default);
    // A run the row does not know yet (started elsewhere, or by schedule).
    if id.is_some_and(|id| id != current.id) || current.started_at == 0 {
        *current = JobRun {
            id: id.unwrap_or_default(),
            kind,
            started_at: at,
            ..JobRun::default()
        };
    }
    current.set_state(job_run::State::Running);
    current.done = progress.done;
    current.total = progress.total;
    current.message =
        if progress.message.is_empty() && progress.state() == job_progress::State::Queued {
            "queued".into()
        } else {
            progress.message.clone()
        };
}
