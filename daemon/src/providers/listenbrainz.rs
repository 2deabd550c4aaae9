//! A ListenBrainz API client (api.listenbrainz.org, or any server that implements the
//! same API): the piece listen-history sync and optional listen submission build on.
//!
//! Owns:
//! - **Connecting.** [`ListenBrainzClient::validate_token`] checks a user token with
//!   `GET 1/validate-token` and returns the user name it belongs to. ListenBrainz
//!   answers an unknown token with HTTP 200 and `"valid": false`; that (and a 401) is
//!   [`ProviderError::Invalid`], because at connect time it is the user's input that
//!   is wrong, not a stored credential.
//! - **Reading history.** [`ListenBrainzClient::listens`] fetches one page of
//!   `GET 1/user/{user}/listens` and turns it into [`RemoteListen`]s. The server's
//!   paging semantics are easy to get wrong, so they are spelled out there.
//! - **Submitting.** [`ListenBrainzClient::submit_listens`] posts at most
//!   [`MAX_LISTENS_PER_SUBMIT`] listens as `listen_type=import`.
//! - **Failure mapping.** 401 (token revoked) and 404 on a user's listens (user renamed
//!   or deleted) are [`ProviderError::Unauthorized`] (fatal: the user must reconnect);
//!   429 is [`ProviderError::RateLimited`] with the `X-RateLimit-Reset-In` wait; 5xx is
//!   [`ProviderError::Unavailable`]; 400 is [`ProviderError::Invalid`] with a generic
//!   message (the upstream text is logged, sanitized, at debug level only); a body that
//!   is not the documented JSON is [`ProviderError::Malformed`].
//! - **Transport rules.** Everything goes through the hardened client
//!   ([`HttpClient`]), pinned to the API base URL. The public default is
//!   [`Trust::Untrusted`] (public addresses only); a base URL the operator configured
//!   is [`Trust::OperatorConfigured`], since self-hosted servers implementing this API
//!   commonly live on the LAN. GETs are retried by the client (429 and 5xx, honouring
//!   `X-RateLimit-Reset-In` up to [`super::http::RETRY_AFTER_CAP`]); POSTs are not,
//!   since a submission that reached the server must not be sent twice blindly —
//!   the job scheduler decides. The user token travels only in the
//!   `Authorization: Token …` header, marked sensitive (dropped on a cross-origin
//!   redirect); it never appears in a URL, a log line or an error.

use std::fmt;

use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use super::{
    RemoteListen,
    http::{
        DEFAULT_BODY_LIMIT, HttpClient, HttpError, HttpResponse, HttpSettings, Policy, Trust,
        header, parse_base_url, sanitize_for_log, url_for_log,
    },
    listen::ProviderError,
    playlist::{Page, RemotePlaylist, RemoteTrack},
};
use crate::crypto::SecretString;

/// The public ListenBrainz API.
pub const DEFAULT_API_URL: &str = "https://api.listenbrainz.org/";
/// Most listens one `GET 1/user/{user}/listens` returns (the server's `MAX_ITEMS_PER_GET`).
pub const MAX_LISTENS_PER_GET: u32 = 1000;
/// Most listens one `POST 1/submit-listens` accepts (the server's
/// `MAX_LISTENS_PER_REQUEST`).
pub const MAX_LISTENS_PER_SUBMIT: usize = 1000;
/// Response body cap: a full page of 1,000 listens with rich metadata is ~2–3 MiB.
pub const MAX_BODY_BYTES: usize = DEFAULT_BODY_LIMIT;
/// Playlists asked for per `GET 1/user/{user}/playlists` page.
pub const PLAYLISTS_PER_GET: u32 = 25;
/// The JSPF extension ListenBrainz keeps its playlist metadata under.
const JSPF_PLAYLIST_EXTENSION: &str = "https://musicbrainz.org/doc/jspf#playlist";
/// Sent as `submission_client` with every submitted listen.
pub const SUBMISSION_CLIENT: &str = "spotter";

/// The `listen_type` of everything spotter submits: past plays, not "now playing".
const LISTEN_TYPE_IMPORT: &str = "import";
/// Longest upstream error text kept for a debug log line.
const MAX_UPSTREAM_ERROR_CHARS: usize = 200;
/// Separates artist and title in a fallback `source_ref` (a character neither holds).
const SOURCE_REF_SEPARATOR: char = '\u{1f}';

