//! The Last.fm client against the local Last.fm ([`FakeLastFm`]) over https: the
//! desktop auth flow, paging the scrobble history and its wire quirks, the error
//! envelope, transport failures, and that no error ever shows a secret.
//!
//! The fake checks the API key and every signature itself, so each successful signed
//! call below also proves the client's signing.

use std::{
    collections::HashSet,
    sync::Arc,
    time::{Duration, Instant},
};

use spotter_daemon::{
    crypto::SecretString,
    providers::{
        ProviderError,
        http::HttpSettings,
        lastfm::{LastFmClient, LastFmConfig, PAGE_SIZE},
    },
};
use spotter_e2e::fakes::{
    Fault,
    lastfm::{FakeLastFm, Track, catalogue_track},
};

/// 2024-05-01T00:00:00Z
const START: i64 = 1_714_521_600;

fn settings(fake: &FakeLastFm) -> HttpSettings {
    HttpSettings {
        extra_roots_pem: Some(Arc::new(fake.ca_pem().as_bytes().to_vec())),
        allow_networks: vec!["127.0.0.0/8".parse().unwrap()],
    }
}

fn config(fake: &FakeLastFm) -> LastFmConfig {
    LastFmConfig {
        api_url: fake.api_url(),
        auth_url: fake.auth_url(),
        ..LastFmConfig::new(fake.api_key(), SecretString::new(fake.shared_secret()))
    }
}

async fn start() -> (FakeLastFm, LastFmClient) {
    let fake = FakeLastFm::start().await;
    let client = LastFmClient::new(config(&fake), &settings(&fake)).unwrap();
    (fake, client)
}

/// A session for the fake's user, through the real desktop flow.
async fn connect(fake: &FakeLastFm, client: &LastFmClient) -> SecretString {
    let token = client.get_token().await.unwrap();
    fake.approve(&token, fake.user());
    client.get_session(&token).await.unwrap().key
}

/// Neither `Display` nor `Debug` of `err` contains any of `secrets`, or a query
/// parameter that carries one.
fn assert_secret_free(err: &ProviderError, secrets: &[&str]) {
    spotter_e2e::assert_secret_free(err, secrets, &["api_sig", "sk=", "token=", "?"]);
}

// ---------------------------------------------------------------------------------
// Desktop auth

#[tokio::test]
async fn the_desktop_auth_flow_runs_end_to_end() {
    let (fake, client) = start().await;

    let token = client.get_token().await.unwrap();
    assert_eq!(token.len(), 32, "{token}");
    let url = client.authorize_url(&token);
    assert!(url.as_str().starts_with(&fake.auth_url()), "{url}");
    let query: HashSet<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(query.contains(&("api_key".into(), fake.api_key().into())));
    assert!(query.contains(&("token".into(), token.clone())));

    fake.approve(&token, fake.user());
    let session = client.get_session(&token).await.unwrap();
    assert_eq!(session.name, fake.user());
    assert_eq!(session.key.expose().len(), 32);

    // The session key works for a signed call.
    fake.add_scrobbles(3, START, 60);
    let page = client
        .recent_tracks(fake.user(), Some(&session.key), None, None, 1)
        .await
        .unwrap();
    assert_eq!(page.listens.len(), 3);
    assert_eq!(fake.requests("auth.getToken"), 1);
    assert_eq!(fake.requests("auth.getSession"), 1);
    assert_eq!(fake.requests("user.getRecentTracks"), 1);
}

#[tokio::test]
async fn an_unapproved_token_asks_the_user_to_approve_first() {
    let (fake, client) = start().await;
    let token = client.get_token().await.unwrap();

    let err = client.get_session(&token).await.unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "approve the request on last.fm first, then try again"
    );
    assert!(!err.is_fatal());
    assert_secret_free(&err, &[&token, fake.shared_secret()]);

    // Approving afterwards still works with the same token.
    fake.approve(&token, "someone");
    assert_eq!(client.get_session(&token).await.unwrap().name, "someone");
}

