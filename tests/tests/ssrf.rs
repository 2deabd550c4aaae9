//! SECURITY.md T10 against local servers: the hardened outbound client refuses
//! internal addresses for untrusted URLs (redirect targets included) before
//! connecting, stays inside a provider's base URL, cuts oversized and slow bodies,
//! checks image content types, honours `Retry-After` up to a cap, stops redirect
//! loops and drops credentials on cross-origin hops.
//!
//! Only loopback is ever bound. A "public" first hop is the operator-configured base
//! URL on 127.0.0.1 (allowed to be loopback); everything it redirects to is untrusted,
//! which is exactly the policy under test.

use std::{
    collections::HashMap,
    convert::Infallible,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::Query,
    http::{HeaderMap, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use spotter_daemon::providers::http::{
    AddressClass, HeaderName, HttpClient, HttpError, IpNet, Policy, Quota, Redirects, RetryPolicy,
    Trust, USER_AGENT,
};
use spotter_e2e::fakes::serve_http;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const TIMEOUT: Duration = Duration::from_secs(10);
/// A refusal must come back at once, not after a connect attempt or a timeout.
const IMMEDIATE: Duration = Duration::from_secs(2);
const MIB: usize = 1024 * 1024;

/// A loopback port that counts the connections it accepts and never answers: the
/// target a refused request must never reach.
async fn connection_counter() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(sock);
        }
    });
    (port, accepted)
}

