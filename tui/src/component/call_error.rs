//! How an authenticated call can fail ([`CallError`]), whichever tab made it, and
//! the words for a daemon's refusal.

use crate::client::ClientError;

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
        tonic::Code::InvalidArgument => "spotterd refused the request as invalid".into(),
        tonic::Code::AlreadyExists => "already exists (or already running)".into(),
        tonic::Code::Unavailable => "unavailable: try again later".into(),
        code => format!("spotterd answered {code:?}"),
    }
}

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
