//! Background jobs: history sync every `sync.history_interval_secs`, library sync
//! every `sync.library_interval_secs` and playlist sync every
//! `sync.playlist_interval_secs`, per user. A library sync that changed the library
//! makes the playlist sync due at once (playlists are matched again).
//!
//! - **Never overlapping**: one run per (user, kind) at a time, claimed in
//!   [`Jobs::start`] under one lock; "sync now" while running is `AlreadyExists`.
//! - **Bounded**: at most `sync.max_concurrent_jobs` runs do work at once (a
//!   semaphore); the others wait queued.
//! - **Persisted backoff**: failures count up in `job_schedules`, the next attempt
//!   waits [`backoff::delay`] (or what the provider asked, if longer); a restart reads
//!   the same row, so it neither hammers a failing provider nor forgets the count.
//! - **Fatal errors**: the provider's connection is parked (`needs_reconnect`) by the
//!   sync; jobs that need only parked connections are blocked until the user
//!   reconnects, which makes them due at once.
//! - **Cancellable**: a run's future is dropped at the next await; page commits are
//!   transactions, so a cancelled run leaves no half page behind.
//! - Every run has a row in `job_runs` with its progress and outcome; runs a crash
//!   cut short are marked `interrupted` at the next start.

pub mod backoff;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use spotter_proto::v1::event::job_progress::State as EventState;
use tokio::{
    sync::{Semaphore, mpsc},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;

use crate::{
    config::SyncSettings,
    domains::{
        connections::{service::Connections, store::ConnectionState},
        sync::{
            service::{
                self as sync, Progress, Snapshot, SyncContext, SyncReport, playlists::PlaylistJobs,
            },
            store::jobs::{JobKind, RunState, Schedule},
        },
    },
    events::EventBus,
    service::ServiceError,
    store::{Provider, Store, now},
};

/// How often the scheduler looks for due jobs (a reconnect or "sync now" wakes it
/// at once).
pub const SCHEDULER_TICK: Duration = Duration::from_secs(5);

struct RunningJob {
    cancel: CancellationToken,
    progress: Arc<Progress>,
}

/// How a run was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trigger {
    /// By a user ("sync now") rather than the schedule.
    pub manual: bool,
    /// History from each source's very beginning.
    pub everything: bool,
}

/// A job as `ListJobs` shows it.
#[derive(Debug, Clone)]
pub struct JobStatus {
    pub kind: JobKind,
    pub schedule: Schedule,
    pub running: Option<(i64, Snapshot)>,
    /// Why the job cannot run now.
    pub blocked: Option<String>,
}

struct Inner {
    store: Store,
    connections: Arc<Connections>,
    events: Arc<EventBus>,
    settings: SyncSettings,
    playlists: PlaylistJobs,
    permits: Semaphore,
    running: Mutex<HashMap<(i64, JobKind), RunningJob>>,
    shutdown: CancellationToken,
}

/// The scheduler and the registry of running jobs. Cheap to clone.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

