//! Who is signed in: the user, the session, and until when the access token
//! lasts (the token itself stays with the client), and how roles read.

use spotter_proto::v1::{Role, User};

/// Who is signed in and until when the access token lasts (the token itself stays
/// with the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user: User,
    pub session_id: String,
    /// Unix seconds.
    pub access_expires_at: i64,
}

impl Identity {
    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn is_admin(&self) -> bool {
        matches!(self.role(), Role::Admin | Role::Owner)
    }

    /// "owner", "admin" or "user", for the tab bar and messages.
    pub fn role_name(&self) -> &'static str {
        role_name(self.role())
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Admin => "admin",
        Role::User => "user",
        Role::Unspecified => "unknown",
    }
}
