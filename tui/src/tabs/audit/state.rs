//! What the Audit tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::AuditEvent;

use crate::component::rows::Rows;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `before_id` 0 is the newest page.
    ListAuditEvents { before_id: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    AuditEvents {
        before_id: i64,
        events: Vec<AuditEvent>,
        next_before_id: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditTab {
    pub rows: Rows<AuditEvent>,
}
