//! Connections, history sync and jobs through the real daemon (booted in-process on a
//! temp socket) against local servers speaking Spotify's, Last.fm's and ListenBrainz's
//! wire formats.

use std::time::{Duration, Instant};

use spotter_e2e::{
    Instance,
    fakes::{
        Fault,
        lastfm::FakeLastFm,
        listenbrainz::{FakeListenBrainz, TOKEN as LB_TOKEN, USER as LB_USER},
        settings_for,
        spotify::FakeSpotify,
    },
    now,
};
use spotter_proto::v1::{
    self, BeginConnectRequest, CompleteConnectRequest, ConnectListenBrainzRequest,
    DisconnectRequest, GetSummaryRequest, JobKind, ListConnectionsRequest, ListJobsRequest,
    ListRecentListensRequest, Provider, RunJobRequest, SetListenSubmissionRequest, connection, job,
    job_run,
};
use tonic::Code;

/// A daemon using the fakes; Last.fm needs its CA and shared secret.
async fn instance(
    lb: Option<&FakeListenBrainz>,
    lastfm: Option<&FakeLastFm>,
    spotify: Option<&FakeSpotify>,
) -> Instance {
    let mut s = settings_for(lb, lastfm, spotify);
    let ca = lastfm.map(|fm| fm.ca_pem().to_owned());
    let secret = lastfm.map(|fm| fm.shared_secret().to_owned());
    let ca_path = ca.map(|pem| {
        let path = std::env::temp_dir().join(format!("spotter-ca-{}.pem", std::process::id()));
        std::fs::write(&path, pem).unwrap();
        path
    });
    s.providers.ca_file = ca_path;
    Instance::with_config(s, move |c| {
        c.lastfm_secret_inputs.env_value = secret.map(zeroize_string);
    })
    .await
}

fn zeroize_string(s: String) -> zeroize::Zeroizing<String> {
    zeroize::Zeroizing::new(s)
}

#[tokio::test]
async fn listenbrainz_history_syncs_once_and_advances_its_watermark() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    let start = now() - 10 * 86_400;
    lb.add_listens(LB_USER, 2_500, start, 60);
    // Older than the 30-day look-back: not synced.
    lb.add_listen(LB_USER, "Old Artist", "Old Song", now() - 60 * 86_400);
    let i = instance(Some(&lb), None, None).await;

    let c = i.me().connect_lb(LB_TOKEN).await;
    assert_eq!(c.state, connection::State::Connected as i32);
    assert_eq!(c.external_user, LB_USER);

    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    let s = i.me().summary().await;
    assert_eq!(s.listens, 2_500);
    assert_eq!(s.listens_by_source.get("listenbrainz"), Some(&2_500));
    let listens = i.me().listens().await;
    assert_eq!(listens.len(), 2_500);
    assert!(
        listens.windows(2).all(|w| w[0].played_at >= w[1].played_at),
        "newest first"
    );
    assert!(listens.iter().all(|l| l.title != "Old Song"));

    // A second run asks only for what is newer than the watermark and adds nothing.
    let queries_before = lb.listens_queries().len();
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Succeeded as i32);
    assert_eq!(i.me().summary().await.listens, 2_500);
    let later = &lb.listens_queries()[queries_before..];
    assert!(!later.is_empty());
    let newest = start + 2_499 * 60;
    assert!(
        later
            .iter()
            .all(|q| q.min_ts.is_some_and(|m| m >= newest - 1)),
        "second run started from the watermark: {later:?}"
    );

    // New listens arrive and are picked up.
    lb.add_listen(LB_USER, "New Artist", "New Song", now() - 30);
    i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(i.me().summary().await.listens, 2_501);
    i.running.shutdown().await;
}