const TOKEN_REFUSED: &str = "ListenBrainz did not accept this token";
const TOKEN_REVOKED: &str = "ListenBrainz refused the token (revoked or replaced)";
const USER_GONE: &str = "the ListenBrainz user no longer exists";
const REQUEST_REJECTED: &str = "ListenBrainz rejected the request";

/// Where the ListenBrainz API lives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ListenBrainzConfig {
    /// API base URL, default [`DEFAULT_API_URL`]. Configurable because other servers
    /// implement this API (self-hosted ListenBrainz, Maloja, Koito, …).
    pub api_url: String,
}

impl Default for ListenBrainzConfig {
    fn default() -> Self {
        ListenBrainzConfig {
            api_url: DEFAULT_API_URL.to_string(),
        }
    }
}

/// One page of a user's listens, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListensPage {
    pub listens: Vec<RemoteListen>,
    /// Smallest `listened_at` on the page (every entry counts, even one that was
    /// skipped for missing metadata), for walking back with `max_ts`.
    pub oldest_ts: Option<i64>,
    /// Largest `listened_at` on the page, for walking forward with `min_ts`.
    pub newest_ts: Option<i64>,
    /// Entries the server returned, skipped ones included: a page is full (more may
    /// follow) when this equals the `count` asked for, whatever `listens.len()` is.
    pub received: usize,
}

/// One listen to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitListen {
    /// Unix seconds UTC.
    pub listened_at: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub recording_mbid: Option<String>,
}

/// A client for one ListenBrainz API server. Cheap to clone (clones share the HTTP
/// connection pool). Holds no token: every call takes the user's.
#[derive(Clone)]
pub struct ListenBrainzClient {
    base: Url,
    http: HttpClient,
}

impl fmt::Debug for ListenBrainzClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListenBrainzClient")
            .field("base", &url_for_log(&self.base))
            .field("trust", &self.http.policy().trust())
            .finish_non_exhaustive()
    }
}

impl ListenBrainzClient {
    /// A client for `config.api_url`, built with the instance's HTTP settings.
    pub fn new(config: ListenBrainzConfig, http: &HttpSettings) -> Result<Self, ProviderError> {
        let invalid_url =
            |e: HttpError| ProviderError::invalid(format!("invalid ListenBrainz API URL: {e}"));
        let base = parse_base_url(&config.api_url).map_err(invalid_url)?;
        let default = parse_base_url(DEFAULT_API_URL).map_err(invalid_url)?;
        // The public service is an internet API like any other; only a URL the
        // operator typed in may point at the LAN or loopback.
        let trust = if base == default {
            Trust::Untrusted
        } else {
            Trust::OperatorConfigured
        };
        let policy = Policy::pinned(base.as_str(), trust).map_err(invalid_url)?;
        let client = http
            .builder(policy)
            .and_then(|b| b.body_limit(MAX_BODY_BYTES).build())
            .map_err(|e| ProviderError::Refused {
                detail: format!("cannot set up the ListenBrainz HTTP client: {e}"),
            })?;
        Ok(ListenBrainzClient { base, http: client })
    }

    /// The API base URL as it may be logged.
    pub fn base_url_for_log(&self) -> String {
        url_for_log(&self.base)
    }

