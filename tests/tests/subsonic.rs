//! The Subsonic client against a real Supysonic server (password-only auth, so the
//! fallback path is what runs) and against local servers written here: a strict
//! token-auth server, a server that only answers 41, and broken or hostile ones.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::Query,
    http::{StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use md5::{Digest, Md5};
use spotter_daemon::{
    crypto::SecretString,
    providers::{
        http::DEFAULT_BODY_LIMIT,
        subsonic::{API_VERSION, CLIENT_NAME, SubsonicClient, SubsonicError},
    },
};
use spotter_e2e::{fakes::serve_http, supysonic::Supysonic};

const TIMEOUT: Duration = Duration::from_secs(10);

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// Neither `Display` nor `Debug` of the error contains any of `secrets`, or a
/// query parameter that carries one.
fn assert_secret_free(err: &SubsonicError, secrets: &[&str]) {
    spotter_e2e::assert_secret_free(err, secrets, &["t=", "s=", "p=", "enc:"]);
}

// ---------------------------------------------------------------------------------
// Real Supysonic

#[tokio::test]
async fn supysonic_sign_in_uses_the_password_fallback() {
    let s = Supysonic::start();
    let [alice, bob] = s.users();

    // What Supysonic answers to token auth: it only knows `p`, so a missing parameter.
    let token_ping = s.get(&format!(
        "/rest/ping.view?u={}&t={}&s=abcdefghijkl&v={API_VERSION}&c={CLIENT_NAME}&f=json",
        alice.name,
        md5_hex(&format!("{}abcdefghijkl", alice.password))
    ));
    assert!(token_ping.contains(r#""code":10"#), "{token_ping}");

    let client = SubsonicClient::new(&s.base_url(), TIMEOUT).unwrap();
    assert!(!client.uses_password_auth());
    client
        .ping(alice.name, &SecretString::new(alice.password))
        .await
        .unwrap();
    assert!(
        client.uses_password_auth(),
        "Supysonic refuses tokens, so the client fell back to password auth"
    );
    client
        .ping(bob.name, &SecretString::new(bob.password))
        .await
        .unwrap();

    // Wrong password, on the client that already knows and on a fresh one (token,
    // code 10, fallback, code 40).
    let fresh = SubsonicClient::new(&s.base_url(), TIMEOUT).unwrap();
    for c in [&client, &fresh] {
        let wrong = "not-alices-password";
        let err = c
            .ping(alice.name, &SecretString::new(wrong))
            .await
            .unwrap_err();
        assert!(err.is_wrong_credentials(), "{err:?}");
        assert!(!err.is_unavailable());
        assert_secret_free(&err, &[wrong, &hex::encode(wrong), alice.password]);

        let err = c
            .ping("mallory", &SecretString::new(bob.password))
            .await
            .unwrap_err();
        assert!(err.is_wrong_credentials(), "unknown user: {err:?}");
        assert_secret_free(&err, &[bob.password, &hex::encode(bob.password)]);
    }
    assert!(fresh.uses_password_auth());
}

#[tokio::test]
async fn supysonic_lists_the_generated_artists() {
    let s = Supysonic::start();
    let [alice, _] = s.users();
    // The first call is not a ping: the ambiguous code 10 is confirmed by a probe.
    let client = SubsonicClient::new(&s.base_url(), TIMEOUT).unwrap();
    let response = client
        .get_json(
            alice.name,
            &SecretString::new(alice.password),
            "getArtists",
            &[],
        )
        .await
        .unwrap();
    assert!(client.uses_password_auth());
    assert_eq!(response["status"], "ok");
    let mut names: Vec<String> = response["artists"]["index"]
        .as_array()
        .expect("artists.index")
        .iter()
        .flat_map(|i| i["artist"].as_array().cloned().unwrap_or_default())
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, s.artists());

    // A real Subsonic error for a real missing parameter stays a missing parameter.
    let err = client
        .get_json(
            alice.name,
            &SecretString::new(alice.password),
            "getArtist",
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::MissingParameter { .. }),
        "{err:?}"
    );
    let err = client
        .get_json(
            alice.name,
            &SecretString::new(alice.password),
            "getArtist",
            &[("id", "00000000-0000-0000-0000-000000000000")],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, SubsonicError::NotFound { .. }), "{err:?}");
}

// ---------------------------------------------------------------------------------
// Local servers

type Params = HashMap<String, String>;

/// Every request a local server saw: path and query parameters.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(String, Params)>>>);

impl Recorder {
    fn push(&self, uri: &Uri, params: &Params) {
        self.0
            .lock()
            .unwrap()
            .push((uri.path().to_string(), params.clone()));
    }

    fn all(&self) -> Vec<(String, Params)> {
        self.0.lock().unwrap().clone()
    }
}

