//! Domain logic: no tonic, no SQL strings. Called by `rpc`, `jobs` and the offline
//! admin commands alike.

pub mod admin;
pub mod connections;
mod error;
pub mod export;
pub mod identity;
pub mod import;
pub mod normalize;
pub mod rotation;
pub mod sync;

pub use error::{Result, ServiceError};

/// A blocking worker that did not finish. Its panic message is left out on purpose:
/// it may quote what the worker held (the panic hook logs where it happened).
#[derive(Debug, thiserror::Error)]
#[error("a worker task {0}")]
pub struct WorkerFailed(&'static str);

pub(crate) fn worker_failed(e: tokio::task::JoinError) -> ServiceError {
    ServiceError::Internal(Box::new(WorkerFailed(if e.is_panic() {
        "panicked"
    } else {
        "was cancelled"
    })))
}

/// A requested page size: 0 means `default`, anything over `max` is `max`.
pub fn clamp_page(requested: u32, default: u32, max: u32) -> u32 {
    if requested == 0 {
        default
    } else {
        requested.min(max)
    }
}
