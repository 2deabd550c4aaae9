//! `spotter.v1.Events` against the real daemon: per-user scoping, resumption after a
//! reconnect, resync when the buffer no longer reaches back, slow subscribers, heartbeats
//! and shutdown with open streams.

use std::time::{Duration, Instant};

use spotter_daemon::{boot, config::Settings, crypto::KeyInputs, events};
use spotter_e2e::{Api, Bearer, Instance, OWNER, OWNER_PW, USER_PW};
use spotter_proto::v1::{
    self,
    event::{Kind, session_changed::Change},
    events_client::EventsClient,
};
use tonic::{Code, Streaming};

const WAIT: Duration = Duration::from_secs(10);

/// What the event tests add to the fixture: the bus.
trait EventTools {
    fn bus(&self) -> &std::sync::Arc<events::EventBus>;
}

impl EventTools for Instance {
    fn bus(&self) -> &std::sync::Arc<events::EventBus> {
        &self.running.state().events
    }
}

fn user_id(s: &v1::SignInResponse) -> i64 {
    s.user.as_ref().unwrap().id
}

/// The next event, failing the test after [`WAIT`].
async fn next(stream: &mut Streaming<v1::Event>) -> v1::Event {
    tokio::time::timeout(WAIT, stream.message())
        .await
        .expect("an event in time")
        .expect("stream ok")
        .expect("stream open")
}

/// The next event that is not a heartbeat.
async fn next_real(stream: &mut Streaming<v1::Event>) -> v1::Event {
    loop {
        let e = next(stream).await;
        if !matches!(e.kind, Some(Kind::Heartbeat(_))) {
            return e;
        }
    }
}

fn session_change(e: &v1::Event) -> (Change, String) {
    match &e.kind {
        Some(Kind::Session(s)) => (s.change(), s.session_id.clone()),
        other => panic!("expected a session event, got {other:?}"),
    }
}

fn listens(count: u32) -> events::EventKind {
    Kind::NewListens(v1::event::NewListens {
        source: v1::Provider::Lastfm as i32,
        imported: false,
        count,
    })
}

/// Asserts that only heartbeats arrive for `window`.
async fn only_heartbeats(stream: &mut Streaming<v1::Event>, window: Duration) {
    let end = Instant::now() + window;
    while let Ok(e) = tokio::time::timeout_at(end.into(), stream.message()).await {
        let e = e.unwrap().expect("stream open");
        assert!(
            matches!(e.kind, Some(Kind::Heartbeat(_))) && e.seq == 0,
            "unexpected {e:?}"
        );
    }
}

#[tokio::test]
async fn session_events_reach_their_user_and_no_one_else() {
    let i = Instance::start().await;
    i.bus().set_heartbeat_interval(Duration::from_millis(200));
    let bob = i.user("bob").await;
    let bob2 = i.api.sign_in("bob", USER_PW).await.unwrap();
    let mut owner_events = i.subscribe(&i.owner.access_token, 0, 0).await;
    let mut bob_events = i.subscribe(&bob.access_token, 0, 0).await;

    // Bob revokes his other session himself.
    i.api
        .sessions_as(&bob.access_token)
        .revoke_session(v1::RevokeSessionRequest {
            session_id: bob2.session_id.clone(),
        })
        .await
        .unwrap();
    let e = next_real(&mut bob_events).await;
    assert_eq!(
        session_change(&e),
        (Change::SessionRevoked, bob2.session_id.clone())
    );
    assert!(e.seq > 0 && e.at > 0 && e.epoch == i.bus().epoch());
    let first = e.seq;

    // A new sign-in, then an administrator revokes it.
    let bob3 = i.api.sign_in("bob", USER_PW).await.unwrap();
    let e = next_real(&mut bob_events).await;
    assert_eq!(
        (e.seq, session_change(&e)),
        (first + 1, (Change::SignedIn, bob3.session_id.clone()))
    );
    i.api
        .admin_as(&i.owner.access_token)
        .revoke_user_session(v1::RevokeUserSessionRequest {
            user_id: user_id(&bob),
            session_id: bob3.session_id.clone(),
        })
        .await
        .unwrap();
    let e = next_real(&mut bob_events).await;
    assert_eq!(
        (e.seq, session_change(&e)),
        (first + 2, (Change::SessionRevoked, bob3.session_id.clone()))
    );
    i.api
        .sessions_as(&bob.access_token)
        .revoke_other_sessions(v1::RevokeOtherSessionsRequest {})
        .await
        .unwrap();
    let e = next_real(&mut bob_events).await;
    assert_eq!(
        session_change(&e),
        (Change::OtherSessionsRevoked, bob.session_id.clone())
    );

    // The owner saw none of that; their own sign-in reaches them and not Bob.
    only_heartbeats(&mut owner_events, Duration::from_millis(300)).await;
    let owner2 = i.api.sign_in(OWNER, OWNER_PW).await.unwrap();
    let e = next_real(&mut owner_events).await;
    assert_eq!(
        (e.seq, session_change(&e)),
        (1, (Change::SignedIn, owner2.session_id.clone()))
    );
    only_heartbeats(&mut bob_events, Duration::from_millis(500)).await;

    // Sequence numbers are per user: Bob resumes in his own sequence.
    let mut again = i
        .subscribe(&bob.access_token, first + 2, i.bus().epoch())
        .await;
    let e = next_real(&mut again).await;
    assert_eq!(e.seq, first + 3);
    assert_eq!(session_change(&e).0, Change::OtherSessionsRevoked);
}

