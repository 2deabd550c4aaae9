//! One gRPC connection to `spotterd` over its Unix socket, and the version handshake.
//!
//! The connector is the only place the client dials the socket; it checks who serves
//! it ([`PeerRule::check`](super::PeerRule::check)) before handing the stream to
//! HTTP/2, so a refused server never receives a byte, on the first connect or on any
//! reconnect tonic makes later.

use std::path::Path;

use hyper_util::rt::TokioIo;
use spotter_proto::{
    MAX_MESSAGE_BYTES, PROTOCOL_VERSION,
    v1::{
        GetStatusRequest, admin_client::AdminClient, auth_client::AuthClient,
        connections_client::ConnectionsClient, events_client::EventsClient,
        history_client::HistoryClient, jobs_client::JobsClient, playlists_client::PlaylistsClient,
        sessions_client::SessionsClient, system_client::SystemClient,
    },
};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

use super::{error::ClientError, timeouts::Timeouts};
use crate::{socket::SocketTarget, status::DaemonStatus};

/// A connected client. Cheap to clone (tonic channels are handles).
#[derive(Debug, Clone)]
pub struct DaemonClient {
    channel: Channel,
    system: SystemClient<Channel>,
    target: SocketTarget,
    timeouts: Timeouts,
}

impl DaemonClient {
    /// Opens the target's socket and checks who serves it. Does not talk gRPC yet:
    /// call [`status`](Self::status) for the handshake, or use
    /// [`connect_and_handshake`].
    pub async fn connect(target: &SocketTarget, timeouts: Timeouts) -> Result<Self, ClientError> {
        let path = target.path.clone();
        let connector_path = path.clone();
        let rule = target.peer.clone();
        // The URI is a placeholder: the connector ignores it and dials the socket. gRPC
        // over a Unix socket sends the `:authority` "localhost" (see system.proto).
        let endpoint = Endpoint::from_static("http://localhost");
        let connect = endpoint.connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = connector_path.clone();
            let rule = rule.clone();
            async move {
                let stream = UnixStream::connect(&path).await?;
                // Before HTTP/2 writes its preface: a refused server gets nothing.
                rule.check(&path, &stream)?;
                Ok::<_, std::io::Error>(TokioIo::new(stream))
            }
        }));
        let channel = match tokio::time::timeout(timeouts.connect, connect).await {
            Ok(Ok(channel)) => channel,
            Ok(Err(err)) => return Err(ClientError::from_transport(path, &err)),
            Err(_) => {
                return Err(ClientError::Timeout {
                    path,
                    during: "the connection",
                    after: timeouts.connect,
                });
            }
        };
        let system = SystemClient::new(channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(DaemonClient {
            channel,
            system,
            target: target.clone(),
            timeouts,
        })
    }

    /// The socket this client is connected to.
    pub fn socket(&self) -> &Path {
        &self.target.path
    }

    /// The socket and its peer rule, to open another connection like this one.
    pub fn target(&self) -> &SocketTarget {
        &self.target
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The Auth service on this connection.
    pub fn auth(&self) -> AuthClient<Channel> {
        AuthClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Sessions service on this connection.
    pub fn sessions(&self) -> SessionsClient<Channel> {
        SessionsClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Admin service on this connection.
    pub fn admin(&self) -> AdminClient<Channel> {
        AdminClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Connections service on this connection.
    pub fn connections(&self) -> ConnectionsClient<Channel> {
        ConnectionsClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Jobs service on this connection.
    pub fn jobs(&self) -> JobsClient<Channel> {
        JobsClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The History service on this connection.
    pub fn history(&self) -> HistoryClient<Channel> {
        HistoryClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Playlists service on this connection.
    pub fn playlists(&self) -> PlaylistsClient<Channel> {
        PlaylistsClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// The Events service on this connection. Give the stream a connection of its
    /// own ([`DaemonClient::connect`] again): HTTP/2 flow control is per
    /// connection, so a stream nobody reads for a while would stall the calls.
    pub fn events(&self) -> EventsClient<Channel> {
        EventsClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// Runs one call under the call deadline, classifying failures like
    /// [`status`](Self::status) does.
    pub async fn within_deadline<T>(
        &self,
        during: &'static str,
        call: impl Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    ) -> Result<T, ClientError> {
        match tokio::time::timeout(self.timeouts.call, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(ClientError::from_status(self.target.path.clone(), &status)),
            Err(_) => Err(ClientError::Timeout {
                path: self.target.path.clone(),
                during,
                after: self.timeouts.call,
            }),
        }
    }

    /// `System.GetStatus`, refusing a daemon whose protocol range excludes ours.
    pub async fn status(&mut self) -> Result<DaemonStatus, ClientError> {
        // The deadline is enforced here rather than with `Request::set_timeout`: tonic
        // reports its own expiry as a generic `Cancelled`, indistinguishable from the
        // daemon cancelling, and we want a clear "timed out".
        let request = tonic::Request::new(GetStatusRequest {
            client_protocol_version: PROTOCOL_VERSION,
        });
        let response =
            match tokio::time::timeout(self.timeouts.call, self.system.get_status(request)).await {
                Ok(Ok(response)) => response.into_inner(),
                Ok(Err(status)) => {
                    return Err(ClientError::from_status(self.target.path.clone(), &status));
                }
                Err(_) => {
                    return Err(ClientError::Timeout {
                        path: self.target.path.clone(),
                        during: "GetStatus",
                        after: self.timeouts.call,
                    });
                }
            };
        ClientError::check_protocol(response.protocol_version, response.min_protocol_version)?;
        Ok(DaemonStatus::from(response))
    }
}

/// Connects and performs the version handshake: the usual way to start a session.
pub async fn connect_and_handshake(
    target: &SocketTarget,
    timeouts: Timeouts,
) -> Result<(DaemonClient, DaemonStatus), ClientError> {
    let mut client = DaemonClient::connect(target, timeouts).await?;
    let status = client.status().await?;
    Ok((client, status))
}
