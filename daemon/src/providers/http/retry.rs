//! Retries of idempotent requests: exponential backoff with jitter ([`backon`]), and
//! the waits servers ask for (`Retry-After`, ListenBrainz's `X-RateLimit-Reset-In`).

use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::{StatusCode, header::HeaderMap};

/// Attempts of an idempotent request in total (the first one included).
pub const MAX_ATTEMPTS: usize = 3;
/// First backoff delay; it doubles per retry, plus up to 100 % jitter.
pub const RETRY_MIN_DELAY: Duration = Duration::from_millis(500);
/// Longest backoff delay before jitter.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(8);
/// Longest wait a server may ask for that the client sleeps through. Anything longer
/// becomes [`super::HttpError::RateLimited`] at once, for the caller to reschedule.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);
/// Statuses that are retried (idempotent requests only): rate limited, bad gateway,
/// unavailable, gateway timeout.
pub const RETRYABLE_STATUSES: [StatusCode; 4] = [
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];
/// ListenBrainz's rate-limit header: seconds until the window resets.
pub const X_RATELIMIT_RESET_IN: &str = "x-ratelimit-reset-in";

/// How a client retries idempotent requests (GET, HEAD) that failed to connect or
/// got a [`RETRYABLE_STATUSES`] answer. Other requests are sent once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total; 1 disables retries.
    pub max_attempts: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Longest server-requested wait that is slept through.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: MAX_ATTEMPTS,
            min_delay: RETRY_MIN_DELAY,
            max_delay: RETRY_MAX_DELAY,
            retry_after_cap: RETRY_AFTER_CAP,
        }
    }
}

impl RetryPolicy {
    /// Every request is sent once. A retryable status is still returned as a
    /// response, except that a requested wait above the cap is
    /// [`super::HttpError::RateLimited`].
    pub const fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            min_delay: RETRY_MIN_DELAY,
            max_delay: RETRY_MAX_DELAY,
            retry_after_cap: RETRY_AFTER_CAP,
        }
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay.max(self.min_delay))
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_jitter()
    }
}

/// The wait a server asked for in a retryable answer: `Retry-After` (seconds or an
/// HTTP date), else, on a 429 only, `X-RateLimit-Reset-In` (seconds). ListenBrainz
/// sends the latter on every answer, where it describes the rate-limit window, not
/// how long a 503 lasts. Unparseable values are ignored.
pub fn requested_wait(
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    header(reqwest::header::RETRY_AFTER.as_str())
        .and_then(|v| parse_retry_after(v, now))
        .or_else(|| {
            (status == StatusCode::TOO_MANY_REQUESTS)
                .then(|| header(X_RATELIMIT_RESET_IN).and_then(parse_reset_in))
                .flatten()
        })
}

/// `Retry-After`: delay-seconds (`120`) or an HTTP date (`Fri, 31 Dec 1999 23:59:59
/// GMT`; a date in the past is no wait). Huge second counts saturate.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// `X-RateLimit-Reset-In`: seconds, possibly fractional.
pub fn parse_reset_in(value: &str) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let secs: f64 = value.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let secs = Duration::from_secs;
        assert_eq!(parse_retry_after("1", now), Some(secs(1)));
        assert_eq!(parse_retry_after(" 120 ", now), Some(secs(120)));
        assert_eq!(parse_retry_after("0", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(secs(30))
        );
        // Obsolete date formats HTTP still allows.
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 08:28:00 2015", now),
            Some(secs(3600))
        );
        // In the past: no wait.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Wed, 32 Oct 2015 07:28:00 GMT",
            "0x10",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn reset_in_accepts_whole_and_fractional_seconds() {
        assert_eq!(parse_reset_in("3600"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_reset_in("2.5"), Some(Duration::from_millis(2500)));
        for bad in ["", "-3", "NaN", "inf", "later"] {
            assert_eq!(parse_reset_in(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_wins_over_reset_in() {
        let now = SystemTime::now();
        let mut h = HeaderMap::new();
        assert_eq!(requested_wait(StatusCode::TOO_MANY_REQUESTS, &h, now), None);
        h.insert(X_RATELIMIT_RESET_IN, HeaderValue::from_static("3600"));
        assert_eq!(
            requested_wait(StatusCode::TOO_MANY_REQUESTS, &h, now),
            Some(Duration::from_secs(3600))
        );
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(
            requested_wait(StatusCode::TOO_MANY_REQUESTS, &h, now),
            Some(Duration::from_secs(2))
        );
        h.insert("retry-after", HeaderValue::from_static("garbage"));
        assert_eq!(
            requested_wait(StatusCode::TOO_MANY_REQUESTS, &h, now),
            Some(Duration::from_secs(3600))
        );
        // X-RateLimit-Reset-In describes the rate-limit window: not a wait on a 503.
        let mut only_reset_in = HeaderMap::new();
        only_reset_in.insert(X_RATELIMIT_RESET_IN, "10".parse().unwrap());
        assert_eq!(
            requested_wait(StatusCode::SERVICE_UNAVAILABLE, &only_reset_in, now),
            None
        );
    }

    #[test]
    fn backoff_grows_with_jitter_and_stops_after_the_attempts() {
        use backon::BackoffBuilder;
        let delays: Vec<Duration> = RetryPolicy::default().backoff().build().collect();
        assert_eq!(delays.len(), MAX_ATTEMPTS - 1);
        assert!(delays[0] >= RETRY_MIN_DELAY && delays[0] <= RETRY_MIN_DELAY * 2);
        assert!(delays[1] >= RETRY_MIN_DELAY * 2 && delays[1] <= RETRY_MIN_DELAY * 4);
        assert_eq!(RetryPolicy::none().backoff().build().count(), 0);
    }
}