#[tokio::test]
async fn resume_after_reconnect_delivers_missed_events_in_order_then_live() {
    let i = Instance::start().await;
    i.bus().set_heartbeat_interval(Duration::from_millis(200));
    let bob = i.user("bob").await;
    let mut stream = i.subscribe(&bob.access_token, 0, 0).await;
    let s2 = i.api.sign_in("bob", USER_PW).await.unwrap();
    let seen = next_real(&mut stream).await;
    assert_eq!(
        session_change(&seen),
        (Change::SignedIn, s2.session_id.clone())
    );
    let (k, epoch) = (seen.seq, seen.epoch);
    drop(stream); // the client goes away

    // Three events while disconnected.
    let s3 = i.api.sign_in("bob", USER_PW).await.unwrap();
    i.api
        .sessions_as(&bob.access_token)
        .revoke_session(v1::RevokeSessionRequest {
            session_id: s2.session_id.clone(),
        })
        .await
        .unwrap();
    i.bus().publish(user_id(&bob), listens(42));

    let mut stream = i.subscribe(&bob.access_token, k, epoch).await;
    let missed = [
        next(&mut stream).await,
        next(&mut stream).await,
        next(&mut stream).await,
    ];
    let seqs: Vec<u64> = missed.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [k + 1, k + 2, k + 3]);
    assert_eq!(
        session_change(&missed[0]),
        (Change::SignedIn, s3.session_id.clone())
    );
    assert_eq!(
        session_change(&missed[1]),
        (Change::SessionRevoked, s2.session_id.clone())
    );
    assert!(matches!(missed[2].kind, Some(Kind::NewListens(ref n)) if n.count == 42));

    // Then live, with nothing replayed twice.
    i.bus().publish(user_id(&bob), listens(43));
    let live = next_real(&mut stream).await;
    assert_eq!(live.seq, k + 4);
    assert!(matches!(live.kind, Some(Kind::NewListens(ref n)) if n.count == 43));
    only_heartbeats(&mut stream, Duration::from_millis(500)).await;

    // Resuming from the newest event: nothing to replay, no resync.
    let mut caught_up = i.subscribe(&bob.access_token, k + 4, epoch).await;
    only_heartbeats(&mut caught_up, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn a_resume_point_the_buffer_no_longer_holds_requires_a_resync() {
    let mut settings = Settings::default();
    settings.daemon.shutdown_timeout_secs = 60;
    let i = Instance::with_settings(settings.clone()).await;
    let bob = i.user("bob").await;
    let id = user_id(&bob);
    let epoch = i.bus().epoch();
    let total = events::BUFFER_PER_USER as u64 + 50;
    // Bob's sign-in was event 1.
    for n in 0..(total - 1) {
        i.bus().publish(id, listens(n as u32));
    }
    assert_eq!(i.bus().current_seq(id), total);

    for (after, ep) in [(1, epoch), (1, 0), (total + 7, epoch)] {
        let mut stream = i.subscribe(&bob.access_token, after, ep).await;
        let first = next(&mut stream).await;
        assert!(
            matches!(first.kind, Some(Kind::ResyncRequired(ref r)) if r.current_seq == total)
                && first.seq == 0,
            "after {after}: {first:?}"
        );
    }
    // The oldest resume point the buffer still covers replays instead.
    let oldest = total - events::BUFFER_PER_USER as u64 + 1;
    let mut stream = i.subscribe(&bob.access_token, oldest - 1, epoch).await;
    assert_eq!(next(&mut stream).await.seq, oldest);

    // After a restart the old epoch's numbers mean nothing: resync, then live. The
    // open stream does not hold up the shutdown; it simply ends.
    let mut open = i.subscribe(&bob.access_token, 0, 0).await;
    let Instance { dirs, running, .. } = i;
    let started = Instant::now();
    running.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "shutdown waited for open streams: {:?}",
        started.elapsed()
    );
    let end = tokio::time::timeout(WAIT, open.message()).await.unwrap();
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");

    let running = boot(dirs.config_with(settings, KeyInputs::default()))
        .await
        .unwrap();
    let api = Api::connect(running.socket_path()).await;
    let bob = api.sign_in("bob", USER_PW).await.unwrap();
    assert_ne!(running.state().events.epoch(), epoch);
    let mut stream = EventsClient::with_interceptor(api.channel.clone(), Bearer(bob.access_token))
        .subscribe(v1::SubscribeRequest {
            after_seq: 1,
            epoch,
        })
        .await
        .unwrap()
        .into_inner();
    let first = next(&mut stream).await;
    assert!(
        matches!(first.kind, Some(Kind::ResyncRequired(ref r)) if r.current_seq == 1),
        "{first:?}"
    );
    running.state().events.publish(id, listens(7));
    assert_eq!(next_real(&mut stream).await.seq, 2);
    running.shutdown().await;
}

