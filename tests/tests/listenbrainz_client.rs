//! The ListenBrainz client against a local server speaking the ListenBrainz wire
//! format ([`FakeListenBrainz`]): token validation, paging both ways, submission
//! limits and metadata, and how every upstream failure maps onto `ProviderError`
//! (fatal or not, with the server's wait), without ever showing the token.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use serde_json::json;
use spotter_daemon::{
    crypto::SecretString,
    providers::{
        ProviderError, RemoteListen,
        http::HttpSettings,
        listenbrainz::{
            ListenBrainzClient, ListenBrainzConfig, MAX_LISTENS_PER_GET, MAX_LISTENS_PER_SUBMIT,
            SubmitListen,
        },
    },
};
use spotter_e2e::fakes::{Fault, listenbrainz::FakeListenBrainz};

const USER: &str = "alice";
/// Distinctive, so a leak into any error text is unmistakable.
const TOKEN: &str = "5ec7e7-70ken-0f-a11ce-d0-n07-l0g";
const START_TS: i64 = 1_700_000_000;

fn client(lb: &FakeListenBrainz) -> ListenBrainzClient {
    ListenBrainzClient::new(
        ListenBrainzConfig {
            api_url: lb.api_url(),
        },
        &HttpSettings {
            allow_networks: vec!["127.0.0.0/8".parse().unwrap()],
            ..Default::default()
        },
    )
    .unwrap()
}

fn token() -> SecretString {
    SecretString::new(TOKEN)
}

async fn fake_with_user() -> (FakeListenBrainz, ListenBrainzClient) {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(USER, TOKEN);
    let c = client(&lb);
    (lb, c)
}

fn submit_listen(i: i64) -> SubmitListen {
    SubmitListen {
        listened_at: START_TS + i * 300,
        artist: format!("Artist {}", i % 7),
        title: format!("Song {i}"),
        album: None,
        duration_ms: None,
        isrc: None,
        recording_mbid: None,
    }
}

fn assert_newest_first(listens: &[RemoteListen]) {
    assert!(
        listens.windows(2).all(|w| w[0].played_at > w[1].played_at),
        "not newest first"
    );
}

#[tokio::test]
async fn validate_token_names_the_user_and_refuses_unknown_or_revoked_tokens() {
    let (lb, c) = fake_with_user().await;
    assert_eq!(c.validate_token(&token()).await.unwrap(), USER);
    // Pasted with surrounding whitespace.
    assert_eq!(
        c.validate_token(&SecretString::new(format!("  {TOKEN}\n")))
            .await
            .unwrap(),
        USER
    );

    let unknown = c
        .validate_token(&SecretString::new("not-a-known-token"))
        .await
        .unwrap_err();
    assert!(
        matches!(&unknown, ProviderError::Invalid { detail } if detail == "ListenBrainz did not accept this token"),
        "{unknown:?}"
    );
    assert!(!unknown.is_fatal());

    lb.revoke(TOKEN);
    let revoked = c.validate_token(&token()).await.unwrap_err();
    assert!(
        matches!(revoked, ProviderError::Invalid { .. }),
        "{revoked:?}"
    );

    // A server that answers 401 instead of `"valid": false`.
    lb.fault(Fault::Body(
        401,
        json!({"code": 401, "error": "Invalid authorization token."}).to_string(),
    ));
    let e = c.validate_token(&token()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");

    // Something that can never be a token is refused without a request.
    let before = lb.requests("/1/validate-token");
    let e = c
        .validate_token(&SecretString::new("two words"))
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    assert_eq!(lb.requests("/1/validate-token"), before);
}

#[tokio::test]
async fn a_forward_walk_with_min_ts_sees_every_listen_exactly_once() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 2500, START_TS, 60);

    let mut min_ts = START_TS - 1;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = c
            .listens(
                USER,
                Some(&token()),
                Some(min_ts),
                None,
                MAX_LISTENS_PER_GET,
            )
            .await
            .unwrap();
        if page.listens.is_empty() {
            assert_eq!((page.oldest_ts, page.newest_ts), (None, None));
            break;
        }
        pages += 1;
        assert_eq!(page.received, page.listens.len());
        assert_newest_first(&page.listens);
        // The oldest listens after min_ts: the page starts right after it.
        let first = if pages == 1 { START_TS } else { min_ts + 60 };
        assert_eq!(page.oldest_ts, Some(first));
        assert_eq!(page.newest_ts, Some(page.listens[0].played_at));
        seen.extend(page.listens);
        min_ts = page.newest_ts.unwrap();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 2500);
    let refs: HashSet<&str> = seen.iter().map(|l| l.source_ref.as_str()).collect();
    assert_eq!(refs.len(), 2500, "a listen came twice");
    let times: HashSet<i64> = seen.iter().map(|l| l.played_at).collect();
    let expected: HashSet<i64> = (0..2500).map(|i| START_TS + i * 60).collect();
    assert_eq!(times, expected);

    let queries = lb.listens_queries();
    assert_eq!(queries.len(), 4);
    assert!(queries.iter().all(|q| q.user == USER
        && q.max_ts.is_none()
        && q.count == Some(i64::from(MAX_LISTENS_PER_GET))));
}