    /// Checks `token` and returns the ListenBrainz user name it belongs to. A token
    /// the server does not accept is [`ProviderError::Invalid`].
    pub async fn validate_token(&self, token: &SecretString) -> Result<String, ProviderError> {
        let url = self.endpoint("1/validate-token")?;
        let auth = auth_header_value(token).map_err(|_| ProviderError::invalid(TOKEN_REFUSED))?;
        let response = self
            .http
            .get(&url)
            .secret_header(header::AUTHORIZATION, &auth)
            .send()
            .await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            return Err(ProviderError::invalid(TOKEN_REFUSED));
        }
        let response = check_status(response, Call::ValidateToken)?;
        let answer: ValidateTokenAnswer = response.json()?;
        match (answer.valid, answer.user_name) {
            (true, Some(user)) if !user.is_empty() => Ok(user),
            (true, _) => Err(ProviderError::malformed(
                "a valid token without a user name",
            )),
            (false, _) => Err(ProviderError::invalid(TOKEN_REFUSED)),
        }
    }

    /// One page of `user`'s listens, newest first; `token` is optional (listens are
    /// public, but the user's own token counts against their own rate limit).
    ///
    /// Paging, as the ListenBrainz server implements it (both bounds exclusive):
    /// - `max_ts` only: the `count` newest listens before it. Walking back in time,
    ///   the next page's `max_ts` is this page's [`ListensPage::oldest_ts`].
    /// - `min_ts` only: the `count` **oldest** listens after it (still returned
    ///   newest first). Walking forward, the next page's `min_ts` is this page's
    ///   [`ListensPage::newest_ts`], once the page is committed.
    /// - both: listens strictly between them, newest first; neither: the newest.
    ///
    /// Listens sharing the boundary second can be cut by a page boundary; callers
    /// that must not lose them overlap by a second and rely on `source_ref` to
    /// deduplicate.
    pub async fn listens(
        &self,
        user: &str,
        token: Option<&SecretString>,
        min_ts: Option<i64>,
        max_ts: Option<i64>,
        count: u32,
    ) -> Result<ListensPage, ProviderError> {
        if count == 0 || count > MAX_LISTENS_PER_GET {
            return Err(ProviderError::invalid(format!(
                "a ListenBrainz page holds 1 to {MAX_LISTENS_PER_GET} listens, not {count}"
            )));
        }
        if let (Some(min), Some(max)) = (min_ts, max_ts)
            && min >= max
        {
            return Err(ProviderError::invalid("min_ts must be less than max_ts"));
        }
        let url = self.listens_url(user)?;
        let mut query: Vec<(&str, String)> = Vec::with_capacity(3);
        if let Some(min) = min_ts {
            query.push(("min_ts", min.to_string()));
        }
        if let Some(max) = max_ts {
            query.push(("max_ts", max.to_string()));
        }
        query.push(("count", count.to_string()));
        let mut request = self.http.get(&url).query(&query);
        if let Some(token) = token {
            let auth = auth_header_value(token).map_err(|_| revoked())?;
            request = request.secret_header(header::AUTHORIZATION, &auth);
        }
        let response = check_status(request.send().await?, Call::Listens)?;
        let answer: ListensAnswer = response.json()?;
        Ok(page_from_wire(answer.payload.listens))
    }

    /// Submits `listens` (1 to [`MAX_LISTENS_PER_SUBMIT`]) as `listen_type=import`.
    /// Sent once: a POST is not retried here, a 429 comes back as
    /// [`ProviderError::RateLimited`] with the server's wait for the scheduler.
    pub async fn submit_listens(
        &self,
        token: &SecretString,
        listens: &[SubmitListen],
    ) -> Result<(), ProviderError> {
        // Both are caller bugs; neither may reach the server.
        if listens.is_empty() {
            return Err(ProviderError::invalid("no listens to submit"));
        }
        if listens.len() > MAX_LISTENS_PER_SUBMIT {
            return Err(ProviderError::invalid(format!(
                "at most {MAX_LISTENS_PER_SUBMIT} listens per ListenBrainz submission, not {}",
                listens.len()
            )));
        }
        if listens
            .iter()
            .any(|l| l.artist.trim().is_empty() || l.title.trim().is_empty())
        {
            return Err(ProviderError::invalid(
                "every submitted listen needs an artist and a title",
            ));
        }
        let url = self.endpoint("1/submit-listens")?;
        let auth = auth_header_value(token).map_err(|_| revoked())?;
        let body = submission(listens);
        let response = self
            .http
            .post(&url)
            .secret_header(header::AUTHORIZATION, &auth)
            .json(&body)
            .send()
            .await?;
        check_status(response, Call::Submit).map(drop)
    }

    /// One page of `user`'s playlists (`GET 1/user/{user}/playlists`), or of the ones
    /// made for them (`…/playlists/createdfor`: weekly jams, explorations), without
    /// their tracks. Paged with `count` / `offset`; the next page is there while the
    /// server's `playlist_count` is not reached.
    pub async fn playlists(
        &self,
        user: &str,
        token: &SecretString,
        created_for: bool,
        offset: u32,
    ) -> Result<Page<RemotePlaylist>, ProviderError> {
        let mut url = self.user_url(user)?;
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| ProviderError::invalid("invalid ListenBrainz API URL"))?;
            segments.push("playlists");
            if created_for {
                segments.push("createdfor");
            }
        }
        let auth = auth_header_value(token).map_err(|_| revoked())?;
        let query = [
            ("count", PLAYLISTS_PER_GET.to_string()),
            ("offset", offset.to_string()),
        ];
        let response = self
            .http
            .get(&url)
            .query(&query)
            .secret_header(header::AUTHORIZATION, &auth)
            .send()
            .await?;
        let response = check_status(response, Call::Playlists)?;
        playlists_page(&response, offset)
    }

    /// One playlist with its tracks (`GET 1/playlist/{mbid}`, JSPF). `None` when the
    /// server no longer has it (or no longer shows it to this user).
    pub async fn playlist(
        &self,
        mbid: &str,
        token: &SecretString,
    ) -> Result<Option<(RemotePlaylist, Vec<RemoteTrack>)>, ProviderError> {
        let mbid =
            checked_mbid(mbid).ok_or_else(|| ProviderError::invalid("not a playlist MBID"))?;
        let mut url = self.endpoint("1/playlist")?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::invalid("invalid ListenBrainz API URL"))?
            .push(&mbid);
        let auth = auth_header_value(token).map_err(|_| revoked())?;
        let response = self
            .http
            .get(&url)
            .query(&[("fetch_metadata", "true")])
            .secret_header(header::AUTHORIZATION, &auth)
            .send()
            .await?;
        if matches!(
            response.status(),
            StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
        ) {
            return Ok(None);
        }
        let response = check_status(response, Call::Playlist)?;
        playlist_with_tracks(&response).map(Some)
    }

    fn endpoint(&self, relative: &str) -> Result<Url, ProviderError> {
        Ok(self.http.endpoint(relative)?)
    }

    /// `{base}1/user/{user}/listens`, the user name percent-encoded as one path
    /// segment (a `/`, `?` or `#` in it can never change the endpoint).
    fn listens_url(&self, user: &str) -> Result<Url, ProviderError> {
        let mut url = self.user_url(user)?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::invalid("invalid ListenBrainz API URL"))?
            .push("listens");
        Ok(url)
    }

    /// `{base}1/user/{user}`, the user name percent-encoded as one path segment.
    fn user_url(&self, user: &str) -> Result<Url, ProviderError> {
        // The `url` crate drops `.` and `..` segments instead of encoding them.
        if user.is_empty() || user == "." || user == ".." {
            return Err(ProviderError::invalid("not a ListenBrainz user name"));
        }
        let mut url = self.endpoint("1/user")?;
        url.path_segments_mut()
            .map_err(|()| ProviderError::invalid("invalid ListenBrainz API URL"))?
            .push(user);
        Ok(url)
    }
}

