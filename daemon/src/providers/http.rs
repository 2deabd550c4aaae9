//! The one hardened outbound HTTP client, and the rules every provider follows when it
//! talks to an upstream (SECURITY.md T2, T10).
//!
//! Owns:
//! - [`HttpClientBuilder`]: connect and total timeouts, **no automatic redirects**
//!   (a redirect is returned to the caller as a 3xx response; the SSRF guard that
//!   re-validates hops builds on this), no proxies from the environment, rustls, and a
//!   User-Agent that names spotter ([`USER_AGENT`]).
//! - [`read_body_capped`]: reads a response body chunk by chunk and stops with
//!   [`BodyError::TooLarge`] as soon as it passes the cap, so a hostile or broken
//!   upstream cannot make the daemon buffer an unbounded body.
//! - [`url_for_log`]: the only way an upstream URL reaches a log line or an error:
//!   scheme, host, port and path, never the query string (Subsonic puts credentials
//!   there), the user info or the fragment.
//! - [`transport_detail`]: a log-safe description of a `reqwest::Error` (its own
//!   `Display` embeds the full URL, query included, so it is never formatted directly).

use std::time::Duration;

use reqwest::{Client, Response, Url, redirect};

/// Sent with every outbound request.
pub const USER_AGENT: &str = concat!(
    "spotter/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/spotter)"
);

/// Time allowed to establish a connection (TCP + TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for a whole request: connect, send, headers and body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap for a response body (Subsonic JSON pages are far below this).
pub const DEFAULT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// Longest log-safe detail string produced here.
const MAX_DETAIL_CHARS: usize = 200;

/// Builds the hardened `reqwest::Client`. Providers never call `reqwest::Client::new()`.
#[derive(Debug, Clone)]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    timeout: Duration,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        HttpClientBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl HttpClientBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Time allowed to connect. Never longer than the total timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for the whole request, body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn build(&self) -> Result<Client, HttpError> {
        Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout.min(self.timeout))
            .timeout(self.timeout)
            .redirect(redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| HttpError::Build(transport_detail(&e)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
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

    #[tokio::test]
    async fn capped_body_reads_small_bodies_and_cuts_big_ones() {
        let client = HttpClientBuilder::new().build().unwrap();
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";

        let url = raw_server(head.into(), chunked(&[b"hello ", b"world"])).await;
        let resp = client.get(url).send().await.unwrap();
        assert_eq!(read_body_capped(resp, 11).await.unwrap(), b"hello world");

        let big = vec![b'x'; 1000];
        let url = raw_server(head.into(), chunked(&[&big, &big, &big])).await;
        let resp = client.get(url).send().await.unwrap();
        assert!(matches!(
            read_body_capped(resp, 2500).await,
            Err(BodyError::TooLarge { limit: 2500 })
        ));

        // An announced length over the cap fails before reading anything.
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\nconnection: close\r\n\r\n";
        let url = raw_server(head.into(), vec![b"tiny".to_vec()]).await;
        let resp = client.get(url).send().await.unwrap();
        assert!(matches!(
            read_body_capped(resp, 1024).await,
            Err(BodyError::TooLarge { .. })
        ));
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_a_slow_body_times_out() {
        let client = HttpClientBuilder::new()
            .timeout(Duration::from_millis(400))
            .build()
            .unwrap();
        let head =
            "HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n";
        let url = raw_server(head.into(), vec![]).await;
        let resp = client.get(url).send().await.unwrap();
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
        let started = Instant::now();
        let resp = client.get(format!("http://{addr}/")).send().await.unwrap();
        assert!(matches!(
            read_body_capped(resp, 1024).await,
            Err(BodyError::Timeout)
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn transport_details_never_contain_the_url() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = HttpClientBuilder::new().build().unwrap();
        let err = client
            .get(format!("http://{addr}/rest/ping.view?u=alice&p=hunter2"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect());
        let detail = transport_detail(&err);
        assert!(detail.starts_with("connect error"), "{detail}");
        assert!(
            !detail.contains("hunter2") && !detail.contains("ping.view"),
            "{detail}"
        );
    }
}