#[tokio::test]
async fn a_backward_walk_with_max_ts_reaches_the_first_listen() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 250, START_TS, 30);

    let mut max_ts = None;
    let mut seen = Vec::new();
    loop {
        let page = c.listens(USER, None, None, max_ts, 100).await.unwrap();
        if page.listens.is_empty() {
            break;
        }
        assert_newest_first(&page.listens);
        if let Some(last) = seen.last().map(|l: &RemoteListen| l.played_at) {
            assert!(page.newest_ts.unwrap() < last, "pages overlap");
        }
        seen.extend(page.listens);
        max_ts = page.oldest_ts;
    }
    assert_eq!(seen.len(), 250);
    assert_newest_first(&seen);
    assert_eq!(seen.last().unwrap().played_at, START_TS);
    assert_eq!(seen[0].played_at, START_TS + 249 * 30);

    // The fake's metadata pattern, mapped: even listens carry an album, duration_ms,
    // an ISRC and an mbid_mapping; odd ones a duration in seconds.
    let by_title = |t: &str| seen.iter().find(|l| l.title == t).unwrap();
    let even = by_title("Track 4");
    assert_eq!(even.played_at, START_TS + 4 * 30);
    assert_eq!(even.artist, "Portishead");
    assert!(even.album.is_some());
    assert_eq!(even.duration_ms, Some(180_004));
    assert_eq!(even.isrc.as_deref(), Some("GBAAA0000004"));
    assert!(even.recording_mbid.is_some());
    let odd = by_title("Track 3");
    assert_eq!(odd.duration_ms, Some(203_000));
    assert!(odd.recording_mbid.is_some(), "from additional_info");
    assert!(by_title("Track 1").recording_mbid.is_none());
    assert_eq!((odd.album.as_deref(), odd.isrc.as_deref()), (None, None));

    // Both bounds: strictly between them, newest first.
    let between = c
        .listens(USER, None, Some(START_TS), Some(START_TS + 90), 10)
        .await
        .unwrap();
    let times: Vec<i64> = between.listens.iter().map(|l| l.played_at).collect();
    assert_eq!(times, [START_TS + 60, START_TS + 30]);
}

#[tokio::test]
async fn invalid_page_requests_are_refused_locally() {
    let (lb, c) = fake_with_user().await;
    for (min, max, count) in [
        (None, None, 0),
        (None, None, MAX_LISTENS_PER_GET + 1),
        (Some(10), Some(10), 10),
    ] {
        let e = c.listens(USER, None, min, max, count).await.unwrap_err();
        assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    }
    for bad in ["", ".", ".."] {
        let e = c.listens(bad, None, None, None, 10).await.unwrap_err();
        assert!(matches!(e, ProviderError::Invalid { .. }), "{bad:?}: {e:?}");
    }
    assert!(lb.listens_queries().is_empty());
}

