//! The Spotify client against the local Spotify server (`spotter_e2e::fakes::spotify`):
//! the PKCE connect flow, token refresh and revocation, walking recently played
//! forward with the `after` cursor, and every failure the Web API and the accounts
//! service produce, mapped to a [`ProviderError`] that never carries a token or a code.

use std::time::{Duration, Instant};

use spotter_daemon::{
    crypto::SecretString,
    providers::{
        ProviderError, RemoteListen,
        http::HttpSettings,
        spotify::{
            PkceVerifier, REFRESH_MARGIN_SECS, SCOPES, SpotifyClient, SpotifyConfig, SpotifyTokens,
            new_state,
        },
    },
};
use spotter_e2e::{
    fakes::{
        Fault,
        spotify::{self as fake, Endpoint, FakeSpotify, Play},
    },
    now,
};

const MIB: usize = 1024 * 1024;
/// A play time with milliseconds, so truncation to seconds is visible.
const START_MS: i64 = 1_714_566_896_789;

fn settings() -> HttpSettings {
    HttpSettings {
        allow_networks: vec!["127.0.0.0/8".parse().unwrap()],
        ..Default::default()
    }
}

fn config(fake: &FakeSpotify) -> SpotifyConfig {
    SpotifyConfig {
        client_id: fake::CLIENT_ID.into(),
        redirect_uri: fake::REDIRECT_URI.into(),
        accounts_url: fake.accounts_url(),
        api_url: fake.api_url(),
    }
}

fn client(fake: &FakeSpotify) -> SpotifyClient {
    SpotifyClient::new(config(fake), &settings()).unwrap()
}

/// Neither `Display` nor `Debug` of `err` holds any of `secrets` or a query string.
fn assert_secret_free(err: &ProviderError, secrets: &[&str]) {
    spotter_e2e::assert_secret_free(
        err,
        secrets,
        &[
            "code=",
            "state=",
            "after=",
            "limit=",
            "refresh_token=",
            "Bearer",
        ],
    );
}

/// What the connect flow produced, secrets included for leak checks.
struct Connected {
    client: SpotifyClient,
    tokens: SpotifyTokens,
    code: String,
}

impl Connected {
    fn secrets(&self) -> [&str; 3] {
        [
            self.tokens.access_token.expose(),
            self.tokens.refresh_token.expose(),
            &self.code,
        ]
    }
}

/// The whole PKCE flow: authorize URL → consent → pasted redirect → exchange.
async fn connect(fake: &FakeSpotify) -> Connected {
    let client = client(fake);
    let verifier = PkceVerifier::generate();
    let state = new_state();
    let url = client.authorize_url(&state, &verifier.challenge());
    let redirect = client.parse_redirect(&fake.approve(url.as_str())).unwrap();
    assert_eq!(redirect.state, state);
    let code = redirect.code.expose().to_string();
    let tokens = client
        .exchange_code(&redirect.code, &verifier)
        .await
        .unwrap();
    Connected {
        client,
        tokens,
        code,
    }
}

/// An approved consent: the redirect URL the user would paste, and the verifier.
fn consent(fake: &FakeSpotify, client: &SpotifyClient) -> (String, PkceVerifier) {
    let verifier = PkceVerifier::generate();
    let url = client.authorize_url(&new_state(), &verifier.challenge());
    (fake.approve(url.as_str()), verifier)
}

// ---------------------------------------------------------------------------------
// Connecting