/// The operator-configured provider at `addr` (base `http://addr/`).
fn operator_client(addr: SocketAddr) -> HttpClient {
    HttpClient::builder(Policy::operator_configured(&format!("http://{addr}/")).unwrap())
        .timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// `GET /redirect?to=URL` answers 302 to URL; `GET /ok` answers 200. Counts requests
/// and remembers the User-Agent.
fn redirector(hits: Arc<AtomicUsize>, agents: Arc<Mutex<Vec<String>>>) -> Router {
    Router::new().fallback(
        move |uri: Uri, headers: HeaderMap, Query(q): Query<HashMap<String, String>>| {
            let hits = hits.clone();
            let agents = agents.clone();
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                if let Some(ua) = headers.get(header::USER_AGENT) {
                    agents
                        .lock()
                        .unwrap()
                        .push(ua.to_str().unwrap().to_string());
                }
                match (uri.path(), q.get("to")) {
                    ("/redirect", Some(to)) => {
                        (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response()
                    }
                    _ => "fine".into_response(),
                }
            }
        },
    )
}

fn refused_class(err: &HttpError) -> Option<AddressClass> {
    match err {
        HttpError::AddressRefused { class, .. } => Some(*class),
        _ => None,
    }
}

#[tokio::test]
async fn redirects_from_an_operator_host_to_internal_addresses_are_refused() {
    let (target_port, accepted) = connection_counter().await;
    let hits = Arc::new(AtomicUsize::new(0));
    let agents = Arc::new(Mutex::new(Vec::new()));
    let addr = serve_http(redirector(hits.clone(), agents.clone())).await;
    let client = operator_client(addr);

    // Positive control: a same-origin redirect inside the base is followed.
    let ok = client
        .get(format!("http://{addr}/redirect"))
        .query(&[("to", "/ok")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.body(), b"fine");
    assert_eq!(ok.url().path(), "/ok");
    assert_eq!(hits.swap(0, Ordering::SeqCst), 2);
    assert!(
        agents.lock().unwrap().iter().all(|ua| ua == USER_AGENT),
        "{agents:?}"
    );

    let cases = [
        (
            format!("http://127.0.0.1:{target_port}/secret"),
            AddressClass::Loopback,
        ),
        (
            "http://169.254.169.254/latest/meta-data".to_string(),
            AddressClass::LinkLocal,
        ),
        (
            "http://[::ffff:169.254.169.254]/latest/meta-data".to_string(),
            AddressClass::LinkLocal,
        ),
        (
            format!("http://[::ffff:127.0.0.1]:{target_port}/"),
            AddressClass::Loopback,
        ),
        ("http://[fd00::1]/".to_string(), AddressClass::UniqueLocal),
        (
            format!("http://localhost:{target_port}/"),
            AddressClass::Loopback,
        ),
        (
            format!("http://0.0.0.0:{target_port}/"),
            AddressClass::Unspecified,
        ),
        (
            format!("http://2130706433:{target_port}/"),
            AddressClass::Loopback,
        ),
        // Back to the operator's own host, but from outside the chain's trust: the
        // target is another port, so it is outside the base and untrusted.
        (
            format!("http://{}:{target_port}/", addr.ip()),
            AddressClass::Loopback,
        ),
    ];
    for (target, class) in &cases {
        let started = Instant::now();
        let err = client
            .get(format!("http://{addr}/redirect"))
            .query(&[("to", target)])
            .send()
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert_eq!(refused_class(&err), Some(*class), "{target}: {err:?}");
        assert!(err.is_refused() && !err.is_unavailable(), "{target}");
        assert!(elapsed < IMMEDIATE, "{target}: refused after {elapsed:?}");
        assert!(!err.to_string().contains("to="), "{err}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        cases.len(),
        "every first hop reached the operator host"
    );
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "no refused target was ever connected to"
    );
}

#[tokio::test]
async fn untrusted_urls_to_internal_hosts_are_refused_before_connecting() {
    let (port, accepted) = connection_counter().await;
    let client = HttpClient::builder(Policy::untrusted())
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    for (url, class) in [
        (format!("http://127.0.0.1:{port}/"), AddressClass::Loopback),
        (format!("http://127.9.9.9:{port}/"), AddressClass::Loopback),
        (format!("http://localhost:{port}/"), AddressClass::Loopback),
        (format!("http://LocalHost:{port}/x"), AddressClass::Loopback),
        (format!("http://[::1]:{port}/"), AddressClass::Loopback),
        (
            format!("http://[::ffff:7f00:1]:{port}/"),
            AddressClass::Loopback,
        ),
        (format!("http://0x7f.1:{port}/"), AddressClass::Loopback),
        (
            "http://169.254.169.254/latest/meta-data/iam/".to_string(),
            AddressClass::LinkLocal,
        ),
        ("https://10.0.0.1/".to_string(), AddressClass::Private),
        (
            "http://100.64.0.1/".to_string(),
            AddressClass::SharedAddressSpace,
        ),
        ("http://[fd12::1]/".to_string(), AddressClass::UniqueLocal),
        ("http://[fe80::1]/".to_string(), AddressClass::LinkLocal),
    ] {
        let started = Instant::now();
        let err = client.get(&url).send().await.unwrap_err();
        assert_eq!(refused_class(&err), Some(class), "{url}: {err:?}");
        assert!(started.elapsed() < IMMEDIATE, "{url}");
    }
    // Images too, and an untrusted provider pinned to a loopback base.
    let err = client
        .get_image(format!("http://127.0.0.1:{port}/cover.jpg"), MIB)
        .await
        .unwrap_err();
    assert_eq!(refused_class(&err), Some(AddressClass::Loopback));
    let pinned = HttpClient::builder(
        Policy::pinned(&format!("http://localhost:{port}/api/"), Trust::Untrusted).unwrap(),
    )
    .build()
    .unwrap();
    let err = pinned
        .get(format!("http://localhost:{port}/api/x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused_class(&err), Some(AddressClass::Loopback));
    // Not http(s) at all.
    for url in ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://x/"] {
        let err = client.get(url).send().await.unwrap_err();
        assert!(
            matches!(err, HttpError::SchemeNotAllowed { .. }),
            "{url}: {err:?}"
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_pinned_provider_stays_inside_its_base() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = serve_http(redirector(hits.clone(), Arc::default())).await;
    let (other_port, accepted) = connection_counter().await;
    let client =
        HttpClient::builder(Policy::operator_configured(&format!("http://{addr}/api")).unwrap())
            .build()
            .unwrap();
    let port = addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/admin"),
        format!("http://127.0.0.1:{port}/"),
        format!("http://127.0.0.1:{port}/apix"),
        format!("http://127.0.0.1:{port}/api/../admin"),
        format!("http://127.0.0.1:{port}/api/%2e%2e/admin"),
        format!("http://localhost:{port}/api/x"),
        format!("http://127.0.0.2:{port}/api/x"),
        format!("http://127.0.0.1:{other_port}/api/x"),
        format!("https://127.0.0.1:{port}/api/x"),
    ] {
        let err = client.get(&url).send().await.unwrap_err();
        assert!(
            matches!(err, HttpError::OutsideBase { .. }),
            "{url}: {err:?}"
        );
        assert!(err.is_refused());
    }
    let err = client
        .get(format!("http://alice:pw@127.0.0.1:{port}/api/x"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::InvalidUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains("pw"));
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing was sent");
    assert_eq!(accepted.load(Ordering::SeqCst), 0);

    let url = client.endpoint("v1/ok").unwrap();
    assert_eq!(url.as_str(), format!("http://{addr}/api/v1/ok"));
    assert!(client.endpoint("../admin").is_err());
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_oversized_body_is_cut_off_without_reading_it_all() {
    const TOTAL: usize = 50 * MIB;
    const CHUNK: usize = 64 * 1024;
    let produced = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicBool::new(false));

    struct SetOnDrop(Arc<AtomicBool>);
    impl Drop for SetOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    let (p, d) = (produced.clone(), dropped.clone());
    let router = Router::new().fallback(move || {
        let (produced, guard) = (p.clone(), SetOnDrop(d.clone()));
        async move {
            let chunks = (0..TOTAL / CHUNK).map(move |_| {
                let _keep = &guard;
                produced.fetch_add(CHUNK, Ordering::SeqCst);
                Ok::<_, Infallible>(Bytes::from(vec![b'x'; CHUNK]))
            });
            Body::from_stream(tokio_stream::iter(chunks))
        }
    });
    let addr = serve_http(router).await;
    let client = operator_client(addr);

    let started = Instant::now();
    let err = client
        .get(format!("http://{addr}/huge"))
        .body_limit(MIB)
        .send()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, HttpError::TooLarge { limit } if limit == MIB),
        "{err:?}"
    );
    assert!(!err.is_unavailable());
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    // The server's stream is abandoned: the client hung up long before the end.
    let waited = Instant::now();
    while !dropped.load(Ordering::SeqCst) && waited.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        dropped.load(Ordering::SeqCst),
        "the server stream was dropped"
    );
    let sent = produced.load(Ordering::SeqCst);
    assert!(
        sent < TOTAL / 2,
        "the server produced {} MiB of {} MiB",
        sent / MIB,
        TOTAL / MIB
    );

    // An announced Content-Length over the cap is refused the same way.
    let router = Router::new().fallback(|| async { vec![b'x'; 2 * MIB] });
    let addr = serve_http(router).await;
    let err = operator_client(addr)
        .get(format!("http://{addr}/"))
        .body_limit(MIB)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::TooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_slow_body_times_out_within_the_deadline() {
    // Headers at once, then one byte every 50 ms of a body announced as 1 MB.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: 1000000\r\n\r\n";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                loop {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    if sock.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let client = operator_client(addr);
    let deadline = Duration::from_millis(1000);
    for image in [false, true] {
        let started = Instant::now();
        let request = client.get(format!("http://{addr}/slow")).timeout(deadline);
        let request = if image {
            request.expect_image()
        } else {
            request
        };
        let err = request.send().await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(matches!(err, HttpError::Timeout), "{err:?}");
        assert!(err.is_unavailable());
        assert!(
            elapsed >= deadline && elapsed < deadline + Duration::from_secs(2),
            "timed out after {elapsed:?}"
        );
    }
}

#[tokio::test]
async fn images_must_be_images() {
    let router = Router::new().fallback(|uri: Uri| async move {
        match uri.path() {
            "/cover.png" => {
                ([(header::CONTENT_TYPE, "image/png")], &b"\x89PNG"[..]).into_response()
            }
            "/page.png" => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                "<html>not an image</html>",
            )
                .into_response(),
            "/untyped.png" => Response::new(Body::from("???")),
            _ => (StatusCode::NOT_FOUND, "missing").into_response(),
        }
    });
    let addr = serve_http(router).await;
    let client = operator_client(addr);

    let ok = client
        .get_image(format!("http://{addr}/cover.png"), MIB)
        .await
        .unwrap();
    assert_eq!(ok.content_type(), Some("image/png"));
    assert_eq!(ok.body(), b"\x89PNG");

    let err = client
        .get_image(format!("http://{addr}/page.png"), MIB)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HttpError::UnexpectedContentType { content_type } if content_type == "text/html; charset=utf-8"),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("not an image"),
        "no body in errors"
    );

    let err = client
        .get_image(format!("http://{addr}/untyped.png"), MIB)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::UnexpectedContentType { .. }),
        "{err:?}"
    );

    let err = client
        .get_image(format!("http://{addr}/missing.png"), MIB)
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::Status { status: 404, .. }),
        "{err:?}"
    );
}

