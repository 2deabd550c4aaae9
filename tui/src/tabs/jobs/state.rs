//! What the Jobs tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::{Job, JobKind, JobRun};

use crate::component::rows::Rows;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListJobs,
    RunJob {
        kind: JobKind,
        /// History from each source's very first listen.
        everything: bool,
    },
    CancelJob {
        kind: JobKind,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Jobs {
        jobs: Vec<Job>,
        recent_runs: Vec<JobRun>,
    },
    JobStarted {
        kind: JobKind,
    },
    JobCancelled {
        kind: JobKind,
        cancelled: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobsTab {
    pub rows: Rows<Job>,
    /// Newest first, as the daemon sends them.
    pub recent: Vec<JobRun>,
    /// When the jobs were last re-read for want of live events.
    pub(super) polled_at: i64,
}