/// `Token <token>` for the `Authorization` header. Fails (without saying why, so the
/// token is never echoed) when the token cannot be a header value.
fn auth_header_value(token: &SecretString) -> Result<Zeroizing<String>, ()> {
    let token = token.expose().trim();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(());
    }
    Ok(Zeroizing::new(format!("Token {token}")))
}

fn revoked() -> ProviderError {
    ProviderError::Unauthorized {
        reason: TOKEN_REVOKED.into(),
    }
}

/// Which call a status answers, for the statuses whose meaning depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    ValidateToken,
    Listens,
    Submit,
    Playlists,
    Playlist,
}

impl Call {
    fn as_str(self) -> &'static str {
        match self {
            Call::ValidateToken => "validate-token",
            Call::Listens => "listens",
            Call::Submit => "submit-listens",
            Call::Playlists => "playlists",
            Call::Playlist => "playlist",
        }
    }
}

/// `response` for a 2xx status, else the [`ProviderError`] its status means.
pub(crate) fn check_status(
    response: HttpResponse,
    call: Call,
) -> Result<HttpResponse, ProviderError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    tracing::debug!(
        call = call.as_str(),
        url = %url_for_log(response.url()),
        status = status.as_u16(),
        upstream_error = upstream_error(&response).as_deref(),
        "ListenBrainz request failed"
    );
    Err(match status {
        StatusCode::UNAUTHORIZED => revoked(),
        StatusCode::NOT_FOUND if matches!(call, Call::Listens | Call::Playlists) => {
            ProviderError::Unauthorized {
                reason: USER_GONE.into(),
            }
        }
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited {
            wait: response.retry_after(),
        },
        StatusCode::BAD_REQUEST => ProviderError::invalid(REQUEST_REJECTED),
        s if s.is_server_error() => ProviderError::Unavailable {
            detail: format!("ListenBrainz answered HTTP {}", s.as_u16()),
        },
        s => HttpError::Status {
            status: s.as_u16(),
            retry_after: response.retry_after(),
        }
        .into(),
    })
}

