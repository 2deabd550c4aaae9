//! The Admin service's audit call for the tab.

use spotter_proto::v1::ListAuditEventsRequest;

use super::state::{Call, Reply};
use crate::client::{Authenticator, ClientError, DaemonClient};

/// Audit events fetched per page.
pub const AUDIT_PAGE_SIZE: u32 = 100;

pub async fn run(
    client: &DaemonClient,
    auth: &Authenticator,
    call: Call,
) -> Result<Reply, ClientError> {
    let Call::ListAuditEvents { before_id } = call;
    let request = auth.authorize(ListAuditEventsRequest {
        before_id,
        page_size: AUDIT_PAGE_SIZE,
        kind: String::new(),
    });
    let response = client
        .within_deadline("ListAuditEvents", client.admin().list_audit_events(request))
        .await?;
    Ok(Reply::AuditEvents {
        before_id,
        events: response.events,
        next_before_id: response.next_before_id,
    })
}
