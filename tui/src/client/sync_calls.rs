//! The calls of the Connections, Jobs and History services: one function per
//! call, each building the request through [`Authenticator::authorize`] and
//! turning the answer into a [`Reply`]. Secrets are exposed only here, into the
//! request.

use spotter_proto::v1::{
    BeginConnectRequest, CancelJobRequest, CompleteConnectRequest, ConnectListenBrainzRequest,
    ConnectNavidromeRequest, DisconnectRequest, GetActivityRequest, GetDiscoveriesRequest,
    GetListenRequest, GetSummaryRequest, GetTopRequest, JobKind, ListConnectionsRequest,
    ListJobsRequest, ListListensRequest, Provider, RunJobRequest, SetListenSubmissionRequest,
    StatsSubject,
};

use super::{Authenticator, ClientError, DaemonClient};
use crate::{
    app::{
        Reply,
        connect::ApprovalStart,
        stats::PeriodChoice,
        stats_tab::{STATS_LIMIT, StatsAnswer},
    },
    secret::Secret,
};

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

/// A page of the history browser; `generation` and `page` travel back with it.
pub async fn list_listens(
    client: &DaemonClient,
    auth: &Authenticator,
    generation: u64,
    page: usize,
    request: ListListensRequest,
) -> Result {
    let response = client
        .within_deadline(
            "ListListens",
            client.history().list_listens(auth.authorize(request)),
        )
        .await?;
    Ok(Reply::ListenPage {
        generation,
        page,
        listens: response.listens,
        next_cursor: response.next_cursor,
    })
}

pub async fn get_listen(client: &DaemonClient, auth: &Authenticator, id: i64) -> Result {
    let request = auth.authorize(GetListenRequest { id });
    let details = client
        .within_deadline("GetListen", client.history().get_listen(request))
        .await?;
    Ok(Reply::ListenDetails { id, details })
}

fn stats(period: PeriodChoice, answer: StatsAnswer) -> Result {
    Ok(Reply::Stats { period, answer })
}

pub async fn stats_top(
    client: &DaemonClient,
    auth: &Authenticator,
    period: PeriodChoice,
    subject: StatsSubject,
) -> Result {
    let request = auth.authorize(GetTopRequest {
        period: Some(period.to_proto()),
        subject: subject as i32,
        limit: STATS_LIMIT,
    });
    let response = client
        .within_deadline("GetTop", client.history().get_top(request))
        .await?;
    stats(period, StatsAnswer::Top(subject, response))
}

pub async fn stats_activity(
    client: &DaemonClient,
    auth: &Authenticator,
    period: PeriodChoice,
    utc_offset_minutes: i32,
) -> Result {
    let request = auth.authorize(GetActivityRequest {
        period: Some(period.to_proto()),
        utc_offset_minutes,
    });
    let response = client
        .within_deadline("GetActivity", client.history().get_activity(request))
        .await?;
    stats(period, StatsAnswer::Activity(response))
}

pub async fn stats_discoveries(
    client: &DaemonClient,
    auth: &Authenticator,
    period: PeriodChoice,
) -> Result {
    let request = auth.authorize(GetDiscoveriesRequest {
        period: Some(period.to_proto()),
        subject: StatsSubject::Artists as i32,
        limit: STATS_LIMIT,
    });
    let response = client
        .within_deadline("GetDiscoveries", client.history().get_discoveries(request))
        .await?;
    stats(period, StatsAnswer::Discoveries(response))
}

pub async fn stats_summary(
    client: &DaemonClient,
    auth: &Authenticator,
    period: PeriodChoice,
) -> Result {
    let request = auth.authorize(GetSummaryRequest {});
    let response = client
        .within_deadline("GetSummary", client.history().get_summary(request))
        .await?;
    stats(period, StatsAnswer::Summary(response))
}

pub async fn listen_summary(client: &DaemonClient, auth: &Authenticator) -> Result {
    let request = auth.authorize(GetSummaryRequest {});
    let response = client
        .within_deadline("GetSummary", client.history().get_summary(request))
        .await?;
    Ok(Reply::ListenSummary(response.into()))
}
