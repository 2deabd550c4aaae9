//! Mapping errors to gRPC status codes. The message a client sees is chosen here;
//! the underlying cause is logged (without secrets) and never sent.

use tonic::Status;

use crate::{service::ServiceError, store::StoreError};

/// An internal failure: logged with its cause, reported to the client without it.
pub fn internal(context: &'static str, err: &dyn std::error::Error) -> Status {
    tracing::error!(error = %err, "{context}");
    Status::internal(format!("{context}; see the daemon log"))
}

impl From<StoreError> for Status {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Status::not_found("not found"),
            quota @ StoreError::ListenQuota { .. } => Status::resource_exhausted(quota.to_string()),
            other => internal("storage error", &other),
        }
    }
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::InvalidArgument(m) => Status::invalid_argument(m),
            ServiceError::Unauthenticated(m) => Status::unauthenticated(m),
            ServiceError::PermissionDenied(m) => Status::permission_denied(m),
            ServiceError::NotFound => Status::not_found("not found"),
            ServiceError::AlreadyExists(m) => Status::already_exists(m),
            ServiceError::FailedPrecondition(m) => Status::failed_precondition(m),
            ServiceError::ResourceExhausted(m) => Status::resource_exhausted(m),
            ServiceError::Unavailable(m) => Status::unavailable(m),
            ServiceError::Aborted(m) => Status::aborted(m),
            ServiceError::DeadlineExceeded(m) => Status::deadline_exceeded(m),
            ServiceError::Store(e) => Status::from(e),
            ServiceError::Internal(cause) => internal("internal error", cause.as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_do_not_leak_sql_or_paths() {
        let e = StoreError::Database(sqlx::Error::Protocol(
            "SELECT secret FROM provider_credentials at /var/lib/x".into(),
        ));
        let status = Status::from(e);
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("SELECT"), "{}", status.message());
        assert!(
            !status.message().contains("/var/lib"),
            "{}",
            status.message()
        );
    }
}