async fn serve(router: Router) -> String {
    format!("http://{}", serve_http(router).await)
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn ok(extra: &str) -> Response {
    json(format!(
        r#"{{"subsonic-response":{{"status":"ok","version":"1.16.1"{extra}}}}}"#
    ))
}

fn failed(code: i64, message: &str) -> Response {
    json(
        serde_json::json!({"subsonic-response": {
            "status": "failed", "version": "1.16.1",
            "error": {"code": code, "message": message},
        }})
        .to_string(),
    )
}

/// A strict token-auth server for one user: `t` must be md5(password + s), any `p`
/// is refused, and every request is recorded.
async fn token_server(user: &'static str, password: &'static str) -> (String, Recorder) {
    let seen = Recorder::default();
    let rec = seen.clone();
    let router = Router::new().fallback(move |uri: Uri, Query(q): Query<Params>| {
        let rec = rec.clone();
        async move {
            rec.push(&uri, &q);
            if q.contains_key("p") {
                return failed(40, "password auth is refused here");
            }
            let fixed = [("v", API_VERSION), ("c", CLIENT_NAME), ("f", "json")];
            if fixed
                .iter()
                .any(|(k, v)| q.get(*k).map(String::as_str) != Some(*v))
            {
                return failed(10, "missing v, c or f");
            }
            let (Some(u), Some(t), Some(s)) = (q.get("u"), q.get("t"), q.get("s")) else {
                return failed(10, "Required parameter is missing.");
            };
            if u != user || *t != md5_hex(&format!("{password}{s}")) {
                // Echo the whole query back, as a hostile server might.
                return failed(40, &format!("Wrong username or password: {q:?}"));
            }
            match uri.path() {
                "/rest/ping.view" => ok(""),
                "/rest/getArtists.view" => ok(
                    r#","artists":{"index":[{"name":"A","artist":[{"id":"1","name":"Alpha"}]}]}"#,
                ),
                "/rest/getAlbum.view" if !q.contains_key("id") => {
                    failed(10, "Required parameter is missing.")
                }
                _ => failed(70, "not found"),
            }
        }
    });
    (serve(router).await, seen)
}

#[tokio::test]
async fn token_auth_uses_a_fresh_salt_per_request_and_never_sends_the_password() {
    const PASSWORD: &str = "s3cret & ünïcode?";
    let (base, seen) = token_server("alice", PASSWORD).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let pw = SecretString::new(PASSWORD);

    for _ in 0..3 {
        client.ping("alice", &pw).await.unwrap();
    }
    let artists = client
        .get_json("alice", &pw, "getArtists", &[("musicFolderId", "1")])
        .await
        .unwrap();
    assert_eq!(artists["artists"]["index"][0]["artist"][0]["name"], "Alpha");
    assert!(
        !client.uses_password_auth(),
        "no fallback with a token server"
    );

    // A real missing parameter: confirmed by a token ping, no password sent, no switch.
    let err = client
        .get_json("alice", &pw, "getAlbum", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::MissingParameter { .. }),
        "{err:?}"
    );
    assert!(!client.uses_password_auth());

    // Wrong password: code 40, no fallback, and the echoed query is scrubbed.
    let wrong = "wrong-password";
    let err = client
        .ping("alice", &SecretString::new(wrong))
        .await
        .unwrap_err();
    assert!(err.is_wrong_credentials(), "{err:?}");
    assert!(!client.uses_password_auth());

    let requests = seen.all();
    assert_eq!(requests.len(), 7, "{requests:?}");
    assert_eq!(requests[3].1["musicFolderId"], "1");
    let mut salts: Vec<&str> = Vec::new();
    let mut tokens: Vec<&str> = Vec::new();
    for (path, q) in &requests {
        assert!(
            path.starts_with("/rest/") && path.ends_with(".view"),
            "{path}"
        );
        assert!(!q.contains_key("p"), "a request carried p: {q:?}");
        assert_eq!(q["u"], "alice");
        assert_eq!(q["v"], "1.16.1");
        assert_eq!(q["c"], "spotter");
        assert_eq!(q["f"], "json");
        let salt = q["s"].as_str();
        assert!(salt.len() >= 12, "salt {salt:?} too short");
        assert!(salt.bytes().all(|b| b.is_ascii_alphanumeric()), "{salt:?}");
        salts.push(salt);
        tokens.push(q["t"].as_str());
    }
    let mut unique = salts.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        salts.len(),
        "every request used a different salt"
    );

    let mut secrets = vec![PASSWORD, wrong];
    secrets.extend(&salts);
    secrets.extend(&tokens);
    assert_secret_free(&err, &secrets);
    let upstream = err.upstream_message().unwrap();
    for s in &secrets {
        assert!(
            !upstream.contains(s),
            "upstream message keeps {s:?}: {upstream}"
        );
    }
}

