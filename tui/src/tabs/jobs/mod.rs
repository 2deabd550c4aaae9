//! The Jobs tab: the user's background jobs (schedule, backoff, what blocks them)
//! with the running run's progress, and the recent runs; run now and cancel.
//!
//! Progress arrives as live events and is applied in place, so nothing polls while
//! the event stream is up; without it, a running job is re-read every few seconds.

pub mod calls;
pub mod state;
pub mod view;

pub use state::{Call, JobsTab, Reply};

use ratatui::{Frame, layout::Rect};
use spotter_proto::v1::{
    Job, JobKind, JobRun,
    event::{JobProgress, Kind, job_progress},
    job, job_run,
};

use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    component::{
        CallError, Command, Component, Cx, KeyBinding, LiveState, Nothing, Start, Tab, TabKey,
        View,
        command::tab_ch,
        rows::step,
    },
    job_kinds::job_name,
};

pub const TAB: Tab = Tab {
    title: "Jobs",
    short_title: "Jobs",
    admin_only: false,
};

pub const RUN_JOB: TabKey = TabKey {
    label: Some("sync now"),
    description: "run the selected job now",
};
/// History sync from each source's very first listen.
pub const SYNC_EVERYTHING: TabKey = TabKey {
    label: Some("sync all history"),
    description: "history sync from the very first listen of every source",
};
pub const CANCEL_JOB: TabKey = TabKey {
    label: Some("cancel"),
    description: "cancel the selected job's run",
};

/// How often a running job is re-read while the live stream is down.
pub const JOBS_POLL_SECONDS: i64 = 5;

impl Component for JobsTab {
    type Call = Call;
    type Reply = Reply;
    type Dialog = Nothing;

    const TAB: Tab = TAB;
    // `r` stays refresh; "sync now" is `n`.
    const KEYS: &'static [KeyBinding] = &[
        tab_ch(TAB, 'n', RUN_JOB),
        tab_ch(TAB, 'N', SYNC_EVERYTHING),
        tab_ch(TAB, 'x', CANCEL_JOB),
    ];
    const LIST: bool = true;

    fn new(_: Start) -> Self {
        JobsTab::default()
    }

    fn reload(&mut self, cx: &mut Cx<Self>) {
        cx.call(Call::ListJobs);
    }

    fn command(&mut self, command: Command, cx: &mut Cx<Self>) {
        if let Some(step) = step(command) {
            self.rows.move_by(step);
            return;
        }
        let Some(kind) = self.rows.selected_item().map(Job::kind) else {
            return;
        };
        let call = match command {
            Command::Tab(RUN_JOB) => Call::RunJob {
                kind,
                everything: false,
            },
            Command::Tab(SYNC_EVERYTHING) => Call::RunJob {
                kind: JobKind::HistorySync,
                everything: true,
            },
            Command::Tab(CANCEL_JOB) => Call::CancelJob { kind },
            _ => return,
        };
        cx.call(call);
    }

    fn on_reply(&mut self, reply: Reply, cx: &mut Cx<Self>) {
        match reply {
            Reply::Jobs {
                mut jobs,
                recent_runs,
            } => {
                jobs.sort_by_key(|j| j.kind);
                self.rows.replace(jobs, 0);
                self.recent = recent_runs;
            }
            Reply::JobStarted { kind } => {
                cx.info(format!("{} started.", job_name(kind)));
                cx.call(Call::ListJobs);
            }
            Reply::JobCancelled { kind, cancelled } => {
                cx.info(if cancelled {
                    format!("{} is being cancelled.", job_name(kind))
                } else {
                    format!("{} was not running.", job_name(kind))
                });
                cx.call(Call::ListJobs);
            }
        }
    }

    /// "Run now" on a running job is not a failure: say so plainly.
    fn on_failure(&mut self, call: Call, error: &CallError, cx: &mut Cx<Self>) {
        match (&call, error) {
            (
                Call::RunJob { kind, .. },
                CallError::Rejected {
                    code: tonic::Code::AlreadyExists,
                    ..
                },
            ) => cx.info(format!("{} is already running.", job_name(*kind))),
            _ => cx.error(format!("{}: {}", Self::failure(&call), error.text())),
        }
    }

    fn failure(call: &Call) -> String {
        match call {
            Call::ListJobs => "Could not load the jobs".into(),
            Call::RunJob { kind, .. } => format!("Could not start {}", job_name(*kind)),
            Call::CancelJob { kind } => format!("Could not cancel {}", job_name(*kind)),
        }
    }

    fn set_loading(&mut self, call: &Call, loading: bool) {
        if *call == Call::ListJobs {
            self.rows.loading = loading;
        }
    }

    fn on_event(&mut self, event: &Kind, at: i64, cx: &mut Cx<Self>) {
        match event {
            Kind::JobProgress(progress) => self.job_progress(progress, at, cx),
            // A job may be blocked or unblocked by it.
            Kind::Connection(_) if cx.shown => cx.call(Call::ListJobs),
            _ => {}
        }
    }

    /// Without live events, a running job's progress is re-read now and then.
    fn tick(&mut self, cx: &mut Cx<Self>) {
        let running = self
            .rows
            .items
            .iter()
            .any(|j| j.state() == job::State::Running);
        if !cx.shown
            || cx.live == LiveState::Live
            || !running
            || self.rows.loading
            || cx.now - self.polled_at < JOBS_POLL_SECONDS
        {
            return;
        }
        self.polled_at = cx.now;
        cx.call(Call::ListJobs);
    }

    fn run(
        client: &DaemonClient,
        auth: &Authenticator,
        call: Call,
    ) -> impl Future<Output = Result<Reply, ClientError>> + Send {
        calls::run(client, auth, call)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        view::draw(frame, area, self, view);
    }
}

impl JobsTab {
    /// A progress event: moves the job's gauge; a finished run reloads the tab on
    /// screen (next run, recent runs and last sync times changed).
    fn job_progress(&mut self, progress: &JobProgress, at: i64, cx: &mut Cx<Self>) {
        // Kinds this build does not know (enrichment, later) are ignored.
        let kind = progress.job_kind();
        if kind == JobKind::Unspecified {
            return;
        }
        let finished = matches!(
            progress.state(),
            job_progress::State::Succeeded
                | job_progress::State::Failed
                | job_progress::State::Cancelled
        );
        if let Some(job) = self.rows.items.iter_mut().find(|j| j.kind() == kind) {
            if finished {
                // Until the reload says otherwise (it may be backing off now).
                job.set_state(job::State::Idle);
                job.current = None;
            } else {
                apply_progress(job, progress, at);
            }
        }
        if finished && cx.shown {
            self.reload(cx);
        }
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

#[cfg(test)]
pub(crate) mod tests;