#[tokio::test]
async fn pkce_flow_connects_and_reads_the_profile() {
    let fake = FakeSpotify::start().await;
    let before = now();
    let c = connect(&fake).await;

    assert_eq!(fake.code_exchanges(), 1);
    let t = &c.tokens;
    assert!(t.access_token.expose().starts_with("BQfake-access-"));
    assert!(t.refresh_token.expose().starts_with("AQfake-refresh-"));
    assert_eq!(t.scope, SCOPES);
    let lifetime = fake::DEFAULT_TOKEN_LIFETIME.as_secs() as i64;
    assert!(
        (before + lifetime..=now() + lifetime).contains(&t.expires_at),
        "{}",
        t.expires_at
    );
    assert!(!t.needs_refresh(now()));
    assert!(t.needs_refresh(t.expires_at - REFRESH_MARGIN_SECS));

    // The stored form round-trips and the tokens work.
    let restored = SpotifyTokens::from_json(&t.to_json()).unwrap();
    assert_eq!(&restored, t);
    let shown = format!("{t:?}");
    for s in c.secrets() {
        assert!(!shown.contains(s), "{shown}");
    }
    let profile = c.client.me(&restored.access_token).await.unwrap();
    assert_eq!(profile.id, fake::USER_ID);
    assert_eq!(profile.display_name.as_deref(), Some(fake::DISPLAY_NAME));
    assert_eq!(fake.requests(Endpoint::Me), 1);
}

