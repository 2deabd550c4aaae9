//! [`HttpError`]: what a call through [`super::HttpClient`] can fail with.

use std::time::Duration;

use super::AddressClass;

/// An outbound request that did not produce a usable response.
///
/// `Display` and `Debug` are safe to log and to map onto gRPC statuses: no variant
/// holds a query string, user info, a header value or a response body. URLs appear
/// only in their [`super::url_for_log`] form, hosts and content types sanitized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The URL cannot be parsed, has no host, or carries user info.
    #[error("invalid URL: {reason}")]
    InvalidUrl { reason: &'static str },
    /// Only `http` and `https` are ever requested.
    #[error("URL scheme {scheme:?} is not allowed (only http and https)")]
    SchemeNotAllowed { scheme: String },
    /// The provider is pinned to its base URL and this request is outside it.
    #[error("refused a request outside the provider's base URL: {url}")]
    OutsideBase { url: String },
    /// The host is, or resolves to, an address an untrusted URL may not reach
    /// (loopback, private, link-local, metadata, unique-local, …).
    #[error("refused to connect to {host}: it is a {class} address")]
    AddressRefused { host: String, class: AddressClass },
    /// A redirect that cannot be followed (no usable `Location`, https → http).
    #[error("refused a redirect: {reason}")]
    RedirectRefused { reason: &'static str },
    /// More redirects than the client's limit.
    #[error("too many redirects (more than {max})")]
    TooManyRedirects { max: usize },
    /// Connection refused, DNS failure, reset, TLS failure.
    #[error("cannot connect: {detail}")]
    Connect { detail: String },
    /// The connect timeout or the request's total deadline passed (the deadline
    /// covers every redirect hop and the body).
    #[error("the request timed out")]
    Timeout,
    /// The connection failed after it was established.
    #[error("transport error: {detail}")]
    Transport { detail: String },
    /// The response body passed the cap; reading stopped there.
    #[error("response body larger than {limit} bytes")]
    TooLarge { limit: usize },
    /// An image was asked for and something else came back.
    #[error("unexpected content type {content_type:?}")]
    UnexpectedContentType { content_type: String },
    /// A non-success status, from [`super::HttpResponse::error_for_status`].
    #[error("the server answered HTTP {status}")]
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The server asked to wait longer than the client's cap
    /// ([`super::RETRY_AFTER_CAP`]): nothing was slept, the caller reschedules.
    #[error("rate limited (HTTP {status}); retry in {}s", wait.as_secs())]
    RateLimited { status: u16, wait: Duration },
    /// The body is not the JSON the caller expected (position only, never content).
    #[error("invalid JSON in the response: {detail}")]
    Decode { detail: String },
    /// The request could not be assembled (a bug in the caller).
    #[error("invalid request: {detail}")]
    InvalidRequest { detail: String },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl HttpError {
    /// The upstream is down, unreachable, slow, overloaded or rate limiting: a
    /// transient failure (gRPC `Unavailable`), worth retrying later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            HttpError::Connect { .. }
            | HttpError::Timeout
            | HttpError::Transport { .. }
            | HttpError::RateLimited { .. } => true,
            HttpError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// How long the server asked to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            HttpError::RateLimited { wait, .. } => Some(*wait),
            HttpError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The request was refused by the SSRF policy before anything was sent to the
    /// target (scheme, base pinning, address class, bad redirect).
    pub fn is_refused(&self) -> bool {
        matches!(
            self,
            HttpError::InvalidUrl { .. }
                | HttpError::SchemeNotAllowed { .. }
                | HttpError::OutsideBase { .. }
                | HttpError::AddressRefused { .. }
                | HttpError::RedirectRefused { .. }
                | HttpError::TooManyRedirects { .. }
        )
    }

    /// The HTTP status, for [`HttpError::Status`] and [`HttpError::RateLimited`].
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } | HttpError::RateLimited { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_classify_errors() {
        assert!(HttpError::Timeout.is_unavailable());
        assert!(
            HttpError::Connect {
                detail: "refused".into()
            }
            .is_unavailable()
        );
        let limited = HttpError::RateLimited {
            status: 429,
            wait: Duration::from_secs(3600),
        };
        assert!(limited.is_unavailable());
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(3600)));
        assert_eq!(
            limited.to_string(),
            "rate limited (HTTP 429); retry in 3600s"
        );
        let s503 = HttpError::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert!(s503.is_unavailable());
        assert_eq!(s503.retry_after(), Some(Duration::from_secs(2)));
        assert!(
            !HttpError::Status {
                status: 404,
                retry_after: None
            }
            .is_unavailable()
        );
        let refused = HttpError::AddressRefused {
            host: "169.254.169.254".into(),
            class: AddressClass::LinkLocal,
        };
        assert!(refused.is_refused() && !refused.is_unavailable());
        assert_eq!(
            refused.to_string(),
            "refused to connect to 169.254.169.254: it is a link-local address"
        );
        assert!(!HttpError::TooLarge { limit: 1 }.is_unavailable());
    }
}
