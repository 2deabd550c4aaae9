//! The calls of the Connections, Jobs and History services: one function per
//! call, each building the request through [`Authenticator::authorize`] and
//! turning the answer into a [`Reply`]. Secrets are exposed only here, into the
//! request.

use spotter_proto::v1::{
    BeginConnectRequest, CancelJobRequest, CompleteConnectRequest, ConnectListenBrainzRequest,
    ConnectNavidromeRequest, DisconnectRequest, GetSummaryRequest, JobKind, ListConnectionsRequest,
    ListJobsRequest, ListRecentListensRequest, Provider, RunJobRequest, SetListenSubmissionRequest,
};

use super::{Authenticator, ClientError, DaemonClient};
use crate::{
    app::{Reply, connect::ApprovalStart},
    secret::Secret,
};

/// Listens fetched per page.
pub const LISTENS_PAGE_SIZE: u32 = 100;

type Result = std::result::Result<Reply, ClientError>;

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

pub async fn list_jobs(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(ListJobsRequest {});
    let response = client
        .within_deadline("ListJobs", client.jobs().list_jobs(request))
        .await?;
    Ok(Reply::Jobs {
        jobs: response.jobs,
        recent_runs: response.recent_runs,
    })
}

pub async fn run_job(
    client: &DaemonClient,
    auth: &Authenticator,
    kind: JobKind,
    everything: bool,
) -> Result {
    let request = auth.authorize(RunJobRequest {
        kind: kind as i32,
        everything,
    });
    client
        .within_deadline("RunJob", client.jobs().run_job(request))
        .await?;
    Ok(Reply::JobStarted { kind })
}

pub async fn cancel_job(client: &DaemonClient, auth: &Authenticator, kind: JobKind) -> Result {
    let request = auth.authorize(CancelJobRequest { kind: kind as i32 });
    let response = client
        .within_deadline("CancelJob", client.jobs().cancel_job(request))
        .await?;
    Ok(Reply::JobCancelled {
        kind,
        cancelled: response.cancelled,
    })
}

pub async fn recent_listens(client: &DaemonClient, auth: &Authenticator, before: String) -> Result {
    let request = auth.authorize(ListRecentListensRequest {
        page_size: LISTENS_PAGE_SIZE,
        before: before.clone(),
    });
    let response = client
        .within_deadline(
            "ListRecentListens",
            client.history().list_recent_listens(request),
        )
        .await?;
    Ok(Reply::Listens {
        before,
        listens: response.listens,
        next_before: response.next_before,
    })
}

pub async fn listen_summary(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(GetSummaryRequest {});
    let response = client
        .within_deadline("GetSummary", client.history().get_summary(request))
        .await?;
    Ok(Reply::ListenSummary(response.into()))
}