#[tokio::test]
async fn the_fake_refuses_an_authorize_url_spotify_would_refuse() {
    // Guards the fake itself: the consent step really checks what it is given.
    let fake = FakeSpotify::start().await;
    let other = SpotifyClient::new(
        SpotifyConfig {
            client_id: "someone-elses-app".into(),
            ..config(&fake)
        },
        &settings(),
    )
    .unwrap();
    let verifier = PkceVerifier::generate();
    let url = other.authorize_url("s", &verifier.challenge());
    assert!(
        fake.try_approve(url.as_str())
            .unwrap_err()
            .contains("INVALID_CLIENT")
    );
    let url = client(&fake).authorize_url("s", "too-short-to-be-a-sha256");
    assert!(fake.try_approve(url.as_str()).is_err());
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_spends_the_code() {
    let fake = FakeSpotify::start().await;
    let client = client(&fake);
    let (redirected, verifier) = consent(&fake, &client);
    let redirect = client.parse_redirect(&redirected).unwrap();

    let wrong = PkceVerifier::generate();
    let err = client
        .exchange_code(&redirect.code, &wrong)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert!(!err.is_fatal());
    assert!(err.to_string().contains("start connecting again"), "{err}");
    assert_secret_free(
        &err,
        &[
            redirect.code.expose(),
            wrong.secret().expose(),
            verifier.secret().expose(),
        ],
    );

    // The failed attempt spent the code: the right verifier is too late now.
    let err = client
        .exchange_code(&redirect.code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert_eq!(fake.code_exchanges(), 0);
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    let fake = FakeSpotify::start().await;
    let client = client(&fake);
    let (redirected, verifier) = consent(&fake, &client);
    let redirect = client.parse_redirect(&redirected).unwrap();
    let tokens = client
        .exchange_code(&redirect.code, &verifier)
        .await
        .unwrap();

    let err = client
        .exchange_code(&redirect.code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert!(!err.is_fatal());
    assert_secret_free(
        &err,
        &[
            redirect.code.expose(),
            verifier.secret().expose(),
            tokens.access_token.expose(),
        ],
    );
    assert_eq!(fake.code_exchanges(), 1);
    assert_eq!(fake.requests(Endpoint::Token), 2);
}

#[tokio::test]
async fn declined_consent_says_the_user_declined() {
    let fake = FakeSpotify::start().await;
    let client = client(&fake);
    let state = new_state();
    let url = client.authorize_url(&state, &PkceVerifier::generate().challenge());
    let redirected = fake.deny(url.as_str());
    assert!(redirected.contains("error=access_denied"), "{redirected}");

    let err = client.parse_redirect(&redirected).unwrap_err();
    assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("declined"), "{err}");
    assert!(!err.is_fatal());
    assert_eq!(fake.requests(Endpoint::Token), 0);
}

#[tokio::test]
async fn pasted_redirects_are_tolerated_or_refused_clearly() {
    let fake = FakeSpotify::start().await;
    let client = client(&fake);
    let (redirected, verifier) = consent(&fake, &client);
    let code = client
        .parse_redirect(&redirected)
        .unwrap()
        .code
        .expose()
        .to_string();
    assert!(redirected.starts_with("http://127.0.0.1:8888/callback?"));

    // How users paste: with whitespace, the host as they typed it, no scheme.
    for pasted in [
        format!("\n  {redirected}  \r\n"),
        redirected.replace("127.0.0.1", "localhost"),
        redirected.replace("http://", ""),
    ] {
        let r = client.parse_redirect(&pasted).unwrap();
        assert_eq!(r.code.expose(), code, "{pasted}");
    }

    let refused = |pasted: &str, needle: &str| {
        let err = client.parse_redirect(pasted).unwrap_err();
        assert!(matches!(err, ProviderError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains(needle), "{pasted}: {err}");
        assert_secret_free(&err, &[&code]);
    };
    let without_state = redirected.split("&state=").next().unwrap().to_string();
    refused(&without_state, "no state");
    refused(
        &redirected.replace("code=", "kode="),
        "no authorization code",
    );
    refused(&redirected.replace("/callback", "/elsewhere"), "/callback");
    refused(
        &format!("{redirected}&pad={}", "x".repeat(2048)),
        "too long",
    );
    refused(&format!("the code is {code}"), "not a web address");
    refused("   ", "nothing was pasted");

    // Tolerating whitespace kept the code intact: the exchange works.
    let r = client.parse_redirect(&format!(" {redirected}\n")).unwrap();
    client.exchange_code(&r.code, &verifier).await.unwrap();
}

// ---------------------------------------------------------------------------------
// Tokens

#[tokio::test]
async fn refresh_keeps_the_old_refresh_token_when_none_is_returned() {
    let fake = FakeSpotify::start().await;
    fake.set_rotate_refresh_tokens(false);
    let c = connect(&fake).await;

    let refreshed = c.client.refresh(&c.tokens.refresh_token).await.unwrap();
    assert_ne!(refreshed.access_token, c.tokens.access_token);
    assert_eq!(refreshed.refresh_token, c.tokens.refresh_token);
    assert_eq!(refreshed.scope, SCOPES);
    assert!(!refreshed.needs_refresh(now()));
    c.client.me(&refreshed.access_token).await.unwrap();

    // The kept token is the one that works next time.
    let again = c.client.refresh(&refreshed.refresh_token).await.unwrap();
    c.client.me(&again.access_token).await.unwrap();
    assert_eq!(fake.token_refreshes(), 2);
}

#[tokio::test]
async fn refresh_takes_a_rotated_refresh_token() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;

    let refreshed = c.client.refresh(&c.tokens.refresh_token).await.unwrap();
    assert_ne!(refreshed.refresh_token, c.tokens.refresh_token);
    c.client.me(&refreshed.access_token).await.unwrap();

    let err = c.client.refresh(&c.tokens.refresh_token).await.unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert_secret_free(&err, &c.secrets());
    c.client.refresh(&refreshed.refresh_token).await.unwrap();
}

#[tokio::test]
async fn refresh_after_revoke_is_fatal() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    fake.revoke();

    let err = c.client.refresh(&c.tokens.refresh_token).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_fatal());
    assert!(err.to_string().contains("reconnect"), "{err}");
    assert_secret_free(&err, &c.secrets());

    let err = c.client.me(&c.tokens.access_token).await.unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert_secret_free(&err, &c.secrets());
}

#[tokio::test]
async fn an_expired_access_token_is_refused_until_refreshed() {
    let fake = FakeSpotify::start().await;
    fake.set_token_lifetime(Duration::from_secs(60));
    let c = connect(&fake).await;
    // A 60 s token is inside the refresh margin from the start.
    assert!(c.tokens.needs_refresh(now()));

    fake.expire_access_tokens();
    let err = c
        .client
        .recently_played(&c.tokens.access_token, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_fatal());
    assert_secret_free(&err, &c.secrets());

    let refreshed = c.client.refresh(&c.tokens.refresh_token).await.unwrap();
    c.client
        .recently_played(&refreshed.access_token, 0)
        .await
        .unwrap();
}