#[tokio::test]
async fn a_slow_subscriber_blocks_neither_the_publisher_nor_other_subscribers() {
    let i = Instance::start().await;
    let bob = i.user("bob").await;
    let id = user_id(&bob);
    let mut slow = i.subscribe(&bob.access_token, 0, 0).await;
    let mut fast = i.subscribe(&bob.access_token, 0, 0).await;
    let start_seq = i.bus().current_seq(id);

    // 3,000 events of 4 KiB: far more than the HTTP/2 windows, the live channel and the
    // replay buffer hold, so the unread stream must fall behind.
    let payload = "x".repeat(4096);
    let (batches, per_batch) = (30u64, 100u64);
    let mut publishing = Duration::ZERO;
    for b in 0..batches {
        let t = Instant::now();
        for _ in 0..per_batch {
            i.bus().publish(
                id,
                Kind::Error(v1::event::Error {
                    origin: None,
                    message: payload.clone(),
                    fatal: false,
                }),
            );
        }
        publishing += t.elapsed();
        // The other subscriber gets every event, in order, promptly.
        for n in 0..per_batch {
            let e = next_real(&mut fast).await;
            assert_eq!(e.seq, start_seq + b * per_batch + n + 1);
        }
    }
    assert!(
        publishing < Duration::from_secs(5),
        "publishing took {publishing:?}"
    );
    let last = start_seq + batches * per_batch;
    assert_eq!(i.bus().current_seq(id), last);

    // The slow one, read at last: what it got in order, then a resync (it fell further
    // behind than the buffer reaches), never a gap or a duplicate.
    let mut seq = start_seq;
    let mut resynced = false;
    loop {
        let e = next_real(&mut slow).await;
        match e.kind {
            Some(Kind::ResyncRequired(r)) => {
                assert_eq!(r.current_seq, last);
                resynced = true;
                break;
            }
            _ => {
                assert_eq!(e.seq, seq + 1, "gap or duplicate");
                seq = e.seq;
                if seq == last {
                    break;
                }
            }
        }
    }
    assert!(resynced, "a 12 MB backlog should have lagged the stream");
    // And it is live again afterwards.
    i.bus().publish(id, listens(1));
    assert_eq!(next_real(&mut slow).await.seq, last + 1);
    assert_eq!(next_real(&mut fast).await.seq, last + 1);
}

#[tokio::test]
async fn an_idle_stream_gets_heartbeats() {
    let i = Instance::start().await;
    i.bus().set_heartbeat_interval(Duration::from_millis(200));
    let mut stream = i.subscribe(&i.owner.access_token, 0, 0).await;
    let start = Instant::now();
    for _ in 0..2 {
        let e = next(&mut stream).await;
        assert!(matches!(e.kind, Some(Kind::Heartbeat(_))), "{e:?}");
        assert_eq!(e.seq, 0);
        assert_eq!(e.epoch, i.bus().epoch());
    }
    assert!(start.elapsed() >= Duration::from_millis(350));
    // Heartbeats are not numbered events: nothing to replay.
    assert_eq!(i.bus().current_seq(user_id(&i.owner)), 0);
}

#[tokio::test]
async fn subscribe_requires_sign_in() {
    let i = Instance::start().await;
    let err = EventsClient::new(i.api.channel.clone())
        .subscribe(v1::SubscribeRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let err = i
        .events_as("not-a-token")
        .await
        .subscribe(v1::SubscribeRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
}
