//! Runs the app's authenticated [`Call`]s: builds each request through
//! [`Authenticator::authorize`] and turns the answer into a [`Reply`].

use spotter_proto::v1::{
    ClearLockoutRequest, CreateUserRequest, DeleteUserRequest, ListAuditEventsRequest,
    ListLockoutsRequest, ListSessionsRequest, ListUsersRequest, RevokeOtherSessionsRequest,
    RevokeSessionRequest, SetNavidromeAccountRequest, SetUserDisabledRequest, SetUserRoleRequest,
    clear_lockout_request,
};

use super::{Authenticator, ClientError, DaemonClient, sync_calls as sync};
use crate::app::{Call, CallError, Reply};

/// Users fetched per page.
pub const USERS_PAGE_SIZE: u32 = 100;
/// Audit events fetched per page.
pub const AUDIT_PAGE_SIZE: u32 = 100;

impl From<ClientError> for CallError {
    fn from(err: ClientError) -> Self {
        match err {
            ClientError::Rpc {
                code: tonic::Code::Unauthenticated,
                message,
            } => CallError::Unauthenticated(message),
            ClientError::Rpc { code, message } => CallError::Rejected { code, message },
            other => CallError::Unreachable(other.to_string()),
        }
    }
}

pub async fn run(
    client: &DaemonClient,
    auth: &Authenticator,
    call: &Call,
) -> Result<Reply, CallError> {
    let sessions = || client.sessions();
    let admin = || client.admin();
    Ok(match call.clone() {
        Call::ListSessions => {
            let request = auth.authorize(ListSessionsRequest {});
            let response = client
                .within_deadline("ListSessions", sessions().list_sessions(request))
                .await?;
            Reply::Sessions(response.sessions)
        }
        Call::RevokeSession { session_id } => {
            let request = auth.authorize(RevokeSessionRequest { session_id });
            let response = client
                .within_deadline("RevokeSession", sessions().revoke_session(request))
                .await?;
            Reply::SessionsRevoked {
                revoked: response.revoked,
            }
        }
        Call::RevokeOtherSessions => {
            let request = auth.authorize(RevokeOtherSessionsRequest {});
            let response = client
                .within_deadline(
                    "RevokeOtherSessions",
                    sessions().revoke_other_sessions(request),
                )
                .await?;
            Reply::SessionsRevoked {
                revoked: response.revoked,
            }
        }
        Call::ListUsers { query, after_id } => {
            let request = auth.authorize(ListUsersRequest {
                query: query.clone(),
                page_size: USERS_PAGE_SIZE,
                after_id,
            });
            let response = client
                .within_deadline("ListUsers", admin().list_users(request))
                .await?;
            Reply::Users {
                query,
                after_id,
                users: response.users,
                next_after_id: response.next_after_id,
            }
        }
        Call::CreateUser { username, password } => {
            let request = auth.authorize(CreateUserRequest {
                username,
                password: password.expose().to_owned(),
            });
            let user = client
                .within_deadline("CreateUser", admin().create_user(request))
                .await?;
            Reply::UserCreated(user)
        }
        Call::SetUserRole { user_id, role } => {
            let request = auth.authorize(SetUserRoleRequest {
                user_id,
                role: role as i32,
            });
            let user = client
                .within_deadline("SetUserRole", admin().set_user_role(request))
                .await?;
            Reply::UserUpdated(user)
        }
        Call::SetNavidromeAccount { user_id, name } => {
            let request = auth.authorize(SetNavidromeAccountRequest {
                user_id,
                navidrome_username: name,
            });
            let user = client
                .within_deadline(
                    "SetNavidromeAccount",
                    admin().set_navidrome_account(request),
                )
                .await?;
            Reply::NavidromeAccountSet(user)
        }
        Call::SetUserDisabled { user_id, disabled } => {
            let request = auth.authorize(SetUserDisabledRequest { user_id, disabled });
            let user = client
                .within_deadline("SetUserDisabled", admin().set_user_disabled(request))
                .await?;
            Reply::UserUpdated(user)
        }
        Call::DeleteUser { user_id, username } => {
            let request = auth.authorize(DeleteUserRequest { user_id });
            client
                .within_deadline("DeleteUser", admin().delete_user(request))
                .await?;
            Reply::UserDeleted { username }
        }
        Call::ListLockouts => {
            let request = auth.authorize(ListLockoutsRequest {});
            let response = client
                .within_deadline("ListLockouts", admin().list_lockouts(request))
                .await?;
            Reply::Lockouts(response.lockouts)
        }
        Call::ClearLockout { id } => {
            let request = auth.authorize(ClearLockoutRequest {
                target: Some(clear_lockout_request::Target::Id(id)),
            });
            let response = client
                .within_deadline("ClearLockout", admin().clear_lockout(request))
                .await?;
            Reply::LockoutCleared {
                cleared: response.cleared,
            }
        }
        Call::ListAuditEvents { before_id } => {
            let request = auth.authorize(ListAuditEventsRequest {
                before_id,
                page_size: AUDIT_PAGE_SIZE,
                kind: String::new(),
            });
            let response = client
                .within_deadline("ListAuditEvents", admin().list_audit_events(request))
                .await?;
            Reply::AuditEvents {
                before_id,
                events: response.events,
                next_before_id: response.next_before_id,
            }
        }
        Call::ListConnections => sync::list_connections(client, auth).await?,
        Call::BeginConnect { provider } => sync::begin_connect(client, auth, provider).await?,
        Call::CompleteConnect {
            provider,
            flow_id,
            redirected_url,
        } => sync::complete_connect(client, auth, provider, flow_id, &redirected_url).await?,
        Call::ConnectListenBrainz { token } => {
            sync::connect_listenbrainz(client, auth, &token).await?
        }
        Call::ConnectNavidrome { username, password } => {
            sync::connect_navidrome(client, auth, username, &password).await?
        }
        Call::Disconnect { provider } => sync::disconnect(client, auth, provider).await?,
        Call::SetListenSubmission { enabled } => {
            sync::set_listen_submission(client, auth, enabled).await?
        }
        Call::ListJobs => sync::list_jobs(client, auth).await?,
        Call::RunJob { kind, everything } => sync::run_job(client, auth, kind, everything).await?,
        Call::CancelJob { kind } => sync::cancel_job(client, auth, kind).await?,
        Call::ListListens {
            generation,
            page,
            request,
        } => sync::list_listens(client, auth, generation, page, request).await?,
        Call::GetListen { id } => sync::get_listen(client, auth, id).await?,
        Call::GetListenSummary => sync::listen_summary(client, auth).await?,
        Call::StatsTop { period, subject } => {
            sync::stats_top(client, auth, period, subject).await?
        }
        Call::StatsActivity {
            period,
            utc_offset_minutes,
        } => sync::stats_activity(client, auth, period, utc_offset_minutes).await?,
        Call::StatsDiscoveries { period } => sync::stats_discoveries(client, auth, period).await?,
        Call::StatsSummary { period } => sync::stats_summary(client, auth, period).await?,
    })
}
