//! A Spotify Web API client: connecting an account (OAuth authorization code with
//! PKCE) and reading what the history sync needs.
//!
//! Owns:
//! - **Connecting.** Spotter is a *public* client (no client secret: it runs on users'
//!   machines), so it uses the authorization-code flow with PKCE (RFC 7636, `S256`).
//!   [`PkceVerifier::generate`] makes the verifier, [`SpotifyClient::authorize_url`]
//!   the URL the user opens in any browser (over SSH: on another machine), and
//!   [`parse_redirect`] reads the URL the browser was redirected to, which the user
//!   pastes back into the TUI (nothing listens on the redirect URI).
//!   [`SpotifyClient::exchange_code`] and [`SpotifyClient::refresh`] talk to the token
//!   endpoint. Checking the returned `state` against the one issued is the caller's
//!   job ([`new_state`] makes one).
//! - **Tokens.** [`SpotifyTokens`] holds them as [`SecretString`]s, knows when to
//!   refresh ([`SpotifyTokens::needs_refresh`], [`REFRESH_MARGIN`] before expiry)
//!   and serialises itself to JSON text for the caller to seal
//!   ([`SpotifyTokens::to_json`]).
//! - **Reading.** [`SpotifyClient::me`] (the account's id) and
//!   [`SpotifyClient::recently_played`] (pages of at most 50 plays walked forward with
//!   the `after` cursor), turned into [`RemoteListen`]s.
//! - **Errors.** Everything fails as a [`ProviderError`] whose `Display` is safe to show
//!   the user: no token, code, query string or upstream body text. The token
//!   endpoint's `error_description` is logged at debug level only, sanitized and
//!   scrubbed of the request's secrets. Refused credentials (`invalid_grant` on
//!   refresh, HTTP 401/403 from the API) are [`ProviderError::Unauthorized`], which is
//!   fatal for the user's Spotify jobs until they reconnect.
//!
//! All requests go through the hardened client ([`HttpClient`]), one per host, each
//! pinned to its base URL. Redirects are not followed: neither the accounts service
//! nor the Web API redirects API calls, and following one would carry a bearer token
//! or an authorization code somewhere nobody configured.

use std::{
    fmt,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aes_gcm::aead::{OsRng, rand_core::RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::{
    http::{
        HttpClient, HttpError, HttpResponse, HttpSettings, Policy, Redirects, StatusCode, Trust,
        Url, parse_base_url, sanitize_for_log, url_for_log,
    },
    listen::{ProviderError, RemoteListen},
    playlist::{Page, RemotePlaylist, RemoteTrack},
};
use crate::crypto::SecretString;

/// Spotify's accounts service (authorize page and token endpoint).
pub const DEFAULT_ACCOUNTS_URL: &str = "https://accounts.spotify.com/";
/// The Spotify Web API.
pub const DEFAULT_API_URL: &str = "https://api.spotify.com/";
/// The redirect URI registered for spotter's Spotify app. Nothing listens there: the
/// user copies the address the browser ends up on. Spotify accepts plain http only
/// for loopback IP literals.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8888/callback";
/// Scopes requested: recently played for history, the playlist scopes for imports.
pub const SCOPES: &str =
    "user-read-recently-played playlist-read-private playlist-read-collaborative user-library-read";

/// Tokens are refreshed this long before they expire, so a sync that starts just
/// before expiry does not fail half way.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// [`REFRESH_MARGIN`] in seconds.
pub const REFRESH_MARGIN_SECS: i64 = REFRESH_MARGIN.as_secs() as i64;
/// Largest page `recently-played` serves (and what is always asked for).
pub const RECENTLY_PLAYED_LIMIT: u32 = 50;
/// Largest page of `v1/me/playlists` (and what is always asked for).
pub const PLAYLISTS_LIMIT: u32 = 50;
/// Largest page of `v1/playlists/{id}/tracks`.
pub const PLAYLIST_TRACKS_LIMIT: u32 = 100;
/// Largest page of `v1/me/tracks` (Liked Songs).
pub const SAVED_TRACKS_LIMIT: u32 = 50;
/// Longest Spotify id accepted in a path (they are 22 base62 characters).
const MAX_ID_CHARS: usize = 64;
/// Cap for Web API bodies (a page of 50 full track objects is far below this).
pub const API_BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Cap for token endpoint bodies (a few hundred bytes in practice).
pub const TOKEN_BODY_LIMIT: usize = 64 * 1024;
/// Longest pasted redirect URL accepted.
pub const MAX_REDIRECT_URL_BYTES: usize = 2048;

/// Random bytes in a PKCE verifier: base64url without padding makes 86 characters,
/// inside RFC 7636's 43–128.
const PKCE_VERIFIER_BYTES: usize = 64;
const PKCE_VERIFIER_MIN_CHARS: usize = 43;
const PKCE_VERIFIER_MAX_CHARS: usize = 128;
/// Random bytes in an OAuth `state`.
const STATE_BYTES: usize = 32;
/// Longest upstream text kept for a log line.
const MAX_UPSTREAM_MESSAGE_CHARS: usize = 200;
/// Longest `expires_in` believed (a day); anything larger is clamped.
const MAX_EXPIRES_IN_SECS: i64 = 24 * 60 * 60;
const REDACTED: &str = "[redacted]";

/// OAuth error codes a redirect may carry (RFC 6749 §4.1.2.1). Only these are ever
/// repeated back to the user; anything else in a pasted URL is not.
const OAUTH_REDIRECT_ERRORS: [&str; 7] = [
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
];
/// OAuth token endpoint error codes (RFC 6749 §5.2), the same rule.
const OAUTH_TOKEN_ERRORS: [&str; 6] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
];

/// Where spotter's Spotify app is and how it is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotifyConfig {
    /// The app's client id (public; there is no client secret with PKCE).
    pub client_id: String,
    /// Must match a redirect URI registered for the app, byte for byte.
    pub redirect_uri: String,
    /// Base of the accounts service ([`DEFAULT_ACCOUNTS_URL`]).
    pub accounts_url: String,
    /// Base of the Web API ([`DEFAULT_API_URL`]).
    pub api_url: String,
}

impl SpotifyConfig {
    /// The real Spotify with [`DEFAULT_REDIRECT_URI`].
    pub fn new(client_id: impl Into<String>) -> Self {
        SpotifyConfig {
            client_id: client_id.into(),
            redirect_uri: DEFAULT_REDIRECT_URI.into(),
            accounts_url: DEFAULT_ACCOUNTS_URL.into(),
            api_url: DEFAULT_API_URL.into(),
        }
    }
}

