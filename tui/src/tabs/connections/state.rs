//! What the Connections tab holds, and its calls and replies as data (its update is in
//! `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::{Connection, Provider};

use super::connect::{Approval, ApprovalStart, ConnectForm};
use crate::{component::rows::Rows, secret::Secret};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListConnections,
    /// Spotify and Last.fm: asks for the address the user approves spotter at.
    BeginConnect { provider: Provider },
    /// Finishes a browser approval. Spotify: `redirected_url` is the pasted address
    /// (it carries the one-time code, hence a secret); Last.fm: empty.
    CompleteConnect {
        provider: Provider,
        flow_id: String,
        redirected_url: Secret,
    },
    ConnectListenBrainz { token: Secret },
    ConnectNavidrome { username: String, password: Secret },
    Disconnect { provider: Provider },
    SetListenSubmission { enabled: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Connections(Vec<Connection>),
    ConnectBegun(ApprovalStart),
    /// A connect call succeeded (any provider).
    Connected(Connection),
    SubmissionSet(Connection),
    Disconnected { provider: Provider, disconnected: bool },
}

/// What the tab opens on top.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// A browser approval (Spotify, Last.fm).
    Approval(Approval),
    /// A token or password form (ListenBrainz, Navidrome).
    Connect(ConnectForm),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionsTab {
    pub rows: Rows<Connection>,
}
