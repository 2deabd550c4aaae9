//! A Subsonic API client for one server (Navidrome, or any Subsonic server): the piece
//! sign-in, library sync, playlists and scrobbling build on.
//!
//! Owns:
//! - **Authentication.** Every call sends `u`, `v=1.16.1`, `c=spotter`, `f=json` and
//!   token auth: `t = md5(password + salt)`, `s = salt`, with a fresh random salt (16
//!   alphanumerics from the thread-local CSPRNG) per request. When the server does not
//!   support tokens — error 41, or error 10 "missing parameter" from servers that do
//!   not know `t`/`s` (and ask for `p`) — the client switches to `p=enc:<hex>` and
//!   **remembers** that for this server (an atomic shared by every clone), retrying the
//!   call once. A code 10 on an endpoint that takes parameters is ambiguous, so it is
//!   confirmed with a token-auth `ping` first: the password is only ever sent in
//!   password form to a server that has shown it cannot do tokens. (A server that
//!   lies about 41 can obtain the password; the operator-configured server is trusted
//!   for that, as it receives the password at sign-in anyway.)
//! - **The error envelope.** Subsonic errors arrive as HTTP 200 with
//!   `{"subsonic-response":{"status":"failed","error":{"code":N,"message":"…"}}}`;
//!   they become [`SubsonicError`] variants. Upstream messages are kept only for logs,
//!   sanitized, length-capped and scrubbed of the password, token and salt
//!   ([`SubsonicError::upstream_message`]); `Display` never includes them, and callers
//!   must not forward either to gRPC clients. Use [`SubsonicError::is_wrong_credentials`]
//!   (failed sign-in) and [`SubsonicError::is_unavailable`] (gRPC `Unavailable`).
//! - **Transport rules.** Requests go through the hardened client
//!   ([`super::http::HttpClient`]), pinned to the operator-configured base URL
//!   ([`super::http::Policy::operator_configured`]), with redirects returned as answers
//!   (a Subsonic API never redirects) and no client-side retries (sign-in fails fast;
//!   the job scheduler owns backoff); bodies are capped
//!   ([`super::http::DEFAULT_BODY_LIMIT`]); URLs are logged without their query string,
//!   and no error message contains a URL, a password, a token or a salt.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use md5::{Digest, Md5};
use rand::{Rng, distr::Alphanumeric};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use zeroize::Zeroizing;

use super::http::{
    DEFAULT_BODY_LIMIT, HttpClient, HttpError, Policy, Redirects, RetryPolicy, sanitize_for_log,
    url_for_log,
};
use crate::crypto::SecretString;

/// The Subsonic API version spotter speaks (`v`).
pub const API_VERSION: &str = "1.16.1";
/// The client name sent to the server (`c`).
pub const CLIENT_NAME: &str = "spotter";
/// Length of the per-request salt.
pub const SALT_LEN: usize = 16;

/// Longest upstream error message kept for logs.
const MAX_UPSTREAM_MESSAGE_CHARS: usize = 200;
/// Query parameters the client sets itself; callers cannot pass or override them.
const RESERVED_PARAMS: [&str; 7] = ["u", "p", "t", "s", "v", "c", "f"];
const REDACTED: &str = "[redacted]";

/// Subsonic error codes (the `error.code` of a failed response).
pub mod codes {
    pub const GENERIC: i64 = 0;
    pub const MISSING_PARAMETER: i64 = 10;
    pub const CLIENT_MUST_UPGRADE: i64 = 20;
    pub const SERVER_MUST_UPGRADE: i64 = 30;
    pub const WRONG_CREDENTIALS: i64 = 40;
    pub const TOKEN_AUTH_UNSUPPORTED: i64 = 41;
    pub const NOT_AUTHORIZED: i64 = 50;
    pub const TRIAL_EXPIRED: i64 = 60;
    pub const NOT_FOUND: i64 = 70;
}