#[tokio::test]
async fn the_same_play_from_two_sources_is_one_listen_with_both_sources() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    let fm = FakeLastFm::start().await;
    let t = now() - 3_600;
    // Same plays, spelled differently and up to 90 s apart.
    lb.add_listen(LB_USER, "Beyoncé", "Halo", t);
    fm.add_scrobble("Beyonce", "Halo", Some("I Am... Sasha Fierce"), t + 90);
    lb.add_listen(LB_USER, "Sigur Rós", "Hoppípolla", t + 600);
    fm.add_scrobble("Sigur Ros", "Hoppipolla", None, t + 560);
    // Different songs, and the same song far apart: separate listens.
    lb.add_listen(LB_USER, "Portishead", "Roads", t + 1_200);
    fm.add_scrobble("Portishead", "Glory Box", None, t + 1_200);
    fm.add_scrobble("Portishead", "Roads", None, t + 1_200 + 600);
    let i = instance(Some(&lb), Some(&fm), None).await;
    i.me().connect_lb(LB_TOKEN).await;
    connect_lastfm(&i, &fm).await;

    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    let listens = i.me().listens().await;
    assert_eq!(listens.len(), 5, "{listens:#?}");
    let both = [Provider::Lastfm as i32, Provider::Listenbrainz as i32];
    let merged: Vec<_> = listens
        .iter()
        .filter(|l| {
            let mut s = l.sources.clone();
            s.sort();
            s == both
        })
        .map(|l| l.title.as_str())
        .collect();
    assert_eq!(merged.len(), 2, "{listens:#?}");
    assert!(merged.contains(&"Halo") && merged.contains(&"Hoppípolla"));
    // Last.fm's album filled in what ListenBrainz lacked.
    let halo = listens.iter().find(|l| l.title == "Halo").unwrap();
    assert_eq!(halo.album, "I Am... Sasha Fierce");

    // Syncing again changes nothing.
    i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(i.me().listens().await.len(), 5);
    i.running.shutdown().await;
}