impl Jobs {
    pub fn new(
        store: Store,
        connections: Arc<Connections>,
        events: Arc<EventBus>,
        settings: SyncSettings,
        playlists: PlaylistJobs,
    ) -> Self {
        Jobs {
            inner: Arc::new(Inner {
                permits: Semaphore::new(settings.max_concurrent_jobs),
                playlists,
                store,
                connections,
                events,
                settings,
                running: Mutex::new(HashMap::new()),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// Starts the scheduler loop. `wake` delivers user ids whose jobs became due.
    pub fn spawn_scheduler(&self, mut wake: mpsc::UnboundedReceiver<i64>) -> JoinHandle<()> {
        let jobs = self.clone();
        tokio::spawn(async move {
            loop {
                jobs.start_due().await;
                tokio::select! {
                    _ = jobs.inner.shutdown.cancelled() => break,
                    _ = tokio::time::sleep(SCHEDULER_TICK) => {}
                    Some(_) = wake.recv() => {}
                }
            }
        })
    }

    /// Marks runs a stop or crash cut short as interrupted. Called at boot, before
    /// the socket serves, so no new run can be mistaken for one of them.
    pub async fn mark_interrupted_runs(&self) {
        match self.inner.store.interrupt_running_runs().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                runs = n,
                "marked runs cut short by the last stop as interrupted"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot mark interrupted runs"),
        }
    }

    /// Cancels every run and stops the scheduler (daemon shutdown).
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
        let running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        for job in running.values() {
            job.cancel.cancel();
        }
    }

    fn interval(&self, kind: JobKind) -> i64 {
        let s = &self.inner.settings;
        match kind {
            JobKind::HistorySync => s.history_interval_secs as i64,
            JobKind::LibrarySync => s.library_interval_secs as i64,
            JobKind::PlaylistSync => s.playlist_interval_secs as i64,
        }
    }

    /// Why `kind` cannot run for `user_id` now, if it cannot.
    async fn blocked(&self, user_id: i64, kind: JobKind) -> Result<Option<String>, ServiceError> {
        let connections = self.inner.store.connections(user_id).await?;
        let relevant: Vec<_> = connections
            .iter()
            .filter(|c| match kind {
                JobKind::HistorySync => true,
                JobKind::LibrarySync => c.provider == Provider::Navidrome,
                JobKind::PlaylistSync => sync::playlists::uses(c.provider),
            })
            .collect();
        if relevant.is_empty() {
            return Ok(Some(match kind {
                JobKind::HistorySync => "no history source is connected".into(),
                JobKind::LibrarySync => "Navidrome is not connected".into(),
                JobKind::PlaylistSync => {
                    "none of Navidrome, Spotify and ListenBrainz is connected".into()
                }
            }));
        }
        if relevant
            .iter()
            .all(|c| c.state == ConnectionState::NeedsReconnect)
        {
            return Ok(Some(
                "the provider refused the stored credentials: reconnect to resume".into(),
            ));
        }
        Ok(None)
    }

    /// Starts every due, unblocked, not running job.
    async fn start_due(&self) {
        let users = match self.inner.store.users_with_connections().await {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler cannot list users");
                return;
            }
        };
        let t = now();
        for user_id in users {
            for kind in JobKind::ALL {
                if self.is_running(user_id, kind) {
                    continue;
                }
                match self.blocked(user_id, kind).await {
                    Ok(None) => {}
                    Ok(Some(_)) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "scheduler cannot read connections");
                        continue;
                    }
                }
                let schedule = match self.inner.store.schedule(user_id, kind, t).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "scheduler cannot read a schedule");
                        continue;
                    }
                };
                if schedule.next_run_at <= t
                    && let Err(e) = self.start(user_id, kind, Trigger::default()).await
                {
                    tracing::debug!(user_id, kind = kind.as_str(), error = %e, "scheduled run not started");
                }
            }
        }
    }

    fn is_running(&self, user_id: i64, kind: JobKind) -> bool {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&(user_id, kind))
    }

    /// Starts a run of `kind` for `user_id` and returns its id.
    pub async fn start(
        &self,
        user_id: i64,
        kind: JobKind,
        trigger: Trigger,
    ) -> Result<i64, ServiceError> {
        if let Some(reason) = self.blocked(user_id, kind).await? {
            return Err(ServiceError::FailedPrecondition(reason));
        }
        let inner = &self.inner;
        let cancel = inner.shutdown.child_token();
        // Claim the slot before anything async so two starts cannot both win.
        {
            let running = inner.running.lock().unwrap_or_else(|p| p.into_inner());
            if running.contains_key(&(user_id, kind)) {
                return Err(ServiceError::AlreadyExists(format!(
                    "{} is already running",
                    kind.as_str()
                )));
            }
        }
        let run_id = inner.store.start_run(user_id, kind, trigger.manual).await?;
        let progress = Arc::new(Progress::new(
            run_id,
            user_id,
            kind,
            inner.store.clone(),
            inner.events.clone(),
        ));
        let claimed = {
            let mut running = inner.running.lock().unwrap_or_else(|p| p.into_inner());
            let free = !running.contains_key(&(user_id, kind));
            if free {
                running.insert(
                    (user_id, kind),
                    RunningJob {
                        cancel: cancel.clone(),
                        progress: progress.clone(),
                    },
                );
            }
            free
        };
        if !claimed {
            let _ = inner
                .store
                .finish_run(
                    run_id,
                    RunState::Cancelled,
                    "another run started first",
                    false,
                )
                .await;
            return Err(ServiceError::AlreadyExists(format!(
                "{} is already running",
                kind.as_str()
            )));
        }
        progress
            .publish(
                &Snapshot {
                    message: "queued".into(),
                    ..Snapshot::default()
                },
                EventState::Queued,
            )
            .await;
        let jobs = self.clone();
        tokio::spawn(async move {
            jobs.execute(user_id, kind, trigger, cancel, progress).await;
        });
        Ok(run_id)
    }

    /// Cancels the running run of `kind`; false when none was running.
    pub fn cancel(&self, user_id: i64, kind: JobKind) -> bool {
        let running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
        match running.get(&(user_id, kind)) {
            Some(job) => {
                job.cancel.cancel();
                true
            }
            None => false,
        }
    }

    async fn execute(
        &self,
        user_id: i64,
        kind: JobKind,
        trigger: Trigger,
        cancel: CancellationToken,
        progress: Arc<Progress>,
    ) {
        let inner = &self.inner;
        // The permit is held until the run is recorded and unregistered, so "at most
        // N runs at once" holds for everything a run does, its bookkeeping included.
        let permit = tokio::select! {
            p = inner.permits.acquire() => p.ok(),
            _ = cancel.cancelled() => None,
        };
        let work = async {
            permit.as_ref()?;
            progress.update(0, 0, "started").await;
            let everything = trigger.everything && kind == JobKind::HistorySync;
            if everything && let Err(e) = inner.store.clear_watermarks(user_id).await {
                tracing::warn!(error = %e, "cannot reset the history watermarks");
                return None;
            }
            let ctx = SyncContext {
                store: &inner.store,
                connections: &inner.connections,
                events: &inner.events,
                user_id,
                lookback_secs: match inner.settings.lookback_days {
                    _ if everything => None,
                    0 => None,
                    days => Some(days as i64 * 86_400),
                },
                progress: &progress,
            };
            Some(match kind {
                JobKind::HistorySync => sync::history::run(&ctx).await,
                JobKind::LibrarySync => sync::library::run(&ctx).await,
                JobKind::PlaylistSync => sync::playlists::run(&ctx, &inner.playlists).await,
            })
        };
        let outcome = tokio::select! {
            report = work => report,
            _ = cancel.cancelled() => None,
        };
        let library_changed = outcome.as_ref().is_some_and(|r| r.library_changed);
        self.finish(user_id, kind, &progress, outcome).await;
        if library_changed
            && let Err(e) = inner
                .store
                .make_due(user_id, JobKind::PlaylistSync, now())
                .await
        {
            tracing::warn!(error = %e, "cannot make the playlist sync due");
        }
        inner
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(user_id, kind));
        drop(permit);
    }

    /// Records the outcome of a run and schedules the next one.
    async fn finish(
        &self,
        user_id: i64,
        kind: JobKind,
        progress: &Progress,
        outcome: Option<SyncReport>,
    ) {
        let store = &self.inner.store;
        let t = now();
        let previous = store.read_schedule(user_id, kind, t).await.ok();
        let failures = previous.map_or(0, |s| s.failures);
        let mut snapshot = progress.snapshot();
        let (state, event_state, fatal, next) = match &outcome {
            None if self.inner.shutdown.is_cancelled() => {
                // Stopping: the run resumes after the restart, as it was due.
                snapshot.message = "the daemon is stopping".into();
                let next = previous.map_or(t, |s| s.next_run_at.min(t));
                (
                    RunState::Interrupted,
                    EventState::Cancelled,
                    false,
                    (next, failures),
                )
            }
            None => {
                // Cancelled by the user: not again before the next regular run.
                snapshot.message = "cancelled".into();
                (
                    RunState::Cancelled,
                    EventState::Cancelled,
                    false,
                    (t + self.interval(kind), failures),
                )
            }
            Some(report) if report.failures.is_empty() => {
                snapshot.message = report.summary.clone();
                (
                    RunState::Succeeded,
                    EventState::Succeeded,
                    false,
                    (t + self.interval(kind), 0),
                )
            }
            Some(report) if report.only_fatal() => {
                snapshot.message = format!("{}; reconnect to resume", report.summary);
                // The parked connection blocks the job; other sources keep their pace.
                (
                    RunState::Failed,
                    EventState::Failed,
                    true,
                    (t + self.interval(kind), failures),
                )
            }
            Some(report) => {
                let failures = failures + 1;
                let mut wait = backoff::delay(failures as u32, &mut rand::rng());
                if let Some(asked) = report.retry_after() {
                    wait = wait.max(asked);
                }
                let errors: Vec<String> = report
                    .failures
                    .iter()
                    .map(|f| format!("{}: {}", f.provider.as_str(), f.error))
                    .collect();
                snapshot.message = format!(
                    "{}; retrying in {}s ({})",
                    report.summary,
                    wait.as_secs(),
                    errors.join("; ")
                );
                (
                    RunState::Failed,
                    EventState::Failed,
                    report.failures.iter().any(|f| f.error.is_fatal()),
                    (t + wait.as_secs() as i64, failures),
                )
            }
        };
        let (next_run_at, failures) = next;
        if let Err(e) = store
            .set_schedule(Schedule {
                user_id,
                kind,
                next_run_at,
                failures,
            })
            .await
        {
            tracing::warn!(error = %e, "cannot store a job schedule");
        }
        if let Err(e) = store
            .finish_run(progress.run_id, state, &snapshot.message, fatal)
            .await
        {
            tracing::warn!(error = %e, "cannot record the end of a run");
        }
        progress.publish(&snapshot, event_state).await;
        tracing::info!(
            user_id,
            kind = kind.as_str(),
            run_id = progress.run_id,
            state = state.as_str(),
            next_run_in = next_run_at - t,
            failures,
            "{}",
            snapshot.message
        );
    }

    /// The user's jobs with schedule, backoff and live progress.
    pub async fn list(&self, user_id: i64) -> Result<Vec<JobStatus>, ServiceError> {
        let mut out = Vec::new();
        for kind in JobKind::ALL {
            // A read: listing jobs never writes (clients may poll it during a sync).
            let schedule = self.inner.store.read_schedule(user_id, kind, now()).await?;
            let running = {
                let running = self.inner.running.lock().unwrap_or_else(|p| p.into_inner());
                running
                    .get(&(user_id, kind))
                    .map(|j| (j.progress.run_id, j.progress.snapshot()))
            };
            out.push(JobStatus {
                kind,
                schedule,
                running,
                blocked: self.blocked(user_id, kind).await?,
            });
        }
        Ok(out)
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }
}