/// What can go wrong talking to a Subsonic server. `Display` is safe to log: it never
/// holds a URL, credential, token, salt or upstream message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubsonicError {
    /// Code 10. Also what some servers answer to token auth they do not understand.
    #[error("the server reports a missing parameter (Subsonic error 10)")]
    MissingParameter { message: Option<String> },
    /// Codes 20 (client must upgrade) and 30 (server must upgrade).
    #[error(
        "the server and spotter speak incompatible Subsonic API versions (Subsonic error {code})"
    )]
    IncompatibleVersion { code: i64, message: Option<String> },
    /// Code 40.
    #[error("wrong username or password")]
    WrongCredentials { message: Option<String> },
    /// Code 41 (seen only if the password fallback also failed to apply).
    #[error("the server does not support token authentication (Subsonic error 41)")]
    TokenAuthUnsupported { message: Option<String> },
    /// Code 50.
    #[error("the user is not authorized for this operation (Subsonic error 50)")]
    NotAuthorized { message: Option<String> },
    /// Code 60.
    #[error("the server's trial period has expired (Subsonic error 60)")]
    TrialExpired { message: Option<String> },
    /// Code 70.
    #[error("the requested item was not found on the server (Subsonic error 70)")]
    NotFound { message: Option<String> },
    /// Code 0 and any code this client does not know.
    #[error("the server reported an error (Subsonic error {code})")]
    Generic { code: i64, message: Option<String> },

    /// Connection refused, DNS failure, reset, TLS failure.
    #[error("cannot reach the server: {detail}")]
    Unreachable { detail: String },
    /// The connect or total timeout passed.
    #[error("the server did not answer in time")]
    Timeout,
    /// Any HTTP status other than 200 (redirects are not followed).
    #[error("the server answered HTTP {status}")]
    HttpStatus { status: u16 },
    /// The body passed the size cap.
    #[error("the server's response is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    /// Not JSON, or not a Subsonic envelope.
    #[error("the server's response is not a valid Subsonic response: {detail}")]
    Malformed { detail: String },

    /// The configured base URL cannot be used.
    #[error("invalid Subsonic server URL: {reason}")]
    InvalidBaseUrl { reason: &'static str },
    /// A bad endpoint name or parameter (a bug in the caller).
    #[error("invalid Subsonic request: {reason}")]
    InvalidRequest { reason: &'static str },
    /// The HTTP client could not be built, or its policy refused the request.
    #[error("cannot set up the HTTP client: {detail}")]
    Client { detail: String },
}

impl SubsonicError {
    /// Maps a Subsonic error code (and its already sanitized message) to a variant.
    pub fn from_code(code: i64, message: Option<String>) -> Self {
        match code {
            codes::MISSING_PARAMETER => SubsonicError::MissingParameter { message },
            codes::CLIENT_MUST_UPGRADE | codes::SERVER_MUST_UPGRADE => {
                SubsonicError::IncompatibleVersion { code, message }
            }
            codes::WRONG_CREDENTIALS => SubsonicError::WrongCredentials { message },
            codes::TOKEN_AUTH_UNSUPPORTED => SubsonicError::TokenAuthUnsupported { message },
            codes::NOT_AUTHORIZED => SubsonicError::NotAuthorized { message },
            codes::TRIAL_EXPIRED => SubsonicError::TrialExpired { message },
            codes::NOT_FOUND => SubsonicError::NotFound { message },
            code => SubsonicError::Generic { code, message },
        }
    }

    /// The server rejected the username/password: a failed sign-in.
    pub fn is_wrong_credentials(&self) -> bool {
        matches!(self, SubsonicError::WrongCredentials { .. })
    }

    /// The server is down, unreachable, slow or failing (5xx): gRPC `Unavailable`.
    pub fn is_unavailable(&self) -> bool {
        match self {
            SubsonicError::Unreachable { .. } | SubsonicError::Timeout => true,
            SubsonicError::HttpStatus { status } => *status >= 500,
            _ => false,
        }
    }

    /// The Subsonic error code, for errors the server reported in its envelope.
    pub fn code(&self) -> Option<i64> {
        match self {
            SubsonicError::MissingParameter { .. } => Some(codes::MISSING_PARAMETER),
            SubsonicError::IncompatibleVersion { code, .. }
            | SubsonicError::Generic { code, .. } => Some(*code),
            SubsonicError::WrongCredentials { .. } => Some(codes::WRONG_CREDENTIALS),
            SubsonicError::TokenAuthUnsupported { .. } => Some(codes::TOKEN_AUTH_UNSUPPORTED),
            SubsonicError::NotAuthorized { .. } => Some(codes::NOT_AUTHORIZED),
            SubsonicError::TrialExpired { .. } => Some(codes::TRIAL_EXPIRED),
            SubsonicError::NotFound { .. } => Some(codes::NOT_FOUND),
            _ => None,
        }
    }

    /// The server's own message, sanitized and length-capped: for logs only, never
    /// for gRPC clients.
    pub fn upstream_message(&self) -> Option<&str> {
        match self {
            SubsonicError::MissingParameter { message }
            | SubsonicError::IncompatibleVersion { message, .. }
            | SubsonicError::WrongCredentials { message }
            | SubsonicError::TokenAuthUnsupported { message }
            | SubsonicError::NotAuthorized { message }
            | SubsonicError::TrialExpired { message }
            | SubsonicError::NotFound { message }
            | SubsonicError::Generic { message, .. } => message.as_deref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthMode {
    Token,
    Password,
}

impl AuthMode {
    fn as_str(self) -> &'static str {
        match self {
            AuthMode::Token => "token",
            AuthMode::Password => "password",
        }
    }
}

/// A client for one Subsonic server. Cheap to clone; clones share the HTTP connection
/// pool and the remembered authentication mode.
#[derive(Clone)]
pub struct SubsonicClient {
    /// Validated: http(s), a host, no user info, query or fragment; path ends in `/`.
    base: Url,
    http: HttpClient,
    body_limit: usize,
    password_auth: Arc<AtomicBool>,
}

impl fmt::Debug for SubsonicClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubsonicClient")
            .field("base", &url_for_log(&self.base))
            .field("body_limit", &self.body_limit)
            .field("password_auth", &self.uses_password_auth())
            .finish()
    }
}

impl SubsonicClient {
    /// A client for the server at `base_url` (e.g. `http://127.0.0.1:4533`, or with a
    /// path prefix), with `timeout` for each whole request.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, SubsonicError> {
        let base = parse_base_url(base_url)?;
        let client_error = |e: HttpError| SubsonicError::Client {
            detail: e.to_string(),
        };
        let http =
            HttpClient::builder(Policy::operator_configured(base.as_str()).map_err(client_error)?)
                .timeout(timeout)
                .redirects(Redirects::NotFollowed)
                .retry(RetryPolicy::none())
                .build()
                .map_err(client_error)?;
        Self::with_http_client(base_url, http)
    }

    /// Like [`SubsonicClient::new`] with a client built by
    /// [`super::http::HttpClientBuilder`] (whose policy must allow `base_url`).
    pub fn with_http_client(base_url: &str, http: HttpClient) -> Result<Self, SubsonicError> {
        Ok(SubsonicClient {
            base: parse_base_url(base_url)?,
            http,
            body_limit: DEFAULT_BODY_LIMIT,
            password_auth: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Caps response bodies at `limit` bytes (default 8 MiB).
    pub fn with_body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    /// The server's base URL as it may be logged.
    pub fn base_url_for_log(&self) -> String {
        url_for_log(&self.base)
    }

    /// True once this server has been found not to support token auth.
    pub fn uses_password_auth(&self) -> bool {
        self.password_auth.load(Ordering::Acquire)
    }

    /// Checks that the server answers and accepts these credentials.
    pub async fn ping(&self, username: &str, password: &SecretString) -> Result<(), SubsonicError> {
        self.get_json(username, password, "ping", &[])
            .await
            .map(drop)
    }

    /// Calls `endpoint` (e.g. `"getArtists"`) with `params` and returns the
    /// `subsonic-response` object of a successful answer.
    pub async fn get_json(
        &self,
        username: &str,
        password: &SecretString,
        endpoint: &str,
        params: &[(&str, &str)],
    ) -> Result<Value, SubsonicError> {
        validate_request(endpoint, params)?;
        if self.uses_password_auth() {
            return self
                .call(username, password, endpoint, params, AuthMode::Password)
                .await;
        }
        let err = match self
            .call(username, password, endpoint, params, AuthMode::Token)
            .await
        {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let tokens_unsupported = match &err {
            SubsonicError::TokenAuthUnsupported { .. } => true,
            // `ping` takes no parameters: a missing one can only be `p`.
            SubsonicError::MissingParameter { .. } if endpoint == "ping" => true,
            // Ambiguous: confirm with a parameterless token-auth ping.
            SubsonicError::MissingParameter { .. } => matches!(
                self.call(username, password, "ping", &[], AuthMode::Token)
                    .await,
                Err(SubsonicError::MissingParameter { .. }
                    | SubsonicError::TokenAuthUnsupported { .. })
            ),
            _ => false,
        };
        if !tokens_unsupported {
            return Err(err);
        }
        if !self.password_auth.swap(true, Ordering::AcqRel) {
            tracing::info!(
                server = %url_for_log(&self.base),
                code = err.code(),
                "the Subsonic server does not support token authentication; using password authentication for it from now on"
            );
        }
        self.call(username, password, endpoint, params, AuthMode::Password)
            .await
    }

    /// One request, no fallback.
    async fn call(
        &self,
        username: &str,
        password: &SecretString,
        endpoint: &str,
        params: &[(&str, &str)],
        mode: AuthMode,
    ) -> Result<Value, SubsonicError> {
        let mut url = self.endpoint_url(endpoint)?;
        // Everything secret that goes into this request, to scrub from upstream text.
        let mut secrets: Vec<Zeroizing<String>> =
            vec![Zeroizing::new(password.expose().to_string())];
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("u", username);
            match mode {
                AuthMode::Token => {
                    let salt = Zeroizing::new(new_salt());
                    let token = Zeroizing::new(token_for(password.expose(), &salt));
                    query.append_pair("t", &token);
                    query.append_pair("s", &salt);
                    secrets.push(token);
                    secrets.push(salt);
                }
                AuthMode::Password => {
                    let encoded = Zeroizing::new(encode_password(password.expose()));
                    query.append_pair("p", &encoded);
                    secrets.push(encoded);
                }
            }
            query
                .append_pair("v", API_VERSION)
                .append_pair("c", CLIENT_NAME)
                .append_pair("f", "json");
            for (k, v) in params {
                query.append_pair(k, v);
            }
        }
        let log_url = url_for_log(&url);
        tracing::debug!(url = %log_url, auth = mode.as_str(), "subsonic request");

        let result = self.send(url, &secrets).await;
        if let Err(e) = &result {
            tracing::debug!(
                url = %log_url,
                auth = mode.as_str(),
                error = %e,
                code = e.code(),
                upstream_message = e.upstream_message(),
                "subsonic request failed"
            );
        }
        result
    }

    async fn send(&self, url: Url, secrets: &[Zeroizing<String>]) -> Result<Value, SubsonicError> {
        let response = self
            .http
            .get(&url)
            .body_limit(self.body_limit)
            .send()
            .await
            .map_err(|e| match e {
                HttpError::Timeout => SubsonicError::Timeout,
                HttpError::Connect { detail } | HttpError::Transport { detail } => {
                    SubsonicError::Unreachable { detail }
                }
                HttpError::TooLarge { limit } => SubsonicError::BodyTooLarge { limit },
                HttpError::Status { status, .. } | HttpError::RateLimited { status, .. } => {
                    SubsonicError::HttpStatus { status }
                }
                other => SubsonicError::Client {
                    detail: other.to_string(),
                },
            })?;
        if response.status() != StatusCode::OK {
            return Err(SubsonicError::HttpStatus {
                status: response.status().as_u16(),
            });
        }
        parse_envelope(response.body(), secrets)
    }

    fn endpoint_url(&self, endpoint: &str) -> Result<Url, SubsonicError> {
        self.base
            .join(&format!("rest/{endpoint}.view"))
            .map_err(|_| SubsonicError::InvalidRequest {
                reason: "endpoint does not form a URL",
            })
    }
}

fn parse_base_url(base_url: &str) -> Result<Url, SubsonicError> {
    let invalid = |reason| SubsonicError::InvalidBaseUrl { reason };
    let mut url = Url::parse(base_url.trim()).map_err(|_| invalid("not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query string or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn validate_request(endpoint: &str, params: &[(&str, &str)]) -> Result<(), SubsonicError> {
    if endpoint.is_empty() || !endpoint.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SubsonicError::InvalidRequest {
            reason: "endpoint names are ASCII letters and digits",
        });
    }
    if params.iter().any(|(k, _)| RESERVED_PARAMS.contains(k)) {
        return Err(SubsonicError::InvalidRequest {
            reason: "u, p, t, s, v, c and f are set by the client",
        });
    }
    Ok(())
}

/// A fresh salt: `SALT_LEN` alphanumerics from the thread-local CSPRNG.
fn new_salt() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(SALT_LEN)
        .map(char::from)
        .collect()
}

/// `t = hex(md5(password + salt))`, lower case.
fn token_for(password: &str, salt: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(password.as_bytes());
    md5.update(salt.as_bytes());
    hex::encode(md5.finalize())
}

/// `p = enc:<hex of the UTF-8 password>`.
fn encode_password(password: &str) -> String {
    format!("enc:{}", hex::encode(password.as_bytes()))
}

/// Sanitizes an upstream message for logs and scrubs every secret of the request
/// from it (a hostile server could echo the query string back).
fn scrub_message(message: &str, secrets: &[Zeroizing<String>]) -> String {
    let mut text = message.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), REDACTED);
    }
    sanitize_for_log(&text, MAX_UPSTREAM_MESSAGE_CHARS)
}