/// A PKCE code verifier (RFC 7636 §4.1): kept secret until the code is exchanged,
/// zeroed on drop.
#[derive(Clone, PartialEq)]
pub struct PkceVerifier(SecretString);

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PkceVerifier").field(&self.0).finish()
    }
}

impl PkceVerifier {
    /// A fresh verifier: 64 bytes from the OS CSPRNG, base64url without padding (86
    /// characters of the unreserved set).
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; PKCE_VERIFIER_BYTES]);
        OsRng.fill_bytes(bytes.as_mut());
        let encoded = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
        PkceVerifier(SecretString::new(encoded.as_str()))
    }

    /// A verifier kept by the caller between [`SpotifyClient::authorize_url`] and
    /// [`SpotifyClient::exchange_code`]; checked against RFC 7636 (43–128 characters
    /// of `A-Z a-z 0-9 - . _ ~`).
    pub fn new(value: SecretString) -> Result<Self, ProviderError> {
        let v = value.expose();
        let valid = (PKCE_VERIFIER_MIN_CHARS..=PKCE_VERIFIER_MAX_CHARS).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if valid {
            Ok(PkceVerifier(value))
        } else {
            Err(ProviderError::invalid(
                "the stored PKCE verifier is not valid; start connecting again",
            ))
        }
    }

    /// The verifier itself (to keep it, sealed, until the exchange).
    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    /// `code_challenge` for `S256`: base64url-nopad(SHA-256(verifier)).
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.expose().as_bytes()))
    }
}

/// A fresh OAuth `state`: 32 random bytes, base64url. The caller remembers it and
/// compares it with [`Redirect::state`] (CSRF protection, RFC 6749 §10.12).
pub fn new_state() -> String {
    let mut bytes = [0u8; STATE_BYTES];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the pasted redirect URL carried.
#[derive(Debug)]
pub struct Redirect {
    /// The authorization code (single use, short-lived, still a credential).
    pub code: SecretString,
    /// The `state` as Spotify echoed it: compare it with the one issued.
    pub state: String,
}

/// Reads the URL the user's browser was redirected to after the consent page.
///
/// Accepts the whole URL, surrounded by whitespace or not, and without its scheme
/// (browsers hide `http://` in the address bar). The host is not compared (it shows as
/// typed: `localhost`, `127.0.0.1`), the path must be the redirect URI's. Errors are
/// meant for the user and never contain the code.
pub fn parse_redirect(
    pasted: &str,
    expected_redirect_uri: &str,
) -> Result<Redirect, ProviderError> {
    let pasted = pasted.trim();
    if pasted.len() > MAX_REDIRECT_URL_BYTES {
        return Err(ProviderError::invalid(
            "the pasted text is too long to be the address Spotify sent you to",
        ));
    }
    if pasted.is_empty() {
        return Err(ProviderError::invalid(
            "nothing was pasted: paste the whole address your browser shows after you approved spotter on Spotify",
        ));
    }
    let expected =
        Url::parse(expected_redirect_uri.trim()).map_err(|_| ProviderError::Refused {
            detail: "the configured Spotify redirect URI is not a URL".into(),
        })?;
    let has_scheme = ["http://", "https://"]
        .iter()
        // `get`: the text may hold a multi-byte character where the scheme would end.
        .any(|s| {
            pasted
                .get(..s.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(s))
        });
    let with_scheme;
    let text = if has_scheme {
        pasted
    } else {
        with_scheme = format!("{}://{pasted}", expected.scheme());
        &with_scheme
    };
    let url = Url::parse(text).map_err(|_| {
        ProviderError::invalid(
            "that is not a web address: paste the whole address your browser shows after you approved spotter on Spotify",
        )
    })?;
    if trim_slash(url.path()) != trim_slash(expected.path()) {
        return Err(ProviderError::invalid(format!(
            "that is not the address Spotify redirected you to: its path should be {}",
            expected.path()
        )));
    }

    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut duplicated = false;
    for (key, value) in url.query_pairs() {
        let slot = match key.as_ref() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            _ => continue,
        };
        duplicated |= slot.is_some();
        *slot = Some(Zeroizing::new(value.into_owned()));
    }
    if let Some(error) = error {
        let known = OAUTH_REDIRECT_ERRORS.iter().find(|e| **e == error.as_str());
        return Err(ProviderError::invalid(match known {
            Some(&"access_denied") => {
                "you declined access on Spotify; start connecting again to give spotter access"
                    .to_string()
            }
            Some(code) => {
                format!("Spotify did not authorize spotter ({code}); start connecting again")
            }
            None => "Spotify did not authorize spotter; start connecting again".to_string(),
        }));
    }
    if duplicated {
        return Err(ProviderError::invalid(
            "the address carries more than one code or state; paste the address exactly as the browser shows it",
        ));
    }
    let code = code.filter(|c| !c.is_empty()).ok_or_else(|| {
        ProviderError::invalid(
            "the address has no authorization code: paste the address your browser shows after you approved spotter",
        )
    })?;
    let state = state.filter(|s| !s.is_empty()).ok_or_else(|| {
        ProviderError::invalid(
            "the address has no state: paste the address your browser shows after you approved spotter",
        )
    })?;
    Ok(Redirect {
        code: SecretString::new(code.as_str()),
        state: state.to_string(),
    })
}

fn trim_slash(path: &str) -> &str {
    path.strip_suffix('/').unwrap_or(path)
}

/// A connected account's tokens. `Debug` shows neither token.
#[derive(Clone, PartialEq)]
pub struct SpotifyTokens {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// When the access token expires, Unix seconds.
    pub expires_at: i64,
    /// The scopes granted, space separated (the user may grant fewer than asked).
    pub scope: String,
}

impl fmt::Debug for SpotifyTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpotifyTokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The stored form (the secrets in clear: the caller seals the whole text).
#[derive(Serialize)]
struct StoredTokensRef<'a> {
    access_token: &'a str,
    refresh_token: &'a str,
    expires_at: i64,
    scope: &'a str,
}

#[derive(Deserialize)]
struct StoredTokens {
    access_token: SecretString,
    refresh_token: SecretString,
    expires_at: i64,
    #[serde(default)]
    scope: String,
}