#[tokio::test]
async fn token_endpoint_failures_map_to_clear_errors() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    let refresh = &c.tokens.refresh_token;

    // A client id Spotify does not know: a configuration problem, not the user's.
    let misconfigured = SpotifyClient::new(
        SpotifyConfig {
            client_id: "not-registered".into(),
            ..config(&fake)
        },
        &settings(),
    )
    .unwrap();
    let err = misconfigured.refresh(refresh).await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err:?}");
    assert!(!err.is_fatal());
    assert_secret_free(&err, &c.secrets());

    fake.token_faults().push(Fault::Status(503));
    let err = c.client.refresh(refresh).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.is_fatal());

    fake.token_faults().push(Fault::RetryAfter(429, 30));
    let err = c.client.refresh(refresh).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)), "{err:?}");
    assert!(!err.is_fatal());

    // An upstream description echoing secrets never reaches the error.
    let echo = serde_json::json!({
        "error": "invalid_grant",
        "error_description": format!("Refresh token revoked: {} (code {})", refresh.expose(), c.code),
    });
    fake.token_faults().push(Fault::Body(400, echo.to_string()));
    let err = c.client.refresh(refresh).await.unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert!(!err.to_string().contains("revoked:"), "{err}");
    assert_secret_free(&err, &c.secrets());

    // Not a bearer token, or no refresh token at the first exchange: not believed.
    fake.token_faults().push(Fault::Body(
        200,
        r#"{"access_token":"x","token_type":"mac","expires_in":3600}"#.into(),
    ));
    let err = c.client.refresh(refresh).await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
    let (redirected, verifier) = consent(&fake, &c.client);
    let r = c.client.parse_redirect(&redirected).unwrap();
    fake.token_faults().push(Fault::Body(
        200,
        r#"{"access_token":"x","token_type":"Bearer","expires_in":3600}"#.into(),
    ));
    let err = c
        .client
        .exchange_code(&r.code, &verifier)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    // The real refresh token still works after all that.
    c.client.refresh(refresh).await.unwrap();
}

// ---------------------------------------------------------------------------------
// Recently played

/// What the client must make of a fake play.
fn expected_listen(p: &Play) -> RemoteListen {
    RemoteListen {
        // Spotify stamps the end of a play; the listen starts a duration earlier.
        played_at: (p.played_at_ms - p.duration_ms).div_euclid(1000),
        artist: p.artists.join(", "),
        album: Some(p.album.clone()),
        title: p.name.clone(),
        duration_ms: Some(p.duration_ms),
        isrc: p.isrc.clone(),
        recording_mbid: None,
        source_ref: format!("{}:{}", p.played_at_ms, p.track_id),
    }
}

