//! The one hardened outbound HTTP client every provider uses, and the rules every
//! provider follows when it talks to an upstream (SECURITY.md T2, T10).
//!
//! Owns:
//! - [`HttpClient`] (built by [`HttpClientBuilder`] from a [`Policy`]): the only way a
//!   provider sends a request. Per provider:
//!   - **http/https only**, no user info in URLs, no proxies from the environment, no
//!     `Referer`, and a User-Agent naming spotter, its version and a contact
//!     ([`USER_AGENT`]).
//!   - **Pinned to a base URL** ([`Policy::pinned`], [`Policy::operator_configured`]):
//!     a request outside the base's scheme, host, port and path prefix is refused
//!     ([`HttpError::OutsideBase`]) before anything is sent.
//!   - **[`Trust`]**: hosts the operator configured (Navidrome, Lidarr, LLM) may be
//!     private or loopback; every other URL — user-supplied, image URLs, redirect
//!     targets, internet APIs — may reach only public addresses ([`classify_ip`]).
//!     IP literals are checked before connecting; names are resolved by a filtering
//!     resolver that checks every address and hands hyper exactly the checked ones,
//!     so DNS rebinding cannot swap the address between check and connect.
//!   - **Redirects followed by hand** ([`Redirects`]), at most [`MAX_REDIRECTS`] hops,
//!     each re-validated: scheme, no https → http downgrade, and trust (operator trust
//!     ends once a chain leaves the base). Credentials (`Authorization`, cookies,
//!     headers marked sensitive) are dropped before a cross-origin hop.
//!   - **Bounded**: connect timeout, one deadline per attempt that covers every hop and
//!     the whole body, bodies capped ([`HttpError::TooLarge`], reading stops at the
//!     cap), `image/*` enforced for images.
//!   - **Retries** of idempotent requests on connect errors and [`RETRYABLE_STATUSES`]:
//!     exponential backoff with jitter (`backon`), `Retry-After` / `X-RateLimit-Reset-In`
//!     honoured up to [`RETRY_AFTER_CAP`]; a longer wait is returned at once as
//!     [`HttpError::RateLimited`].
//! - [`url_for_log`]: the only way an upstream URL reaches a log line or an error:
//!   scheme, host, port and path, never the query string (Subsonic puts credentials
//!   there), the user info or the fragment. Requests are logged at debug level only,
//!   bodies never.
//! - [`HttpError`]: typed errors that never carry a query string or a body.
//! - [`transport_detail`]: a log-safe description of a `reqwest::Error` (its own
//!   `Display` embeds the full URL, query included, so it is never formatted directly).

mod address;
mod client;
mod error;
mod policy;
mod retry;

use std::time::Duration;

pub use address::{AddressClass, classify_ip};
pub use client::{HttpClient, HttpClientBuilder, HttpResponse, Redirects, RequestBuilder};
pub use error::HttpError;
pub use governor::Quota;
pub use ipnet::IpNet;
pub use policy::{Policy, Trust, parse_base_url};
use reqwest::Response;
pub use reqwest::{
    Method, StatusCode, Url,
    header::{self, HeaderName, HeaderValue},
};
pub use retry::{
    MAX_ATTEMPTS, RETRY_AFTER_CAP, RETRY_MAX_DELAY, RETRY_MIN_DELAY, RETRYABLE_STATUSES,
    RetryPolicy, X_RATELIMIT_RESET_IN, parse_reset_in, parse_retry_after, requested_wait,
};

/// Sent with every outbound request (MusicBrainz asks for a name, version and contact).
pub const USER_AGENT: &str = concat!(
    "spotter/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/spotter)"
);

/// Time allowed to establish a connection (TCP + TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for one attempt: connect, send, every redirect hop, headers and body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap for a response body (Subsonic JSON pages are far below this).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Redirect hops followed by default.
pub const MAX_REDIRECTS: usize = 5;

/// Longest log-safe detail string produced here.
const MAX_DETAIL_CHARS: usize = 200;

/// Instance-wide settings every provider client is built with.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// Extra trusted root certificates (PEM), from `providers.ca_file`.
    pub extra_roots_pem: Option<std::sync::Arc<Vec<u8>>>,
    /// Networks untrusted URLs may reach although they are not public (tests, LAN
    /// mirrors); empty by default.
    pub allow_networks: Vec<IpNet>,
}

impl HttpSettings {
    /// A builder for `policy` with these settings applied.
    pub fn builder(&self, policy: Policy) -> Result<HttpClientBuilder, HttpError> {
        let mut builder = HttpClient::builder(policy).allow_networks(self.allow_networks.clone());
        if let Some(pem) = &self.extra_roots_pem {
            builder = builder.add_root_certificates_pem(pem)?;
        }
        Ok(builder)
    }
}

/// Why a body could not be read in full.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("response body larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("timed out reading the response body")]
    Timeout,
    #[error("connection failed while reading the response body: {detail}")]
    Transport { detail: String },
}

/// Reads the whole body of `response`, failing as soon as it passes `limit` bytes
/// (checked against `Content-Length` first, then while streaming chunks).
pub async fn read_body_capped(mut response: Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    if let Some(announced) = response.content_length()
        && announced > limit as u64
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::with_capacity(
        response
            .content_length()
            .map_or(8 * 1024, |n| n as usize)
            .min(limit),
    );
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(BodyError::Timeout),
            Err(e) => {
                return Err(BodyError::Transport {
                    detail: transport_detail(&e),
                });
            }
        };
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
}