#[tokio::test]
async fn submitting_1000_listens_works_and_1001_are_refused_before_sending() {
    let (lb, c) = fake_with_user().await;
    let listens: Vec<SubmitListen> = (0..1001).map(submit_listen).collect();

    c.submit_listens(&token(), &listens[..MAX_LISTENS_PER_SUBMIT])
        .await
        .unwrap();
    assert_eq!(lb.submit_requests(), 1);
    let submitted = lb.submitted(USER);
    assert_eq!(submitted.len(), 1000);
    assert_eq!(submitted[999]["listened_at"], json!(START_TS + 999 * 300));
    assert_eq!(lb.history(USER).len(), 1000);

    let too_many = c.submit_listens(&token(), &listens).await.unwrap_err();
    assert!(
        matches!(too_many, ProviderError::Invalid { .. }),
        "{too_many:?}"
    );
    let empty = c.submit_listens(&token(), &[]).await.unwrap_err();
    assert!(matches!(empty, ProviderError::Invalid { .. }), "{empty:?}");
    let mut blank = submit_listen(1);
    blank.artist = "  ".into();
    let blank = c.submit_listens(&token(), &[blank]).await.unwrap_err();
    assert!(matches!(blank, ProviderError::Invalid { .. }), "{blank:?}");

    assert_eq!(
        lb.submit_requests(),
        1,
        "a refused submission reached the server"
    );
    assert_eq!(lb.submitted(USER).len(), 1000);
}

#[tokio::test]
async fn submitted_metadata_arrives_intact() {
    let (lb, c) = fake_with_user().await;
    let full = SubmitListen {
        listened_at: START_TS,
        artist: "Sigur Rós".into(),
        title: "Hoppípolla".into(),
        album: Some("Takk...".into()),
        duration_ms: Some(268_000),
        isrc: Some("GBAYE0500595".into()),
        recording_mbid: Some("9c4f1d2e-3b6a-4f5e-8d7c-1a2b3c4d5e6f".into()),
    };
    let sparse = SubmitListen {
        listened_at: START_TS + 400,
        artist: "Múm".into(),
        title: "Green Grass of Tunnel".into(),
        album: None,
        duration_ms: None,
        isrc: None,
        recording_mbid: None,
    };
    c.submit_listens(&token(), &[full.clone(), sparse.clone()])
        .await
        .unwrap();

    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        lb.submitted(USER),
        [
            json!({"listened_at": START_TS, "track_metadata": {
            "artist_name": "Sigur Rós",
            "track_name": "Hoppípolla",
            "release_name": "Takk...",
            "additional_info": {
                "duration_ms": 268_000,
                "isrc": "GBAYE0500595",
                "recording_mbid": "9c4f1d2e-3b6a-4f5e-8d7c-1a2b3c4d5e6f",
                "submission_client": "spotter",
                "submission_client_version": version,
            }}}),
            json!({"listened_at": START_TS + 400, "track_metadata": {
            "artist_name": "Múm",
            "track_name": "Green Grass of Tunnel",
            "additional_info": {
                "submission_client": "spotter",
                "submission_client_version": version,
            }}}),
        ]
    );

    // And reading them back gives the same plays.
    let page = c.listens(USER, None, None, None, 10).await.unwrap();
    assert_eq!(page.listens.len(), 2);
    let back = &page.listens[1];
    assert_eq!(
        (
            back.played_at,
            back.artist.as_str(),
            back.title.as_str(),
            back.album.as_deref(),
            back.duration_ms,
            back.isrc.as_deref(),
            back.recording_mbid.as_deref()
        ),
        (
            full.listened_at,
            full.artist.as_str(),
            full.title.as_str(),
            full.album.as_deref(),
            full.duration_ms,
            full.isrc.as_deref(),
            full.recording_mbid.as_deref()
        )
    );
    assert_eq!(page.listens[0].title, sparse.title);
}