/// The `subsonic-response` object of a successful answer, or the mapped error.
pub(crate) fn parse_envelope(
    body: &[u8],
    secrets: &[Zeroizing<String>],
) -> Result<Value, SubsonicError> {
    let malformed = |detail: String| SubsonicError::Malformed { detail };
    let mut doc: Value =
        serde_json::from_slice(body).map_err(|e| malformed(format!("not JSON ({e})")))?;
    let response = match doc.get_mut("subsonic-response").map(Value::take) {
        Some(r @ Value::Object(_)) => r,
        _ => return Err(malformed("no \"subsonic-response\" object".into())),
    };
    match response.get("status").and_then(Value::as_str) {
        Some("ok") => Ok(response),
        Some("failed") => {
            let error = response.get("error");
            let code = error
                .and_then(|e| e.get("code"))
                .and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))
                .ok_or_else(|| malformed("a failed response without an error code".into()))?;
            let message = error
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .map(|m| scrub_message(m, secrets));
            Err(SubsonicError::from_code(code, message))
        }
        _ => Err(malformed("missing or unknown \"status\"".into())),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn secrets(values: &[&str]) -> Vec<Zeroizing<String>> {
        values
            .iter()
            .map(|s| Zeroizing::new(s.to_string()))
            .collect()
    }

    #[test]
    fn token_is_md5_of_password_then_salt() {
        // The example from the Subsonic API documentation.
        assert_eq!(
            token_for("sesame", "c19b2d"),
            "26719a1196d2a940705a59634eb18eab"
        );
        // md5("") — empty password and salt still hash.
        assert_eq!(token_for("", ""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    const _: () = assert!(SALT_LEN >= 12, "salts have at least 12 characters");

    #[test]
    fn salts_are_long_alphanumeric_and_fresh() {
        let salts: HashSet<String> = (0..1000).map(|_| new_salt()).collect();
        assert_eq!(salts.len(), 1000, "every salt differs");
        for s in &salts {
            assert_eq!(s.len(), SALT_LEN);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()), "{s}");
        }
    }

    #[test]
    fn password_mode_sends_hex_with_the_enc_prefix() {
        assert_eq!(encode_password("sesame"), "enc:736573616d65");
        assert_eq!(encode_password("pä?&"), "enc:70c3a43f26");
    }

    #[test]
    fn error_codes_map_to_variants() {
        type Check = fn(&SubsonicError) -> bool;
        let cases: [(i64, Check); 10] = [
            (0, |e| matches!(e, SubsonicError::Generic { code: 0, .. })),
            (10, |e| matches!(e, SubsonicError::MissingParameter { .. })),
            (20, |e| {
                matches!(e, SubsonicError::IncompatibleVersion { code: 20, .. })
            }),
            (30, |e| {
                matches!(e, SubsonicError::IncompatibleVersion { code: 30, .. })
            }),
            (40, |e| e.is_wrong_credentials()),
            (41, |e| {
                matches!(e, SubsonicError::TokenAuthUnsupported { .. })
            }),
            (50, |e| matches!(e, SubsonicError::NotAuthorized { .. })),
            (60, |e| matches!(e, SubsonicError::TrialExpired { .. })),
            (70, |e| matches!(e, SubsonicError::NotFound { .. })),
            (99, |e| matches!(e, SubsonicError::Generic { code: 99, .. })),
        ];
        for (code, check) in cases {
            let e = SubsonicError::from_code(code, None);
            assert!(check(&e), "code {code} -> {e:?}");
            assert_eq!(e.code(), Some(code));
            assert!(!e.is_unavailable());
        }
        assert!(SubsonicError::Timeout.is_unavailable());
        assert!(SubsonicError::Unreachable { detail: "x".into() }.is_unavailable());
        assert!(SubsonicError::HttpStatus { status: 503 }.is_unavailable());
        assert!(!SubsonicError::HttpStatus { status: 404 }.is_unavailable());
        assert!(!SubsonicError::Malformed { detail: "x".into() }.is_unavailable());
    }

    #[test]
    fn envelopes_parse_into_values_or_errors() {
        let ok = br#"{"subsonic-response":{"status":"ok","version":"1.16.1","artists":{}}}"#;
        let v = parse_envelope(ok, &[]).unwrap();
        assert_eq!(v["version"], "1.16.1");
        assert!(v["artists"].is_object());

        let failed = br#"{"subsonic-response":{"status":"failed","version":"1.16.1",
            "error":{"code":40,"message":"Wrong username or password"}}}"#;
        let e = parse_envelope(failed, &[]).unwrap_err();
        assert!(e.is_wrong_credentials());
        assert_eq!(e.upstream_message(), Some("Wrong username or password"));
        assert_eq!(e.to_string(), "wrong username or password");

        for bad in [
            &b"<html>nope</html>"[..],
            br#"{"other":{}}"#,
            br#"{"subsonic-response":"ok"}"#,
            br#"{"subsonic-response":{"version":"1"}}"#,
            br#"{"subsonic-response":{"status":"failed"}}"#,
        ] {
            assert!(
                matches!(
                    parse_envelope(bad, &[]),
                    Err(SubsonicError::Malformed { .. })
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn upstream_messages_are_scrubbed_sanitized_and_capped() {
        let body = br#"{"subsonic-response":{"status":"failed","error":{"code":0,
            "message":"bad request u=alice&t=0123abcd&s=SALTSALT&p=hunter2\n\u001b[31m"}}}"#;
        let e = parse_envelope(body, &secrets(&["hunter2", "0123abcd", "SALTSALT"])).unwrap_err();
        let m = e.upstream_message().unwrap();
        assert!(!m.contains("hunter2") && !m.contains("0123abcd") && !m.contains("SALTSALT"));
        assert!(!m.contains('\n') && !m.contains('\u{1b}'), "{m:?}");
        assert!(m.contains("[redacted]"));
        assert!(
            !e.to_string().contains("bad request"),
            "Display omits upstream text"
        );

        let long = format!(
            r#"{{"subsonic-response":{{"status":"failed","error":{{"code":70,"message":"{}"}}}}}}"#,
            "x".repeat(5000)
        );
        let e = parse_envelope(long.as_bytes(), &[]).unwrap_err();
        assert!(e.upstream_message().unwrap().chars().count() <= MAX_UPSTREAM_MESSAGE_CHARS + 1);
    }

    #[test]
    fn base_urls_are_validated_and_endpoints_joined_under_rest() {
        let timeout = Duration::from_secs(1);
        let c = SubsonicClient::new("http://127.0.0.1:4533", timeout).unwrap();
        assert_eq!(
            c.endpoint_url("ping").unwrap().as_str(),
            "http://127.0.0.1:4533/rest/ping.view"
        );
        let c = SubsonicClient::new("https://music.example/navidrome", timeout).unwrap();
        assert_eq!(
            c.endpoint_url("getArtists").unwrap().as_str(),
            "https://music.example/navidrome/rest/getArtists.view"
        );
        assert_eq!(c.base_url_for_log(), "https://music.example/navidrome/");
        for bad in [
            "127.0.0.1:4533",
            "ftp://music.example/",
            "http://alice:pw@music.example/",
            "http://music.example/?u=alice",
            "not a url",
        ] {
            assert!(
                matches!(
                    SubsonicClient::new(bad, timeout),
                    Err(SubsonicError::InvalidBaseUrl { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn callers_cannot_smuggle_auth_parameters_or_paths() {
        assert!(validate_request("getArtists", &[("musicFolderId", "1")]).is_ok());
        assert!(validate_request("../admin", &[]).is_err());
        assert!(validate_request("ping.view?x", &[]).is_err());
        assert!(validate_request("", &[]).is_err());
        for key in RESERVED_PARAMS {
            assert!(validate_request("ping", &[(key, "x")]).is_err(), "{key}");
        }
    }

    /// A writer the test subscriber formats into.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// SECURITY.md T2: at trace level, with a token attempt, a 41, the password
    /// fallback and a failure, no credential, token, salt or query reaches the logs.
    #[tokio::test]
    async fn nothing_secret_is_logged_even_at_trace_level() {
        use tokio::{
            io::{AsyncReadExt, AsyncWriteExt},
            net::TcpListener,
        };

        const PASSWORD: &str = "trace-level-secret";
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let request_lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let lines = request_lines.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let line = head.lines().next().unwrap_or_default().to_string();
                let body = if line.contains("&p=") {
                    r#"{"subsonic-response":{"status":"failed","error":{"code":40,"message":"no"}}}"#
                } else {
                    r#"{"subsonic-response":{"status":"failed","error":{"code":41,"message":"no tokens"}}}"#
                };
                lines.lock().unwrap().push(line);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(answer.as_bytes()).await;
            }
        });

        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let client =
            SubsonicClient::new(&format!("http://{addr}"), Duration::from_secs(5)).unwrap();
        let err = client
            .get_json(
                "alice",
                &SecretString::new(PASSWORD),
                "getArtists",
                &[("id", "7")],
            )
            .await
            .unwrap_err();
        assert!(err.is_wrong_credentials(), "{err:?}");
        assert!(client.uses_password_auth());

        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("subsonic request"), "{logs}");
        assert!(
            logs.contains(&format!("http://{addr}/rest/getArtists.view")),
            "{logs}"
        );
        let lines = request_lines.lock().unwrap().clone();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let mut secrets = vec![PASSWORD.to_string(), hex::encode(PASSWORD)];
        for line in &lines {
            let query = line.split(['?', ' ']).nth(2).unwrap();
            for pair in query.split('&') {
                if let Some(("t" | "s" | "p", v)) = pair.split_once('=') {
                    secrets.push(v.to_string());
                }
            }
        }
        assert_eq!(
            secrets.len(),
            5,
            "token, salt and password were sent: {lines:?}"
        );
        for s in &secrets {
            assert!(!logs.contains(s.as_str()), "logs leak {s:?}:\n{logs}");
        }
        assert!(
            !logs.contains("u=alice") && !logs.contains("id=7"),
            "{logs}"
        );
    }

    #[test]
    fn the_client_debug_form_shows_no_secrets() {
        let c = SubsonicClient::new("http://127.0.0.1:4533", Duration::from_secs(1)).unwrap();
        let d = format!("{c:?}");
        assert!(d.contains("http://127.0.0.1:4533/") && d.contains("password_auth: false"));
    }
}