#[tokio::test]
async fn a_token_is_good_for_one_session_only() {
    let (fake, client) = start().await;
    let token = client.get_token().await.unwrap();
    fake.approve(&token, fake.user());
    let session = client.get_session(&token).await.unwrap();

    let err = client.get_session(&token).await.unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert_eq!(err.to_string(), "the request expired; start again");
    assert_secret_free(&err, &[&token, session.key.expose(), fake.shared_secret()]);

    // A token Last.fm never issued (error 4 from auth.getSession): start again too.
    let err = client
        .get_session("ffffffffffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "the request expired; start again");
}

// ---------------------------------------------------------------------------------
// Configuration and transport

#[tokio::test]
async fn http_urls_are_refused_when_the_client_is_built() {
    let fake = FakeLastFm::start().await;
    let plain_api = LastFmConfig {
        api_url: fake.api_url().replace("https://", "http://"),
        ..config(&fake)
    };
    let plain_auth = LastFmConfig {
        auth_url: fake.auth_url().replace("https://", "http://"),
        ..config(&fake)
    };
    for cfg in [plain_api, plain_auth] {
        let err = LastFmClient::new(cfg, &settings(&fake)).unwrap_err();
        assert!(matches!(err, ProviderError::Refused { .. }), "{err:?}");
        assert!(
            err.to_string().contains("Last.fm URLs must use https"),
            "{err}"
        );
        assert_secret_free(&err, &[fake.shared_secret()]);
    }
}

#[tokio::test]
async fn a_server_certificate_from_an_unknown_ca_is_unavailable_not_a_panic() {
    let fake = FakeLastFm::start().await;
    let untrusting = HttpSettings {
        extra_roots_pem: None,
        allow_networks: vec!["127.0.0.0/8".parse().unwrap()],
    };
    let client = LastFmClient::new(config(&fake), &untrusting).unwrap();
    let err = client.get_token().await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.is_fatal());
    assert_secret_free(&err, &[fake.shared_secret()]);
    assert_eq!(
        fake.requests("auth.getToken"),
        0,
        "no request gets past the handshake"
    );
}

#[tokio::test]
async fn wrong_api_credentials_are_refused() {
    let fake = FakeLastFm::start().await;

    let wrong_key = LastFmConfig {
        api_key: "not-the-key".into(),
        ..config(&fake)
    };
    let client = LastFmClient::new(wrong_key, &settings(&fake)).unwrap();
    let err = client.get_token().await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("API key was refused"), "{err}");

    // The fake verifies signatures: a wrong shared secret is error 13.
    let wrong_secret = LastFmConfig {
        shared_secret: SecretString::new("not-the-secret"),
        ..config(&fake)
    };
    let client = LastFmClient::new(wrong_secret, &settings(&fake)).unwrap();
    let err = client.get_token().await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("signature"), "{err}");
    assert_secret_free(&err, &["not-the-secret", fake.shared_secret()]);
}

// ---------------------------------------------------------------------------------
// History