impl SpotifyTokens {
    /// The tokens as JSON text, **secrets in clear**: wrap it in a [`SecretString`]
    /// at once and seal it before it is stored.
    pub fn to_json(&self) -> String {
        let stored = StoredTokensRef {
            access_token: self.access_token.expose(),
            refresh_token: self.refresh_token.expose(),
            expires_at: self.expires_at,
            scope: &self.scope,
        };
        // Serialising strings and an integer cannot fail.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads what [`SpotifyTokens::to_json`] wrote. The error never quotes the text.
    pub fn from_json(json: &str) -> Result<Self, ProviderError> {
        let stored: StoredTokens = serde_json::from_str(json).map_err(|e| {
            ProviderError::malformed(format!(
                "the stored Spotify tokens cannot be read ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        if stored.access_token.expose().is_empty() || stored.refresh_token.expose().is_empty() {
            return Err(ProviderError::malformed(
                "the stored Spotify tokens are incomplete",
            ));
        }
        Ok(SpotifyTokens {
            access_token: stored.access_token,
            refresh_token: stored.refresh_token,
            expires_at: stored.expires_at,
            scope: stored.scope,
        })
    }

    /// True when the access token expires within [`REFRESH_MARGIN_SECS`] of `now`
    /// (Unix seconds), or already has.
    pub fn needs_refresh(&self, now: i64) -> bool {
        now >= self.expires_at.saturating_sub(REFRESH_MARGIN_SECS)
    }
}

/// The account behind a token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SpotifyProfile {
    /// Spotify user id (stable; the display name is not).
    pub id: String,
    pub display_name: Option<String>,
}

/// One page of recently played tracks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentlyPlayedPage {
    /// Newest first, as Spotify orders them.
    pub listens: Vec<RemoteListen>,
    /// The `after` cursor for the next call (the newest play of this page, Unix ms);
    /// `None` when the page is empty: the walk has caught up.
    pub next_after_ms: Option<i64>,
}

/// Which grant a token request was, for mapping its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
}

impl Grant {
    fn as_str(self) -> &'static str {
        match self {
            Grant::AuthorizationCode => "authorization_code",
            Grant::RefreshToken => "refresh_token",
        }
    }
}

/// A client for the Spotify accounts service and Web API. Cheap to clone.
#[derive(Clone)]
pub struct SpotifyClient {
    config: SpotifyConfig,
    accounts_base: Url,
    api_base: Url,
    accounts: HttpClient,
    api: HttpClient,
}

impl fmt::Debug for SpotifyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpotifyClient")
            .field("client_id", &self.config.client_id)
            .field("accounts", &url_for_log(&self.accounts_base))
            .field("api", &url_for_log(&self.api_base))
            .finish_non_exhaustive()
    }
}

impl SpotifyClient {
    /// A client for `config`, with the instance's HTTP settings.
    ///
    /// Trust: the real Spotify hosts are internet APIs, reachable at public addresses
    /// only ([`Trust::Untrusted`]). A base URL the operator typed into the
    /// configuration instead (a mirror, a proxy, a test server) is
    /// [`Trust::OperatorConfigured`], like the Navidrome URL: the operator chose it,
    /// and it may well be on the LAN or loopback.
    pub fn new(config: SpotifyConfig, http: &HttpSettings) -> Result<Self, ProviderError> {
        let refused = |detail: &str| ProviderError::Refused {
            detail: detail.into(),
        };
        if config.client_id.trim().is_empty() {
            return Err(refused("Spotify is not configured: no client id"));
        }
        let redirect = Url::parse(config.redirect_uri.trim())
            .map_err(|_| refused("the Spotify redirect URI is not a URL"))?;
        if !matches!(redirect.scheme(), "http" | "https") || redirect.host_str().is_none() {
            return Err(refused("the Spotify redirect URI must be an http(s) URL"));
        }
        let accounts_base =
            parse_base_url(&config.accounts_url).map_err(|e| ProviderError::Refused {
                detail: format!("the Spotify accounts URL cannot be used: {e}"),
            })?;
        let api_base = parse_base_url(&config.api_url).map_err(|e| ProviderError::Refused {
            detail: format!("the Spotify API URL cannot be used: {e}"),
        })?;
        let accounts = pinned_client(&accounts_base, DEFAULT_ACCOUNTS_URL, TOKEN_BODY_LIMIT, http)?;
        let api = pinned_client(&api_base, DEFAULT_API_URL, API_BODY_LIMIT, http)?;
        Ok(SpotifyClient {
            config,
            accounts_base,
            api_base,
            accounts,
            api,
        })
    }

    pub fn config(&self) -> &SpotifyConfig {
        &self.config
    }

    /// The redirect URI the consent page sends the browser to.
    pub fn redirect_uri(&self) -> &str {
        self.config.redirect_uri.trim()
    }

    /// The consent page the user opens: authorization code flow with PKCE (`S256`),
    /// [`SCOPES`], and `state` to be echoed back.
    pub fn authorize_url(&self, state: &str, challenge: &str) -> Url {
        let mut url = self
            .accounts_base
            .join("authorize")
            .unwrap_or_else(|_| self.accounts_base.clone());
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", self.redirect_uri())
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", challenge)
            .append_pair("state", state)
            .append_pair("scope", SCOPES);
        url
    }

    /// [`parse_redirect`] against this client's redirect URI.
    pub fn parse_redirect(&self, pasted: &str) -> Result<Redirect, ProviderError> {
        parse_redirect(pasted, self.redirect_uri())
    }

    /// Trades the authorization code for tokens. A refused code (used, expired, or
    /// not matching the verifier) is [`ProviderError::Invalid`]: the user starts over.
    pub async fn exchange_code(
        &self,
        code: &SecretString,
        verifier: &PkceVerifier,
    ) -> Result<SpotifyTokens, ProviderError> {
        let form = [
            ("grant_type", Grant::AuthorizationCode.as_str()),
            ("code", code.expose()),
            ("redirect_uri", self.redirect_uri()),
            ("client_id", self.config.client_id.as_str()),
            ("code_verifier", verifier.secret().expose()),
        ];
        let secrets = [code.expose(), verifier.secret().expose()];
        let answer = self
            .token_request(&form, Grant::AuthorizationCode, &secrets)
            .await?;
        let refresh_token = answer
            .refresh_token
            .ok_or_else(|| ProviderError::malformed("Spotify issued no refresh token"))?;
        Ok(SpotifyTokens {
            access_token: answer.access_token,
            refresh_token,
            expires_at: unix_now().saturating_add(answer.expires_in),
            scope: answer.scope,
        })
    }

