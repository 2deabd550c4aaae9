//! Per-user live events with replay after a reconnect.
//!
//! [`EventBus::publish`] never waits: it numbers the event (per user, from 1), keeps it
//! in the user's ring buffer of the last [`BUFFER_PER_USER`] events and hands it to a
//! bounded `broadcast` channel. A subscriber that falls behind lags instead of slowing
//! the publisher; it then catches up from the ring buffer, or is told to resync when
//! the buffer no longer reaches back far enough.
//!
//! Memory: one buffer and one channel per user that ever had an event or a subscriber
//! in this run of the daemon, i.e. at most one per account (accounts are created by
//! administrators only), each capped at [`BUFFER_PER_USER`] + [`LIVE_CAPACITY`] events.
//! A deleted user's buffer is dropped ([`EventBus::forget`]).
//!
//! A stream lives longer than the request that opened it, so it keeps asking whether
//! its session still holds (issue 10, finding 2): at every heartbeat, and at once when
//! told that something changed for its user ([`EventBus::auth_changed`], fed by the
//! store's [`AuthChange`](crate::store::AuthChange)s). The first "no" ends the stream
//! with the reason.

use std::{
    collections::{HashMap, VecDeque},
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use futures::Stream;
use spotter_proto::v1::{
    self,
    event::{Kind, session_changed::Change},
};
use tokio::sync::{broadcast, watch};

/// What an event says; the wire type, so publishers and the RPC agree by construction.
pub type EventKind = Kind;

/// Events kept per user for replay after a reconnect.
pub const BUFFER_PER_USER: usize = 1024;
/// Events queued per user for live subscribers before the slowest one lags.
pub const LIVE_CAPACITY: usize = 256;
/// A heartbeat goes out on a stream that has been idle this long.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);

fn session(change: Change, session_id: &str, count: u32) -> EventKind {
    Kind::Session(v1::event::SessionChanged {
        change: change as i32,
        session_id: session_id.to_owned(),
        count,
    })
}

/// A sign-in created `session_id`.
pub fn signed_in(session_id: &str) -> EventKind {
    session(Change::SignedIn, session_id, 1)
}

/// `session_id` was revoked (by its user or an administrator).
pub fn session_revoked(session_id: &str) -> EventKind {
    session(Change::SessionRevoked, session_id, 1)
}

/// Every session but `kept_session_id` was revoked, `count` of them.
pub fn other_sessions_revoked(kept_session_id: &str, count: u64) -> EventKind {
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    session(Change::OtherSessionsRevoked, kept_session_id, count)
}

/// A provider connection changed state.
pub fn connection_changed(
    provider: v1::Provider,
    state: v1::event::connection_changed::State,
    detail: &str,
) -> EventKind {
    Kind::Connection(v1::event::ConnectionChanged {
        upstream: provider as i32,
        state: state as i32,
        detail: detail.to_owned(),
    })
}

/// A job run started, progressed or ended.
pub fn job_progress(
    run_id: i64,
    kind: v1::JobKind,
    done: u64,
    total: u64,
    state: v1::event::job_progress::State,
    message: &str,
) -> EventKind {
    Kind::JobProgress(v1::event::JobProgress {
        job_id: run_id.to_string(),
        job_kind: kind as i32,
        done,
        total,
        state: state as i32,
        message: message.to_owned(),
    })
}

fn listens_joined(source: v1::Provider, imported: bool, count: u64) -> EventKind {
    Kind::NewListens(v1::event::NewListens {
        source: source as i32,
        imported,
        count: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

/// `count` listens from `provider` joined the timeline.
pub fn new_listens(provider: v1::Provider, count: u64) -> EventKind {
    listens_joined(provider, false, count)
}

/// `count` listens from a history file import joined the timeline.
pub fn imported_listens(count: u64) -> EventKind {
    listens_joined(v1::Provider::Unspecified, true, count)
}

/// Background work with `provider` failed; `fatal` when it waits for the user.
pub fn error(provider: v1::Provider, message: &str, fatal: bool) -> EventKind {
    Kind::Error(v1::event::Error {
        origin: Some(v1::event::error::Origin::Provider(provider as i32)),
        message: message.to_owned(),
        fatal,
    })
}

/// One numbered event.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub seq: u64,
    /// Unix seconds.
    pub at: i64,
    pub kind: EventKind,
}

struct UserLog {
    /// The sequence number of the next event.
    next_seq: u64,
    buffer: VecDeque<Arc<Envelope>>,
    live: broadcast::Sender<Arc<Envelope>>,
    /// Bumped when something changed about who may act as this user.
    auth: watch::Sender<u64>,
}

impl UserLog {
    fn new() -> Self {
        UserLog {
            next_seq: 1,
            buffer: VecDeque::with_capacity(16),
            live: broadcast::channel(LIVE_CAPACITY).0,
            auth: watch::channel(0).0,
        }
    }

    fn current(&self) -> u64 {
        self.next_seq - 1
    }

    /// Every buffered event after `after`, or `None` when the buffer no longer holds
    /// all of them (or `after` is from the future, i.e. another run of the daemon).
    fn since(&self, after: u64) -> Option<Vec<Arc<Envelope>>> {
        if after > self.current() {
            return None;
        }
        let oldest = self.buffer.front().map_or(self.next_seq, |e| e.seq);
        if after + 1 < oldest {
            return None;
        }
        Some(
            self.buffer
                .iter()
                .filter(|e| e.seq > after)
                .cloned()
                .collect(),
        )
    }
}

/// Every user's events. One per daemon; shared through `DaemonState`.
pub struct EventBus {
    users: Mutex<HashMap<i64, UserLog>>,
    epoch: u64,
    heartbeat_ms: AtomicU64,
    closed: watch::Sender<bool>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        // Non-zero and different on every start, so a client can tell a restart.
        let epoch = loop {
            let e = rand::random::<u64>() >> 11; // fits a JSON/JS number too
            if e != 0 {
                break e;
            }
        };
        EventBus {
            users: Mutex::new(HashMap::new()),
            epoch,
            heartbeat_ms: AtomicU64::new(HEARTBEAT_INTERVAL.as_millis() as u64),
            closed: watch::channel(false).0,
        }
    }

    /// Identifies this run of the daemon; sequence numbers are only comparable within it.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_millis(self.heartbeat_ms.load(Ordering::Relaxed))
    }

    /// Changes the heartbeat interval of streams opened from now on (tests use a short one).
    pub fn set_heartbeat_interval(&self, interval: Duration) {
        let ms = interval.as_millis().clamp(1, u64::MAX as u128) as u64;
        self.heartbeat_ms.store(ms, Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, UserLog>> {
        // Nothing panics while holding the lock; recover from poisoning regardless.
        self.users.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `kind` for `user_id` and wakes its subscribers. Never blocks on them.
    /// Returns the event's sequence number.
    pub fn publish(&self, user_id: i64, kind: EventKind) -> u64 {
        let mut users = self.lock();
        let log = users.entry(user_id).or_insert_with(UserLog::new);
        let seq = log.next_seq;
        log.next_seq += 1;
        let event = Arc::new(Envelope {
            seq,
            at: crate::store::now(),
            kind,
        });
        if log.buffer.len() == BUFFER_PER_USER {
            log.buffer.pop_front();
        }
        log.buffer.push_back(event.clone());
        // Sent under the lock, so live order is sequence order. An error only means
        // nobody is listening.
        let _ = log.live.send(event);
        seq
    }

    /// The newest sequence number of `user_id` (0 before any event).
    pub fn current_seq(&self, user_id: i64) -> u64 {
        self.lock().get(&user_id).map_or(0, UserLog::current)
    }

    /// Ends every open stream, and every stream opened later, at once (daemon shutdown).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Something changed about who may act as `user_id`: their open streams check
    /// their sessions again now.
    pub fn auth_changed(&self, user_id: i64) {
        if let Some(log) = self.lock().get(&user_id) {
            log.auth.send_modify(|g| *g += 1);
        }
    }

    /// Like [`EventBus::auth_changed`] for every user (when changes were missed).
    pub fn auth_changed_for_all(&self) {
        for log in self.lock().values() {
            log.auth.send_modify(|g| *g += 1);
        }
    }

    /// `user_id` is gone: their buffered events are dropped, and their open streams
    /// end at their next check.
    pub fn forget(&self, user_id: i64) {
        self.lock().remove(&user_id);
    }

    /// Applies the store's changes as they come (spawned once at start-up).
    pub async fn follow(
        self: Arc<Self>,
        mut changes: broadcast::Receiver<crate::store::AuthChange>,
    ) {
        use crate::store::AuthChange;
        loop {
            match changes.recv().await {
                Ok(AuthChange::User(id)) => self.auth_changed(id),
                Ok(AuthChange::Deleted(id)) => self.forget(id),
                Err(broadcast::error::RecvError::Lagged(_)) => self.auth_changed_for_all(),
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// The events of `user_id` after `after_seq` (0: only new ones), then live ones.
    /// `epoch` is the epoch `after_seq` came from (0: unknown).
    pub fn subscribe(&self, user_id: i64, after_seq: u64, epoch: u64) -> Subscription {
        let mut users = self.lock();
        let log = users.entry(user_id).or_insert_with(UserLog::new);
        // Subscribing and reading the buffer under one lock: nothing can fall between.
        let live = log.live.subscribe();
        let mut auth = log.auth.subscribe();
        auth.mark_unchanged();
        let current = log.current();
        let mut pending = VecDeque::new();
        let last_seq = if after_seq == 0 {
            current
        } else {
            let replay = if epoch != 0 && epoch != self.epoch {
                None
            } else {
                log.since(after_seq)
            };
            match replay {
                Some(events) => {
                    pending.extend(events.iter().map(|e| self.wire(e)));
                    current
                }
                None => {
                    pending.push_back(self.resync(current));
                    current
                }
            }
        };
        drop(users);
        Subscription {
            user_id,
            pending,
            live,
            auth,
            last_seq,
            closed: self.closed.subscribe(),
            heartbeat: self.heartbeat_interval(),
        }
    }

    fn wire(&self, e: &Envelope) -> v1::Event {
        v1::Event {
            seq: e.seq,
            at: e.at,
            epoch: self.epoch,
            kind: Some(e.kind.clone()),
        }
    }

    fn unnumbered(&self, kind: EventKind) -> v1::Event {
        v1::Event {
            seq: 0,
            at: crate::store::now(),
            epoch: self.epoch,
            kind: Some(kind),
        }
    }

    fn resync(&self, current_seq: u64) -> v1::Event {
        self.unnumbered(Kind::ResyncRequired(v1::event::ResyncRequired {
            current_seq,
        }))
    }

    /// After a lag: the events after `last_seq` from the buffer, or a resync.
    fn catch_up(&self, user_id: i64, last_seq: u64) -> (Vec<v1::Event>, u64) {
        let users = self.lock();
        let Some(log) = users.get(&user_id) else {
            return (Vec::new(), last_seq);
        };
        let current = log.current();
        match log.since(last_seq) {
            Some(events) => (events.iter().map(|e| self.wire(e)).collect(), current),
            None => (vec![self.resync(current)], current),
        }
    }

    /// The subscription as a stream of wire events, with heartbeats on idle. `check`
    /// is asked whether the subscriber's session still holds at every heartbeat and
    /// whenever its user's sessions changed; its first `Err` is the stream's last
    /// item. Ends when the bus is closed; dropping it (the client went away)
    /// unsubscribes.
    pub fn stream(
        self: Arc<Self>,
        sub: Subscription,
        check: SessionCheck,
    ) -> impl Stream<Item = Result<v1::Event, String>> + Send {
        futures::stream::unfold(Some((self, sub, check)), |state| async move {
            let (bus, mut sub, check) = state?;
            match bus.next(&mut sub, &check).await? {
                Ok(event) => Some((Ok(event), Some((bus, sub, check)))),
                Err(reason) => Some((Err(reason), None)),
            }
        })
    }

    async fn next(
        &self,
        sub: &mut Subscription,
        check: &SessionCheck,
    ) -> Option<Result<v1::Event, String>> {
        loop {
            if *sub.closed.borrow() {
                return None;
            }
            if let Some(e) = sub.pending.pop_front() {
                return Some(Ok(e));
            }
            tokio::select! {
                biased;
                _ = sub.closed.changed() => return None,
                changed = sub.auth.changed() => {
                    if let Err(reason) = check().await {
                        return Some(Err(reason));
                    }
                    if changed.is_err() {
                        // The user's log is gone (deleted) yet the session holds:
                        // cannot happen, but never spin on a closed channel.
                        return Some(Err("account deleted".into()));
                    }
                }
                received = sub.live.recv() => match received {
                    Ok(e) if e.seq > sub.last_seq => {
                        sub.last_seq = e.seq;
                        return Some(Ok(self.wire(&e)));
                    }
                    // Already replayed.
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let (events, last) = self.catch_up(sub.user_id, sub.last_seq);
                        sub.pending.extend(events);
                        sub.last_seq = last;
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        // Closed only when the user was forgotten: say why.
                        if let Err(reason) = check().await {
                        return Some(Err(reason));
                    }
                        return Some(Err("account deleted".into()));
                    }
                },
                _ = tokio::time::sleep(sub.heartbeat) => {
                    if let Err(reason) = check().await {
                        return Some(Err(reason));
                    }
                    return Some(Ok(self.unnumbered(Kind::Heartbeat(v1::event::Heartbeat {}))));
                }
            }
        }
    }
}

/// Asks whether a stream's session still holds: `Err` with the reason when not.
pub type SessionCheck =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// A [`SessionCheck`] that always holds (the bus's own tests).
pub fn always_valid() -> SessionCheck {
    Box::new(|| Box::pin(async { Ok(()) }))
}

/// An open subscription; see [`EventBus::subscribe`] and [`EventBus::stream`].
pub struct Subscription {
    user_id: i64,
    /// Replayed events (or a resync) to send before anything live.
    pending: VecDeque<v1::Event>,
    live: broadcast::Receiver<Arc<Envelope>>,
    /// Changes when the user's sessions changed (see [`EventBus::auth_changed`]).
    auth: watch::Receiver<u64>,
    /// The newest sequence number sent or skipped; live events up to it are dropped.
    last_seq: u64,
    closed: watch::Receiver<bool>,
    heartbeat: Duration,
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    fn listens(count: u32) -> EventKind {
        Kind::NewListens(v1::event::NewListens {
            source: v1::Provider::Lastfm as i32,
            imported: false,
            count,
        })
    }

    fn count_of(e: &v1::Event) -> u32 {
        match &e.kind {
            Some(Kind::NewListens(n)) => n.count,
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn next(s: &mut (impl Stream<Item = v1::Event> + Unpin)) -> v1::Event {
        tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .expect("an event in time")
            .expect("stream open")
    }

    #[tokio::test]
    async fn sequence_numbers_are_per_user_from_one() {
        let bus = EventBus::new();
        assert_eq!(bus.publish(1, listens(1)), 1);
        assert_eq!(bus.publish(1, listens(2)), 2);
        assert_eq!(bus.publish(2, listens(3)), 1);
        assert_eq!(bus.current_seq(1), 2);
        assert_eq!(bus.current_seq(3), 0);
    }

    #[tokio::test]
    async fn replay_then_live_without_gaps_or_duplicates() {
        let bus = Arc::new(EventBus::new());
        for i in 1..=5 {
            bus.publish(7, listens(i));
        }
        let sub = bus.subscribe(7, 2, bus.epoch());
        bus.publish(7, listens(6));
        let mut s = Box::pin(
            bus.clone()
                .stream(sub, crate::events::always_valid())
                .map(Result::unwrap),
        );
        let seqs: Vec<u64> = [
            next(&mut s).await,
            next(&mut s).await,
            next(&mut s).await,
            next(&mut s).await,
        ]
        .iter()
        .map(|e| e.seq)
        .collect();
        assert_eq!(seqs, [3, 4, 5, 6]);
    }

    #[tokio::test]
    async fn too_old_future_or_foreign_epoch_means_resync() {
        let bus = Arc::new(EventBus::new());
        for i in 0..(BUFFER_PER_USER as u32 + 10) {
            bus.publish(1, listens(i));
        }
        for (after, epoch) in [(3, 0), (5000, 0), (BUFFER_PER_USER as u64 + 5, 1)] {
            let current = bus.current_seq(1);
            let sub = bus.subscribe(1, after, epoch);
            let mut s = Box::pin(
                bus.clone()
                    .stream(sub, crate::events::always_valid())
                    .map(Result::unwrap),
            );
            let first = next(&mut s).await;
            assert!(
                matches!(first.kind, Some(Kind::ResyncRequired(ref r)) if r.current_seq == current),
                "{after}: {first:?}"
            );
            bus.publish(1, listens(9999));
            let live = next(&mut s).await;
            assert_eq!(count_of(&live), 9999);
        }
        // Exactly at the edge of the buffer is still a replay.
        let oldest = bus.current_seq(1) - BUFFER_PER_USER as u64 + 1;
        let sub = bus.subscribe(1, oldest - 1, bus.epoch());
        let mut s = Box::pin(
            bus.clone()
                .stream(sub, crate::events::always_valid())
                .map(Result::unwrap),
        );
        assert_eq!(next(&mut s).await.seq, oldest);
    }

    #[tokio::test]
    async fn a_lagging_subscriber_catches_up_from_the_buffer() {
        let bus = Arc::new(EventBus::new());
        let sub = bus.subscribe(1, 0, 0);
        let n = LIVE_CAPACITY as u32 * 3; // lags, but the buffer still holds everything
        for i in 1..=n {
            bus.publish(1, listens(i));
        }
        let mut s = Box::pin(
            bus.clone()
                .stream(sub, crate::events::always_valid())
                .map(Result::unwrap),
        );
        for i in 1..=n {
            let e = next(&mut s).await;
            assert_eq!((e.seq, count_of(&e)), (i as u64, i));
        }
    }

    #[tokio::test]
    async fn a_subscriber_lagging_beyond_the_buffer_is_told_to_resync() {
        let bus = Arc::new(EventBus::new());
        let sub = bus.subscribe(1, 0, 0);
        let n = BUFFER_PER_USER as u64 * 2;
        for i in 1..=n {
            bus.publish(1, listens(i as u32));
        }
        let mut s = Box::pin(
            bus.clone()
                .stream(sub, crate::events::always_valid())
                .map(Result::unwrap),
        );
        let first = next(&mut s).await;
        assert!(
            matches!(first.kind, Some(Kind::ResyncRequired(ref r)) if r.current_seq == n),
            "{first:?}"
        );
        bus.publish(1, listens(1));
        assert_eq!(next(&mut s).await.seq, n + 1);
    }

    #[tokio::test]
    async fn heartbeat_on_idle_and_close_ends_streams() {
        let bus = Arc::new(EventBus::new());
        bus.set_heartbeat_interval(Duration::from_millis(50));
        let mut s = Box::pin(
            bus.clone()
                .stream(bus.subscribe(1, 0, 0), crate::events::always_valid())
                .map(Result::unwrap),
        );
        let hb = next(&mut s).await;
        assert_eq!(hb.seq, 0);
        assert!(matches!(hb.kind, Some(Kind::Heartbeat(_))));
        bus.close();
        assert!(
            tokio::time::timeout(Duration::from_secs(5), s.next())
                .await
                .unwrap()
                .is_none()
        );
        let mut later = Box::pin(
            bus.clone()
                .stream(bus.subscribe(1, 0, 0), crate::events::always_valid())
                .map(Result::unwrap),
        );
        assert!(later.next().await.is_none());
    }

    fn revocable() -> (Arc<std::sync::atomic::AtomicBool>, SessionCheck) {
        let valid = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = valid.clone();
        let check: SessionCheck = Box::new(move || {
            let ok = flag.load(Ordering::SeqCst);
            Box::pin(async move {
                if ok {
                    Ok(())
                } else {
                    Err("session revoked".into())
                }
            })
        });
        (valid, check)
    }

    /// Issue 10, finding 2: a stream ends with the reason as soon as its user's
    /// sessions change and its own no longer holds, without waiting for a heartbeat.
    #[tokio::test]
    async fn a_revoked_session_ends_its_stream_at_once() {
        let bus = Arc::new(EventBus::new());
        bus.set_heartbeat_interval(Duration::from_secs(3600));
        let (valid, check) = revocable();
        let mut s = Box::pin(bus.clone().stream(bus.subscribe(1, 0, 0), check));
        bus.publish(1, listens(1));
        assert_eq!(s.next().await.unwrap().unwrap().seq, 1);
        // Another user's change is not this stream's business.
        valid.store(false, Ordering::SeqCst);
        bus.auth_changed(2);
        bus.publish(1, listens(2));
        assert_eq!(s.next().await.unwrap().unwrap().seq, 2);
        bus.auth_changed(1);
        let end = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .unwrap();
        assert_eq!(end, Some(Err("session revoked".to_string())));
        assert_eq!(s.next().await, None, "nothing after the end");
    }

    /// Issue 10, finding 2: the heartbeat asks too (a session that expired, or a
    /// change the bus never heard of).
    #[tokio::test]
    async fn the_heartbeat_checks_the_session() {
        let bus = Arc::new(EventBus::new());
        bus.set_heartbeat_interval(Duration::from_millis(20));
        let (valid, check) = revocable();
        let mut s = Box::pin(bus.clone().stream(bus.subscribe(1, 0, 0), check));
        assert!(
            matches!(s.next().await, Some(Ok(ref e)) if matches!(e.kind, Some(Kind::Heartbeat(_))))
        );
        valid.store(false, Ordering::SeqCst);
        loop {
            match s.next().await {
                Some(Ok(e)) => assert!(matches!(e.kind, Some(Kind::Heartbeat(_)))),
                Some(Err(reason)) => break assert_eq!(reason, "session revoked"),
                None => panic!("ended without a reason"),
            }
        }
    }

    /// Issue 10, finding 2: a deleted user's buffered events are gone, and their open
    /// streams end.
    #[tokio::test]
    async fn forgetting_a_user_drops_their_events_and_ends_their_streams() {
        let bus = Arc::new(EventBus::new());
        bus.set_heartbeat_interval(Duration::from_secs(3600));
        let (valid, check) = revocable();
        let mut s = Box::pin(bus.clone().stream(bus.subscribe(9, 0, 0), check));
        bus.publish(9, listens(1));
        assert_eq!(s.next().await.unwrap().unwrap().seq, 1);
        valid.store(false, Ordering::SeqCst);
        bus.forget(9);
        let end = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .unwrap();
        assert_eq!(end, Some(Err("session revoked".to_string())));
        assert_eq!(bus.current_seq(9), 0);
        // Whoever subscribes as 9 later replays nothing of the old buffer.
        let mut later = Box::pin(
            bus.clone()
                .stream(bus.subscribe(9, 0, bus.epoch()), always_valid()),
        );
        bus.publish(9, listens(5));
        assert_eq!(count_of(&later.next().await.unwrap().unwrap()), 5);
    }

    #[test]
    fn the_buffer_is_bounded() {
        let bus = EventBus::new();
        for i in 0..(BUFFER_PER_USER as u32 * 3) {
            bus.publish(1, listens(i));
        }
        assert_eq!(bus.lock()[&1].buffer.len(), BUFFER_PER_USER);
    }
}