/// `scheme://host[:port]/path` — what may be logged of an upstream URL. The query
/// string (credentials), user info and fragment are dropped.
pub fn url_for_log(url: &Url) -> String {
    let mut out = format!("{}://", url.scheme());
    if let Some(host) = url.host_str() {
        // `host_str` keeps IPv6 brackets.
        out.push_str(host);
    }
    if let Some(port) = url.port() {
        out.push(':');
        out.push_str(&port.to_string());
    }
    out.push_str(url.path());
    out
}

/// A log-safe description of a `reqwest::Error`: its kind and the messages of its
/// sources (connection refused, DNS failure, …), never its URL.
pub fn transport_detail(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect error"
    } else if error.is_body() || error.is_decode() {
        "body error"
    } else if error.is_builder() {
        "invalid request"
    } else {
        "request error"
    };
    let mut out = kind.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    sanitize_for_log(&out, MAX_DETAIL_CHARS)
}

/// Makes an upstream-controlled string safe to log: control characters become spaces
/// and it is cut to `max_chars` characters (with an ellipsis).
pub fn sanitize_for_log(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 4));
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::TcpListener,
    };

    use super::*;

    #[test]
    fn logged_urls_never_carry_the_query_string() {
        let url = Url::parse(
            "http://navi.example:4533/music/rest/ping.view?u=alice&t=abcdef&s=salt123&p=enc:6869#frag",
        )
        .unwrap();
        assert_eq!(
            url_for_log(&url),
            "http://navi.example:4533/music/rest/ping.view"
        );

        let with_userinfo = Url::parse("https://bob:secret@[::1]/rest/x?p=hunter2").unwrap();
        let logged = url_for_log(&with_userinfo);
        assert_eq!(logged, "https://[::1]/rest/x");
        assert!(!logged.contains("secret") && !logged.contains("hunter2"));
    }

    #[test]
    fn user_agent_names_spotter_and_its_version() {
        assert!(USER_AGENT.starts_with(&format!("spotter/{} ", env!("CARGO_PKG_VERSION"))));
        assert!(USER_AGENT.contains("+https://"));
    }

    #[test]
    fn sanitizing_strips_controls_and_caps_length() {
        assert_eq!(sanitize_for_log("a\nb\u{1b}[31mc", 100), "a b [31mc");
        assert_eq!(sanitize_for_log("abcdef", 3), "abc…");
        assert_eq!(sanitize_for_log("abc", 3), "abc");
    }

    /// A one-shot HTTP/1.1 server writing `head` then `body_chunks` (with pauses).
    async fn raw_server(head: String, body_chunks: Vec<Vec<u8>>) -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(head.as_bytes()).await;
            for c in body_chunks {
                if sock.write_all(&c).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let _ = sock.shutdown().await;
        });
        Url::parse(&format!("http://{addr}/x?secret=1")).unwrap()
    }

    fn chunked(parts: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = parts
            .iter()
            .map(|p| {
                let mut c = format!("{:x}\r\n", p.len()).into_bytes();
                c.extend_from_slice(p);
                c.extend_from_slice(b"\r\n");
                c
            })
            .collect();
        out.push(b"0\r\n\r\n".to_vec());
        out
    }

    /// A client for the raw server at `url` (operator-trusted: it is on loopback).
    fn client_for(url: &Url, timeout: Duration) -> HttpClient {
        let base = format!("http://127.0.0.1:{}/", url.port().unwrap());
        HttpClient::builder(Policy::operator_configured(&base).unwrap())
            .timeout(timeout)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn capped_body_reads_small_bodies_and_cuts_big_ones() {
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
        let timeout = Duration::from_secs(10);

        let url = raw_server(head.into(), chunked(&[b"hello ", b"world"])).await;
        let client = client_for(&url, timeout);
        let resp = client.get(&url).body_limit(11).send().await.unwrap();
        assert_eq!(resp.body(), b"hello world");

        let big = vec![b'x'; 1000];
        let url = raw_server(head.into(), chunked(&[&big, &big, &big])).await;
        let client = client_for(&url, timeout);
        assert!(matches!(
            client.get(&url).body_limit(2500).send().await,
            Err(HttpError::TooLarge { limit: 2500 })
        ));

        // An announced length over the cap fails before reading anything.
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\nconnection: close\r\n\r\n";
        let url = raw_server(head.into(), vec![b"tiny".to_vec()]).await;
        let client = client_for(&url, timeout);
        assert!(matches!(
            client.get(&url).body_limit(1024).send().await,
            Err(HttpError::TooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn unfollowed_redirects_are_answers_and_a_slow_body_times_out() {
        let head =
            "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n";
        let url = raw_server(head.into(), vec![]).await;
        let base =
            Policy::operator_configured(&format!("http://127.0.0.1:{}/", url.port().unwrap()))
                .unwrap();
        let client = HttpClient::builder(base)
            .redirects(Redirects::NotFollowed)
            .build()
            .unwrap();
        let resp = client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 302);

        // Headers arrive, the body never completes.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
                .await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let url = Url::parse(&format!("http://{addr}/")).unwrap();
        let client = client_for(&url, Duration::from_millis(400));
        let started = Instant::now();
        assert!(matches!(
            client.get(&url).send().await,
            Err(HttpError::Timeout)
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn transport_details_never_contain_the_url() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let url = Url::parse(&format!("http://{addr}/rest/ping.view?u=alice&p=hunter2")).unwrap();
        let client = client_for(&url, Duration::from_secs(5));
        let err = client.get(&url).send().await.unwrap_err();
        let HttpError::Connect { detail } = &err else {
            panic!("{err:?}");
        };
        assert!(detail.starts_with("connect error"), "{detail}");
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("ping.view"),
            "{shown}"
        );
    }
}