    /// New tokens from the refresh token. Spotify may or may not rotate the refresh
    /// token; when the answer has none, the old one stays valid and is kept. A
    /// refused refresh token is [`ProviderError::Unauthorized`] (fatal).
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
    ) -> Result<SpotifyTokens, ProviderError> {
        let form = [
            ("grant_type", Grant::RefreshToken.as_str()),
            ("refresh_token", refresh_token.expose()),
            ("client_id", self.config.client_id.as_str()),
        ];
        let answer = self
            .token_request(&form, Grant::RefreshToken, &[refresh_token.expose()])
            .await?;
        Ok(SpotifyTokens {
            access_token: answer.access_token,
            refresh_token: answer
                .refresh_token
                .unwrap_or_else(|| refresh_token.clone()),
            expires_at: unix_now().saturating_add(answer.expires_in),
            scope: answer.scope,
        })
    }

    /// The account the token belongs to (`GET v1/me`).
    pub async fn me(&self, access: &SecretString) -> Result<SpotifyProfile, ProviderError> {
        let profile: SpotifyProfile = self.api_get("v1/me", &[], access).await?;
        if profile.id.is_empty() {
            return Err(ProviderError::malformed("the Spotify profile has no id"));
        }
        Ok(profile)
    }

    /// Plays strictly after `after_ms` (Unix ms; negative means 0), at most
    /// [`RECENTLY_PLAYED_LIMIT`] (`GET v1/me/player/recently-played`). Walk forward by
    /// passing [`RecentlyPlayedPage::next_after_ms`] back until it is `None`.
    ///
    /// `played_at` is when Spotify recorded the play, around when the track stopped.
    /// The listen time is that minus the track's duration: the start of a full play,
    /// which is what Last.fm and ListenBrainz record (Spotify scrobbles to them at the
    /// start), so the same play from two sources falls within the match window. For a
    /// skipped track this is earlier than the real start; skipped tracks are not
    /// scrobbled elsewhere, so no match is lost by it.
    pub async fn recently_played(
        &self,
        access: &SecretString,
        after_ms: i64,
    ) -> Result<RecentlyPlayedPage, ProviderError> {
        let after = after_ms.max(0).to_string();
        let limit = RECENTLY_PLAYED_LIMIT.to_string();
        let page: wire::RecentlyPlayed = self
            .api_get(
                "v1/me/player/recently-played",
                &[("limit", &limit), ("after", &after)],
                access,
            )
            .await?;
        page_to_listens(page)
    }

    /// One page of the user's playlists (`GET v1/me/playlists`, [`PLAYLISTS_LIMIT`] a
    /// page). The next page is asked for by offset, never by following the `next` URL
    /// the answer carries (it names a host, and only the configured one is asked).
    pub async fn playlists(
        &self,
        access: &SecretString,
        offset: u32,
    ) -> Result<Page<RemotePlaylist>, ProviderError> {
        let (limit, at) = (PLAYLISTS_LIMIT.to_string(), offset.to_string());
        let page: wire::Paging<wire::SimplePlaylist> = self
            .api_get(
                "v1/me/playlists",
                &[("limit", &limit), ("offset", &at)],
                access,
            )
            .await?;
        Ok(playlists_page(page, offset))
    }

    /// One playlist's name, description and `snapshot_id` (`GET v1/playlists/{id}`).
    pub async fn playlist(
        &self,
        access: &SecretString,
        id: &str,
    ) -> Result<RemotePlaylist, ProviderError> {
        let path = format!("v1/playlists/{}", checked_id(id)?);
        let p: wire::SimplePlaylist = self
            .api_get(
                &path,
                &[("fields", "id,name,description,snapshot_id")],
                access,
            )
            .await?;
        simple_playlist(p)
            .ok_or_else(|| ProviderError::malformed("a Spotify playlist without an id or name"))
    }

    /// One page of a playlist's tracks (`GET v1/playlists/{id}/tracks`,
    /// [`PLAYLIST_TRACKS_LIMIT`] a page). Local files, podcast episodes and tracks
    /// Spotify no longer describes are skipped.
    pub async fn playlist_tracks(
        &self,
        access: &SecretString,
        id: &str,
        offset: u32,
    ) -> Result<Page<RemoteTrack>, ProviderError> {
        let path = format!("v1/playlists/{}/tracks", checked_id(id)?);
        let (limit, at) = (PLAYLIST_TRACKS_LIMIT.to_string(), offset.to_string());
        let page: wire::Paging<wire::PlaylistItem> = self
            .api_get(
                &path,
                &[
                    ("limit", &limit),
                    ("offset", &at),
                    ("additional_types", "track"),
                    (
                        "fields",
                        "items(is_local,track(id,type,name,duration_ms,artists(name),album(name),external_ids,is_local)),next,total",
                    ),
                ],
                access,
            )
            .await?;
        Ok(tracks_page(page, offset))
    }

    /// One page of the user's Liked Songs (`GET v1/me/tracks`, [`SAVED_TRACKS_LIMIT`]
    /// a page). A 403 here means the `user-library-read` permission was not granted
    /// (accounts connected before spotter asked for it): that is
    /// [`ProviderError::Refused`], not fatal, since everything else still works.
    pub async fn saved_tracks(
        &self,
        access: &SecretString,
        offset: u32,
    ) -> Result<Page<RemoteTrack>, ProviderError> {
        let (limit, at) = (SAVED_TRACKS_LIMIT.to_string(), offset.to_string());
        let page: wire::Paging<wire::PlaylistItem> = match self
            .api_get(
                "v1/me/tracks",
                &[("limit", &limit), ("offset", &at)],
                access,
            )
            .await
        {
            Err(ProviderError::Unauthorized { reason }) if reason.contains("403") => {
                return Err(ProviderError::Refused {
                    detail: "reading Liked Songs needs a permission this Spotify connection lacks; reconnect Spotify to grant it".into(),
                });
            }
            other => other?,
        };
        Ok(tracks_page(page, offset))
    }

    /// `GET` on the Web API with the bearer token; statuses mapped, body decoded.
    async fn api_get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        access: &SecretString,
    ) -> Result<T, ProviderError> {
        let url = self.api.endpoint(path)?;
        let response = self
            .api
            .get(url.as_str())
            .query(query)
            .bearer_auth(access.expose())
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            log_api_error(&response, access);
            return Err(api_status_error(status, &response));
        }
        Ok(response.json()?)
    }

    /// `POST api/token` with `form`; the answer checked, or the error mapped.
    async fn token_request(
        &self,
        form: &[(&str, &str)],
        grant: Grant,
        secrets: &[&str],
    ) -> Result<wire::TokenAnswer, ProviderError> {
        let url = self.accounts.endpoint("api/token")?;
        let response = self.accounts.post(url.as_str()).form(form).send().await?;
        let status = response.status();
        let retry_after = response.retry_after();
        // The body holds tokens: zeroed once read.
        let body = Zeroizing::new(response.into_body());
        if !status.is_success() {
            return Err(token_error(status, retry_after, &body, grant, secrets));
        }
        let answer: wire::TokenAnswer = serde_json::from_slice(&body).map_err(|e| {
            ProviderError::malformed(format!(
                "the Spotify token answer is not valid ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        answer.validate()
    }
}

/// The client for one Spotify host: pinned to `base`, untrusted for the real Spotify
/// host, operator-trusted for a base the operator configured instead.
fn pinned_client(
    base: &Url,
    default: &str,
    body_limit: usize,
    settings: &HttpSettings,
) -> Result<HttpClient, ProviderError> {
    let is_default = parse_base_url(default).is_ok_and(|d| d == *base);
    let trust = if is_default {
        Trust::Untrusted
    } else {
        Trust::OperatorConfigured
    };
    let setup = |e: HttpError| ProviderError::Refused {
        detail: format!("cannot set up the HTTP client for Spotify: {e}"),
    };
    settings
        .builder(Policy::pinned(base.as_str(), trust).map_err(setup)?)
        .map_err(setup)?
        .redirects(Redirects::NotFollowed)
        .body_limit(body_limit)
        .build()
        .map_err(setup)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A non-success Web API status as a [`ProviderError`].
pub(crate) fn api_status_error(status: StatusCode, response: &HttpResponse) -> ProviderError {
    match status.as_u16() {
        401 => ProviderError::Unauthorized {
            reason: "Spotify refused the access token (HTTP 401); reconnect Spotify".into(),
        },
        // A revoked scope, or (apps in development mode) a user not on the app's list.
        403 => ProviderError::Unauthorized {
            reason: "Spotify refused access (HTTP 403): the permission was withdrawn or this account may not use spotter's Spotify app".into(),
        },
        429 => ProviderError::RateLimited {
            wait: response.retry_after(),
        },
        s if s >= 500 => ProviderError::Unavailable {
            detail: format!("Spotify answered HTTP {s}"),
        },
        s => ProviderError::Unavailable {
            detail: format!("Spotify answered HTTP {s} to {}", url_for_log(response.url())),
        },
    }
}

/// Logs the Web API's `{"error":{"status","message"}}` at debug level.
pub(crate) fn log_api_error(response: &HttpResponse, access: &SecretString) {
    #[derive(Deserialize)]
    struct Envelope {
        error: Option<Inner>,
    }
    #[derive(Deserialize)]
    struct Inner {
        message: Option<String>,
    }
    let message = serde_json::from_slice::<Envelope>(response.body())
        .ok()
        .and_then(|e| e.error?.message)
        .map(|m| scrub(&m, &[access.expose()]));
    tracing::debug!(
        url = %url_for_log(response.url()),
        status = response.status().as_u16(),
        upstream_message = message.as_deref(),
        "spotify API request failed"
    );
}

/// A token endpoint failure as a [`ProviderError`]. RFC 6749 §5.2 error codes decide;
/// the description only reaches the debug log.
pub(crate) fn token_error(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    grant: Grant,
    secrets: &[&str],
) -> ProviderError {
    #[derive(Deserialize)]
    struct OAuthError {
        error: Option<String>,
        error_description: Option<String>,
    }
    let parsed = serde_json::from_slice::<OAuthError>(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|p| p.error.as_deref())
        .and_then(|e| OAUTH_TOKEN_ERRORS.iter().copied().find(|k| *k == e));
    let description = parsed
        .as_ref()
        .and_then(|p| p.error_description.as_deref())
        .map(|d| scrub(d, secrets));
    tracing::debug!(
        grant = grant.as_str(),
        status = status.as_u16(),
        error = code,
        upstream_message = description.as_deref(),
        "spotify token request failed"
    );
    match (code, grant) {
        (Some("invalid_grant"), Grant::RefreshToken) => ProviderError::Unauthorized {
            reason: "Spotify refused the refresh token (access was revoked or it expired); reconnect Spotify".into(),
        },
        (Some("invalid_grant"), Grant::AuthorizationCode) => ProviderError::invalid(
            "Spotify refused the authorization code (used already, expired, or from another attempt); start connecting again",
        ),
        (Some("invalid_client" | "unauthorized_client"), _) => ProviderError::Refused {
            detail: "Spotify refused spotter's client id; check the Spotify client id and redirect URI in the configuration".into(),
        },
        _ if status == StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited {
            wait: retry_after,
        },
        _ if status.is_server_error() => ProviderError::Unavailable {
            detail: format!("the Spotify accounts service answered HTTP {}", status.as_u16()),
        },
        (Some(code), _) => ProviderError::Refused {
            detail: format!("Spotify refused the token request ({code})"),
        },
        (None, _) => ProviderError::Unavailable {
            detail: format!("the Spotify accounts service answered HTTP {}", status.as_u16()),
        },
    }
}

/// Upstream text made safe for a log line: the request's secrets replaced (a server
/// may echo them), controls stripped, length capped.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, REDACTED);
    }
    sanitize_for_log(&text, MAX_UPSTREAM_MESSAGE_CHARS)
}

/// Spotify's wire format (only the fields spotter reads).
pub(crate) mod wire {
    use serde::Deserialize;

    use super::{MAX_EXPIRES_IN_SECS, ProviderError};
    use crate::crypto::SecretString;

    #[derive(Deserialize)]
    pub(crate) struct TokenAnswer {
        pub access_token: SecretString,
        pub token_type: Option<String>,
        #[serde(default)]
        pub scope: String,
        pub expires_in: i64,
        pub refresh_token: Option<SecretString>,
    }

    impl TokenAnswer {
        pub(crate) fn validate(mut self) -> Result<Self, ProviderError> {
            if self.access_token.expose().is_empty() {
                return Err(ProviderError::malformed(
                    "Spotify issued an empty access token",
                ));
            }
            if self
                .token_type
                .as_deref()
                .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
            {
                return Err(ProviderError::malformed(
                    "Spotify issued a token that is not a bearer token",
                ));
            }
            if self.expires_in <= 0 {
                return Err(ProviderError::malformed(
                    "Spotify issued a token that has already expired",
                ));
            }
            self.expires_in = self.expires_in.min(MAX_EXPIRES_IN_SECS);
            self.refresh_token = self.refresh_token.filter(|t| !t.expose().is_empty());
            Ok(self)
        }
    }

    #[derive(Deserialize)]
    pub(super) struct RecentlyPlayed {
        pub items: Vec<PlayHistory>,
        pub cursors: Option<Cursors>,
    }

    #[derive(Deserialize)]
    pub(super) struct Cursors {
        pub after: Option<String>,
    }

    #[derive(Deserialize)]
    pub(super) struct PlayHistory {
        /// Null for items Spotify cannot describe any more.
        pub track: Option<Track>,
        pub played_at: String,
    }

    #[derive(Deserialize)]
    pub(super) struct Track {
        /// Null for local files.
        pub id: Option<String>,
        pub uri: Option<String>,
        pub name: String,
        pub duration_ms: Option<i64>,
        pub album: Option<Named>,
        #[serde(default)]
        pub artists: Vec<Named>,
        pub external_ids: Option<ExternalIds>,
    }

    #[derive(Deserialize)]
    pub(super) struct Named {
        pub name: Option<String>,
    }

    #[derive(Deserialize)]
    pub(super) struct ExternalIds {
        pub isrc: Option<String>,
    }

    /// A paging object: `items`, and `next` (only its presence is read).
    #[derive(Deserialize)]
    pub(super) struct Paging<T> {
        #[serde(default = "Vec::new")]
        pub items: Vec<Option<T>>,
        pub next: Option<String>,
        pub total: Option<u32>,
    }

    #[derive(Deserialize)]
    pub(super) struct SimplePlaylist {
        pub id: Option<String>,
        pub name: Option<String>,
        pub description: Option<String>,
        pub snapshot_id: Option<String>,
        pub tracks: Option<TrackCount>,
    }

    #[derive(Deserialize)]
    pub(super) struct TrackCount {
        pub total: Option<u32>,
    }

    /// A playlist item or a saved track: `track` may be null, a local file or an
    /// episode.
    #[derive(Deserialize)]
    pub(super) struct PlaylistItem {
        #[serde(default)]
        pub is_local: Option<bool>,
        pub track: Option<ItemTrack>,
    }

    #[derive(Deserialize)]
    pub(super) struct ItemTrack {
        #[serde(rename = "type")]
        pub kind: Option<String>,
        #[serde(default)]
        pub is_local: Option<bool>,
        pub id: Option<String>,
        pub name: Option<String>,
        pub duration_ms: Option<i64>,
        pub album: Option<Named>,
        #[serde(default)]
        pub artists: Vec<Named>,
        pub external_ids: Option<ExternalIds>,
    }
}

/// A Spotify id as one path segment: base62 only, so it can never change the path.
fn checked_id(id: &str) -> Result<&str, ProviderError> {
    if id.is_empty() || id.len() > MAX_ID_CHARS || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ProviderError::invalid("not a Spotify playlist id"));
    }
    Ok(id)
}