/// The `error` of a ListenBrainz error body (`{"code":400,"error":"…"}`), sanitized:
/// for debug logs only.
fn upstream_error(response: &HttpResponse) -> Option<String> {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: Option<String>,
    }
    serde_json::from_slice::<ErrorBody>(response.body())
        .ok()?
        .error
        .map(|e| sanitize_for_log(&e, MAX_UPSTREAM_ERROR_CHARS))
}

#[derive(Deserialize)]
struct ValidateTokenAnswer {
    valid: bool,
    user_name: Option<String>,
}

#[derive(Deserialize)]
struct ListensAnswer {
    payload: ListensPayload,
}

#[derive(Deserialize)]
struct ListensPayload {
    listens: Vec<WireListen>,
}

/// One listen as `1/user/{user}/listens` returns it. Only `listened_at` and the
/// object shapes are strict (paging depends on them); optional fields are read
/// leniently so one odd value never fails a whole page.
#[derive(Deserialize)]
struct WireListen {
    listened_at: i64,
    #[serde(default)]
    recording_msid: Option<Value>,
    track_metadata: WireTrackMetadata,
}

#[derive(Deserialize)]
struct WireTrackMetadata {
    #[serde(default)]
    artist_name: Option<Value>,
    #[serde(default)]
    track_name: Option<Value>,
    #[serde(default)]
    release_name: Option<Value>,
    #[serde(default)]
    additional_info: Option<Value>,
    #[serde(default)]
    mbid_mapping: Option<Value>,
}

/// What [`ListenBrainzClient::listens`] makes of a 2xx answer (the fuzz targets' entry).
pub(crate) fn listens_page(response: &HttpResponse) -> Result<ListensPage, ProviderError> {
    let answer: ListensAnswer = response.json()?;
    Ok(page_from_wire(answer.payload.listens))
}

fn page_from_wire(wire: Vec<WireListen>) -> ListensPage {
    let oldest_ts = wire.iter().map(|l| l.listened_at).min();
    let newest_ts = wire.iter().map(|l| l.listened_at).max();
    let total = wire.len();
    let listens: Vec<RemoteListen> = wire.into_iter().filter_map(remote_listen).collect();
    if listens.len() < total {
        tracing::debug!(
            skipped = total - listens.len(),
            "skipped ListenBrainz listens without an artist or a title"
        );
    }
    ListensPage {
        listens,
        oldest_ts,
        newest_ts,
        received: total,
    }
}

/// A listen as the sync engine sees it; `None` without an artist or a title.
fn remote_listen(wire: WireListen) -> Option<RemoteListen> {
    let meta = wire.track_metadata;
    let artist = text(meta.artist_name.as_ref())?;
    let title = text(meta.track_name.as_ref())?;
    let info = meta.additional_info.as_ref();
    let field = |name: &str| info.and_then(|i| i.get(name));
    let duration_ms = field("duration_ms")
        .and_then(whole_number)
        .or_else(|| {
            field("duration")
                .and_then(whole_number)
                .and_then(|s| s.checked_mul(1000))
        })
        .filter(|ms| *ms > 0);
    let recording_mbid = text(
        meta.mbid_mapping
            .as_ref()
            .and_then(|m| m.get("recording_mbid")),
    )
    .or_else(|| text(field("recording_mbid")));
    // The msid identifies the listen's metadata, and a user plays a track once per
    // second at most: with the timestamp it names one play.
    let source_ref = match text(wire.recording_msid.as_ref()) {
        Some(msid) => format!("{}:{msid}", wire.listened_at),
        None => format!("{}:{artist}{SOURCE_REF_SEPARATOR}{title}", wire.listened_at),
    };
    Some(RemoteListen {
        played_at: wire.listened_at,
        album: text(meta.release_name.as_ref()),
        duration_ms,
        isrc: text(field("isrc")),
        recording_mbid,
        source_ref,
        artist,
        title,
    })
}