#[tokio::test]
async fn recently_played_walks_forward_over_120_plays_once_each() {
    let fake = FakeSpotify::start().await;
    fake.add_plays(120, START_MS, 61_000);
    let c = connect(&fake).await;
    let access = &c.tokens.access_token;

    let mut after = 0;
    let mut page_sizes = Vec::new();
    let mut walked: Vec<RemoteListen> = Vec::new();
    loop {
        let page = c.client.recently_played(access, after).await.unwrap();
        page_sizes.push(page.listens.len());
        assert!(
            page.listens
                .windows(2)
                .all(|w| w[0].played_at > w[1].played_at),
            "a page is newest first"
        );
        let Some(next) = page.next_after_ms else {
            assert!(page.listens.is_empty());
            break;
        };
        assert!(next > after, "the cursor moves forward");
        after = next;
        walked.extend(page.listens.into_iter().rev());
        assert!(page_sizes.len() < 10, "the walk does not end");
    }
    assert_eq!(page_sizes, [50, 50, 20, 0]);
    let expected: Vec<RemoteListen> = fake.plays().iter().map(expected_listen).collect();
    assert_eq!(walked, expected);
    // Spot checks of the mapping itself, not only against the helper.
    assert_eq!(
        walked[0].played_at,
        (fake.plays()[0].played_at_ms - fake.plays()[0].duration_ms).div_euclid(1000)
    );
    assert!(walked[0].played_at < fake.plays()[0].played_at_ms / 1000 - 100);
    assert_eq!(walked[0].artist, "Stereolab, Feist");
    assert_eq!(walked[1].artist, "Broadcast");
    assert_eq!(walked[3].isrc, None);

    let queries = fake.recent_queries();
    assert!(queries.iter().all(|q| q.limit.as_deref() == Some("50")));
    let plays = fake.plays();
    let cursors: Vec<Option<String>> = queries.iter().map(|q| q.after.clone()).collect();
    assert_eq!(
        cursors,
        [
            Some("0".to_string()),
            Some(plays[49].played_at_ms.to_string()),
            Some(plays[99].played_at_ms.to_string()),
            Some(plays[119].played_at_ms.to_string()),
        ]
    );

    // New plays after the walk are exactly what the next sync gets.
    fake.add_plays(3, plays[119].played_at_ms + 1, 1_000);
    let page = c.client.recently_played(access, after).await.unwrap();
    let got: Vec<String> = page.listens.iter().map(|l| l.source_ref.clone()).collect();
    let new: Vec<String> = fake.plays()[120..]
        .iter()
        .rev()
        .map(|p| expected_listen(p).source_ref)
        .collect();
    assert_eq!(got, new);
    assert_eq!(page.next_after_ms, Some(fake.plays()[122].played_at_ms));
}

#[tokio::test]
async fn plays_without_album_or_isrc_map_to_none() {
    let fake = FakeSpotify::start().await;
    fake.add_play(Play {
        played_at_ms: START_MS,
        track_id: "6rqhFgbbKwnb9MLmUQDhG6".into(),
        name: "Gemini".into(),
        artists: vec!["Boards of Canada".into(), "Dntel".into(), "Tycho".into()],
        album: String::new(),
        duration_ms: 0,
        isrc: None,
    });
    let c = connect(&fake).await;
    let page = c
        .client
        .recently_played(&c.tokens.access_token, START_MS - 1)
        .await
        .unwrap();
    assert_eq!(
        page.listens,
        [RemoteListen {
            played_at: START_MS / 1000,
            artist: "Boards of Canada, Dntel, Tycho".into(),
            album: None,
            title: "Gemini".into(),
            duration_ms: None,
            isrc: None,
            recording_mbid: None,
            source_ref: format!("{START_MS}:6rqhFgbbKwnb9MLmUQDhG6"),
        }]
    );
    assert_eq!(page.next_after_ms, Some(START_MS));
    // The cursor is exclusive: nothing after the only play.
    let page = c
        .client
        .recently_played(&c.tokens.access_token, START_MS)
        .await
        .unwrap();
    assert!(page.listens.is_empty() && page.next_after_ms.is_none());
}

#[tokio::test]
async fn an_unknown_access_token_is_fatal() {
    let fake = FakeSpotify::start().await;
    fake.add_plays(5, START_MS, 1_000);
    let client = client(&fake);
    let bogus = SecretString::new("BQ-not-a-token-at-all");
    for err in [
        client.me(&bogus).await.unwrap_err(),
        client.recently_played(&bogus, 0).await.unwrap_err(),
    ] {
        assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
        assert!(err.is_fatal());
        assert_secret_free(&err, &[bogus.expose()]);
    }
}