fn simple_playlist(p: wire::SimplePlaylist) -> Option<RemotePlaylist> {
    let id = p.id.filter(|i| checked_id(i).is_ok())?;
    let name = p.name.filter(|n| !n.trim().is_empty())?;
    Some(RemotePlaylist {
        id,
        name,
        description: p.description.unwrap_or_default(),
        version: p.snapshot_id.filter(|s| !s.is_empty()),
        track_count: p.tracks.and_then(|t| t.total),
    })
}

fn next_offset(next: &Option<String>, offset: u32, received: usize) -> Option<u32> {
    (next.is_some() && received > 0).then(|| offset.saturating_add(received as u32))
}

fn playlists_page(page: wire::Paging<wire::SimplePlaylist>, offset: u32) -> Page<RemotePlaylist> {
    let received = page.items.len();
    Page {
        next_offset: next_offset(&page.next, offset, received),
        total: page.total,
        items: page
            .items
            .into_iter()
            .flatten()
            .filter_map(simple_playlist)
            .collect(),
    }
}

fn tracks_page(page: wire::Paging<wire::PlaylistItem>, offset: u32) -> Page<RemoteTrack> {
    let received = page.items.len();
    let items: Vec<RemoteTrack> = page
        .items
        .into_iter()
        .flatten()
        .filter(|i| i.is_local != Some(true))
        .filter_map(|i| i.track)
        .filter(|t| t.kind.as_deref().is_none_or(|k| k == "track") && t.is_local != Some(true))
        .filter_map(item_track)
        .collect();
    if items.len() < received {
        tracing::debug!(
            skipped = received - items.len(),
            "skipped Spotify playlist items that are no tracks (local files, episodes, gone)"
        );
    }
    Page {
        next_offset: next_offset(&page.next, offset, received),
        total: page.total,
        items,
    }
}