/// A non-blank string value, trimmed.
fn text(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// An integer, or a float rounded (some submitters send `"duration": 215.5`).
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            .map(|f| f.round() as i64)
    })
}

/// A MusicBrainz id (36 characters of hex and dashes), lower case.
fn checked_mbid(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 36 && t.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        .then(|| t.to_ascii_lowercase())
}

/// The MBID at the end of an identifier URL (`https://…/playlist/<mbid>`,
/// `https://musicbrainz.org/recording/<mbid>`).
fn mbid_of_url(url: &str) -> Option<String> {
    checked_mbid(url.trim().trim_end_matches('/').rsplit('/').next()?)
}

/// An identifier that may be a string or an array of strings (newer servers).
fn identifiers(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

#[derive(Deserialize)]
struct PlaylistsAnswer {
    #[serde(default)]
    playlists: Vec<PlaylistEnvelope>,
    playlist_count: Option<u32>,
}

#[derive(Deserialize)]
struct PlaylistEnvelope {
    playlist: Value,
}

/// A JSPF playlist object's listing fields; `None` without an MBID or a title.
fn jspf_playlist(p: &Value) -> Option<RemotePlaylist> {
    let id = identifiers(p.get("identifier"))
        .iter()
        .find_map(|i| mbid_of_url(i))?;
    let name = text(p.get("title"))?;
    let extension = p
        .get("extension")
        .and_then(|e| e.get(JSPF_PLAYLIST_EXTENSION));
    let version =
        text(extension.and_then(|e| e.get("last_modified_at"))).or_else(|| text(p.get("date")));
    let track_count = p
        .get("track")
        .and_then(Value::as_array)
        .map(|t| t.len() as u32)
        .filter(|n| *n > 0);
    Some(RemotePlaylist {
        id,
        name,
        description: text(p.get("annotation")).unwrap_or_default(),
        version,
        track_count,
    })
}

/// A JSPF track; `None` without a title.
fn jspf_track(t: &Value) -> Option<RemoteTrack> {
    let title = text(t.get("title"))?;
    let ids = identifiers(t.get("identifier"));
    let mbid = ids
        .iter()
        .find_map(|i| i.contains("/recording/").then(|| mbid_of_url(i)).flatten());
    Some(RemoteTrack {
        id: ids.into_iter().next(),
        artist: text(t.get("creator")).unwrap_or_default(),
        title,
        album: text(t.get("album")),
        duration_ms: t.get("duration").and_then(whole_number).filter(|d| *d > 0),
        isrc: None,
        mbid,
    })
}

/// What [`ListenBrainzClient::playlists`] makes of a 2xx answer.
pub(crate) fn playlists_page(
    response: &HttpResponse,
    offset: u32,
) -> Result<Page<RemotePlaylist>, ProviderError> {
    let answer: PlaylistsAnswer = response.json()?;
    let received = answer.playlists.len() as u32;
    let total = answer.playlist_count;
    let reached = offset.saturating_add(received);
    let more = received > 0 && total.is_some_and(|t| reached < t);
    Ok(Page {
        items: answer
            .playlists
            .iter()
            .filter_map(|e| jspf_playlist(&e.playlist))
            .collect(),
        next_offset: more.then_some(reached),
        total,
    })
}

/// What [`ListenBrainzClient::playlist`] makes of a 2xx answer.
pub(crate) fn playlist_with_tracks(
    response: &HttpResponse,
) -> Result<(RemotePlaylist, Vec<RemoteTrack>), ProviderError> {
    let answer: PlaylistEnvelope = response.json()?;
    let playlist = jspf_playlist(&answer.playlist)
        .ok_or_else(|| ProviderError::malformed("a playlist without an identifier or title"))?;
    let tracks = answer
        .playlist
        .get("track")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(jspf_track).collect())
        .unwrap_or_default();
    Ok((playlist, tracks))
}

#[derive(Serialize)]
struct Submission<'a> {
    listen_type: &'static str,
    payload: Vec<SubmittedListen<'a>>,
}

#[derive(Serialize)]
struct SubmittedListen<'a> {
    listened_at: i64,
    track_metadata: SubmittedMetadata<'a>,
}

