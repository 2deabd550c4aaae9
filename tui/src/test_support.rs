//! Fixtures shared by unit tests: fixed facts for snapshots, and a stand-in daemon
//! that serves `System.GetStatus` (and, given [`FakeAccounts`], Auth and Sessions)
//! on a Unix socket so the client can be exercised without the real daemon crate
//! (which depends on nothing here).

mod accounts;

pub use accounts::{FAKE_NOW, FakeAccounts};

use std::{
    path::{Path, PathBuf},
    thread::JoinHandle,
};

use spotter_proto::{
    locations::Mode,
    v1::{
        DaemonMode, GetStatusRequest, GetStatusResponse,
        auth_server::AuthServer,
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
        protocol_version: 1,
        min_protocol_version: 1,
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
    SocketTarget {
        path: PathBuf::from("/run/user/1000/spotter/spotterd.sock"),
        origin: SocketOrigin::Default,
        mode,
    }
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
                let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
                let serve = tonic::transport::Server::builder()
                    .add_service(SystemServer::new(FixedStatus(response)))
                    .add_optional_service(accounts.clone().map(AuthServer::new))
                    .add_optional_service(accounts.map(SessionsServer::new))
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
