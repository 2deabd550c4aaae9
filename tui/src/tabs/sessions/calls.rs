//! The Sessions service's calls for the tab.

use spotter_proto::v1::{ListSessionsRequest, RevokeOtherSessionsRequest, RevokeSessionRequest};

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

pub async fn run(
    client: &DaemonClient,
    auth: &Authenticator,
    call: Call,
) -> Result<Reply, ClientError> {
    let sessions = || client.sessions();
    Ok(match call {
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
    })
}