/// Answers `first` (status and headers) to the first request, 200 after that.
fn flaky(
    hits: Arc<AtomicUsize>,
    status: StatusCode,
    headers: &'static [(&'static str, &'static str)],
) -> Router {
    Router::new().fallback(move || {
        let hits = hits.clone();
        async move {
            if hits.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut response = (status, "slow down").into_response();
                for (k, v) in headers {
                    response.headers_mut().insert(*k, v.parse().unwrap());
                }
                response
            } else {
                "done".into_response()
            }
        }
    })
}

#[tokio::test]
async fn retry_after_is_honoured_for_one_retry() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = serve_http(flaky(
        hits.clone(),
        StatusCode::TOO_MANY_REQUESTS,
        &[("retry-after", "1")],
    ))
    .await;
    let client = operator_client(addr);
    let started = Instant::now();
    let response = client
        .get(format!("http://{addr}/listens?token=secret"))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), b"done");
    assert_eq!(hits.load(Ordering::SeqCst), 2, "one retry");
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(4),
        "waited {elapsed:?}"
    );
}

#[tokio::test]
async fn a_wait_above_the_cap_is_rate_limited_at_once() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = serve_http(flaky(
        hits.clone(),
        StatusCode::TOO_MANY_REQUESTS,
        &[("x-ratelimit-reset-in", "3600")],
    ))
    .await;
    let client = operator_client(addr);
    let started = Instant::now();
    let err = client
        .get(format!("http://{addr}/1/user/alice/listens"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::RateLimited { status: 429, wait } if wait == Duration::from_secs(3600)
        ),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.is_unavailable());
    assert!(started.elapsed() < IMMEDIATE, "nothing was slept");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "no retry");
}