/// Last.fm desktop auth through the daemon: begin, approve on the fake, complete.
async fn connect_lastfm(i: &Instance, fm: &FakeLastFm) -> v1::Connection {
    let mut c = i.api.connections_as(&i.owner.access_token);
    let began = c
        .begin_connect(BeginConnectRequest {
            provider: Provider::Lastfm as i32,
        })
        .await
        .expect("begin Last.fm")
        .into_inner();
    let url = url::Url::parse(&began.authorize_url).unwrap();
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("token in the authorize URL");
    // Not approved yet: a clear error, and the flow may be retried.
    let early = c
        .complete_connect(CompleteConnectRequest {
            provider: Provider::Lastfm as i32,
            flow_id: began.flow_id.clone(),
            redirected_url: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::InvalidArgument, "{early:?}");
    fm.approve(&token, fm.user());
    let connected = c
        .complete_connect(CompleteConnectRequest {
            provider: Provider::Lastfm as i32,
            flow_id: began.flow_id.clone(),
            redirected_url: String::new(),
        })
        .await
        .expect("complete Last.fm")
        .into_inner();
    assert_eq!(connected.external_user, fm.user());
    // Single use.
    let replay = c
        .complete_connect(CompleteConnectRequest {
            provider: Provider::Lastfm as i32,
            flow_id: began.flow_id,
            redirected_url: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(replay.code(), Code::InvalidArgument);
    connected
}

#[tokio::test]
async fn spotify_approval_is_bound_to_its_session_and_single_use() {
    let sp = FakeSpotify::start().await;
    let i = instance(None, None, Some(&sp)).await;
    let other_session = i
        .api
        .sign_in(spotter_e2e::OWNER, spotter_e2e::OWNER_PW)
        .await
        .unwrap();
    let begin = |token: String| {
        let api = i.api.connections_as(&token);
        async move {
            let mut api = api;
            api.begin_connect(BeginConnectRequest {
                provider: Provider::Spotify as i32,
            })
            .await
            .unwrap()
            .into_inner()
        }
    };
    let complete = |token: String, url: String| {
        let api = i.api.connections_as(&token);
        async move {
            let mut api = api;
            api.complete_connect(CompleteConnectRequest {
                provider: Provider::Spotify as i32,
                flow_id: String::new(),
                redirected_url: url,
            })
            .await
        }
    };
    let mine = i.owner.access_token.clone();

    // A state that was never issued.
    let began = begin(mine.clone()).await;
    assert!(began.authorize_url.contains("code_challenge_method=S256"));
    let redirected = sp.approve(&began.authorize_url);
    let forged = replace_state(&redirected, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let e = complete(mine.clone(), forged).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    // The same user's other session may not finish it (and that uses it up).
    let e = complete(other_session.access_token.clone(), redirected.clone())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let e = complete(mine.clone(), redirected).await.unwrap_err();
    assert_eq!(
        e.code(),
        Code::InvalidArgument,
        "a flow that failed its check is gone"
    );
    assert_eq!(
        sp.code_exchanges(),
        0,
        "no code was exchanged for a bad state"
    );

    // The right session succeeds once; a replay fails.
    let began = begin(mine.clone()).await;
    let redirected = sp.approve(&began.authorize_url);
    let c = complete(mine.clone(), redirected.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.state, connection::State::Connected as i32);
    assert_eq!(c.external_user, spotter_e2e::fakes::spotify::USER_ID);
    let e = complete(mine.clone(), redirected).await.unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    assert_eq!(sp.code_exchanges(), 1);

    // Declining in the browser is a clear error.
    let began = begin(mine.clone()).await;
    let e = complete(mine, sp.deny(&began.authorize_url))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    i.running.shutdown().await;
}

fn replace_state(url: &str, state: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                state.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

#[tokio::test]
async fn spotify_history_syncs_with_a_refreshed_token() {
    let sp = FakeSpotify::start().await;
    // Tokens that expire within the refresh margin are refreshed before use.
    sp.set_token_lifetime(Duration::from_secs(120));
    let start_ms = (now() - 3 * 86_400) * 1000;
    sp.add_plays(120, start_ms, 180_000);
    let i = instance(None, None, Some(&sp)).await;
    let mut c = i.api.connections_as(&i.owner.access_token);
    let began = c
        .begin_connect(BeginConnectRequest {
            provider: Provider::Spotify as i32,
        })
        .await
        .unwrap()
        .into_inner();
    c.complete_connect(CompleteConnectRequest {
        provider: Provider::Spotify as i32,
        flow_id: String::new(),
        redirected_url: sp.approve(&began.authorize_url),
    })
    .await
    .unwrap();

    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(i.me().summary().await.listens, 120);
    assert!(
        sp.token_refreshes() >= 1,
        "the token was refreshed before use"
    );

    // A revoked grant is fatal: the connection waits for the user.
    sp.revoke();
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Failed as i32);
    assert!(run.error_fatal);
    let conn = i.me().connection(Provider::Spotify).await;
    assert_eq!(conn.state, connection::State::NeedsReconnect as i32);
    assert!(conn.last_error_fatal);
    i.running.shutdown().await;
}

#[tokio::test]
async fn a_fatal_error_blocks_the_job_until_reconnect() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 10, now() - 3_600, 60);
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    // The run a connect triggers goes first; the token is revoked after it.
    i.me().wait_idle().await;
    lb.revoke(LB_TOKEN);

    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Failed as i32);
    assert!(run.error_fatal, "{}", run.message);
    assert!(run.message.contains("reconnect"), "{}", run.message);
    let conn = i.me().connection(Provider::Listenbrainz).await;
    assert_eq!(conn.state, connection::State::NeedsReconnect as i32);
    let job = i.me().job(JobKind::HistorySync).await;
    assert_eq!(job.state, job::State::Blocked as i32);
    assert!(job.blocked_reason.contains("reconnect"));
    let e = i
        .api
        .jobs_as(&i.owner.access_token)
        .run_job(RunJobRequest {
            kind: JobKind::HistorySync as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);

    // Reconnecting with a valid token unblocks it.
    lb.add_user(LB_USER, "a-new-token-0000");
    i.me().connect_lb("a-new-token-0000").await;
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(i.me().summary().await.listens, 10);
    i.running.shutdown().await;
}

#[tokio::test]
async fn backoff_is_persisted_across_a_restart() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 5, now() - 3_600, 60);
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    i.me().wait_idle().await;
    // Every retry of the HTTP client fails too.
    for _ in 0..20 {
        lb.fault(Fault::Status(503));
    }
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Failed as i32);
    assert!(!run.error_fatal);
    let job = i.me().job(JobKind::HistorySync).await;
    assert_eq!(job.state, job::State::BackingOff as i32);
    assert_eq!(job.failures, 1);
    let wait = job.next_run_at - now();
    assert!(
        (20..=31).contains(&wait),
        "first backoff is about 30 s, got {wait}"
    );
    let conn = i.me().connection(Provider::Listenbrainz).await;
    assert_eq!(
        conn.state,
        connection::State::Connected as i32,
        "transient errors do not park"
    );
    assert!(!conn.last_error.is_empty());

    // Restart on the same data: same backoff, and no request before it expires.
    lb.faults().clear();
    let Instance { dirs, running, .. } = i;
    running.shutdown().await;
    let requests = lb.requests("/1/user/lb-listener/listens");
    let running = spotter_daemon::boot(
        dirs.config_with(settings_for(Some(&lb), None, None), Default::default()),
    )
    .await
    .unwrap();
    let api = spotter_e2e::Api::connect(running.socket_path()).await;
    let owner = api
        .sign_in(spotter_e2e::OWNER, spotter_e2e::OWNER_PW)
        .await
        .unwrap();
    let jobs = api
        .jobs_as(&owner.access_token)
        .list_jobs(ListJobsRequest {})
        .await
        .unwrap()
        .into_inner();
    let history = jobs
        .jobs
        .iter()
        .find(|j| j.kind == JobKind::HistorySync as i32)
        .unwrap();
    assert_eq!(history.failures, 1);
    assert_eq!(history.next_run_at, job.next_run_at);
    assert_eq!(history.state, job::State::BackingOff as i32);
    // Give the scheduler several ticks: it must not retry early.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(lb.requests("/1/user/lb-listener/listens"), requests);
    running.shutdown().await;
}

