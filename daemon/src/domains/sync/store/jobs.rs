//! Background job state: per (user, kind) schedules with their persisted backoff, and
//! the record of every run with its progress and outcome.

use sqlx::FromRow;

use crate::store::{Result, Store, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobKind {
    HistorySync,
    LibrarySync,
    PlaylistSync,
}

impl JobKind {
    pub const ALL: [JobKind; 3] = [
        JobKind::HistorySync,
        JobKind::LibrarySync,
        JobKind::PlaylistSync,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::HistorySync => "history_sync",
            JobKind::LibrarySync => "library_sync",
            JobKind::PlaylistSync => "playlist_sync",
        }
    }

    pub fn parse(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The job kind as the API names it.
impl From<JobKind> for spotter_proto::v1::JobKind {
    fn from(kind: JobKind) -> Self {
        match kind {
            JobKind::HistorySync => Self::HistorySync,
            JobKind::LibrarySync => Self::LibrarySync,
            JobKind::PlaylistSync => Self::PlaylistSync,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Succeeded,
    Failed,
    Cancelled,
    /// The daemon stopped (or crashed) while the run was going.
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Succeeded => "succeeded",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
            RunState::Interrupted => "interrupted",
        }
    }

    fn parse(name: &str) -> RunState {
        match name {
            "running" => RunState::Running,
            "succeeded" => RunState::Succeeded,
            "failed" => RunState::Failed,
            "cancelled" => RunState::Cancelled,
            _ => RunState::Interrupted,
        }
    }
}

/// When a job runs next and how many times in a row it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub user_id: i64,
    pub kind: JobKind,
    pub next_run_at: i64,
    pub failures: i64,
}

#[derive(Debug, Clone)]
pub struct JobRun {
    pub id: i64,
    pub kind: JobKind,
    pub manual: bool,
    pub state: RunState,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub done: i64,
    pub total: i64,
    pub message: String,
    pub error_fatal: bool,
}

#[derive(FromRow)]
struct RunRow {
    id: i64,
    kind: String,
    trigger: String,
    state: String,
    started_at: i64,
    finished_at: Option<i64>,
    done: i64,
    total: i64,
    message: String,
    error_fatal: bool,
}

fn truncate(text: &str) -> String {
    text.chars()
        .take(crate::domains::connections::store::MAX_ERROR_CHARS)
        .collect()
}

impl Store {
    /// The schedule of `kind` for `user_id`, created due at `first_run_at` if absent.
    pub async fn schedule(
        &self,
        user_id: i64,
        kind: JobKind,
        first_run_at: i64,
    ) -> Result<Schedule> {
        sqlx::query(
            "INSERT OR IGNORE INTO job_schedules (user_id, kind, next_run_at, failures) VALUES (?, ?, ?, 0)",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(first_run_at)
        .execute(self.writer())
        .await?;
        let (next_run_at, failures): (i64, i64) = sqlx::query_as(
            "SELECT next_run_at, failures FROM job_schedules WHERE user_id = ? AND kind = ?",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(Schedule {
            user_id,
            kind,
            next_run_at,
            failures,
        })
    }

    /// The schedule of `kind` for `user_id` without creating one (for reads: a job
    /// that never ran is due at `default_next_run_at` with no failures).
    pub async fn read_schedule(
        &self,
        user_id: i64,
        kind: JobKind,
        default_next_run_at: i64,
    ) -> Result<Schedule> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT next_run_at, failures FROM job_schedules WHERE user_id = ? AND kind = ?",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .fetch_optional(self.pool())
        .await?;
        let (next_run_at, failures) = row.unwrap_or((default_next_run_at, 0));
        Ok(Schedule {
            user_id,
            kind,
            next_run_at,
            failures,
        })
    }

    /// Makes `kind` due at `at` for `user_id` unless it already is (its backoff count
    /// kept).
    pub async fn make_due(&self, user_id: i64, kind: JobKind, at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO job_schedules (user_id, kind, next_run_at, failures) VALUES (?, ?, ?, 0) \
             ON CONFLICT (user_id, kind) DO UPDATE SET \
               next_run_at = min(job_schedules.next_run_at, excluded.next_run_at)",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(at)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    pub async fn set_schedule(&self, s: Schedule) -> Result<()> {
        sqlx::query(
            "INSERT INTO job_schedules (user_id, kind, next_run_at, failures) VALUES (?, ?, ?, ?) \
             ON CONFLICT (user_id, kind) DO UPDATE SET next_run_at = excluded.next_run_at, \
               failures = excluded.failures",
        )
        .bind(s.user_id)
        .bind(s.kind.as_str())
        .bind(s.next_run_at)
        .bind(s.failures)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records the start of a run and returns its id.
    pub async fn start_run(&self, user_id: i64, kind: JobKind, manual: bool) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO job_runs (user_id, kind, trigger, state, started_at) \
             VALUES (?, ?, ?, 'running', ?) RETURNING id",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(if manual { "manual" } else { "schedule" })
        .bind(now())
        .fetch_one(self.writer())
        .await?)
    }

    pub async fn run_progress(
        &self,
        run_id: i64,
        done: i64,
        total: i64,
        message: &str,
    ) -> Result<()> {
        sqlx::query("UPDATE job_runs SET done = ?, total = ?, message = ? WHERE id = ?")
            .bind(done)
            .bind(total)
            .bind(truncate(message))
            .bind(run_id)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    pub async fn finish_run(
        &self,
        run_id: i64,
        state: RunState,
        message: &str,
        error_fatal: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE job_runs SET state = ?, finished_at = ?, message = ?, error_fatal = ? WHERE id = ?",
        )
        .bind(state.as_str())
        .bind(now())
        .bind(truncate(message))
        .bind(error_fatal)
        .bind(run_id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// At boot: runs still marked running were cut short by a stop or a crash.
    pub async fn interrupt_running_runs(&self) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE job_runs SET state = 'interrupted', finished_at = ?, \
               message = 'the daemon stopped during this run' WHERE state = 'running'",
        )
        .bind(now())
        .execute(self.writer())
        .await?
        .rows_affected())
    }

    /// The user's most recent runs, newest first.
    pub async fn job_runs(&self, user_id: i64, limit: u32) -> Result<Vec<JobRun>> {
        let rows: Vec<RunRow> = sqlx::query_as(
            "SELECT id, kind, trigger, state, started_at, finished_at, done, total, message, error_fatal \
             FROM job_runs WHERE user_id = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(JobRun {
                    id: r.id,
                    kind: JobKind::parse(&r.kind)?,
                    manual: r.trigger == "manual",
                    state: RunState::parse(&r.state),
                    started_at: r.started_at,
                    finished_at: r.finished_at,
                    done: r.done,
                    total: r.total,
                    message: r.message,
                    error_fatal: r.error_fatal,
                })
            })
            .collect())
    }
}
