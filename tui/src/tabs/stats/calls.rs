//! The History service's statistics calls for the tab, each answering for the
//! period it was made for.

use spotter_proto::v1::{
    GetActivityRequest, GetDiscoveriesRequest, GetSummaryRequest, GetTopRequest, StatsSubject,
};

use super::state::{Call, PeriodChoice, Reply, STATS_LIMIT, StatsAnswer};
use crate::client::{Authenticator, ClientError, DaemonClient};

type Result = std::result::Result<Reply, ClientError>;

pub async fn run(client: &DaemonClient, auth: &Authenticator, call: Call) -> Result {
    match call {
        Call::StatsTop { period, subject } => stats_top(client, auth, period, subject).await,
        Call::StatsActivity {
            period,
            utc_offset_minutes,
        } => stats_activity(client, auth, period, utc_offset_minutes).await,
        Call::StatsDiscoveries { period } => stats_discoveries(client, auth, period).await,
        Call::StatsSummary { period } => stats_summary(client, auth, period).await,
    }
}

fn stats(period: PeriodChoice, answer: StatsAnswer) -> Result {
    Ok(Reply { period, answer })
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
