//! Who may hold a connection, and for how long (SECURITY.md T12; issue 10, finding 3).
//!
//! A local peer that opened thousands of idle connections used to exhaust the daemon's
//! open files, after which tonic spun on the failing `accept` and nobody was answered.
//! Here every connection is admitted or closed at once, by the Unix user that opened
//! it (SO_PEERCRED):
//!
//! - at most [`Limits::per_uid`] connections per Unix user and [`Limits::total`] in all
//!   (the total fitted under the open-file limit at start-up, [`fit_to_open_files`]);
//! - a connection must start HTTP/2 (its 24-byte preface) within
//!   [`Limits::handshake`], and is closed once it has had no call in progress for
//!   [`Limits::idle`] (an open event stream is a call in progress; HTTP/2 keep-alive
//!   pings, configured on the server, close connections whose peer vanished);
//! - a failing `accept` (out of files, say) backs off from 10 ms to 1 s instead of
//!   spinning.
//!
//! [`Admitted`] wraps the accepted stream: its reads enforce the deadlines, its drop
//! gives the place back. Calls are tracked by [`ActivityLayer`] through the
//! connection's [`ConnInfo`], which tonic puts in every request's extensions.

use std::{
    collections::HashMap,
    future::Future,
    io,
    num::NonZeroU32,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{UnixListener, UnixStream},
    time::{Instant, Sleep},
};
use tonic::{
    codegen::http,
    transport::server::{Connected, UdsConnectInfo},
};

