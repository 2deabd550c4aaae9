//! Local servers that speak the documented wire formats of the providers spotterd
//! talks to but that cannot be reached from here (Spotify, Last.fm, ListenBrainz), plus
//! a Subsonic-format server big enough for benchmarks. Each runs in-process on
//! 127.0.0.1 on a random port, holds its data in memory, records what it was asked,
//! and can be told to misbehave: [`Fault`]s are served in order before normal answers.

pub mod lastfm;
pub mod listenbrainz;
pub mod spotify;
pub mod subsonic;
pub mod tls;

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// One misbehaviour, served instead of (or, for [`Fault::Delay`], before) the next
/// normal answer.
#[derive(Debug, Clone)]
pub enum Fault {
    /// A bare status with a short plain-text body.
    Status(u16),
    /// A status (429 or 503) with `Retry-After: <secs>`.
    RetryAfter(u16, u64),
    /// HTTP 429 with ListenBrainz's `X-RateLimit-Reset-In: <secs>`.
    ResetIn(u64),
    /// HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// HTTP 200 with a JSON-looking body of this many bytes.
    Oversized(usize),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// A provider-specific error body with this HTTP status (e.g. a Last.fm
    /// `{"error": 9, "message": …}`), built by the fake that serves it.
    Body(u16, String),
}

/// A closed door a fake server's handler waits at until the test opens it: lets a
/// test hold a request until it has seen the state it wants to check in between.
#[derive(Debug, Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Default for Gate {
    fn default() -> Self {
        Gate(Arc::new(tokio::sync::Semaphore::new(0)))
    }
}

impl Gate {
    /// Lets every waiting and future request through.
    pub fn open(&self) {
        // A closed semaphore refuses every acquire at once: that is "open" here.
        self.0.close();
    }

    /// Waits until the gate is open.
    pub async fn pass(&self) {
        let _ = self.0.acquire().await;
    }
}

/// A queue of faults shared between a fake server and the test that drives it.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<VecDeque<Fault>>>);

impl Faults {
    pub fn push(&self, fault: Fault) {
        self.0.lock().unwrap().push_back(fault);
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }

    pub fn pending(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Takes the next fault. A [`Fault::Delay`] is slept here and `None` returned so
    /// the caller answers normally; any other fault becomes the response.
    pub async fn next_response(&self) -> Option<Response> {
        let fault = self.0.lock().unwrap().pop_front()?;
        match fault {
            Fault::Delay(d) => {
                tokio::time::sleep(d).await;
                None
            }
            Fault::Status(code) => Some(status(code, "fault injected").into_response()),
            Fault::RetryAfter(code, secs) => {
                let mut r = status(code, "slow down").into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                Some(r)
            }
            Fault::ResetIn(secs) => {
                let mut r = status(429, "rate limited").into_response();
                r.headers_mut()
                    .insert("x-ratelimit-reset-in", HeaderValue::from(secs));
                r.headers_mut()
                    .insert("x-ratelimit-remaining", HeaderValue::from(0));
                Some(r)
            }
            Fault::MalformedJson => Some(
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{\"truncated\": [1, 2,"))
                    .unwrap(),
            ),
            Fault::Oversized(n) => {
                let mut body = Vec::with_capacity(n);
                body.extend_from_slice(b"{\"pad\":\"");
                body.resize(n.saturating_sub(2), b'x');
                body.extend_from_slice(b"\"}");
                Some(
                    Response::builder()
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(body))
                        .unwrap(),
                )
            }
            Fault::Body(code, body) => Some(
                Response::builder()
                    .status(StatusCode::from_u16(code).unwrap())
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            ),
        }
    }
}

fn status(code: u16, text: &'static str) -> (StatusCode, &'static str) {
    (StatusCode::from_u16(code).unwrap(), text)
}

/// Daemon settings pointing each provider given at its fake. Last.fm also needs the
/// fake's CA and shared secret, which do not come from settings.
pub fn settings_for(
    lb: Option<&listenbrainz::FakeListenBrainz>,
    lastfm: Option<&lastfm::FakeLastFm>,
    spotify: Option<&spotify::FakeSpotify>,
) -> spotter_daemon::config::Settings {
    let mut s = spotter_daemon::config::Settings::default();
    if let Some(lb) = lb {
        s.listenbrainz.api_url = lb.api_url();
    }
    if let Some(fm) = lastfm {
        s.lastfm.api_key = Some(fm.api_key().into());
        s.lastfm.api_url = fm.api_url();
        s.lastfm.auth_url = fm.auth_url();
    }
    if let Some(sp) = spotify {
        s.spotify.client_id = Some(spotify::CLIENT_ID.into());
        s.spotify.accounts_url = sp.accounts_url();
        s.spotify.api_url = sp.api_url();
    }
    s
}

/// What a fake's handlers share: its data and its queue of faults.
struct App<D> {
    state: Arc<Mutex<D>>,
    faults: Faults,
}

impl<D> Clone for App<D> {
    fn clone(&self) -> Self {
        App {
            state: self.state.clone(),
            faults: self.faults.clone(),
        }
    }
}

/// The date of Unix day `days` (days since 1970-01-01, UTC) as (year, month, day),
/// proleptic Gregorian: Howard Hinnant's `civil_from_days`, era by era.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Serves `router` over plain HTTP on 127.0.0.1 and returns its address.
pub async fn serve_http(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}