fn item_track(t: wire::ItemTrack) -> Option<RemoteTrack> {
    let id = t.id.filter(|i| checked_id(i).is_ok())?;
    let artist = t
        .artists
        .iter()
        .filter_map(|a| a.name.as_deref())
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    let title = t.name.filter(|n| !n.trim().is_empty())?;
    Some(RemoteTrack {
        id: Some(id),
        artist,
        title,
        album: t.album.and_then(|a| a.name).filter(|n| !n.is_empty()),
        duration_ms: t.duration_ms.filter(|d| *d > 0),
        isrc: t
            .external_ids
            .and_then(|e| e.isrc)
            .map(|i| i.trim().to_ascii_uppercase())
            .filter(|i| !i.is_empty()),
        mbid: None,
    })
}

/// A decoded page as [`RemoteListen`]s (order kept: newest first).
fn page_to_listens(page: wire::RecentlyPlayed) -> Result<RecentlyPlayedPage, ProviderError> {
    let mut listens = Vec::with_capacity(page.items.len());
    for item in page.items {
        let played_at_ms = parse_rfc3339_ms(&item.played_at).ok_or_else(|| {
            ProviderError::malformed("a recently played item has an invalid played_at time")
        })?;
        let Some(track) = item.track else {
            tracing::debug!(
                played_at_ms,
                "skipping a recently played item without a track"
            );
            continue;
        };
        let track_ref = track
            .id
            .as_deref()
            .or(track.uri.as_deref())
            .filter(|r| !r.is_empty())
            .unwrap_or("unknown");
        let artist = track
            .artists
            .iter()
            .filter_map(|a| a.name.as_deref())
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let duration_ms = track.duration_ms.filter(|d| *d > 0);
        listens.push(RemoteListen {
            // Saturating: a hostile answer may pair year 1 with an endless duration.
            played_at: played_at_ms
                .saturating_sub(duration_ms.unwrap_or(0))
                .div_euclid(1000),
            artist,
            album: track.album.and_then(|a| a.name).filter(|n| !n.is_empty()),
            title: track.name,
            duration_ms,
            isrc: track
                .external_ids
                .and_then(|e| e.isrc)
                .map(|i| i.trim().to_ascii_uppercase())
                .filter(|i| !i.is_empty()),
            recording_mbid: None,
            source_ref: format!("{played_at_ms}:{track_ref}"),
        });
    }
    let next_after_ms = match page.cursors.and_then(|c| c.after) {
        Some(after) if !listens.is_empty() => Some(
            after
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|ms| *ms >= 0)
                .ok_or_else(|| {
                    ProviderError::malformed("the recently played cursor is not a time")
                })?,
        ),
        _ => None,
    };
    Ok(RecentlyPlayedPage {
        listens,
        next_after_ms,
    })
}