/// Bytes of the HTTP/2 client preface (RFC 9113 §3.4).
const PREFACE_BYTES: usize = 24;
/// Open files kept for everything but client connections (the database and its WAL
/// on every pooled connection, outbound HTTP, logs, the runtime's own).
pub const RESERVED_FILES: u64 = 256;
/// First and longest wait after a failed `accept`.
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The connection limits (`daemon.*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub total: usize,
    pub per_uid: usize,
    pub handshake: Duration,
    pub idle: Duration,
}

/// Raises the soft open-file limit to the hard one and returns how many connections
/// fit under it: `wanted`, or fewer (logged) when the limit is too low for it.
pub fn fit_to_open_files(wanted: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = raised;
        }
    }
    let Some(files) = limit.current else {
        return wanted; // unlimited
    };
    let fits = files.saturating_sub(RESERVED_FILES).max(16);
    if (wanted as u64) > fits {
        tracing::warn!(
            open_files = files,
            wanted,
            using = fits,
            "daemon.max_connections does not fit under the open-file limit; lowered (raise LimitNOFILE=)"
        );
        fits as usize
    } else {
        wanted
    }
}

/// Places for connections, per Unix user and in all.
pub struct Admission {
    limits: Limits,
    held: Mutex<(usize, HashMap<u32, usize>)>,
    /// One log line per Unix user and minute when they are refused (a flood of them
    /// must not flood the log).
    refusals_logged: DefaultKeyedRateLimiter<u32>,
}

impl Admission {
    pub fn new(limits: Limits) -> Arc<Admission> {
        Arc::new(Admission {
            limits,
            held: Mutex::new((0, HashMap::new())),
            refusals_logged: RateLimiter::keyed(Quota::per_minute(NonZeroU32::MIN)),
        })
    }

    fn held(&self) -> std::sync::MutexGuard<'_, (usize, HashMap<u32, usize>)> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Connections held now (all users, and `uid`'s).
    pub fn counts(&self, uid: u32) -> (usize, usize) {
        let held = self.held();
        (held.0, held.1.get(&uid).copied().unwrap_or(0))
    }

    /// Admits `stream` when its user and the daemon have room; otherwise it is
    /// dropped, which closes it.
    pub fn admit(self: &Arc<Self>, stream: UnixStream) -> Option<Admitted> {
        let cred = stream.peer_cred().ok()?;
        let uid = cred.uid();
        {
            let mut held = self.held();
            let mine = held.1.get(&uid).copied().unwrap_or(0);
            if held.0 >= self.limits.total || mine >= self.limits.per_uid {
                drop(held);
                if self.refusals_logged.check_key(&uid).is_ok() {
                    tracing::warn!(
                        uid,
                        held_by_uid = mine,
                        per_uid = self.limits.per_uid,
                        total = self.limits.total,
                        "connection refused: too many open connections"
                    );
                }
                return None;
            }
            held.0 += 1;
            *held.1.entry(uid).or_default() += 1;
        }
        let info = ConnInfo {
            uds: UdsConnectInfo {
                peer_addr: stream.peer_addr().ok().map(Arc::new),
                peer_cred: Some(cred),
            },
            activity: Arc::new(Activity::default()),
        };
        Some(Admitted {
            stream,
            deadline: Box::pin(tokio::time::sleep(self.limits.handshake)),
            preface_seen: 0,
            limits: self.limits,
            info,
            place: Place {
                admission: self.clone(),
                uid,
            },
        })
    }
}

/// A held place; given back on drop.
struct Place {
    admission: Arc<Admission>,
    uid: u32,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut held = self.admission.held();
        held.0 = held.0.saturating_sub(1);
        if let Some(n) = held.1.get_mut(&self.uid) {
            *n -= 1;
            if *n == 0 {
                held.1.remove(&self.uid);
            }
        }
    }
}

/// Calls in progress on one connection, and since when it has had none.
#[derive(Debug)]
pub struct Activity {
    calls: AtomicUsize,
    idle_since: Mutex<Instant>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            calls: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        }
    }
}

impl Activity {
    /// A call began; it ends when the returned guard is dropped.
    pub fn begin(self: &Arc<Self>) -> CallGuard {
        self.calls.fetch_add(1, Ordering::SeqCst);
        CallGuard(self.clone())
    }

    /// When the connection counts as idle for too long, or `None` while a call runs.
    fn idle_deadline(&self, idle: Duration) -> Option<Instant> {
        if self.calls.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(*self.idle_since.lock().unwrap_or_else(|p| p.into_inner()) + idle)
    }
}

/// One call in progress.
#[derive(Debug)]
pub struct CallGuard(Arc<Activity>);

impl Drop for CallGuard {
    fn drop(&mut self) {
        if self.0.calls.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.0.idle_since.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        }
    }
}

/// What every request on a connection carries: the kernel's word on the peer, and
/// the connection's activity.
#[derive(Debug, Clone)]
pub struct ConnInfo {
    pub uds: UdsConnectInfo,
    pub activity: Arc<Activity>,
}

impl ConnInfo {
    pub fn peer_uid(&self) -> Option<u32> {
        self.uds.peer_cred.map(|c| c.uid())
    }
}

/// An admitted connection.
pub struct Admitted {
    stream: UnixStream,
    deadline: Pin<Box<Sleep>>,
    /// Bytes of the preface read so far; the handshake deadline holds until 24.
    preface_seen: usize,
    limits: Limits,
    info: ConnInfo,
    place: Place,
}

impl Admitted {
    /// The Unix user on the other end.
    pub fn uid(&self) -> u32 {
        self.place.uid
    }

    /// Checks the deadline; an error once the connection must close.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        while self.deadline.as_mut().poll(cx).is_ready() {
            if self.preface_seen < PREFACE_BYTES {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the connection did not start HTTP/2 in time",
                ));
            }
            match self.info.activity.idle_deadline(self.limits.idle) {
                // A call is running: look again one idle period from now.
                None => {
                    let next = Instant::now() + self.limits.idle;
                    self.deadline.as_mut().reset(next);
                }
                Some(at) if at <= Instant::now() => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the connection was idle too long",
                    ));
                }
                Some(at) => self.deadline.as_mut().reset(at),
            }
        }
        Ok(())
    }
}

impl AsyncRead for Admitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Err(e) = this.poll_deadline(cx) {
            return Poll::Ready(Err(e));
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if this.preface_seen < PREFACE_BYTES && read.is_ready() {
            this.preface_seen += buf.filled().len() - before;
            if this.preface_seen >= PREFACE_BYTES {
                // Handshake done: from now on the idle deadline applies.
                *this
                    .info
                    .activity
                    .idle_since
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Instant::now();
                let next = Instant::now() + this.limits.idle;
                this.deadline.as_mut().reset(next);
            }
        }
        read
    }
}

impl AsyncWrite for Admitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl Connected for Admitted {
    type ConnectInfo = ConnInfo;

    fn connect_info(&self) -> ConnInfo {
        self.info.clone()
    }
}

/// Waits that grow while `accept` keeps failing, reset by a success.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next: ACCEPT_BACKOFF_FIRST,
        }
    }
}

impl Backoff {
    /// The wait before trying again, doubling up to [`ACCEPT_BACKOFF_MAX`].
    pub fn failed(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(ACCEPT_BACKOFF_MAX);
        wait
    }

    pub fn succeeded(&mut self) {
        self.next = ACCEPT_BACKOFF_FIRST;
    }

    fn failing(&self) -> bool {
        self.next > ACCEPT_BACKOFF_FIRST
    }
}

/// Where connections come from (the socket; tests put failures in its place).
pub trait Listen: Send + 'static {
    fn accept(&mut self) -> impl Future<Output = io::Result<UnixStream>> + Send;
}

impl Listen for UnixListener {
    async fn accept(&mut self) -> io::Result<UnixStream> {
        UnixListener::accept(self).await.map(|(stream, _)| stream)
    }
}

/// The next connection `listener` accepts, backing off while accepting fails.
pub async fn accept_with_backoff<L: Listen>(listener: &mut L, backoff: &mut Backoff) -> UnixStream {
    loop {
        match listener.accept().await {
            Ok(stream) => {
                backoff.succeeded();
                return stream;
            }
            Err(e) => {
                if !backoff.failing() {
                    tracing::warn!(error = %e, "cannot accept connections; backing off");
                }
                tokio::time::sleep(backoff.failed()).await;
            }
        }
    }
}

/// The admitted connections of `listener`, for tonic's `serve_with_incoming`.
pub fn incoming<L: Listen>(
    listener: L,
    admission: Arc<Admission>,
) -> impl futures::Stream<Item = Result<Admitted, std::convert::Infallible>> + Send {
    futures::stream::unfold(
        (listener, admission, Backoff::default()),
        |(mut listener, admission, mut backoff)| async move {
            loop {
                let stream = accept_with_backoff(&mut listener, &mut backoff).await;
                if let Some(admitted) = admission.admit(stream) {
                    return Some((Ok(admitted), (listener, admission, backoff)));
                }
            }
        },
    )
}

/// Tracks the calls of every connection (see [`Activity`]): a call lasts until its
/// response body is done or dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct ActivityLayer;

impl<S> tower::Layer<S> for ActivityLayer {
    type Service = ActivityService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ActivityService { inner }
    }
}

#[derive(Debug, Clone)]
pub struct ActivityService<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> tower::Service<http::Request<tonic::body::Body>> for ActivityService<S>
where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let call = request
            .extensions()
            .get::<ConnInfo>()
            .map(|info| info.activity.begin());
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            Ok(match call {
                Some(call) => {
                    response.map(|body| tonic::body::Body::new(Tracked { body, _call: call }))
                }
                None => response,
            })
        })
    }
}

/// A response body that holds its call open until it is done or dropped.
struct Tracked {
    body: tonic::body::Body,
    _call: CallGuard,
}

impl http_body::Body for Tracked {
    type Data = tonic::codegen::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_to_a_second_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..9).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        b.succeeded();
        assert_eq!(b.failed(), Duration::from_millis(10));
    }

    /// Out of files: `accept` fails at once, every time.
    struct Exhausted(Arc<AtomicUsize>);

    impl Listen for Exhausted {
        async fn accept(&mut self) -> io::Result<UnixStream> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(io::Error::from_raw_os_error(24)) // EMFILE
        }
    }

    /// Issue 10, finding 3: tonic retried a failing `accept` at once, forever (3.6 s of
    /// CPU in 3 s). With the backoff, a minute of failures is a few dozen attempts.
    #[tokio::test(start_paused = true)]
    async fn a_failing_accept_is_retried_with_growing_waits_not_in_a_spin() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let mut listener = Exhausted(attempts.clone());
        let mut backoff = Backoff::default();
        let _ = tokio::time::timeout(
            Duration::from_secs(60),
            accept_with_backoff(&mut listener, &mut backoff),
        )
        .await
        .expect_err("never accepts");
        let n = attempts.load(Ordering::SeqCst);
        // 10+20+…+640 ms ≈ 1.3 s for the first 7, then one a second.
        assert!((60..=70).contains(&n), "{n} attempts in a minute");
    }

    fn pair() -> (UnixStream, UnixStream) {
        UnixStream::pair().unwrap()
    }

    fn limits(total: usize, per_uid: usize) -> Limits {
        Limits {
            total,
            per_uid,
            handshake: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        }
    }

    #[tokio::test]
    async fn places_are_bounded_per_user_and_in_all_and_given_back() {
        let admission = Admission::new(limits(3, 2));
        let uid = rustix::process::getuid().as_raw();
        let (_a1, a) = pair();
        let (_b1, b) = pair();
        let (_c1, c) = pair();
        let first = admission.admit(a).expect("room");
        let second = admission.admit(b).expect("room");
        assert!(admission.admit(c).is_none(), "per-user limit");
        assert_eq!(admission.counts(uid), (2, 2));
        drop(first);
        assert_eq!(admission.counts(uid), (1, 1));
        let (_d1, d) = pair();
        let _third = admission.admit(d).expect("a place was given back");
        drop(second);
        assert_eq!(admission.counts(uid), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_never_starts_http2_is_closed_at_the_handshake_deadline() {
        use tokio::io::AsyncReadExt;
        let admission = Admission::new(limits(8, 8));
        let (client, server) = pair();
        let mut admitted = admission.admit(server).unwrap();
        let mut buf = [0u8; 64];
        let e = admitted.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        drop(client);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_with_a_call_in_progress_is_never_idle_and_one_without_is_closed() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let admission = Admission::new(limits(8, 8));
        let (mut client, server) = pair();
        let mut admitted = admission.admit(server).unwrap();
        client.write_all(&[b'P'; PREFACE_BYTES]).await.unwrap();
        let mut buf = [0u8; 64];
        assert_eq!(admitted.read(&mut buf).await.unwrap(), PREFACE_BYTES);
        let call = admitted.info.activity.begin();
        // Hours pass with the call open: still no timeout.
        let reading =
            tokio::time::timeout(Duration::from_secs(3 * 3600), admitted.read(&mut buf)).await;
        assert!(reading.is_err(), "still waiting for data: {reading:?}");
        drop(call);
        let e = admitted.read(&mut buf).await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert_eq!(e.to_string(), "the connection was idle too long");
    }
}
