//! Fixtures shared by unit tests: fixed facts for snapshots, and a stand-in daemon
//! that serves `System.GetStatus` (and, given [`FakeAccounts`], Auth and Sessions;
//! given [`FakeEvents`], Events) on a Unix socket so the client can be exercised
//! without the real daemon crate (which depends on nothing here).

mod accounts;
mod events;

pub use accounts::{FAKE_NOW, FakeAccounts};
pub use events::{FakeEvents, Script, Subscription};

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    thread::JoinHandle,
};

use futures::StreamExt as _;

use spotter_proto::{
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
    locations::Mode,
    v1::{
        DaemonMode, GetStatusRequest, GetStatusResponse,
        auth_server::AuthServer,
        events_server::EventsServer,
        sessions_server::SessionsServer,
        system_server::{System, SystemServer},
    },
};
use tokio::sync::oneshot;

use crate::{
    socket::{SocketOrigin, SocketTarget},
    status::DaemonStatus,
};

pub fn sample_response() -> GetStatusResponse {
    GetStatusResponse {
        daemon_version: "0.1.0".into(),
        protocol_version: PROTOCOL_VERSION,
        min_protocol_version: MIN_PROTOCOL_VERSION,
        pid: 4242,
        uptime_seconds: 2 * 3600 + 3 * 60 + 9,
        schema_version: 3,
        mode: DaemonMode::Personal as i32,
        peer_uid: 1000,
        encryption_key_id: "k-2f9c1a".into(),
    }
}

pub fn sample_status() -> DaemonStatus {
    sample_response().into()
}

pub fn sample_target(mode: Mode) -> SocketTarget {
    SocketTarget::new(
        PathBuf::from("/run/user/1000/spotter/spotterd.sock"),
        SocketOrigin::Default,
        mode,
        None,
    )
}

/// A socket the test serves itself, chosen like `--socket` (so our own server is
/// trusted), in system mode so that no unit test ever starts a real daemon.
pub fn target_at(socket: &Path) -> SocketTarget {
    SocketTarget::new(socket.to_path_buf(), SocketOrigin::Flag, Mode::System, None)
}

struct FixedStatus(GetStatusResponse);

#[tonic::async_trait]
impl System for FixedStatus {
    async fn get_status(
        &self,
        _request: tonic::Request<GetStatusRequest>,
    ) -> Result<tonic::Response<GetStatusResponse>, tonic::Status> {
        Ok(tonic::Response::new(self.0.clone()))
    }
}

/// A stand-in daemon on its own thread and runtime, so dropping it really closes
/// every connection (as a daemon exiting would), not just the listener.
pub struct FakeDaemon {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    connections: Arc<AtomicUsize>,
}

impl FakeDaemon {
    pub fn start(socket: &Path, response: GetStatusResponse) -> FakeDaemon {
        Self::start_with(socket, response, None)
    }

    /// Also serves Auth and Sessions from `accounts`.
    pub fn start_with(
        socket: &Path,
        response: GetStatusResponse,
        accounts: Option<FakeAccounts>,
    ) -> FakeDaemon {
        Self::serve(socket, response, accounts, None)
    }

    /// Also serves Events from `events`.
    pub fn start_with_events(
        socket: &Path,
        accounts: Option<FakeAccounts>,
        events: FakeEvents,
    ) -> FakeDaemon {
        Self::serve(socket, sample_response(), accounts, Some(events))
    }

    /// Connections accepted so far (each HTTP/2 connection is one).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn serve(
        socket: &Path,
        response: GetStatusResponse,
        accounts: Option<FakeAccounts>,
        events: Option<FakeEvents>,
    ) -> FakeDaemon {
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let listener = std::os::unix::net::UnixListener::bind(socket).unwrap();
        listener.set_nonblocking(true).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::UnixListener::from_std(listener).unwrap();
                let incoming =
                    tokio_stream::wrappers::UnixListenerStream::new(listener).inspect(move |_| {
                        counter.fetch_add(1, Ordering::SeqCst);
                    });
                let serve = tonic::transport::Server::builder()
                    .add_service(SystemServer::new(FixedStatus(response)))
                    .add_optional_service(accounts.clone().map(AuthServer::new))
                    .add_optional_service(accounts.map(SessionsServer::new))
                    .add_optional_service(events.map(EventsServer::new))
                    .serve_with_incoming(incoming);
                // Not a graceful shutdown: stopping should look like a daemon dying.
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here kills every connection still being served; the
            // socket file stays behind, like a crashed daemon's.
        });
        FakeDaemon {
            stop: Some(stop),
            thread: Some(thread),
            connections,
        }
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
