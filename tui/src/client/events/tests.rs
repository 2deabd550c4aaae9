//! The live stream against stand-in daemons on temp sockets: resuming where it
//! left off, surviving a daemon restart, noticing silence, waiting for a fresh
//! token, and living on a connection of its own.

use std::{path::Path, time::Duration};

use spotter_proto::v1::{
    Provider,
    event::{Heartbeat, NewListens, ResyncRequired},
};

use super::*;
use crate::{
    app::Effect,
    client::effects,
    secret::Secret,
    session_file::SessionFile,
    test_support::{FakeDaemon, FakeEvents, Script, Subscription, target_at},
};

const EPOCH: u64 = 41;
const NEW_EPOCH: u64 = 97;

fn quick() -> EventTiming {
    EventTiming {
        first_retry: Duration::from_millis(20),
        max_retry: Duration::from_millis(200),
        idle: Duration::from_secs(5),
        timeouts: Timeouts {
            connect: Duration::from_millis(500),
            call: Duration::from_millis(500),
        },
    }
}

fn event(seq: u64, epoch: u64, kind: Kind) -> Event {
    Event {
        seq,
        at: 1_750_000_000,
        epoch,
        kind: Some(kind),
    }
}

fn listens(seq: u64) -> Event {
    listens_in(seq, EPOCH)
}

fn listens_in(seq: u64, epoch: u64) -> Event {
    event(
        seq,
        epoch,
        Kind::NewListens(NewListens {
            source: Provider::Spotify as i32,
            imported: false,
            count: 1,
        }),
    )
}

fn heartbeat() -> Event {
    event(0, EPOCH, Kind::Heartbeat(Heartbeat {}))
}

fn subscription(after_seq: u64, epoch: u64) -> Subscription {
    Subscription {
        after_seq,
        epoch,
        token: Some("access-1".into()),
    }
}

struct Stream {
    actions: mpsc::UnboundedReceiver<Action>,
    _stream: EventStream,
    _token: tokio::sync::watch::Sender<Option<Secret>>,
}

fn follow(socket: &Path, timing: EventTiming) -> Stream {
    let (token_tx, token) = AccessToken::for_tests("access-1");
    let (tx, actions) = mpsc::unbounded_channel();
    Stream {
        actions,
        _stream: start(target_at(socket), token, tx, timing),
        _token: token_tx,
    }
}

impl Stream {
    async fn next(&mut self) -> Action {
        tokio::time::timeout(Duration::from_secs(5), self.actions.recv())
            .await
            .expect("an action within 5s")
            .expect("the stream task is running")
    }
}

#[tokio::test]
async fn resumes_from_the_last_event_after_the_stream_ends_and_passes_no_heartbeats() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let events = FakeEvents::scripted(vec![Script {
        events: vec![listens(1), heartbeat(), listens(2)],
        hold: false,
    }]);
    let _daemon = FakeDaemon::start_with_events(&socket, None, events.clone());
    let mut stream = follow(&socket, quick());

    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(stream.next().await, Action::LiveEvent(listens(1)));
    assert_eq!(stream.next().await, Action::LiveEvent(listens(2)));
    assert_eq!(stream.next().await, Action::LiveStream(false));
    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(
        events.subscriptions(),
        [subscription(0, 0), subscription(2, EPOCH)]
    );
}

#[tokio::test]
async fn a_daemon_restart_is_survived_and_its_resync_passed_on() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let first = FakeEvents::scripted(vec![Script {
        events: vec![listens(1), listens(2)],
        hold: true,
    }]);
    let daemon = FakeDaemon::start_with_events(&socket, None, first);
    let mut stream = follow(&socket, quick());
    assert_eq!(stream.next().await, Action::LiveStream(true));
    stream.next().await;
    stream.next().await;

    // The daemon dies; its socket file stays behind, like a crashed daemon's.
    drop(daemon);
    assert_eq!(stream.next().await, Action::LiveStream(false));
    // A few failed attempts while nobody listens, then a new daemon comes up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    std::fs::remove_file(&socket).unwrap();
    let resync = event(
        0,
        NEW_EPOCH,
        Kind::ResyncRequired(ResyncRequired { current_seq: 0 }),
    );
    let second = FakeEvents::scripted(vec![Script {
        events: vec![resync.clone(), listens_in(1, NEW_EPOCH)],
        hold: false,
    }]);
    let _daemon = FakeDaemon::start_with_events(&socket, None, second.clone());

    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(stream.next().await, Action::LiveEvent(resync));
    assert_eq!(
        stream.next().await,
        Action::LiveEvent(listens_in(1, NEW_EPOCH))
    );
    assert_eq!(stream.next().await, Action::LiveStream(false));
    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(
        second.subscriptions(),
        [subscription(2, EPOCH), subscription(1, NEW_EPOCH)],
        "asked the new daemon for what it missed, then followed its epoch"
    );
}

