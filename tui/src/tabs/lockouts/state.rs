//! What the Lockouts tab holds, and its calls and replies as data (its update is
//! in `mod.rs`, its drawing in `view.rs`, its calls in `calls.rs`).

use spotter_proto::v1::Lockout;

use crate::component::rows::Rows;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListLockouts,
    ClearLockout { id: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Lockouts(Vec<Lockout>),
    LockoutCleared { cleared: bool },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockoutsTab {
    pub rows: Rows<Lockout>,
}

/// Lockout ids are long opaque hashes; a prefix is enough to tell them apart.
pub fn short_id(id: &str) -> String {
    const SHOWN: usize = 12;
    if id.chars().count() <= SHOWN {
        id.to_owned()
    } else {
        format!("{}…", id.chars().take(SHOWN).collect::<String>())
    }
}