#[tokio::test]
async fn non_idempotent_requests_are_not_retried_and_exhausted_retries_return_the_status() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = serve_http(flaky(
        hits.clone(),
        StatusCode::SERVICE_UNAVAILABLE,
        &[("retry-after", "1")],
    ))
    .await;
    let client = operator_client(addr);
    let response = client
        .post(format!("http://{addr}/1/submit-listens"))
        .json(&serde_json::json!({"listen_type": "import"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a POST is sent once");
    let err = response.error_for_status().unwrap_err();
    assert!(
        matches!(err, HttpError::Status { status: 503, retry_after: Some(d) } if d == Duration::from_secs(1)),
        "{err:?}"
    );

    // Always 502: the attempts run out and the last answer is returned.
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let addr = serve_http(Router::new().fallback(move || {
        h.fetch_add(1, Ordering::SeqCst);
        async { StatusCode::BAD_GATEWAY }
    }))
    .await;
    let client =
        HttpClient::builder(Policy::operator_configured(&format!("http://{addr}/")).unwrap())
            .retry(RetryPolicy {
                max_attempts: 3,
                min_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(50),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
    let response = client.get(format!("http://{addr}/")).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_redirect_loop_stops_at_the_hop_limit() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let router = Router::new().fallback(move |uri: Uri| {
        let n = h.fetch_add(1, Ordering::SeqCst);
        let next = if uri.path() == "/a" { "/b" } else { "/a" };
        async move {
            (
                StatusCode::FOUND,
                [(header::LOCATION, format!("{next}?n={n}"))],
            )
        }
    });
    let addr = serve_http(router).await;

    let err = operator_client(addr)
        .get(format!("http://{addr}/a"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::TooManyRedirects { max: 5 }),
        "{err:?}"
    );
    assert_eq!(hits.swap(0, Ordering::SeqCst), 6, "the request and 5 hops");

    let client =
        HttpClient::builder(Policy::operator_configured(&format!("http://{addr}/")).unwrap())
            .redirects(Redirects::Follow { max_hops: 2 })
            .build()
            .unwrap();
    let err = client
        .get(format!("http://{addr}/a"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, HttpError::TooManyRedirects { max: 2 }),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn credentials_are_not_forwarded_to_another_origin() {
    type Seen = Arc<Mutex<Vec<(String, HeaderMap)>>>;

    // B: the other origin.
    let seen_b: Seen = Arc::default();
    let sb = seen_b.clone();
    let b = serve_http(Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        sb.lock().unwrap().push((uri.path().to_string(), headers));
        async { "landed" }
    }))
    .await;
    // A: the provider; /start → /middle (same origin) → B.
    let seen_a: Seen = Arc::default();
    let sa = seen_a.clone();
    let a = serve_http(Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        sa.lock().unwrap().push((uri.path().to_string(), headers));
        let to = match uri.path() {
            "/start" => "/middle".to_string(),
            _ => format!("http://{b}/landing"),
        };
        async move { (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]) }
    }))
    .await;

    let send = |client: HttpClient| async move {
        client
            .get(format!("http://{a}/start"))
            .bearer_auth("bearer-secret")
            .secret_header(HeaderName::from_static("x-api-key"), "key-secret")
            .header(header::COOKIE, "session=cookie-secret".parse().unwrap())
            .header(
                HeaderName::from_static("x-trace"),
                "visible".parse().unwrap(),
            )
            .send()
            .await
    };

    // Untrusted B (loopback) is refused outright...
    let err = send(operator_client(a)).await.unwrap_err();
    assert_eq!(refused_class(&err), Some(AddressClass::Loopback));
    assert!(seen_b.lock().unwrap().is_empty());
    seen_a.lock().unwrap().clear();

    // ...unless the operator allowed that network; then the credentials stay behind.
    let client = HttpClient::builder(Policy::operator_configured(&format!("http://{a}/")).unwrap())
        .allow_networks(["127.0.0.1/32".parse::<IpNet>().unwrap()])
        .build()
        .unwrap();
    let response = send(client).await.unwrap();
    assert_eq!(response.body(), b"landed");

    let seen_a = seen_a.lock().unwrap();
    assert_eq!(seen_a.len(), 2);
    for (path, headers) in seen_a.iter() {
        assert_eq!(
            headers.get(header::AUTHORIZATION).unwrap(),
            "Bearer bearer-secret",
            "{path}: same-origin hops keep credentials"
        );
        assert_eq!(headers.get("x-api-key").unwrap(), "key-secret", "{path}");
    }
    let seen_b = seen_b.lock().unwrap();
    assert_eq!(seen_b.len(), 1);
    let (path, headers) = &seen_b[0];
    assert_eq!(path, "/landing");
    for name in ["authorization", "x-api-key", "cookie"] {
        assert!(
            !headers.contains_key(name),
            "{name} leaked to another origin"
        );
    }
    assert_eq!(headers.get("x-trace").unwrap(), "visible");
    assert_eq!(headers.get(header::USER_AGENT).unwrap(), USER_AGENT);
}

#[tokio::test]
async fn a_provider_quota_spaces_requests_out() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let addr = serve_http(Router::new().route(
        "/ok",
        axum::routing::get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    ))
    .await;
    // Two per second, no burst beyond that: five requests need at least 1.5 s.
    let client =
        HttpClient::builder(Policy::operator_configured(&format!("http://{addr}/")).unwrap())
            .timeout(TIMEOUT)
            .rate_limit(Quota::per_second(std::num::NonZeroU32::new(2).unwrap()))
            .build()
            .unwrap();
    let start = std::time::Instant::now();
    for _ in 0..5 {
        client
            .get(format!("http://{addr}/ok"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    assert!(
        start.elapsed() >= Duration::from_millis(1_400),
        "the quota was not applied: {:?}",
        start.elapsed()
    );
}