#[tokio::test]
async fn code_41_switches_to_password_auth_once_and_for_good() {
    const PASSWORD: &str = "pass word&=";
    let seen = Recorder::default();
    let rec = seen.clone();
    let router = Router::new().fallback(move |uri: Uri, Query(q): Query<Params>| {
        let rec = rec.clone();
        async move {
            rec.push(&uri, &q);
            match q.get("p") {
                None => failed(41, "Token authentication not supported"),
                Some(p) if *p == format!("enc:{}", hex::encode(PASSWORD)) => ok(""),
                Some(_) => failed(40, "Wrong username or password"),
            }
        }
    });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let shared = client.clone();

    client
        .ping("alice", &SecretString::new(PASSWORD))
        .await
        .unwrap();
    assert!(client.uses_password_auth());
    assert!(shared.uses_password_auth(), "clones share the mode");
    shared
        .ping("alice", &SecretString::new(PASSWORD))
        .await
        .unwrap();
    client
        .get_json("alice", &SecretString::new(PASSWORD), "getArtists", &[])
        .await
        .unwrap();
    let err = client
        .ping("alice", &SecretString::new("nope"))
        .await
        .unwrap_err();
    assert!(err.is_wrong_credentials());

    let modes: Vec<&str> = seen
        .all()
        .iter()
        .map(|(_, q)| match (q.contains_key("t"), q.contains_key("p")) {
            (true, false) => "token",
            (false, true) => "password",
            _ => "mixed",
        })
        .collect();
    assert_eq!(
        modes,
        ["token", "password", "password", "password", "password"],
        "one token attempt, then password auth only"
    );
}

#[tokio::test]
async fn malformed_json_is_a_protocol_error() {
    let router = Router::new()
        .fallback(|| async { json(r#"{"subsonic-response": {"status": "ok", "#.into()) });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let err = client
        .ping("alice", &SecretString::new("pw-123456"))
        .await
        .unwrap_err();
    assert!(matches!(err, SubsonicError::Malformed { .. }), "{err:?}");
    assert!(!err.is_unavailable() && !err.is_wrong_credentials());
    assert_secret_free(&err, &["pw-123456"]);

    let router = Router::new().fallback(|| async { json(r#"{"hello":"world"}"#.into()) });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let err = client
        .ping("alice", &SecretString::new("pw"))
        .await
        .unwrap_err();
    assert!(matches!(err, SubsonicError::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn oversized_bodies_are_cut_off() {
    // Announced with Content-Length.
    let router = Router::new().fallback(|| async { vec![b' '; DEFAULT_BODY_LIMIT + 1] });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let err = client
        .ping("alice", &SecretString::new("pw-123456"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::BodyTooLarge { limit } if limit == DEFAULT_BODY_LIMIT),
        "{err:?}"
    );
    assert_secret_free(&err, &["pw-123456"]);

    // Streamed without a length, far past the cap: reading stops at the cap.
    let router = Router::new().fallback(|| async {
        let chunks = (0..10_000).map(|_| Ok::<_, Infallible>(Bytes::from(vec![b' '; 64 * 1024])));
        Body::from_stream(tokio_stream::iter(chunks))
    });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT)
        .unwrap()
        .with_body_limit(256 * 1024);
    let started = Instant::now();
    let err = client
        .ping("alice", &SecretString::new("pw"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::BodyTooLarge { limit: 262_144 }),
        "{err:?}"
    );
    assert!(started.elapsed() < TIMEOUT);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock); // accepted, never answered
        }
    });
    let timeout = Duration::from_millis(500);
    let client = SubsonicClient::new(&format!("http://{addr}"), timeout).unwrap();
    let started = Instant::now();
    let err = client
        .ping("alice", &SecretString::new("pw-123456"))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, SubsonicError::Timeout), "{err:?}");
    assert!(err.is_unavailable());
    assert!(
        elapsed >= timeout && elapsed < timeout + Duration::from_secs(2),
        "timed out after {elapsed:?}"
    );
    assert_secret_free(&err, &["pw-123456"]);
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = SubsonicClient::new(&format!("http://127.0.0.1:{port}"), TIMEOUT).unwrap();
    let err = client
        .ping("alice", &SecretString::new("pw-123456"))
        .await
        .unwrap_err();
    assert!(matches!(err, SubsonicError::Unreachable { .. }), "{err:?}");
    assert!(err.is_unavailable());
    assert_secret_free(&err, &["pw-123456", "ping.view", "alice"]);
}

#[tokio::test]
async fn http_errors_and_redirects_are_not_success() {
    let router = Router::new().fallback(|uri: Uri| async move {
        if uri.path().ends_with("ping.view") {
            (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response()
        } else {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "http://169.254.169.254/latest/meta-data")],
            )
                .into_response()
        }
    });
    let base = serve(router).await;
    let client = SubsonicClient::new(&base, TIMEOUT).unwrap();
    let err = client
        .ping("alice", &SecretString::new("pw-123456"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::HttpStatus { status: 503 }),
        "{err:?}"
    );
    assert!(err.is_unavailable());
    let err = client
        .get_json("alice", &SecretString::new("pw-123456"), "getArtists", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, SubsonicError::HttpStatus { status: 302 }),
        "redirects are not followed: {err:?}"
    );
    assert!(!err.is_unavailable());
    assert_secret_free(&err, &["pw-123456"]);
}
