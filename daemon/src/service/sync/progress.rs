//! Progress of one job run: kept in memory for `ListJobs`, written to the run's row and
//! published as a `JobProgress` event, at most every [`PUBLISH_EVERY`] (the last
//! update of a run is always published by the scheduler when it finishes).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use spotter_proto::v1::event::job_progress::State;

use crate::{
    events::{self, EventBus},
    store::{Store, jobs::JobKind},
};

/// Shortest interval between two published updates of one run.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub done: u64,
    pub total: u64,
    pub message: String,
}

pub struct Progress {
    pub run_id: i64,
    pub user_id: i64,
    pub kind: JobKind,
    store: Store,
    events: Arc<EventBus>,
    state: Mutex<(Snapshot, Option<Instant>)>,
}

impl Progress {
    pub fn new(
        run_id: i64,
        user_id: i64,
        kind: JobKind,
        store: Store,
        events: Arc<EventBus>,
    ) -> Self {
        Progress {
            run_id,
            user_id,
            kind,
            store,
            events,
            state: Mutex::new((Snapshot::default(), None)),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    /// Records progress; stores and publishes it unless the last publish was recent.
    pub async fn update(&self, done: u64, total: u64, message: impl Into<String>) {
        let snapshot = Snapshot {
            done,
            total,
            message: message.into(),
        };
        let publish = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            state.0 = snapshot.clone();
            let due = state.1.is_none_or(|at| at.elapsed() >= PUBLISH_EVERY);
            if due {
                state.1 = Some(Instant::now());
            }
            due
        };
        if publish {
            self.publish(&snapshot, State::Running).await;
        }
    }

    /// Records, stores and publishes `snapshot` with `state` now (start and end of a
    /// run).
    pub async fn publish(&self, snapshot: &Snapshot, state: State) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).0 = snapshot.clone();
        if let Err(e) = self
            .store
            .run_progress(
                self.run_id,
                snapshot.done as i64,
                snapshot.total as i64,
                &snapshot.message,
            )
            .await
        {
            tracing::warn!(error = %e, "cannot record job progress");
        }
        self.events.publish(
            self.user_id,
            events::job_progress(
                self.run_id,
                self.kind.as_str(),
                snapshot.done,
                snapshot.total,
                state,
                &snapshot.message,
            ),
        );
    }
}