#[tokio::test]
async fn paging_450_scrobbles_returns_every_one_in_order() {
    let (fake, client) = start().await;
    fake.add_scrobbles(450, START, 60);

    let mut listens = Vec::new();
    let mut page_no = 1;
    loop {
        let page = client
            .recent_tracks(fake.user(), None, None, None, page_no)
            .await
            .unwrap();
        assert_eq!(page.page, page_no);
        assert_eq!(page.total_pages, 3);
        assert_eq!(page.total, 450);
        let expected_len = if page_no < 3 { PAGE_SIZE as usize } else { 50 };
        assert_eq!(page.listens.len(), expected_len, "page {page_no}");
        listens.extend(page.listens);
        if page_no == page.total_pages {
            break;
        }
        page_no += 1;
    }
    assert_eq!(fake.requests("user.getRecentTracks"), 3);
    assert_eq!(listens.len(), 450);
    assert!(
        listens.windows(2).all(|w| w[0].played_at > w[1].played_at),
        "newest first, no duplicates"
    );
    let refs: HashSet<&str> = listens.iter().map(|l| l.source_ref.as_str()).collect();
    assert_eq!(refs.len(), 450, "source refs are unique");

    // Exactly the scrobbles the fake holds, with their fields.
    for (n, listen) in listens.iter().enumerate() {
        let i = 449 - n;
        let track = catalogue_track(i);
        assert_eq!(listen.played_at, START + i as i64 * 60);
        assert_eq!(listen.artist, track.artist);
        assert_eq!(listen.title, track.title);
        assert_eq!(listen.album, track.album);
        assert_eq!(listen.recording_mbid, track.mbid);
        assert_eq!(
            listen.source_ref,
            format!(
                "{}:{}\u{1f}{}",
                listen.played_at,
                track.artist.to_lowercase(),
                track.title.to_lowercase()
            )
        );
    }

    // Past the end: an empty page, not an error.
    let beyond = client
        .recent_tracks(fake.user(), None, None, None, 4)
        .await
        .unwrap();
    assert!(beyond.listens.is_empty());
}

#[tokio::test]
async fn the_now_playing_row_is_skipped() {
    let (fake, client) = start().await;
    fake.add_scrobbles(3, START, 60);
    fake.set_now_playing(Some(
        Track::new("Now Artist", "Now Title").with_album("Now Album"),
    ));

    let page = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap();
    assert_eq!(page.listens.len(), 3);
    assert_eq!(page.total, 3);
    assert!(page.listens.iter().all(|l| l.artist != "Now Artist"));

    // Alone on its page, the now-playing row is a single object: still skipped.
    let (fake, client) = start().await;
    fake.set_now_playing(Some(Track::new("Now Artist", "Now Title")));
    let page = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap();
    assert!(page.listens.is_empty());
    assert_eq!((page.total, page.total_pages), (0, 0));
}

#[tokio::test]
async fn a_page_with_one_track_is_parsed() {
    let (fake, client) = start().await;
    fake.add_scrobble("Nina Simone", "Sinnerman", Some("Pastel Blues"), START);

    let page = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap();
    assert_eq!(page.listens.len(), 1);
    let listen = &page.listens[0];
    assert_eq!(listen.played_at, START);
    assert_eq!(listen.artist, "Nina Simone");
    assert_eq!(listen.title, "Sinnerman");
    assert_eq!(listen.album.as_deref(), Some("Pastel Blues"));
    assert_eq!(listen.recording_mbid, None);

    // The last page of 201 scrobbles holds one.
    fake.add_scrobbles(200, START + 60, 60);
    let page = client
        .recent_tracks(fake.user(), None, None, None, 2)
        .await
        .unwrap();
    assert_eq!((page.total, page.total_pages), (201, 2));
    assert_eq!(page.listens.len(), 1);
    assert_eq!(page.listens[0].title, "Sinnerman");
}

#[tokio::test]
async fn from_and_to_limit_the_range() {
    let (fake, client) = start().await;
    fake.add_scrobbles(100, START, 60);

    let from = START + 50 * 60;
    let page = client
        .recent_tracks(fake.user(), None, Some(from), None, 1)
        .await
        .unwrap();
    assert_eq!(page.total, 50);
    assert_eq!(page.listens.len(), 50);
    assert!(page.listens.iter().all(|l| l.played_at >= from));
    assert_eq!(page.listens.last().unwrap().played_at, from);

    let to = START + 9 * 60;
    let page = client
        .recent_tracks(fake.user(), None, Some(START), Some(to), 1)
        .await
        .unwrap();
    assert_eq!(page.total, 10);
    assert!(
        page.listens
            .iter()
            .all(|l| (START..=to).contains(&l.played_at))
    );
}