#[tokio::test]
async fn refused_tokens_and_vanished_users_are_fatal() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 3, START_TS, 60);

    lb.fault(Fault::Body(
        401,
        json!({"code": 401, "error": "Invalid authorization token."}).to_string(),
    ));
    let e = c
        .listens(USER, Some(&token()), None, None, 10)
        .await
        .unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
    assert!(matches!(e, ProviderError::Unauthorized { .. }));

    let e = c
        .listens("bob-renamed", None, None, None, 10)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ProviderError::Unauthorized { reason } if reason == "the ListenBrainz user no longer exists"),
        "{e:?}"
    );

    lb.revoke(TOKEN);
    let e = c
        .submit_listens(&token(), &[submit_listen(0)])
        .await
        .unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
    assert!(lb.submitted(USER).is_empty());
}

#[tokio::test]
async fn a_short_rate_limit_on_a_get_is_waited_out_and_retried() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 5, START_TS, 60);
    lb.fault(Fault::ResetIn(1));

    let started = Instant::now();
    let page = c.listens(USER, None, None, None, 10).await.unwrap();
    assert_eq!(page.listens.len(), 5);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(lb.requests(&format!("/1/user/{USER}/listens")), 2);
}

#[tokio::test]
async fn a_long_rate_limit_comes_back_with_the_servers_wait() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 5, START_TS, 60);

    lb.fault(Fault::ResetIn(3600));
    let started = Instant::now();
    let e = c.listens(USER, None, None, None, 10).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "it slept");
    assert!(!e.is_fatal());
    let wait = e.retry_after().expect("a wait");
    assert!(
        wait.abs_diff(Duration::from_secs(3600)) <= Duration::from_secs(1),
        "{wait:?}"
    );
    assert!(matches!(e, ProviderError::RateLimited { .. }), "{e:?}");
    assert_eq!(lb.requests(&format!("/1/user/{USER}/listens")), 1);

    // A POST is never replayed, however short the wait: the scheduler reschedules.
    lb.fault(Fault::ResetIn(2));
    let e = c
        .submit_listens(&token(), &[submit_listen(0)])
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(2)), "{e:?}");
    assert_eq!(lb.submit_requests(), 1);
    assert!(lb.submitted(USER).is_empty());
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_unavailable() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 5, START_TS, 60);
    let path = format!("/1/user/{USER}/listens");

    lb.fault(Fault::Status(503));
    let page = c.listens(USER, None, None, None, 10).await.unwrap();
    assert_eq!(page.listens.len(), 5);
    assert_eq!(lb.requests(&path), 2);

    for _ in 0..3 {
        lb.fault(Fault::Status(503));
    }
    let e = c.listens(USER, None, None, None, 10).await.unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");
    assert!(!e.is_fatal());
    assert_eq!(lb.requests(&path), 5);

    // A POST gets one attempt.
    lb.fault(Fault::Status(502));
    let e = c
        .submit_listens(&token(), &[submit_listen(0)])
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");
    assert_eq!(lb.submit_requests(), 1);
}

#[tokio::test]
async fn answers_that_are_not_the_wire_format_are_malformed() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 5, START_TS, 60);

    lb.fault(Fault::MalformedJson);
    let e = c.listens(USER, None, None, None, 10).await.unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");

    lb.fault(Fault::MalformedJson);
    let e = c.validate_token(&token()).await.unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");

    // Valid JSON, wrong shape.
    lb.fault(Fault::Body(
        200,
        json!({"payload": {"count": 1}}).to_string(),
    ));
    let e = c.listens(USER, None, None, None, 10).await.unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");

    // Over the 8 MiB cap.
    lb.fault(Fault::Oversized(9 * 1024 * 1024));
    let e = c.listens(USER, None, None, None, 10).await.unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
}

#[tokio::test]
async fn a_bad_request_is_invalid_without_the_upstream_text() {
    let (lb, c) = fake_with_user().await;
    lb.fault(Fault::Body(
        400,
        json!({"code": 400, "error": "upstream says <script>"}).to_string(),
    ));
    let e = c
        .submit_listens(&token(), &[submit_listen(0)])
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("upstream says"), "{e:?}");
}

