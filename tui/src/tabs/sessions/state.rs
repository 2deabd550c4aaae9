//! What the Sessions tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::Session;

use crate::component::rows::Rows;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListSessions,
    RevokeSession { session_id: String },
    RevokeOtherSessions,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Sessions(Vec<Session>),
    SessionsRevoked { revoked: u32 },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SessionsTab {
    pub rows: Rows<Session>,
}