#[tokio::test]
async fn listens_from_other_sources_are_submitted_to_listenbrainz_once() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    let fm = FakeLastFm::start().await;
    let t = now() - 7_200;
    fm.add_scrobbles(1_250, t - 1_250 * 5, 5);
    // Already on ListenBrainz: never sent back.
    lb.add_listen(LB_USER, "Shared Artist", "Shared Song", t + 100);
    fm.add_scrobble("Shared Artist", "Shared Song", None, t + 130);
    let i = instance(Some(&lb), Some(&fm), None).await;
    i.me().connect_lb(LB_TOKEN).await;
    connect_lastfm(&i, &fm).await;
    let c = i
        .api
        .connections_as(&i.owner.access_token)
        .set_listen_submission(SetListenSubmissionRequest { enabled: true })
        .await
        .unwrap()
        .into_inner();
    assert!(c.submit_listens);

    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    let submitted = lb.submitted(LB_USER);
    assert_eq!(
        submitted.len(),
        1_250,
        "every Last.fm listen but the shared one"
    );
    assert_eq!(lb.submit_requests(), 2, "at most 1,000 per request");
    assert!(
        submitted
            .iter()
            .all(|l| l["track_metadata"]["track_name"] != "Shared Song")
    );

    // The next runs submit nothing again (the submitted listens now come back from
    // ListenBrainz itself and merge).
    i.me().run_job(JobKind::HistorySync).await;
    i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(lb.submitted(LB_USER).len(), 1_250);
    assert_eq!(i.me().summary().await.listens, 1_251);
    i.running.shutdown().await;
}

#[tokio::test]
async fn disconnect_deletes_the_credentials_and_keeps_the_listens() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 3, now() - 3_600, 60);
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    i.me().run_job(JobKind::HistorySync).await;
    let mut c = i.api.connections_as(&i.owner.access_token);
    assert!(
        c.disconnect(DisconnectRequest {
            provider: Provider::Listenbrainz as i32
        })
        .await
        .unwrap()
        .into_inner()
        .disconnected
    );
    let conn = i.me().connection(Provider::Listenbrainz).await;
    assert_eq!(conn.state, connection::State::NotConnected as i32);
    assert_eq!(i.me().summary().await.listens, 3);
    let pool = i.running.state().store.writer().clone();
    let creds: i64 = sqlx::query_scalar("SELECT count(*) FROM provider_credentials")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(creds, 0, "the sealed token is gone");
    // Nothing left to sync with.
    let e = i
        .api
        .jobs_as(&i.owner.access_token)
        .run_job(RunJobRequest {
            kind: JobKind::HistorySync as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    i.running.shutdown().await;
}

#[tokio::test]
async fn another_user_sees_none_of_it() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 7, now() - 3_600, 60);
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    i.me().run_job(JobKind::HistorySync).await;
    let bob = i.user("bob").await;
    let listens = i
        .api
        .history_as(&bob.access_token)
        .list_recent_listens(ListRecentListensRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listens.listens.is_empty());
    let conns = i
        .api
        .connections_as(&bob.access_token)
        .list_connections(ListConnectionsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(
        conns
            .connections
            .iter()
            .all(|c| c.state == connection::State::NotConnected as i32)
    );
    // Bob cannot cancel or disconnect the owner's things either: his own are empty.
    assert!(
        !i.api
            .jobs_as(&bob.access_token)
            .cancel_job(v1::CancelJobRequest {
                kind: JobKind::HistorySync as i32
            })
            .await
            .unwrap()
            .into_inner()
            .cancelled
    );
    i.running.shutdown().await;
}

