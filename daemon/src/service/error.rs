//! The service layer's error: what went wrong in domain terms. `rpc` maps it to a
//! gRPC status in one place; the message is always safe to show a client.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Aborted(String),
    #[error("{0}")]
    DeadlineExceeded(String),
    /// A store failure the rpc layer reports as it reports every store error (where a
    /// service passes one on as it is rather than in domain terms).
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::NotFound,
            StoreError::Conflict => ServiceError::AlreadyExists("already exists".into()),
            quota @ StoreError::ListenQuota { .. } => {
                ServiceError::ResourceExhausted(quota.to_string())
            }
            other => ServiceError::Internal(Box::new(other)),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
