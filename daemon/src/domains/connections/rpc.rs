//! `spotter.v1.Connections`: a thin adapter over the connections service, always
//! scoped to the caller's user id from the token.

use std::sync::Arc;

use spotter_proto::v1::{self, connections_server::Connections as ConnectionsRpc};
use tonic::{Request, Response, Status};

use crate::{
    domains::{
        connections::{
            service::{ConnectionView, Connections},
            store::ConnectionState,
        },
        identity::caller::Caller,
    },
    rpc::wire::{provider_from_wire, provider_to_wire},
};

fn connection(view: ConnectionView) -> v1::Connection {
    use v1::connection::State;
    let mut out = v1::Connection {
        provider: provider_to_wire(view.provider) as i32,
        state: State::NotConnected as i32,
        available: view.offered.is_ok(),
        unavailable_reason: view.offered.err().unwrap_or_default(),
        ..Default::default()
    };
    if let Some(c) = view.connection {
        out.state = match c.state {
            ConnectionState::Connected => State::Connected,
            ConnectionState::NeedsReconnect => State::NeedsReconnect,
        } as i32;
        out.external_user = c.external_user;
        out.connected_at = c.connected_at;
        out.last_sync_at = c.last_sync_at.unwrap_or(0);
        out.last_error = c.last_error.unwrap_or_default();
        out.last_error_fatal = c.last_error_fatal;
        out.submit_listens = c.submit_listens;
    }
    out
}

pub struct ConnectionsService {
    connections: Arc<Connections>,
}

impl ConnectionsService {
    pub fn new(connections: Arc<Connections>) -> Self {
        ConnectionsService { connections }
    }
}

#[tonic::async_trait]
impl ConnectionsRpc for ConnectionsService {
    async fn list_connections(
        &self,
        request: Request<v1::ListConnectionsRequest>,
    ) -> Result<Response<v1::ListConnectionsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let views = self.connections.list(caller.user_id).await?;
        Ok(Response::new(v1::ListConnectionsResponse {
            connections: views.into_iter().map(connection).collect(),
        }))
    }

    async fn begin_connect(
        &self,
        request: Request<v1::BeginConnectRequest>,
    ) -> Result<Response<v1::BeginConnectResponse>, Status> {
        let caller = Caller::of(&request)?;
        let provider = provider_from_wire(request.get_ref().provider)?;
        let flow = self
            .connections
            .begin(caller.user_id, &caller.session_id, provider)
            .await?;
        Ok(Response::new(v1::BeginConnectResponse {
            authorize_url: flow.authorize_url,
            flow_id: flow.flow_id,
            expires_at: flow.expires_at,
            instructions: flow.instructions,
        }))
    }

    async fn complete_connect(
        &self,
        request: Request<v1::CompleteConnectRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let provider = provider_from_wire(r.provider)?;
        let view = self
            .connections
            .complete(
                caller.user_id,
                &caller.session_id,
                provider,
                &r.flow_id,
                &r.redirected_url,
            )
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn connect_listen_brainz(
        &self,
        request: Request<v1::ConnectListenBrainzRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let view = self
            .connections
            .connect_listenbrainz(caller.user_id, &request.get_ref().token)
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn connect_navidrome(
        &self,
        request: Request<v1::ConnectNavidromeRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let view = self
            .connections
            .connect_navidrome(caller.user_id, caller.peer_uid, &r.username, &r.password)
            .await?;
        Ok(Response::new(connection(view)))
    }

    async fn disconnect(
        &self,
        request: Request<v1::DisconnectRequest>,
    ) -> Result<Response<v1::DisconnectResponse>, Status> {
        let caller = Caller::of(&request)?;
        let provider = provider_from_wire(request.get_ref().provider)?;
        let disconnected = self
            .connections
            .disconnect(caller.user_id, provider)
            .await?;
        Ok(Response::new(v1::DisconnectResponse { disconnected }))
    }

    async fn set_listen_submission(
        &self,
        request: Request<v1::SetListenSubmissionRequest>,
    ) -> Result<Response<v1::Connection>, Status> {
        let caller = Caller::of(&request)?;
        let view = self
            .connections
            .set_submission(caller.user_id, request.get_ref().enabled)
            .await?;
        Ok(Response::new(connection(view)))
    }
}