#[derive(Serialize)]
struct SubmittedMetadata<'a> {
    artist_name: &'a str,
    track_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    release_name: Option<&'a str>,
    additional_info: AdditionalInfo<'a>,
}

#[derive(Serialize)]
struct AdditionalInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    isrc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recording_mbid: Option<&'a str>,
    submission_client: &'static str,
    submission_client_version: &'static str,
}

/// `Some` trimmed text, `None` for absent or blank.
fn non_blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn submission(listens: &[SubmitListen]) -> Submission<'_> {
    Submission {
        listen_type: LISTEN_TYPE_IMPORT,
        payload: listens
            .iter()
            .map(|l| SubmittedListen {
                listened_at: l.listened_at,
                track_metadata: SubmittedMetadata {
                    artist_name: l.artist.trim(),
                    track_name: l.title.trim(),
                    release_name: non_blank(&l.album),
                    additional_info: AdditionalInfo {
                        duration_ms: l.duration_ms.filter(|ms| *ms > 0),
                        isrc: non_blank(&l.isrc),
                        recording_mbid: non_blank(&l.recording_mbid),
                        submission_client: SUBMISSION_CLIENT,
                        submission_client_version: env!("CARGO_PKG_VERSION"),
                    },
                },
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn client(api_url: &str) -> ListenBrainzClient {
        ListenBrainzClient::new(
            ListenBrainzConfig {
                api_url: api_url.into(),
            },
            &HttpSettings::default(),
        )
        .unwrap()
    }

    fn wire(value: Value) -> WireListen {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn the_public_api_is_untrusted_and_an_override_is_operator_configured() {
        let public = client(DEFAULT_API_URL);
        assert_eq!(public.http.policy().trust(), Trust::Untrusted);
        // The same URL spelled differently is still the public service.
        let public = client("https://api.listenbrainz.org");
        assert_eq!(public.http.policy().trust(), Trust::Untrusted);
        let own = client("http://lb.lan:8100/api");
        assert_eq!(own.http.policy().trust(), Trust::OperatorConfigured);
        assert_eq!(own.base_url_for_log(), "http://lb.lan:8100/api/");
        assert_eq!(
            ListenBrainzConfig::default().api_url,
            DEFAULT_API_URL.to_string()
        );
        for bad in ["", "ftp://x/", "https://u:p@lb.example/", "https://lb/?q=1"] {
            let err = ListenBrainzClient::new(
                ListenBrainzConfig {
                    api_url: bad.into(),
                },
                &HttpSettings::default(),
            )
            .unwrap_err();
            assert!(matches!(err, ProviderError::Invalid { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn user_names_are_one_encoded_path_segment() {
        let c = client("https://lb.example/prefix/");
        let url = c.listens_url("a/b?c#d e").unwrap();
        assert_eq!(
            url.as_str(),
            "https://lb.example/prefix/1/user/a%2Fb%3Fc%23d%20e/listens"
        );
        assert_eq!(url.path_segments().unwrap().count(), 5);
        for bad in ["", ".", ".."] {
            assert!(c.listens_url(bad).is_err(), "{bad:?}");
        }
        // Only the bare dot segments are special; a name made with dots is kept.
        assert!(c.listens_url("..x").is_ok());
    }

    #[test]
    fn the_auth_header_never_accepts_what_cannot_be_a_header() {
        let ok = auth_header_value(&SecretString::new(" abc-123 \n")).unwrap();
        assert_eq!(ok.as_str(), "Token abc-123");
        for bad in ["", "   ", "a b", "tok\nen", "tökén"] {
            assert!(
                auth_header_value(&SecretString::new(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn wire_listens_become_remote_listens() {
        let full = wire(json!({
            "listened_at": 1714566896,
            "recording_msid": "msid-1",
            "inserted_at": 1714566900,
            "user_name": "alice",
            "track_metadata": {
                "artist_name": "Boards of Canada",
                "track_name": "Roygbiv",
                "release_name": "Music Has the Right to Children",
                "additional_info": {
                    "duration_ms": 151000,
                    "isrc": "GBAAA9800001",
                    "recording_mbid": "from-info"
                },
                "mbid_mapping": {"recording_mbid": "from-mapping"}
            }
        }));
        assert_eq!(
            remote_listen(full).unwrap(),
            RemoteListen {
                played_at: 1714566896,
                artist: "Boards of Canada".into(),
                album: Some("Music Has the Right to Children".into()),
                title: "Roygbiv".into(),
                duration_ms: Some(151000),
                isrc: Some("GBAAA9800001".into()),
                recording_mbid: Some("from-mapping".into()),
                source_ref: "1714566896:msid-1".into(),
            }
        );

        let sparse = wire(json!({
            "listened_at": 100,
            "track_metadata": {
                "artist_name": "A",
                "track_name": "T",
                "release_name": null,
                "additional_info": {"duration": 215.4, "recording_mbid": "from-info", "isrc": 7},
                "mbid_mapping": null
            }
        }));
        let l = remote_listen(sparse).unwrap();
        assert_eq!(l.source_ref, "100:A\u{1f}T");
        assert_eq!(l.duration_ms, Some(215_000));
        assert_eq!(l.recording_mbid.as_deref(), Some("from-info"));
        assert_eq!((l.album, l.isrc), (None, None));

        let untitled = wire(json!({"listened_at": 1, "track_metadata": {"artist_name": "A"}}));
        assert!(remote_listen(untitled).is_none());
    }

    #[test]
    fn a_duration_too_large_in_milliseconds_is_unknown() {
        // Found by the listenbrainz_response fuzz target: seconds × 1000 overflowed.
        let huge = wire(json!({"listened_at": 1, "track_metadata": {
            "artist_name": "A", "track_name": "T",
            "additional_info": {"duration": 9_223_372_036_854_776_i64}
        }}));
        assert_eq!(remote_listen(huge).unwrap().duration_ms, None);
    }

    #[test]
    fn pages_report_their_bounds_even_over_skipped_listens() {
        let answer: ListensAnswer = serde_json::from_value(json!({"payload": {
            "count": 3, "user_id": "alice", "latest_listen_ts": 30,
            "listens": [
                {"listened_at": 30, "track_metadata": {"artist_name": "A", "track_name": "3"}},
                {"listened_at": 20, "track_metadata": {"artist_name": "", "track_name": "2"}},
                {"listened_at": 10, "track_metadata": {"artist_name": "A", "track_name": "1"}}
            ]
        }}))
        .unwrap();
        let page = page_from_wire(answer.payload.listens);
        assert_eq!(page.listens.len(), 2);
        assert_eq!((page.oldest_ts, page.newest_ts), (Some(10), Some(30)));
        assert_eq!(page.received, 3);
        let empty = page_from_wire(Vec::new());
        assert_eq!((empty.oldest_ts, empty.newest_ts), (None, None));
        // Paging depends on timestamps: a listen without one fails the page.
        assert!(
            serde_json::from_value::<ListensAnswer>(json!({"payload": {"listens": [
                {"track_metadata": {"artist_name": "A", "track_name": "T"}}
            ]}}))
            .is_err()
        );
    }

    #[test]
    fn submissions_are_imports_with_the_client_named() {
        let listens = [
            SubmitListen {
                listened_at: 1_700_000_000,
                artist: " Artist ".into(),
                title: "Title".into(),
                album: Some("Album".into()),
                duration_ms: Some(200_000),
                isrc: Some("ISRC1".into()),
                recording_mbid: Some("mbid".into()),
            },
            SubmitListen {
                listened_at: 1_700_000_300,
                artist: "B".into(),
                title: "C".into(),
                album: Some("  ".into()),
                duration_ms: None,
                isrc: None,
                recording_mbid: None,
            },
        ];
        let body = serde_json::to_value(submission(&listens)).unwrap();
        assert_eq!(
            body,
            json!({"listen_type": "import", "payload": [
                {"listened_at": 1_700_000_000, "track_metadata": {
                    "artist_name": "Artist", "track_name": "Title", "release_name": "Album",
                    "additional_info": {
                        "duration_ms": 200_000, "isrc": "ISRC1", "recording_mbid": "mbid",
                        "submission_client": "spotter",
                        "submission_client_version": env!("CARGO_PKG_VERSION")
                    }}},
                {"listened_at": 1_700_000_300, "track_metadata": {
                    "artist_name": "B", "track_name": "C",
                    "additional_info": {
                        "submission_client": "spotter",
                        "submission_client_version": env!("CARGO_PKG_VERSION")
                    }}}
            ]})
        );
    }
}
