//! `spotter.v1.System`: facts about the running daemon (public: no sign-in needed).

use std::sync::Arc;

use spotter_proto::{
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
    v1::{DaemonMode, GetStatusRequest, GetStatusResponse, system_server::System},
};
use tonic::{Request, Response, Status};

use crate::rpc::peer_uid;

/// What `GetStatus` reports about the running daemon.
pub struct SystemFacts {
    pub mode: spotter_proto::locations::Mode,
    pub started: std::time::Instant,
    pub schema_version: i64,
    pub keyring: Arc<tokio::sync::RwLock<crate::crypto::Keyring>>,
}

pub struct SystemService {
    state: SystemFacts,
}

impl SystemService {
    pub fn new(state: SystemFacts) -> Self {
        SystemService { state }
    }
}

#[tonic::async_trait]
impl System for SystemService {
    async fn get_status(
        &self,
        request: Request<GetStatusRequest>,
    ) -> Result<Response<GetStatusResponse>, Status> {
        let peer = peer_uid(&request)?;
        let client = request.get_ref().client_protocol_version;
        if client != 0 && !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&client) {
            tracing::debug!(
                client,
                uid = peer.uid,
                "client speaks an unsupported protocol version"
            );
        }
        let s = &self.state;
        Ok(Response::new(GetStatusResponse {
            daemon_version: env!("CARGO_PKG_VERSION").to_string(),
            protocol_version: PROTOCOL_VERSION,
            min_protocol_version: MIN_PROTOCOL_VERSION,
            pid: std::process::id(),
            uptime_seconds: s.started.elapsed().as_secs(),
            schema_version: s.schema_version,
            mode: match s.mode {
                spotter_proto::locations::Mode::Personal => DaemonMode::Personal,
                spotter_proto::locations::Mode::System => DaemonMode::System,
            } as i32,
            peer_uid: peer.uid,
            encryption_key_id: s.keyring.read().await.primary_id().to_string(),
        }))
    }
}