#[tokio::test]
async fn a_running_job_can_be_cancelled_and_never_runs_twice() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 3_000, now() - 86_400, 20);
    // Slow pages (every request while the faults last).
    for _ in 0..50 {
        lb.fault(Fault::Delay(Duration::from_millis(300)));
    }
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    let mut jobs = i.api.jobs_as(&i.owner.access_token);
    let run_id = loop {
        match jobs
            .run_job(RunJobRequest {
                kind: JobKind::HistorySync as i32,
                ..Default::default()
            })
            .await
        {
            Ok(r) => break r.into_inner().run_id,
            Err(s) if s.code() == Code::AlreadyExists => {
                // The scheduler's first run; cancel it and take over.
                jobs.cancel_job(v1::CancelJobRequest {
                    kind: JobKind::HistorySync as i32,
                })
                .await
                .unwrap();
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(s) => panic!("{s:?}"),
        }
    };
    let again = jobs
        .run_job(RunJobRequest {
            kind: JobKind::HistorySync as i32,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    assert!(
        jobs.cancel_job(v1::CancelJobRequest {
            kind: JobKind::HistorySync as i32
        })
        .await
        .unwrap()
        .into_inner()
        .cancelled
    );
    let run = i.me().wait_run(run_id).await;
    assert_eq!(run.state, job_run::State::Cancelled as i32);
    // Whatever was committed is whole pages, never duplicated.
    // Pages of 1,000 overlap by one listen (the walk restarts a second before the
    // newest): whole pages only.
    let n = i.me().summary().await.listens;
    assert!([0, 1_000, 1_999, 2_998].contains(&n), "{n}");
    lb.faults().clear();
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Succeeded as i32);
    assert_eq!(i.me().summary().await.listens, 3_000);
    i.running.shutdown().await;
}

/// Events until the run `run_id` ends (heartbeats skipped).
async fn events_until_done(
    stream: &mut tonic::Streaming<v1::Event>,
    run_id: i64,
) -> Vec<v1::Event> {
    use v1::event::{Kind, job_progress::State};
    let mut out = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), stream.message())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream is open");
        let done = matches!(&event.kind, Some(Kind::JobProgress(p))
            if p.job_id == run_id.to_string()
                && [State::Succeeded as i32, State::Failed as i32, State::Cancelled as i32].contains(&p.state));
        if !matches!(event.kind, Some(Kind::Heartbeat(_))) {
            out.push(event);
        }
        if done {
            return out;
        }
    }
}

