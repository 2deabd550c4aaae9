//! Authenticated calls as plain data: what the app asks for ([`Call`]), what comes
//! back ([`Reply`]) and how a call can fail ([`CallError`]). The client turns a
//! `Call` into the RPC (adding the access token); the app never sees a token.

use spotter_proto::v1::{AuditEvent, Lockout, Role, Session, User};

use crate::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    ListSessions,
    RevokeSession {
        session_id: String,
    },
    RevokeOtherSessions,
    /// `after_id` 0 is the first page.
    ListUsers {
        query: String,
        after_id: i64,
    },
    CreateUser {
        username: String,
        password: Secret,
    },
    SetUserRole {
        user_id: i64,
        role: Role,
    },
    SetUserDisabled {
        user_id: i64,
        disabled: bool,
    },
    DeleteUser {
        user_id: i64,
        username: String,
    },
    ListLockouts,
    ClearLockout {
        id: String,
    },
    /// `before_id` 0 is the newest page.
    ListAuditEvents {
        before_id: i64,
    },
}

/// A successful answer, carrying whatever the app needs to place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Sessions(Vec<Session>),
    SessionsRevoked {
        revoked: u32,
    },
    Users {
        query: String,
        after_id: i64,
        users: Vec<User>,
        next_after_id: i64,
    },
    UserCreated(User),
    UserUpdated(User),
    UserDeleted {
        username: String,
    },
    Lockouts(Vec<Lockout>),
    LockoutCleared {
        cleared: bool,
    },
    AuditEvents {
        before_id: i64,
        events: Vec<AuditEvent>,
        next_before_id: i64,
    },
}

/// Why a call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The access token was not accepted: refresh once and retry.
    Unauthenticated(String),
    /// The daemon refused (PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION, …).
    /// Its message is written for users, so it is shown as it is.
    Rejected { code: tonic::Code, message: String },
    /// The daemon could not be reached or did not answer.
    Unreachable(String),
}

impl CallError {
    /// One line for the status bar.
    pub fn text(&self) -> String {
        match self {
            CallError::Unauthenticated(message) => format!("not signed in: {message}"),
            CallError::Rejected { code, message } => rejection_text(*code, message),
            CallError::Unreachable(reason) => reason.clone(),
        }
    }
}

/// The daemon's own message, or a description of the code when it sent none.
pub fn rejection_text(code: tonic::Code, message: &str) -> String {
    if !message.is_empty() {
        return message.to_owned();
    }
    match code {
        tonic::Code::PermissionDenied => "permission denied".into(),
        tonic::Code::NotFound => "not found (it may already be gone)".into(),
        tonic::Code::FailedPrecondition => "not possible right now".into(),
        tonic::Code::ResourceExhausted => "too many attempts: wait and try again".into(),
        tonic::Code::Unavailable => "unavailable: try again later".into(),
        code => format!("spotterd answered {code:?}"),
    }
}