#[tokio::test]
async fn an_unknown_user_is_invalid() {
    let (_fake, client) = start().await;
    let err = client
        .recent_tracks("nobody-here", None, None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert!(!err.is_fatal());
}

#[tokio::test]
async fn writes_are_signed_posts_with_the_session() {
    let (fake, client) = start().await;
    let sk = connect(&fake, &client).await;
    client
        .write("track.love", &[("artist", "Björk"), ("track", "Jóga")], &sk)
        .await
        .unwrap();
    assert_eq!(
        fake.loved(),
        vec![(fake.user().to_string(), "Björk".into(), "Jóga".into())]
    );
}

// ---------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn a_revoked_session_is_fatal() {
    let (fake, client) = start().await;
    let sk = connect(&fake, &client).await;
    fake.revoke_sessions();

    let err = client
        .recent_tracks(fake.user(), Some(&sk), None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_fatal());
    assert_secret_free(&err, &[sk.expose(), fake.shared_secret()]);

    // The same error with HTTP 200 (Last.fm does both), echoing the key back.
    let sk = SecretString::new(fake.create_session(fake.user()));
    fake.faults().push(Fault::Body(
        200,
        format!(
            r#"{{"error":9,"message":"Invalid session key {} - Please re-authenticate"}}"#,
            sk.expose()
        ),
    ));
    let err = client
        .recent_tracks(fake.user(), Some(&sk), None, None, 1)
        .await
        .unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert_secret_free(&err, &[sk.expose(), fake.shared_secret()]);
}

#[tokio::test]
async fn error_29_is_rate_limited() {
    let (fake, client) = start().await;
    fake.faults().push(Fault::Body(
        200,
        r#"{"error":29,"message":"Rate limit exceeded"}"#.into(),
    ));
    let err = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RateLimited { .. }), "{err:?}");
    assert!(!err.is_fatal());
}

#[tokio::test]
async fn temporary_failures_are_unavailable() {
    let (fake, client) = start().await;
    for code in [8, 11, 16] {
        fake.faults().push(Fault::Body(
            200,
            format!(r#"{{"error":{code},"message":"try again later"}}"#),
        ));
        let err = client
            .recent_tracks(fake.user(), None, None, None, 1)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ProviderError::Unavailable { .. }),
            "{code}: {err:?}"
        );
        assert!(!err.to_string().contains("try again later"), "{err}");
    }
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried() {
    let (fake, client) = start().await;
    fake.add_scrobbles(5, START, 60);
    fake.faults().push(Fault::RetryAfter(503, 1));

    let started = Instant::now();
    let page = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap();
    assert_eq!(page.listens.len(), 5);
    assert_eq!(fake.requests("user.getRecentTracks"), 2);
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn malformed_and_oversized_answers_are_malformed() {
    let (fake, client) = start().await;

    fake.faults().push(Fault::MalformedJson);
    let err = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    fake.faults().push(Fault::Oversized(5 * 1024 * 1024));
    let err = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    // JSON, but not the documented shape.
    fake.faults()
        .push(Fault::Body(200, r#"{"recenttracks":{"track":[]}}"#.into()));
    let err = client
        .recent_tracks(fake.user(), None, None, None, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn no_error_shows_the_session_key_or_the_shared_secret() {
    let (fake, client) = start().await;
    let sk = connect(&fake, &client).await;
    let secrets = [sk.expose(), fake.shared_secret()];

    let faults = [
        Fault::Status(500),
        Fault::Status(404),
        Fault::MalformedJson,
        Fault::Oversized(5 * 1024 * 1024),
        Fault::Body(403, format!(r#"{{"error":4,"message":"{}"}}"#, sk.expose())),
        Fault::Body(
            200,
            format!(r#"{{"error":10,"message":"{}"}}"#, fake.shared_secret()),
        ),
        Fault::Body(200, r#"{"error":"x"}"#.into()),
    ];
    for fault in faults {
        // 5xx answers are retried: serve the fault to every attempt.
        fake.faults().clear();
        for _ in 0..3 {
            fake.faults().push(fault.clone());
        }
        let err = client
            .recent_tracks(fake.user(), Some(&sk), None, None, 1)
            .await
            .unwrap_err();
        assert_secret_free(&err, &secrets);
    }
}