#[tokio::test]
async fn job_events_stream_live_resume_in_order_and_a_stalled_subscriber_blocks_nothing() {
    use v1::event::{Kind, job_progress::State};
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 5_000, now() - 5 * 86_400, 60);
    // The second page waits until this test has seen progress from the first: on a
    // fast machine the whole sync would otherwise end before a progress event.
    let gate = lb.hold_listens_after(1);
    let i = instance(Some(&lb), None, None).await;
    // Never read: its buffers fill up while the job runs.
    let _stalled = i.subscribe(&i.owner.access_token, 0, 0).await;
    let mut live = i.subscribe(&i.owner.access_token, 0, 0).await;
    i.me().connect_lb(LB_TOKEN).await;
    let mut seen = Vec::new();
    let first = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), live.message())
            .await
            .expect("an event in time")
            .unwrap()
            .expect("the stream is open");
        let running = match &event.kind {
            Some(Kind::JobProgress(p)) if p.state == State::Running as i32 && p.done > 0 => {
                Some(p.job_id.parse::<i64>().unwrap())
            }
            _ => None,
        };
        if !matches!(event.kind, Some(Kind::Heartbeat(_))) {
            seen.push(event);
        }
        if let Some(run) = running {
            break run;
        }
    };
    gate.open();
    seen.extend(events_until_done(&mut live, first).await);
    let progress: Vec<_> = seen
        .iter()
        .filter_map(|e| match &e.kind {
            Some(Kind::JobProgress(p)) if p.job_id == first.to_string() => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(progress.first().unwrap().state, State::Queued as i32);
    assert_eq!(progress.last().unwrap().state, State::Succeeded as i32);
    assert!(
        progress
            .iter()
            .any(|p| p.state == State::Running as i32 && p.done > 0)
    );
    assert!(seen.iter().any(|e| matches!(&e.kind, Some(Kind::NewListens(n)) if n.source() == v1::Provider::Listenbrainz && n.count == 5_000)));
    assert!(
        seen.iter()
            .any(|e| matches!(&e.kind, Some(Kind::Connection(c)) if c.upstream() == v1::Provider::Listenbrainz))
    );
    assert!(seen.windows(2).all(|w| w[1].seq == w[0].seq + 1), "no gaps");

    // Disconnect, let a run happen unseen, resume from the last sequence number.
    let last = seen.last().unwrap().clone();
    drop(live);
    lb.add_listens(LB_USER, 10, now() - 600, 30);
    let run = i.me().run_job(JobKind::HistorySync).await;
    assert_eq!(run.state, job_run::State::Succeeded as i32);
    let mut resumed = i
        .subscribe(&i.owner.access_token, last.seq, last.epoch)
        .await;
    let missed = events_until_done(&mut resumed, run.id).await;
    assert_eq!(
        missed.first().unwrap().seq,
        last.seq + 1,
        "resumes right after"
    );
    assert!(
        missed.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "in order"
    );
    assert!(
        missed
            .iter()
            .any(|e| matches!(&e.kind, Some(Kind::NewListens(n)) if n.count == 10))
    );
    i.running.shutdown().await;
}

#[tokio::test]
async fn everything_on_request_reaches_past_the_look_back() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 20, now() - 400 * 86_400, 86_400);
    lb.add_listens(LB_USER, 5, now() - 3_600, 60);
    let i = instance(Some(&lb), None, None).await;
    i.me().connect_lb(LB_TOKEN).await;
    i.me().wait_idle().await;
    assert_eq!(
        i.me().summary().await.listens,
        5,
        "the first sync reaches back 30 days"
    );

    let mut jobs = i.api.jobs_as(&i.owner.access_token);
    let e = jobs
        .run_job(RunJobRequest {
            kind: JobKind::LibrarySync as i32,
            everything: true,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
    let run_id = jobs
        .run_job(RunJobRequest {
            kind: JobKind::HistorySync as i32,
            everything: true,
        })
        .await
        .unwrap()
        .into_inner()
        .run_id;
    let run = i.me().wait_run(run_id).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(
        i.me().summary().await.listens,
        25,
        "older listens added, none twice"
    );
    i.running.shutdown().await;
}

#[tokio::test]
async fn global_concurrency_is_bounded_across_users() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user("ann-lb", "ann-token-0001");
    lb.add_user("bob-lb", "bob-token-0002");
    lb.add_listens("ann-lb", 3_000, now() - 86_400, 20);
    lb.add_listens("bob-lb", 3_000, now() - 86_400, 20);
    let mut s = settings_for(Some(&lb), None, None);
    s.sync.max_concurrent_jobs = 1;
    let i = Instance::with_settings(s).await;
    let bob = i.user("bob").await;
    // Slow pages, so the two syncs would overlap if they could.
    for _ in 0..40 {
        lb.fault(Fault::Delay(Duration::from_millis(150)));
    }
    for (token, lb_token) in [
        (&i.owner.access_token, "ann-token-0001"),
        (&bob.access_token, "bob-token-0002"),
    ] {
        i.api
            .connections_as(token)
            .connect_listen_brainz(ConnectListenBrainzRequest {
                token: lb_token.into(),
            })
            .await
            .unwrap();
    }
    // Connecting started both users' history syncs; sample who is working. Ann is
    // sampled before and after Bob: only when the same run of hers is working both
    // times while Bob's is working in between did the two overlap.
    let working = |jobs: &v1::ListJobsResponse| {
        jobs.jobs
            .iter()
            .filter_map(|j| j.current.as_ref())
            .find(|c| c.message != "queued")
            .map(|c| c.id)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut overlap, mut ann_done, mut bob_done) = (false, false, false);
    let finished = |r: &v1::ListJobsResponse| {
        r.recent_runs
            .iter()
            .any(|run| run.state == job_run::State::Succeeded as i32)
    };
    while !(ann_done && bob_done) {
        let list = |token: String| {
            let mut jobs = i.api.jobs_as(&token);
            async move {
                jobs.list_jobs(ListJobsRequest {})
                    .await
                    .unwrap()
                    .into_inner()
            }
        };
        let a1 = list(i.owner.access_token.clone()).await;
        let b = list(bob.access_token.clone()).await;
        let a2 = list(i.owner.access_token.clone()).await;
        overlap |= working(&a1).is_some() && working(&a1) == working(&a2) && working(&b).is_some();
        ann_done = finished(&a2);
        bob_done = finished(&b);
        assert!(Instant::now() < deadline, "the syncs did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !overlap,
        "two syncs ran at once with max_concurrent_jobs = 1"
    );
    let bob_summary = i
        .api
        .history_as(&bob.access_token)
        .get_summary(GetSummaryRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bob_summary.listens, 3_000);
    assert_eq!(i.me().summary().await.listens, 3_000);
    i.running.shutdown().await;
}
