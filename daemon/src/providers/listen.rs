//! What the history providers hand the sync engine, and how they fail.
//!
//! Every history provider (Spotify, Last.fm, ListenBrainz, Navidrome) turns its own
//! wire format into [`RemoteListen`]s and its failures into [`ProviderError`], whose
//! one question that matters to the scheduler is [`ProviderError::is_fatal`]: a fatal
//! error (the credentials were refused) stops the user's jobs for that provider until
//! they reconnect; anything else is retried with backoff.

use std::time::Duration;

use super::http::HttpError;
use crate::music_text as text;

/// One play as a provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteListen {
    /// When the play started (or was scrobbled), Unix seconds UTC.
    pub played_at: i64,
    pub artist: String,
    pub album: Option<String>,
    pub title: String,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    /// MusicBrainz recording id, when the provider knows it.
    pub recording_mbid: Option<String>,
    /// Stable identity of this play at the provider, so that seeing it again (a page
    /// fetched twice, a sync restarted) never adds it twice. Built by each provider
    /// from what identifies a play there, e.g. `"<played_at>:<track id>"`.
    pub source_ref: String,
}

impl RemoteListen {
    /// This play with its names made fit to store (no control characters, at most
    /// [`text::MAX_NAME_BYTES`] each) and implausible identifiers dropped, or `None`
    /// when it already is.
    pub fn cleaned(&self) -> Option<RemoteListen> {
        let artist = text::clean_name(&self.artist);
        let title = text::clean_name(&self.title);
        let album = self.album.as_deref().map(text::clean_name);
        let isrc = self.isrc.as_deref().and_then(text::clean_id);
        let mbid = self.recording_mbid.as_deref().and_then(text::clean_id);
        let same = artist.text == self.artist
            && title.text == self.title
            && album.as_ref().map(|a| a.text.as_ref()) == self.album.as_deref()
            && isrc == self.isrc.as_deref()
            && mbid == self.recording_mbid.as_deref();
        (!same).then(|| RemoteListen {
            played_at: self.played_at,
            artist: artist.text.into_owned(),
            album: album.map(|a| a.text.into_owned()),
            title: title.text.into_owned(),
            duration_ms: self.duration_ms,
            isrc: isrc.map(str::to_owned),
            recording_mbid: mbid.map(str::to_owned),
            source_ref: self.source_ref.clone(),
        })
    }
}

/// Why a provider call failed. `Display` is safe to log and to show to the user: it
/// never holds a token, a query string or an upstream body.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused the stored credentials (revoked token, changed password,
    /// invalid session key). Fatal: nothing runs until the user reconnects.
    #[error("the provider refused the credentials: {reason}")]
    Unauthorized { reason: String },
    /// The provider asked us to slow down.
    #[error("rate limited by the provider{}", .wait.map(|w| format!("; retry in {}s", w.as_secs())).unwrap_or_default())]
    RateLimited { wait: Option<Duration> },
    /// Down, unreachable, timing out, or answering 5xx.
    #[error("the provider is unavailable: {detail}")]
    Unavailable { detail: String },
    /// The answer was not what the documented wire format promises (bad JSON,
    /// missing fields, an oversized body).
    #[error("unexpected answer from the provider: {detail}")]
    Malformed { detail: String },
    /// Our side refused the request (SSRF policy, a URL outside the pinned base) or
    /// the provider is not configured on this instance.
    #[error("request refused: {detail}")]
    Refused { detail: String },
    /// What the user supplied is not acceptable (a wrong pasted URL, an invalid token
    /// at connect time, an OAuth state that is wrong, replayed or expired).
    #[error("{detail}")]
    Invalid { detail: String },
}

impl ProviderError {
    /// Fatal errors stop the job until the user reconnects; the rest are retried.
    pub fn is_fatal(&self) -> bool {
        matches!(self, ProviderError::Unauthorized { .. })
    }

    /// How long the provider asked us to wait, when it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { wait } => *wait,
            _ => None,
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        ProviderError::Malformed {
            detail: detail.into(),
        }
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        ProviderError::Invalid {
            detail: detail.into(),
        }
    }
}

impl From<HttpError> for ProviderError {
    /// Generic mapping; providers map 401/403 and their own error codes to
    /// [`ProviderError::Unauthorized`] before falling back to this.
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::RateLimited { wait, .. } => ProviderError::RateLimited { wait: Some(wait) },
            HttpError::Status {
                status: 429,
                retry_after,
            } => ProviderError::RateLimited { wait: retry_after },
            HttpError::Status { status: 401, .. } => ProviderError::Unauthorized {
                reason: "HTTP 401".into(),
            },
            HttpError::TooLarge { .. } | HttpError::Decode { .. } => ProviderError::Malformed {
                detail: e.to_string(),
            },
            e if e.is_refused() => ProviderError::Refused {
                detail: e.to_string(),
            },
            e => ProviderError::Unavailable {
                detail: e.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_refused_credentials_are_fatal() {
        assert!(ProviderError::Unauthorized { reason: "x".into() }.is_fatal());
        for e in [
            ProviderError::RateLimited { wait: None },
            ProviderError::Unavailable { detail: "x".into() },
            ProviderError::malformed("x"),
            ProviderError::Refused { detail: "x".into() },
            ProviderError::invalid("x"),
        ] {
            assert!(!e.is_fatal(), "{e}");
        }
    }

    #[test]
    fn http_errors_map_to_provider_errors() {
        let e: ProviderError = HttpError::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
        }
        .into();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e: ProviderError = HttpError::Status {
            status: 401,
            retry_after: None,
        }
        .into();
        assert!(e.is_fatal());
        let e: ProviderError = HttpError::Status {
            status: 503,
            retry_after: None,
        }
        .into();
        assert!(matches!(e, ProviderError::Unavailable { .. }));
        let e: ProviderError = HttpError::TooLarge { limit: 10 }.into();
        assert!(matches!(e, ProviderError::Malformed { .. }));
    }
}
