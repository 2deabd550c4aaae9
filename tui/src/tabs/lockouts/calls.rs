//! The Admin service's lockout calls for the tab.

use spotter_proto::v1::{ClearLockoutRequest, ListLockoutsRequest, clear_lockout_request};

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

pub async fn run(
    client: &DaemonClient,
    auth: &Authenticator,
    call: Call,
) -> Result<Reply, ClientError> {
    let admin = || client.admin();
    Ok(match call {
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
    })
}