#[tokio::test]
async fn a_silent_stream_counts_as_dead_and_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    // No heartbeats at all: a hung daemon.
    let events = FakeEvents::default();
    let _daemon = FakeDaemon::start_with_events(&socket, None, events.clone());
    let timing = EventTiming {
        idle: Duration::from_millis(150),
        ..quick()
    };
    let mut stream = follow(&socket, timing);
    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(stream.next().await, Action::LiveStream(false));
    assert_eq!(stream.next().await, Action::LiveStream(true));
    assert_eq!(events.subscriptions().len(), 2);
}

#[tokio::test]
async fn a_refused_token_asks_for_a_refresh_and_the_new_token_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let events = FakeEvents::default().accept_only("access-2");
    let _daemon = FakeDaemon::start_with_events(&socket, None, events.clone());
    let (token_tx, token) = AccessToken::for_tests("access-1");
    let (tx, mut actions) = mpsc::unbounded_channel();
    // Long waits: only the new token can bring the retry this soon.
    let timing = EventTiming {
        max_retry: Duration::from_secs(30),
        ..quick()
    };
    let _stream = start(target_at(&socket), token, tx, timing);
    let next = async |actions: &mut mpsc::UnboundedReceiver<Action>| {
        tokio::time::timeout(Duration::from_secs(5), actions.recv())
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(next(&mut actions).await, Action::LiveStreamUnauthenticated);
    token_tx.send_replace(Some(Secret::new("access-2")));
    assert_eq!(next(&mut actions).await, Action::LiveStream(true));
    let tokens: Vec<_> = events
        .subscriptions()
        .into_iter()
        .map(|s| s.token.unwrap())
        .collect();
    assert_eq!(tokens, ["access-1", "access-2"]);
}

#[tokio::test]
async fn the_effect_runner_streams_on_a_connection_of_its_own_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let events = FakeEvents::scripted(vec![Script {
        events: vec![listens(1)],
        hold: true,
    }]);
    let daemon = FakeDaemon::start_with_events(&socket, None, events.clone());
    let target = target_at(&socket);
    let (effects, mut actions) = effects::spawn(target, SessionFile::in_dir(dir.path(), &socket));
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(5), actions.recv())
            .await
            .unwrap()
            .unwrap()
    };
    effects
        .send(Effect::FetchStatus {
            may_start_daemon: false,
        })
        .unwrap();
    assert!(matches!(next().await, Action::StatusLoaded(_)));
    effects.send(Effect::StartEvents).unwrap();
    effects.send(Effect::StartEvents).unwrap();
    assert_eq!(next().await, Action::LiveStream(true));
    assert_eq!(next().await, Action::LiveEvent(listens(1)));
    // Calls on one connection, the stream on another; a second start is a no-op.
    assert_eq!(daemon.connections(), 2);
    assert_eq!(events.subscriptions().len(), 1);

    effects.send(Effect::StopEvents).unwrap();
    effects.send(Effect::StartEvents).unwrap();
    assert_eq!(next().await, Action::LiveStream(true));
    assert_eq!(events.subscriptions().len(), 2);
    assert_eq!(
        events.subscriptions()[1],
        Subscription {
            after_seq: 0,
            epoch: 0,
            token: None
        },
        "a new session starts afresh"
    );
}

#[test]
fn resume_follows_sequence_numbers_and_epochs() {
    let mut resume = Resume::default();
    resume.note(&listens(3));
    assert_eq!(
        resume,
        Resume {
            after_seq: 3,
            epoch: EPOCH
        }
    );
    resume.note(&heartbeat());
    assert_eq!(resume.after_seq, 3, "heartbeats carry no sequence number");
    resume.note(&event(
        0,
        NEW_EPOCH,
        Kind::ResyncRequired(ResyncRequired { current_seq: 12 }),
    ));
    assert_eq!(
        resume,
        Resume {
            after_seq: 12,
            epoch: NEW_EPOCH
        }
    );
}