/// What [`SpotifyClient::recently_played`] makes of a 2xx answer (the fuzz targets'
/// entry).
pub(crate) fn recently_played_page(
    response: &HttpResponse,
) -> Result<RecentlyPlayedPage, ProviderError> {
    page_to_listens(response.json()?)
}

use super::timestamp::rfc3339_ms as parse_rfc3339_ms;

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "AQBxSecretAuthorizationCode123";

    fn redirect_url(query: &str) -> String {
        format!("http://127.0.0.1:8888/callback?{query}")
    }

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new(SecretString::new(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ))
        .unwrap();
        assert_eq!(
            verifier.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_verifiers_are_long_random_and_unreserved() {
        let a = PkceVerifier::generate();
        let b = PkceVerifier::generate();
        assert_eq!(a.secret().expose().len(), 86);
        assert!(
            a.secret()
                .expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a.secret().expose(), b.secret().expose());
        // Round-trips through the validating constructor.
        assert!(PkceVerifier::new(a.secret().clone()).is_ok());
        assert_eq!(a.challenge().len(), 43);
        assert!(!format!("{a:?}").contains(a.secret().expose()));
        assert_ne!(new_state(), new_state());
        assert_eq!(new_state().len(), 43);
    }

    #[test]
    fn verifiers_outside_rfc7636_are_refused() {
        for bad in ["short", &"a".repeat(129), &format!("{}!", "a".repeat(50))] {
            assert!(PkceVerifier::new(SecretString::new(bad)).is_err(), "{bad}");
        }
        assert!(PkceVerifier::new(SecretString::new("a".repeat(43))).is_ok());
        assert!(PkceVerifier::new(SecretString::new("~._-".repeat(32))).is_ok());
    }

    #[test]
    fn redirects_are_read_from_the_pasted_url() {
        let ok = |pasted: &str| parse_redirect(pasted, DEFAULT_REDIRECT_URI).unwrap();
        let r = ok(&redirect_url(&format!("code={CODE}&state=st4te")));
        assert_eq!((r.code.expose(), r.state.as_str()), (CODE, "st4te"));
        // Whitespace, another spelling of the host, no scheme, a trailing slash.
        let r = ok(&format!(
            "  \n http://localhost:8888/callback?state=s&code={CODE}\t "
        ));
        assert_eq!((r.code.expose(), r.state.as_str()), (CODE, "s"));
        let r = ok(&format!("127.0.0.1:8888/callback?code={CODE}&state=s"));
        assert_eq!(r.code.expose(), CODE);
        let r = ok(&format!(
            "HTTP://127.0.0.1:8888/callback/?code={CODE}&state=s"
        ));
        assert_eq!(r.code.expose(), CODE);
        // Percent-encoding is decoded.
        let r = ok(&redirect_url("code=a%2Bb&state=x%20y"));
        assert_eq!((r.code.expose(), r.state.as_str()), ("a+b", "x y"));
    }

    #[test]
    fn a_multibyte_character_where_the_scheme_ends_is_no_panic() {
        // Found by the spotify_redirect fuzz target: slicing at byte 7 or 8 split it.
        for pasted in [
            "2ttp://\u{fffd}127.0.0.1:8888/callback?code=c&state=s",
            "https:/é",
            "httpé",
        ] {
            assert!(matches!(
                parse_redirect(pasted, DEFAULT_REDIRECT_URI),
                Err(ProviderError::Invalid { .. })
            ));
        }
    }

    #[test]
    fn bad_redirects_get_clear_errors_without_the_code() {
        let err = |pasted: &str| {
            let e = parse_redirect(pasted, DEFAULT_REDIRECT_URI).unwrap_err();
            assert!(matches!(e, ProviderError::Invalid { .. }), "{e:?}");
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(CODE), "{shown}");
            e.to_string()
        };
        assert!(err(&redirect_url("error=access_denied&state=s")).contains("declined"));
        assert!(
            err(&redirect_url(&format!(
                "error=access_denied&code={CODE}&state=s"
            )))
            .contains("declined")
        );
        assert!(err(&redirect_url("error=server_error&state=s")).contains("server_error"));
        // An unknown error code is not repeated back.
        let e = err(&redirect_url("error=%3Cscript%3E&state=s"));
        assert!(!e.contains("script"), "{e}");
        assert!(err("").contains("nothing was pasted"));
        assert!(err("not a url at all").contains("not a web address"));
        assert!(err(&redirect_url("state=s")).contains("no authorization code"));
        assert!(err(&redirect_url(&format!("code={CODE}&state="))).contains("no state"));
        assert!(err(&redirect_url(&format!("code={CODE}"))).contains("no state"));
        assert!(
            err(&redirect_url(&format!("code={CODE}&code=x&state=s"))).contains("more than one")
        );
        let wrong_path = err(&format!(
            "http://127.0.0.1:8888/elsewhere?code={CODE}&state=s"
        ));
        assert!(wrong_path.contains("/callback"), "{wrong_path}");
        let long = redirect_url(&format!("code={CODE}&state={}", "s".repeat(2048)));
        assert!(err(&long).contains("too long"));
    }

    fn tokens() -> SpotifyTokens {
        SpotifyTokens {
            access_token: SecretString::new("BQD-access-token-value"),
            refresh_token: SecretString::new("AQC-refresh-token-value"),
            expires_at: 1_714_570_000,
            scope: SCOPES.into(),
        }
    }

    #[test]
    fn tokens_round_trip_through_json_and_never_show() {
        let t = tokens();
        let json = t.to_json();
        assert!(json.contains("AQC-refresh-token-value"));
        assert_eq!(SpotifyTokens::from_json(&json).unwrap(), t);
        let shown = format!("{t:?}");
        assert!(
            !shown.contains("BQD-access") && !shown.contains("AQC-refresh"),
            "{shown}"
        );
        for bad in [
            "",
            "{}",
            r#"{"access_token":"secret-a","refresh_token":"","expires_at":1}"#,
            r#"{"access_token":"secret-a","refresh_token":"secret-r","expires_at":"soon"}"#,
        ] {
            let e = SpotifyTokens::from_json(bad).unwrap_err();
            assert!(matches!(e, ProviderError::Malformed { .. }), "{bad}");
            assert!(!e.to_string().contains("secret-"), "{e}");
        }
    }

    #[test]
    fn tokens_need_refresh_five_minutes_before_expiry() {
        let t = tokens();
        assert!(!t.needs_refresh(t.expires_at - REFRESH_MARGIN_SECS - 1));
        assert!(t.needs_refresh(t.expires_at - REFRESH_MARGIN_SECS));
        assert!(t.needs_refresh(t.expires_at + 10));
    }

    #[test]
    fn rfc3339_times_parse_strictly() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:34:56.789Z"),
            Some(1_714_566_896_789)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:34:56Z"),
            Some(1_714_566_896_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:34:56.7Z"),
            Some(1_714_566_896_700)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T12:34:56.789123456Z"),
            Some(1_714_566_896_789)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T14:34:56.789+02:00"),
            Some(1_714_566_896_789)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-05-01T10:04:56.789-02:30"),
            Some(1_714_566_896_789)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000)
        );
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59Z"), Some(-1000));
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T12:34:56",
            "2024-05-01T12:34:56.Z",
            "2024-13-01T12:34:56Z",
            "2023-02-29T12:34:56Z",
            "2024-04-31T12:34:56Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:60:00Z",
            "2024-05-01T12:34:56+0200",
            "2024-05-01T12:34:56Zjunk",
            "+024-05-01T12:34:56Z",
            "2024-05-01T12:34:56.789ZZ",
            "1714566896789",
        ] {
            assert_eq!(parse_rfc3339_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_become_listens() {
        let page: wire::RecentlyPlayed = serde_json::from_str(
            r#"{"items":[
                {"track":{"id":"4uLU6hMCjMI75M1A2tKUQC","name":"Song B","duration_ms":213000,
                  "album":{"name":"Album"},"artists":[{"name":"One"},{"name":"Two"}],
                  "external_ids":{"isrc":"usum71703861"}},"played_at":"2024-05-01T12:34:56.789Z"},
                {"track":null,"played_at":"2024-05-01T12:30:00.000Z"},
                {"track":{"id":null,"uri":"spotify:local:a:b:c:1","name":"Local","duration_ms":0,
                  "album":{"name":""},"artists":[],"external_ids":{}},"played_at":"2024-05-01T12:00:00Z"}
              ],
              "next":null,"cursors":{"after":"1714566896789","before":"1714564800000"},"limit":50}"#,
        )
        .unwrap();
        let page = page_to_listens(page).unwrap();
        assert_eq!(page.next_after_ms, Some(1_714_566_896_789));
        assert_eq!(
            page.listens[0],
            RemoteListen {
                // Finished at …896.789 after 213 s: started at …683.789.
                played_at: 1_714_566_683,
                artist: "One, Two".into(),
                album: Some("Album".into()),
                title: "Song B".into(),
                duration_ms: Some(213_000),
                isrc: Some("USUM71703861".into()),
                recording_mbid: None,
                source_ref: "1714566896789:4uLU6hMCjMI75M1A2tKUQC".into(),
            }
        );
        assert_eq!(page.listens.len(), 2);
        let local = &page.listens[1];
        assert_eq!(local.source_ref, "1714564800000:spotify:local:a:b:c:1");
        assert_eq!(
            (
                local.album.as_deref(),
                local.duration_ms,
                local.isrc.as_deref()
            ),
            (None, None, None)
        );

        let empty: wire::RecentlyPlayed =
            serde_json::from_str(r#"{"items":[],"next":null,"cursors":null,"limit":50}"#).unwrap();
        assert_eq!(page_to_listens(empty).unwrap().next_after_ms, None);

        let bad_time: wire::RecentlyPlayed = serde_json::from_str(
            r#"{"items":[{"track":null,"played_at":"yesterday"}],"cursors":null}"#,
        )
        .unwrap();
        assert!(matches!(
            page_to_listens(bad_time),
            Err(ProviderError::Malformed { .. })
        ));
        let bad_cursor: wire::RecentlyPlayed = serde_json::from_str(
            r#"{"items":[{"track":{"id":"x","name":"n"},"played_at":"2024-05-01T12:00:00Z"}],"cursors":{"after":"soon"}}"#,
        )
        .unwrap();
        assert!(matches!(
            page_to_listens(bad_cursor),
            Err(ProviderError::Malformed { .. })
        ));
    }

    #[test]
    fn an_endless_track_played_in_year_one_is_no_overflow() {
        // Found by the spotify_response fuzz target: played_at − duration overflowed.
        let page: wire::RecentlyPlayed = serde_json::from_str(
            r#"{"items":[{"track":{"id":"x","name":"n","duration_ms":9223372036854775807},
                "played_at":"0001-01-01T00:00:00Z"}],"cursors":null}"#,
        )
        .unwrap();
        let page = page_to_listens(page).unwrap();
        assert_eq!(page.listens[0].played_at, i64::MIN.div_euclid(1000));
    }

    fn client(accounts_url: &str, api_url: &str) -> SpotifyClient {
        SpotifyClient::new(
            SpotifyConfig {
                accounts_url: accounts_url.into(),
                api_url: api_url.into(),
                ..SpotifyConfig::new("my-client-id")
            },
            &HttpSettings::default(),
        )
        .unwrap()
    }

    #[test]
    fn only_operator_overrides_are_trusted() {
        let real = client(DEFAULT_ACCOUNTS_URL, "https://api.spotify.com");
        assert_eq!(real.accounts.policy().trust(), Trust::Untrusted);
        assert_eq!(real.api.policy().trust(), Trust::Untrusted);
        let mirrored = client("http://10.0.0.5:8080/accounts", DEFAULT_API_URL);
        assert_eq!(
            mirrored.accounts.policy().trust(),
            Trust::OperatorConfigured
        );
        assert_eq!(mirrored.api.policy().trust(), Trust::Untrusted);

        let bad = |config: SpotifyConfig| {
            matches!(
                SpotifyClient::new(config, &HttpSettings::default()),
                Err(ProviderError::Refused { .. })
            )
        };
        assert!(bad(SpotifyConfig::new(" ")));
        assert!(bad(SpotifyConfig {
            redirect_uri: "callback".into(),
            ..SpotifyConfig::new("id")
        }));
        assert!(bad(SpotifyConfig {
            api_url: "ftp://api.spotify.com/".into(),
            ..SpotifyConfig::new("id")
        }));
    }

    #[test]
    fn the_authorize_url_asks_for_pkce_and_the_scopes() {
        let c = client(DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL);
        let url = c.authorize_url("st&te", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(url_for_log(&url), "https://accounts.spotify.com/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("client_id"), Some("my-client-id"));
        assert_eq!(get("redirect_uri"), Some(DEFAULT_REDIRECT_URI));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        assert_eq!(
            get("code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(get("state"), Some("st&te"));
        assert_eq!(get("scope"), Some(SCOPES));
    }

    #[test]
    fn upstream_text_is_scrubbed_for_logs() {
        let logged = scrub(
            "bad token AQC-secret\nfor code XYZ",
            &["AQC-secret", "XYZ", ""],
        );
        assert_eq!(logged, "bad token [redacted] for code [redacted]");
    }
}
