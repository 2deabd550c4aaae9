//! Progress of one job run: kept in memory for `ListJobs`, written to the run's row and
//! published as a `JobProgress` event at most every [`PUBLISH_EVERY`]. An update that
//! comes too soon is not lost: the newest one is published once the interval is over
//! (a trailing publish), so the last state before a long wait — a slow page, a rate
//! limit — always reaches the user. The scheduler publishes the run's end itself;
//! nothing is published after it.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use spotter_proto::v1::event::job_progress::State;

use crate::{
    domains::sync::store::jobs::JobKind,
    events::{self, EventBus},
    store::Store,
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
    shared: Arc<Shared>,
}

struct Shared {
    run_id: i64,
    user_id: i64,
    kind: JobKind,
    store: Store,
    events: Arc<EventBus>,
    tracker: Mutex<Tracker>,
    /// Held through each publish (row write and event), so publishes never overtake
    /// one another and none follows the run's end.
    publishing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Tracker {
    snapshot: Snapshot,
    last_publish: Option<Instant>,
    /// A trailing publish is scheduled.
    trailing: bool,
    /// The run's end was published.
    finished: bool,
    /// The scheduled trailing publish (tests wait for it).
    pending: Option<tokio::task::JoinHandle<()>>,
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
            shared: Arc::new(Shared {
                run_id,
                user_id,
                kind,
                store,
                events,
                tracker: Mutex::new(Tracker::default()),
                publishing: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        self.shared.tracker().snapshot.clone()
    }

    /// Records progress; stores and publishes it now, or at the end of the current
    /// interval when the last publish was recent.
    pub async fn update(&self, done: u64, total: u64, message: impl Into<String>) {
        let snapshot = Snapshot {
            done,
            total,
            message: message.into(),
        };
        // Now, later (at the end of the current interval), or already scheduled.
        let trailing_at = {
            let mut t = self.shared.tracker();
            t.snapshot = snapshot.clone();
            match t.last_publish {
                Some(at) if at.elapsed() < PUBLISH_EVERY => {
                    let first = !t.trailing;
                    t.trailing = true;
                    Some(first.then_some(at + PUBLISH_EVERY))
                }
                _ => {
                    t.last_publish = Some(Instant::now());
                    None
                }
            }
        };
        let trailing_at = match trailing_at {
            None => {
                self.shared.publish(&snapshot, State::Running).await;
                return;
            }
            Some(at) => at,
        };
        if let Some(at) = trailing_at {
            let shared = self.shared.clone();
            let task = tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _publishing = shared.publishing.lock().await;
                let snapshot = {
                    let mut t = shared.tracker();
                    t.trailing = false;
                    if t.finished {
                        return;
                    }
                    t.last_publish = Some(Instant::now());
                    t.snapshot.clone()
                };
                shared.write(&snapshot, State::Running).await;
            });
            self.shared.tracker().pending = Some(task);
        }
    }

    /// Waits for a scheduled trailing publish to have happened (or been skipped).
    #[cfg(test)]
    async fn settled(&self) {
        let task = self.shared.tracker().pending.take();
        if let Some(task) = task {
            task.await.unwrap();
        }
    }

    /// Records, stores and publishes `snapshot` with `state` now (start and end of a
    /// run). A state other than queued or running ends the run's publishing.
    pub async fn publish(&self, snapshot: &Snapshot, state: State) {
        self.shared.publish(snapshot, state).await;
    }
}

impl Shared {
    fn tracker(&self) -> std::sync::MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn publish(&self, snapshot: &Snapshot, state: State) {
        let _publishing = self.publishing.lock().await;
        {
            let mut t = self.tracker();
            if t.finished {
                return;
            }
            t.snapshot = snapshot.clone();
            t.finished = !matches!(state, State::Queued | State::Running);
        }
        self.write(snapshot, state).await;
    }

    /// The row write and the event; callers hold `publishing`.
    async fn write(&self, snapshot: &Snapshot, state: State) {
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
                self.kind.into(),
                snapshot.done,
                snapshot.total,
                state,
                &snapshot.message,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;
    use spotter_proto::v1::event::Kind;

    use super::*;
    use crate::domains::sync::store::jobs::JobKind;

    /// A run's progress and its user's event stream, in a fresh store.
    async fn fixture() -> (
        tempfile::TempDir,
        Progress,
        Arc<EventBus>,
        impl futures::Stream<Item = spotter_proto::v1::Event>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let user = store
            .create_account(
                "ann",
                crate::domains::identity::users::Role::User,
                None,
                false,
            )
            .await
            .unwrap()
            .id;
        let events = Arc::new(EventBus::new());
        let run = store
            .start_run(user, JobKind::HistorySync, true)
            .await
            .unwrap();
        let progress = Progress::new(run, user, JobKind::HistorySync, store, events.clone());
        let stream = events
            .clone()
            .stream(events.subscribe(user, 0, 0), crate::events::always_valid())
            .map(Result::unwrap);
        (dir, progress, events, stream)
    }

    fn done_of(e: &spotter_proto::v1::Event) -> Option<(u64, i32)> {
        match &e.kind {
            Some(Kind::JobProgress(p)) => Some((p.done, p.state)),
            _ => None,
        }
    }

    #[tokio::test]
    async fn an_update_that_comes_too_soon_is_published_later_not_dropped() {
        let (_dir, progress, _events, stream) = fixture().await;
        let mut stream = Box::pin(stream);
        progress.update(0, 10, "started").await;
        // Within the interval: not published now, and no later update will come.
        progress.update(7, 10, "page 1").await;
        let mut seen = Vec::new();
        while seen.last() != Some(&(7, State::Running as i32)) {
            let e = stream.next().await.expect("stream open");
            seen.extend(done_of(&e));
        }
        assert_eq!(
            seen,
            [(0, State::Running as i32), (7, State::Running as i32)]
        );
        assert_eq!(progress.snapshot().done, 7);
    }

    #[tokio::test]
    async fn nothing_is_published_after_the_end_of_the_run() {
        let (_dir, progress, events, stream) = fixture().await;
        let mut stream = Box::pin(stream);
        progress.update(1, 10, "started").await;
        progress.update(2, 10, "page").await; // trailing, scheduled
        let end = Snapshot {
            done: 10,
            total: 10,
            message: "done".into(),
        };
        progress.publish(&end, State::Succeeded).await;
        // A marker published once the trailing publish has run its course.
        progress.settled().await;
        events.publish(progress.user_id, events::imported_listens(1));
        let mut seen = Vec::new();
        loop {
            let e = stream.next().await.expect("stream open");
            if matches!(e.kind, Some(Kind::NewListens(_))) {
                break;
            }
            seen.extend(done_of(&e));
        }
        assert_eq!(
            seen,
            [(1, State::Running as i32), (10, State::Succeeded as i32)]
        );
    }
}