#[tokio::test]
async fn user_names_travel_as_one_encoded_path_segment() {
    let (lb, c) = fake_with_user().await;
    let odd = "we/ird?name#x y";
    lb.add_listens(odd, 3, START_TS, 60);
    lb.add_listens("we", 7, START_TS, 60);

    let page = c.listens(odd, None, None, None, 10).await.unwrap();
    assert_eq!(page.listens.len(), 3);
    assert_eq!(lb.requests("/1/user/we%2Fird%3Fname%23x%20y/listens"), 1);
    assert_eq!(lb.requests("/1/user/we/listens"), 0);
    let queries = lb.listens_queries();
    assert_eq!(queries.len(), 1);
    assert_eq!(queries[0].user, odd);
    assert_eq!(queries[0].count, Some(10));
}

#[tokio::test]
async fn no_error_ever_shows_the_token() {
    let (lb, c) = fake_with_user().await;
    lb.add_listens(USER, 2, START_TS, 60);
    let t = token();
    let mut errors = Vec::new();

    lb.fault(Fault::Body(
        401,
        json!({"code": 401, "error": format!("bad token {TOKEN}")}).to_string(),
    ));
    errors.push(c.listens(USER, Some(&t), None, None, 10).await.unwrap_err());
    lb.fault(Fault::Body(
        400,
        json!({"code": 400, "error": format!("echo {TOKEN}")}).to_string(),
    ));
    errors.push(c.submit_listens(&t, &[submit_listen(0)]).await.unwrap_err());
    lb.fault(Fault::ResetIn(3600));
    errors.push(c.submit_listens(&t, &[submit_listen(0)]).await.unwrap_err());
    lb.fault(Fault::Status(500));
    errors.push(c.submit_listens(&t, &[submit_listen(0)]).await.unwrap_err());
    lb.fault(Fault::MalformedJson);
    errors.push(c.listens(USER, Some(&t), None, None, 10).await.unwrap_err());
    errors.push(c.listens(USER, Some(&t), None, None, 0).await.unwrap_err());
    lb.revoke(TOKEN);
    errors.push(c.validate_token(&t).await.unwrap_err());
    errors.push(c.submit_listens(&t, &[submit_listen(0)]).await.unwrap_err());
    errors.push(
        c.submit_listens(&t, &vec![submit_listen(0); MAX_LISTENS_PER_SUBMIT + 1])
            .await
            .unwrap_err(),
    );
    // Nothing listening: a transport error.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let nowhere = ListenBrainzClient::new(
        ListenBrainzConfig {
            api_url: format!("http://127.0.0.1:{port}/"),
        },
        &HttpSettings::default(),
    )
    .unwrap();
    let e = nowhere
        .submit_listens(&t, &[submit_listen(0)])
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Unavailable { .. }), "{e:?}");
    errors.push(e);

    assert_eq!(errors.len(), 10);
    for e in &errors {
        let shown = format!("{e} | {e:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains("70ken"), "{shown}");
    }
    assert!(!format!("{c:?}").contains(TOKEN));
}

#[tokio::test]
async fn the_fake_announces_its_rate_limit_on_every_answer() {
    use spotter_daemon::providers::http::{HttpClient, Policy};
    let (lb, _) = fake_with_user().await;
    let http = HttpClient::builder(Policy::operator_configured(&lb.api_url()).unwrap())
        .build()
        .unwrap();
    let mut remaining = Vec::new();
    for path in [
        "1/validate-token",
        "1/user/alice/listens",
        "1/user/nobody/listens",
    ] {
        let response = http
            .get(format!("{}{path}", lb.api_url()))
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{path}: no {name}"))
        };
        assert!(header("x-ratelimit-limit") > 0);
        assert!(header("x-ratelimit-reset-in") > 0);
        remaining.push(header("x-ratelimit-remaining"));
    }
    assert!(remaining.windows(2).all(|w| w[1] < w[0]), "{remaining:?}");
}
