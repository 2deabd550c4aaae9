//! The Connections service's calls for the tab: one function per call, each
//! building the request through [`Authenticator::authorize`]. Secrets are exposed
//! only here, into the request.

use spotter_proto::v1::{
    BeginConnectRequest, CompleteConnectRequest, ConnectListenBrainzRequest,
    ConnectNavidromeRequest, DisconnectRequest, ListConnectionsRequest, Provider,
    SetListenSubmissionRequest,
};

use super::{
    connect::ApprovalStart,
    state::{Call, Reply},
};
use crate::{
    client::{Authenticator, ClientError, DaemonClient},
    secret::Secret,
};

type Result = std::result::Result<Reply, ClientError>;

pub async fn run(client: &DaemonClient, auth: &Authenticator, call: Call) -> Result {
    match call {
        Call::ListConnections => list_connections(client, auth).await,
        Call::BeginConnect { provider } => begin_connect(client, auth, provider).await,
        Call::CompleteConnect {
            provider,
            flow_id,
            redirected_url,
        } => complete_connect(client, auth, provider, flow_id, &redirected_url).await,
        Call::ConnectListenBrainz { token } => connect_listenbrainz(client, auth, &token).await,
        Call::ConnectNavidrome { username, password } => {
            connect_navidrome(client, auth, username, &password).await
        }
        Call::Disconnect { provider } => disconnect(client, auth, provider).await,
        Call::SetListenSubmission { enabled } => {
            set_listen_submission(client, auth, enabled).await
        }
    }
}

pub async fn list_connections(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(ListConnectionsRequest {});
    let response = client
        .within_deadline(
            "ListConnections",
            client.connections().list_connections(request),
        )
        .await?;
    Ok(Reply::Connections(response.connections))
}

pub async fn begin_connect(
    client: &DaemonClient,
    auth: &Authenticator,
    provider: Provider,
) -> Result {
    let request = auth.authorize(BeginConnectRequest {
        provider: provider as i32,
    });
    let response = client
        .within_deadline("BeginConnect", client.connections().begin_connect(request))
        .await?;
    Ok(Reply::ConnectBegun(ApprovalStart {
        provider,
        flow_id: response.flow_id,
        authorize_url: response.authorize_url,
        expires_at: response.expires_at,
        instructions: response.instructions,
    }))
}

pub async fn complete_connect(
    client: &DaemonClient,
    auth: &Authenticator,
    provider: Provider,
    flow_id: String,
    redirected_url: &Secret,
) -> Result {
    let request = auth.authorize(CompleteConnectRequest {
        provider: provider as i32,
        flow_id,
        redirected_url: redirected_url.expose().to_owned(),
    });
    let connection = client
        .within_deadline(
            "CompleteConnect",
            client.connections().complete_connect(request),
        )
        .await?;
    Ok(Reply::Connected(connection))
}

pub async fn connect_listenbrainz(
    client: &DaemonClient,
    auth: &Authenticator,
    token: &Secret,
) -> Result {
    let request = auth.authorize(ConnectListenBrainzRequest {
        token: token.expose().to_owned(),
    });
    let connection = client
        .within_deadline(
            "ConnectListenBrainz",
            client.connections().connect_listen_brainz(request),
        )
        .await?;
    Ok(Reply::Connected(connection))
}

pub async fn connect_navidrome(
    client: &DaemonClient,
    auth: &Authenticator,
    username: String,
    password: &Secret,
) -> Result {
    let request = auth.authorize(ConnectNavidromeRequest {
        username,
        password: password.expose().to_owned(),
    });
    let connection = client
        .within_deadline(
            "ConnectNavidrome",
            client.connections().connect_navidrome(request),
        )
        .await?;
    Ok(Reply::Connected(connection))
}

pub async fn disconnect(client: &DaemonClient, auth: &Authenticator, provider: Provider) -> Result {
    let request = auth.authorize(DisconnectRequest {
        provider: provider as i32,
    });
    let response = client
        .within_deadline("Disconnect", client.connections().disconnect(request))
        .await?;
    Ok(Reply::Disconnected {
        provider,
        disconnected: response.disconnected,
    })
}

pub async fn set_listen_submission(
    client: &DaemonClient,
    auth: &Authenticator,
    enabled: bool,
) -> Result {
    let request = auth.authorize(SetListenSubmissionRequest { enabled });
    let connection = client
        .within_deadline(
            "SetListenSubmission",
            client.connections().set_listen_submission(request),
        )
        .await?;
    Ok(Reply::SubmissionSet(connection))
}