#[tokio::test]
async fn forbidden_is_fatal_and_hides_the_upstream_message() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    fake.faults().push(Fault::Body(
        403,
        r#"{"error":{"status":403,"message":"User not registered in the Developer Dashboard"}}"#
            .into(),
    ));
    let err = c
        .client
        .recently_played(&c.tokens.access_token, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
    assert!(err.is_fatal());
    assert!(!err.to_string().contains("Developer Dashboard"), "{err}");
    assert_secret_free(&err, &c.secrets());
}

#[tokio::test]
async fn a_short_rate_limit_is_waited_out() {
    let fake = FakeSpotify::start().await;
    fake.add_plays(2, START_MS, 1_000);
    let c = connect(&fake).await;
    fake.faults().push(Fault::RetryAfter(429, 1));
    let started = Instant::now();
    let page = c
        .client
        .recently_played(&c.tokens.access_token, 0)
        .await
        .unwrap();
    assert_eq!(page.listens.len(), 2);
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(fake.requests(Endpoint::RecentlyPlayed), 2);
}

#[tokio::test]
async fn a_long_rate_limit_is_returned_not_slept() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    fake.faults().push(Fault::RetryAfter(429, 3600));
    let started = Instant::now();
    let err = c
        .client
        .recently_played(&c.tokens.access_token, 0)
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(!err.is_fatal());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.requests(Endpoint::RecentlyPlayed), 1);
    assert_secret_free(&err, &c.secrets());
}

#[tokio::test]
async fn server_errors_are_retried_or_transient() {
    let fake = FakeSpotify::start().await;
    fake.add_plays(1, START_MS, 1_000);
    let c = connect(&fake).await;
    let access = &c.tokens.access_token;

    // One 503: the client retries and the caller never sees it.
    fake.faults().push(Fault::Status(503));
    let page = c.client.recently_played(access, 0).await.unwrap();
    assert_eq!(page.listens.len(), 1);
    assert_eq!(fake.requests(Endpoint::RecentlyPlayed), 2);

    // A 500, and a 503 that persists through every retry: transient, not fatal.
    fake.faults().push(Fault::Status(500));
    let err = c.client.recently_played(access, 0).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.is_fatal());
    for _ in 0..3 {
        fake.faults().push(Fault::Status(503));
    }
    let err = c.client.me(access).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.is_fatal());
    assert_eq!(fake.faults().pending(), 0);
    assert_secret_free(&err, &c.secrets());
}

#[tokio::test]
async fn malformed_and_oversized_answers_are_malformed() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    let access = &c.tokens.access_token;
    let faults = [
        Fault::MalformedJson,
        Fault::Oversized(3 * MIB),
        Fault::Body(200, r#"{"items":"not a list","cursors":null}"#.into()),
        Fault::Body(
            200,
            r#"{"items":[{"track":null,"played_at":"last tuesday"}],"cursors":null}"#.into(),
        ),
    ];
    for fault in faults {
        fake.faults().push(fault.clone());
        let err = c.client.recently_played(access, 0).await.unwrap_err();
        assert!(
            matches!(err, ProviderError::Malformed { .. }),
            "{fault:?}: {err:?}"
        );
        assert!(!err.is_fatal());
        assert_secret_free(&err, &c.secrets());
    }
    fake.faults().push(Fault::Body(200, r#"{"id":""}"#.into()));
    let err = c.client.me(access).await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn api_errors_echoing_secrets_never_surface_them() {
    let fake = FakeSpotify::start().await;
    let c = connect(&fake).await;
    let secrets = c.secrets();
    for status in [400, 401, 404, 500] {
        let echo = serde_json::json!({"error": {
            "status": status,
            "message": format!("bad token {} / {} / {}", secrets[0], secrets[1], secrets[2]),
        }});
        fake.faults().push(Fault::Body(status, echo.to_string()));
        let err = c
            .client
            .recently_played(&c.tokens.access_token, 12_345)
            .await
            .unwrap_err();
        assert_secret_free(&err, &secrets);
        assert!(!err.to_string().contains("bad token"), "{err}");
        assert_eq!(err.is_fatal(), status == 401, "{status}: {err:?}");
    }
}
