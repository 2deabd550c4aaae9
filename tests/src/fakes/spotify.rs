//! A local server speaking Spotify's wire formats for what spotterd uses: the
//! accounts service (the consent step and `POST api/token`) and the Web API's
//! `GET v1/me` and `GET v1/me/player/recently-played`, on one port:
//! [`FakeSpotify::accounts_url`] is `http://127.0.0.1:PORT/accounts/` and
//! [`FakeSpotify::api_url`] is `http://127.0.0.1:PORT/api/`.
//!
//! Semantics follow Spotify's documentation:
//! - **Consent.** There is no browser: [`FakeSpotify::approve`] plays the user who
//!   opens the authorize URL and approves. It checks the URL as Spotify does
//!   (`response_type=code`, the registered `client_id` and `redirect_uri`,
//!   `code_challenge_method=S256` with a 43-character challenge, known scopes) and
//!   returns the URL the browser is sent to: `<redirect_uri>?code=…&state=…`.
//!   [`FakeSpotify::deny`] returns `?error=access_denied&state=…`.
//! - **Token endpoint** (form body, public PKCE client: `client_id` in the body, no
//!   secret). `authorization_code` needs a code this fake issued and nobody has
//!   presented before (a code is spent by its first exchange attempt, successful or
//!   not), the same `redirect_uri` and `code_verifier` with
//!   `BASE64URL(SHA256(verifier)) == code_challenge`. `refresh_token` needs a live
//!   refresh token; by default the answer carries a new one and the old one stops
//!   working ([`FakeSpotify::set_rotate_refresh_tokens`]`(false)`: no `refresh_token`
//!   in the answer, the old one stays valid). Failures are HTTP 400
//!   `{"error":"invalid_grant"|"invalid_client"|…,"error_description":"…"}`. Answers
//!   are `{"access_token","token_type":"Bearer","scope","expires_in","refresh_token"}`.
//! - **Web API**: `Authorization: Bearer <access token>` (missing, unknown, revoked or
//!   expired: 401 `{"error":{"status":401,"message":…}}`). `recently-played` takes
//!   `limit` (1–50, default 20) and one of `after` / `before` (Unix ms, exclusive).
//!   Items are newest first. With `after`, the page holds the **oldest** `limit` plays
//!   after the cursor, so walking forward with `cursors.after` never skips a play;
//!   with `before` (or neither), the newest `limit` plays before it. `cursors` are the
//!   newest (`after`) and oldest (`before`) play of the page, `null` on an empty
//!   page; `next` continues in the direction of travel, `null` at the end.
//!
//! The SHA-256, base64url and date arithmetic here are written out independently of
//! the client under test, so a shared mistake cannot make both sides agree.
//!
//! - **Playlists**: `GET v1/me/playlists` (`limit` 1–50, default 20, `offset`),
//!   `GET v1/playlists/{id}` and `GET v1/playlists/{id}/tracks` (`limit` 1–100,
//!   `offset`), `GET v1/me/tracks` (Liked Songs, `limit` 1–50; 403 without the
//!   `user-library-read` scope). Paging objects carry `items`, `total`, `offset`,
//!   `limit` and an absolute `next` URL (null on the last page). Items may be a null
//!   track, a local file (`is_local`, `id` null) or a podcast episode, as on Spotify.
//!   Every change to a playlist's tracks gives it a new `snapshot_id`.
//!
//! Faults: [`FakeSpotify::faults`] are served before Web API answers,
//! [`FakeSpotify::token_faults`] before token endpoint answers. Every request is
//! counted ([`FakeSpotify::requests`]), faulted ones too.

use std::{
    collections::{HashMap, hash_map::RandomState},
    hash::{BuildHasher, Hasher},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{Form, Query, Request, State},
    http::{HeaderMap, StatusCode, Uri, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use spotter_daemon::providers::http::Url;

use super::{Faults, serve_http};

/// The client id registered with the fake.
pub const CLIENT_ID: &str = "spotter-test-client-id";
/// The redirect URI registered with the fake (spotter's default).
pub const REDIRECT_URI: &str = "http://127.0.0.1:8888/callback";
/// The account every token belongs to.
pub const USER_ID: &str = "fakeuser123";
pub const DISPLAY_NAME: &str = "Fake User";
/// `recently-played` page size without `limit`, and the largest allowed.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 50;
/// Lifetime of access tokens unless [`FakeSpotify::set_token_lifetime`] says otherwise.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Scopes the consent step accepts.
pub const KNOWN_SCOPES: [&str; 6] = [
    "user-read-recently-played",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-library-read",
];

const TOKEN_PATH: &str = "/accounts/api/token";
const ME_PATH: &str = "/api/v1/me";
const RECENTLY_PLAYED_PATH: &str = "/api/v1/me/player/recently-played";
const MY_PLAYLISTS_PATH: &str = "/api/v1/me/playlists";
const PLAYLIST_PATH: &str = "/api/v1/playlists/{id}";
const PLAYLIST_TRACKS_PATH: &str = "/api/v1/playlists/{id}/tracks";
const SAVED_TRACKS_PATH: &str = "/api/v1/me/tracks";

const ARTISTS: [&str; 5] = [
    "Stereolab",
    "Broadcast",
    "Khruangbin",
    "Saint Etienne",
    "Air",
];
const FEATURED: [&str; 3] = ["Feist", "Four Tet", "Mount Kimbie"];
const ALBUMS: [&str; 4] = [
    "Dots and Loops",
    "Tender Buttons",
    "Con Todo El Mundo",
    "Moon Safari",
];

/// An endpoint whose requests are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST accounts/api/token`.
    Token,
    /// `GET api/v1/me`.
    Me,
    /// `GET api/v1/me/player/recently-played`.
    RecentlyPlayed,
    /// `GET api/v1/me/playlists`.
    Playlists,
    /// `GET api/v1/playlists/{id}`.
    Playlist,
    /// `GET api/v1/playlists/{id}/tracks`.
    PlaylistTracks,
    /// `GET api/v1/me/tracks`.
    SavedTracks,
}

impl Endpoint {
    fn of_path(path: &str) -> Option<Endpoint> {
        match path {
            TOKEN_PATH => Some(Endpoint::Token),
            ME_PATH => Some(Endpoint::Me),
            RECENTLY_PLAYED_PATH => Some(Endpoint::RecentlyPlayed),
            MY_PLAYLISTS_PATH => Some(Endpoint::Playlists),
            SAVED_TRACKS_PATH => Some(Endpoint::SavedTracks),
            p if p.starts_with("/api/v1/playlists/") && p.ends_with("/tracks") => {
                Some(Endpoint::PlaylistTracks)
            }
            p if p.starts_with("/api/v1/playlists/") => Some(Endpoint::Playlist),
            _ => None,
        }
    }
}

/// One play in the account's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    pub played_at_ms: i64,
    pub track_id: String,
    pub name: String,
    pub artists: Vec<String>,
    pub album: String,
    pub duration_ms: i64,
    pub isrc: Option<String>,
}

/// One item of a playlist or of Liked Songs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Track(FakeTrack),
    /// A local file: `is_local`, no id.
    Local(String),
    /// A podcast episode.
    Episode(String),
    /// A track Spotify no longer describes (`track: null`).
    Gone,
}

/// A track of a playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTrack {
    pub id: String,
    pub name: String,
    pub artists: Vec<String>,
    pub album: String,
    pub duration_ms: i64,
    pub isrc: Option<String>,
}

impl FakeTrack {
    /// A track with a 22-character id made from `n`.
    pub fn new(n: usize, artist: &str, name: &str) -> FakeTrack {
        FakeTrack {
            id: format!("tr{n:020}"),
            name: name.into(),
            artists: vec![artist.into()],
            album: format!("{artist} album"),
            duration_ms: 200_000 + n as i64,
            isrc: Some(format!("QZTR{n:08}")),
        }
    }
}

/// A playlist of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePlaylist {
    pub id: String,
    pub name: String,
    pub description: String,
    pub items: Vec<Item>,
    pub snapshot: u64,
}

/// One `recently-played` request that reached the handler, as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentQuery {
    pub limit: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
}

struct IssuedCode {
    challenge: String,
    redirect_uri: String,
    scope: String,
    spent: bool,
}

struct Data {
    client_id: String,
    redirect_uris: Vec<String>,
    codes: HashMap<String, IssuedCode>,
    /// Access token → (expiry, scope).
    access: HashMap<String, (Instant, String)>,
    /// Refresh token → scope.
    refresh: HashMap<String, String>,
    rotate_refresh: bool,
    token_lifetime: Duration,
    /// Sorted by `played_at_ms`, oldest first.
    plays: Vec<Play>,
    requests: HashMap<Endpoint, usize>,
    refreshes: usize,
    exchanges: usize,
    recent_queries: Vec<RecentQuery>,
    issued: u64,
    random: RandomState,
    playlists: Vec<FakePlaylist>,
    liked: Vec<Item>,
    snapshots: u64,
}

impl Data {
    /// A token-like string: a recognisable prefix, a counter and 64 random bits.
    fn new_secret(&mut self, prefix: &str) -> String {
        self.issued += 1;
        let mut h = self.random.build_hasher();
        h.write_u64(self.issued);
        format!("{prefix}{:06}{:016x}", self.issued, h.finish())
    }

    /// Issues an access token (and, with `refresh`, a refresh token) for `scope`.
    fn issue(&mut self, scope: &str, refresh: bool) -> Value {
        let access = self.new_secret("BQfake-access-");
        let expires = Instant::now() + self.token_lifetime;
        self.access
            .insert(access.clone(), (expires, scope.to_string()));
        let mut answer = json!({
            "access_token": access,
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.token_lifetime.as_secs().max(1),
        });
        if refresh {
            let token = self.new_secret("AQfake-refresh-");
            self.refresh.insert(token.clone(), scope.to_string());
            answer["refresh_token"] = json!(token);
        }
        answer
    }
}

type Shared = Arc<Mutex<Data>>;

#[derive(Clone)]
struct App {
    addr: Arc<Mutex<Option<SocketAddr>>>,
    state: Shared,
    faults: Faults,
    token_faults: Faults,
}

/// A running fake Spotify (stops with the test's runtime).
#[derive(Clone)]
pub struct FakeSpotify {
    addr: SocketAddr,
    state: Shared,
    faults: Faults,
    token_faults: Faults,
}

impl FakeSpotify {
    /// Starts the server with [`CLIENT_ID`] and [`REDIRECT_URI`] registered and an
    /// empty history.
    pub async fn start() -> Self {
        let state: Shared = Arc::new(Mutex::new(Data {
            client_id: CLIENT_ID.into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            rotate_refresh: true,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            plays: Vec::new(),
            requests: HashMap::new(),
            refreshes: 0,
            exchanges: 0,
            recent_queries: Vec::new(),
            issued: 0,
            random: RandomState::new(),
            playlists: Vec::new(),
            liked: Vec::new(),
            snapshots: 0,
        }));
        let app = App {
            addr: Arc::new(Mutex::new(None)),
            state: state.clone(),
            faults: Faults::default(),
            token_faults: Faults::default(),
        };
        let accounts = Router::new()
            .route(TOKEN_PATH, post(token))
            .layer(middleware::from_fn_with_state(
                app.clone(),
                count_and_fault_token,
            ))
            .with_state(app.clone());
        let api = Router::new()
            .route(ME_PATH, get(me))
            .route(RECENTLY_PLAYED_PATH, get(recently_played))
            .route(MY_PLAYLISTS_PATH, get(my_playlists))
            .route(PLAYLIST_PATH, get(playlist))
            .route(PLAYLIST_TRACKS_PATH, get(playlist_tracks))
            .route(SAVED_TRACKS_PATH, get(saved_tracks))
            .layer(middleware::from_fn_with_state(
                app.clone(),
                count_and_fault_api,
            ))
            .with_state(app.clone());
        let addr = serve_http(accounts.merge(api)).await;
        *app.addr.lock().unwrap() = Some(addr);
        FakeSpotify {
            addr,
            state,
            faults: app.faults,
            token_faults: app.token_faults,
        }
    }

    /// Base URL of the accounts service: `http://127.0.0.1:PORT/accounts/`.
    pub fn accounts_url(&self) -> String {
        format!("http://{}/accounts/", self.addr)
    }

    /// Base URL of the Web API: `http://127.0.0.1:PORT/api/`.
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// Faults served before Web API answers (`v1/…`).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Faults served before token endpoint answers.
    pub fn token_faults(&self) -> &Faults {
        &self.token_faults
    }

    /// The user approves the consent page at `authorize_url`; returns the URL the
    /// browser is redirected to. Panics when Spotify would show an error page instead
    /// ([`FakeSpotify::try_approve`] returns it).
    pub fn approve(&self, authorize_url: &str) -> String {
        self.try_approve(authorize_url)
            .unwrap_or_else(|e| panic!("the fake Spotify refused the authorize URL: {e}"))
    }

    /// Like [`FakeSpotify::approve`], with Spotify's error page as `Err`.
    pub fn try_approve(&self, authorize_url: &str) -> Result<String, String> {
        let request = self.check_authorize(authorize_url)?;
        let mut s = self.state.lock().unwrap();
        let code = s.new_secret("AQfake-code-");
        s.codes.insert(
            code.clone(),
            IssuedCode {
                challenge: request.challenge,
                redirect_uri: request.redirect_uri.clone(),
                scope: request.scope,
                spent: false,
            },
        );
        let mut pairs = vec![("code", code.as_str())];
        if let Some(state) = &request.state {
            pairs.push(("state", state));
        }
        Ok(redirect_to(&request.redirect_uri, &pairs))
    }

    /// The user declines on the consent page: `<redirect_uri>?error=access_denied&state=…`.
    pub fn deny(&self, authorize_url: &str) -> String {
        let request = self
            .check_authorize(authorize_url)
            .unwrap_or_else(|e| panic!("the fake Spotify refused the authorize URL: {e}"));
        let mut pairs = vec![("error", "access_denied")];
        if let Some(state) = &request.state {
            pairs.push(("state", state));
        }
        redirect_to(&request.redirect_uri, &pairs)
    }

    fn check_authorize(&self, authorize_url: &str) -> Result<AuthorizeRequest, String> {
        let url = Url::parse(authorize_url).map_err(|e| format!("not a URL: {e}"))?;
        let expected = Url::parse(&self.accounts_url())
            .unwrap()
            .join("authorize")
            .unwrap();
        if url.scheme() != expected.scheme()
            || url.host_str() != expected.host_str()
            || url.port() != expected.port()
            || url.path() != expected.path()
        {
            return Err(format!("not the authorize endpoint: {}", url.path()));
        }
        let mut params: HashMap<String, String> = HashMap::new();
        for (k, v) in url.query_pairs() {
            if params.insert(k.to_string(), v.to_string()).is_some() {
                return Err(format!("INVALID_REQUEST: duplicate parameter {k}"));
            }
        }
        let s = self.state.lock().unwrap();
        let param = |k: &str| params.get(k).map(String::as_str);
        if param("client_id") != Some(s.client_id.as_str()) {
            return Err("INVALID_CLIENT: Invalid client".into());
        }
        let redirect_uri = param("redirect_uri").unwrap_or_default();
        if !s.redirect_uris.iter().any(|r| r == redirect_uri) {
            return Err("INVALID_CLIENT: Invalid redirect URI".into());
        }
        if param("response_type") != Some("code") {
            return Err("unsupported_response_type".into());
        }
        if param("code_challenge_method") != Some("S256") {
            return Err("invalid_request: code_challenge_method must be S256".into());
        }
        let challenge = param("code_challenge").unwrap_or_default();
        if challenge.len() != 43 || !challenge.bytes().all(is_base64url) {
            return Err("invalid_request: code_challenge is not a base64url SHA-256".into());
        }
        let scope = param("scope").unwrap_or_default();
        if let Some(unknown) = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .find(|s| !KNOWN_SCOPES.contains(s))
        {
            return Err(format!("invalid_scope: {unknown}"));
        }
        Ok(AuthorizeRequest {
            redirect_uri: redirect_uri.to_string(),
            challenge: challenge.to_string(),
            scope: scope.to_string(),
            state: param("state").map(str::to_string),
        })
    }

    /// Access tokens live this long from now on (`expires_in` says so, at least 1 s).
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.lock().unwrap().token_lifetime = lifetime;
    }

    /// Whether a refresh issues a new refresh token (and retires the old one).
    pub fn set_rotate_refresh_tokens(&self, rotate: bool) {
        self.state.lock().unwrap().rotate_refresh = rotate;
    }

    /// Every access token issued so far expires now.
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for (expiry, _) in self.state.lock().unwrap().access.values_mut() {
            *expiry = now;
        }
    }

    /// The user removes spotter's access: every token and unspent code stops working.
    pub fn revoke(&self) {
        let mut s = self.state.lock().unwrap();
        s.access.clear();
        s.refresh.clear();
        s.codes.clear();
    }

    /// Adds `n` plays at `start_ms`, `start_ms + step_ms`, … with deterministic
    /// tracks: ids `fk` + 20 digits, titles `Track <i>`, artists from a small pool
    /// (every third with a featured second artist), albums, durations, and an ISRC on
    /// three plays out of four (`i` counts every play ever added).
    pub fn add_plays(&self, n: usize, start_ms: i64, step_ms: i64) {
        let mut s = self.state.lock().unwrap();
        let first = s.plays.len();
        for k in 0..n {
            let i = first + k;
            let mut artists = vec![ARTISTS[i % ARTISTS.len()].to_string()];
            if i.is_multiple_of(3) {
                artists.push(FEATURED[i % FEATURED.len()].to_string());
            }
            let play = Play {
                played_at_ms: start_ms + k as i64 * step_ms,
                track_id: format!("fk{i:020}"),
                name: format!("Track {i}"),
                artists,
                album: ALBUMS[i % ALBUMS.len()].to_string(),
                duration_ms: 150_000 + (i as i64 % 120) * 1000,
                isrc: (i % 4 != 3).then(|| format!("QZES6{i:07}")),
            };
            insert_play(&mut s.plays, play);
        }
    }

    /// Adds one play.
    pub fn add_play(&self, play: Play) {
        insert_play(&mut self.state.lock().unwrap().plays, play);
    }

    /// The whole history, oldest first.
    pub fn plays(&self) -> Vec<Play> {
        self.state.lock().unwrap().plays.clone()
    }

    /// Requests received for `endpoint` (refused and faulted ones too).
    pub fn requests(&self, endpoint: Endpoint) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .get(&endpoint)
            .copied()
            .unwrap_or(0)
    }

    /// Successful `refresh_token` grants.
    pub fn token_refreshes(&self) -> usize {
        self.state.lock().unwrap().refreshes
    }

    /// Successful `authorization_code` grants.
    pub fn code_exchanges(&self) -> usize {
        self.state.lock().unwrap().exchanges
    }

    /// Adds (or replaces) a playlist with `items`; returns its id (22 characters).
    pub fn put_playlist(&self, n: usize, name: &str, items: Vec<Item>) -> String {
        let id = format!("pl{n:020}");
        let mut s = self.state.lock().unwrap();
        s.snapshots += 1;
        let snapshot = s.snapshots;
        let playlist = FakePlaylist {
            id: id.clone(),
            name: name.into(),
            description: format!("{name}, described"),
            items,
            snapshot,
        };
        match s.playlists.iter_mut().find(|p| p.id == id) {
            Some(p) => *p = playlist,
            None => s.playlists.push(playlist),
        }
        id
    }

    /// Changes a playlist's items (a new snapshot).
    pub fn edit_playlist(&self, id: &str, edit: impl FnOnce(&mut Vec<Item>)) {
        let mut s = self.state.lock().unwrap();
        s.snapshots += 1;
        let snapshot = s.snapshots;
        let p = s
            .playlists
            .iter_mut()
            .find(|p| p.id == id)
            .expect("a playlist");
        edit(&mut p.items);
        p.snapshot = snapshot;
    }

    /// A playlist's items as served now.
    pub fn playlist_items(&self, id: &str) -> Vec<Item> {
        let s = self.state.lock().unwrap();
        s.playlists
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.items.clone())
            .unwrap_or_default()
    }

    /// The user deletes (unfollows) a playlist.
    pub fn delete_playlist(&self, id: &str) {
        self.state.lock().unwrap().playlists.retain(|p| p.id != id);
    }

    /// An access token for `scope`, as a completed connect would hold (for tests of
    /// the client alone).
    pub fn issue_access_token(&self, scope: &str) -> String {
        let answer = self.state.lock().unwrap().issue(scope, false);
        answer["access_token"].as_str().unwrap().to_string()
    }

    /// Sets Liked Songs.
    pub fn set_liked(&self, items: Vec<Item>) {
        self.state.lock().unwrap().liked = items;
    }

    /// Every `recently-played` request that reached the handler, in order.
    pub fn recent_queries(&self) -> Vec<RecentQuery> {
        self.state.lock().unwrap().recent_queries.clone()
    }
}

struct AuthorizeRequest {
    redirect_uri: String,
    challenge: String,
    scope: String,
    state: Option<String>,
}

fn redirect_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = Url::parse(redirect_uri).expect("registered redirect URIs are URLs");
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    url.to_string()
}

fn insert_play(plays: &mut Vec<Play>, play: Play) {
    let at = plays.partition_point(|p| p.played_at_ms <= play.played_at_ms);
    plays.insert(at, play);
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn count(app: &App, request: &Request) {
    if let Some(endpoint) = Endpoint::of_path(request.uri().path()) {
        *app.state
            .lock()
            .unwrap()
            .requests
            .entry(endpoint)
            .or_insert(0) += 1;
    }
}

async fn count_and_fault_token(State(app): State<App>, request: Request, next: Next) -> Response {
    count(&app, &request);
    match app.token_faults.next_response().await {
        Some(fault) => fault,
        None => next.run(request).await,
    }
}

async fn count_and_fault_api(State(app): State<App>, request: Request, next: Next) -> Response {
    count(&app, &request);
    match app.faults.next_response().await {
        Some(fault) => fault,
        None => next.run(request).await,
    }
}

/// RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The Web API's error object.
fn api_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"status": status.as_u16(), "message": message}})),
    )
        .into_response()
}

async fn token(State(app): State<App>, Form(form): Form<Vec<(String, String)>>) -> Response {
    let mut params: HashMap<&str, &str> = HashMap::new();
    for (k, v) in &form {
        if params.insert(k, v).is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Duplicate parameter",
            );
        }
    }
    let mut s = app.state.lock().unwrap();
    if params.get("client_id") != Some(&s.client_id.as_str()) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "Invalid client");
    }
    match params.get("grant_type").copied() {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri), Some(verifier)) = (
                params.get("code"),
                params.get("redirect_uri"),
                params.get("code_verifier"),
            ) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code, redirect_uri and code_verifier are required",
                );
            };
            // A code is spent by its first exchange attempt, whatever the outcome.
            let Some(issued) = s.codes.get_mut(*code).filter(|c| !c.spent) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid authorization code",
                );
            };
            issued.spent = true;
            if issued.redirect_uri != *redirect_uri {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid redirect URI",
                );
            }
            if !(43..=128).contains(&verifier.len())
                || base64url_nopad(&sha256(verifier.as_bytes())) != issued.challenge
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code_verifier was incorrect",
                );
            }
            let scope = issued.scope.clone();
            s.exchanges += 1;
            Json(s.issue(&scope, true)).into_response()
        }
        Some("refresh_token") => {
            let Some(presented) = params.get("refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token must be supplied",
                );
            };
            let Some(scope) = s.refresh.get(*presented).cloned() else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Invalid refresh token",
                );
            };
            s.refreshes += 1;
            let rotate = s.rotate_refresh;
            if rotate {
                s.refresh.remove(*presented);
            }
            Json(s.issue(&scope, rotate)).into_response()
        }
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
    }
}

/// The bearer token's check: `Some(refusal)` as the Web API answers it, `None` when
/// the token is valid.
fn refusal(app: &App, headers: &HeaderMap) -> Option<Response> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Some(api_error(StatusCode::UNAUTHORIZED, "No token provided"));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match app.state.lock().unwrap().access.get(token) {
        None => Some(api_error(StatusCode::UNAUTHORIZED, "Invalid access token")),
        Some((expiry, _)) if *expiry <= Instant::now() => Some(api_error(
            StatusCode::UNAUTHORIZED,
            "The access token expired",
        )),
        Some(_) => None,
    }
}

async fn me(State(app): State<App>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    Json(json!({
        "id": USER_ID,
        "display_name": DISPLAY_NAME,
        "type": "user",
        "uri": format!("spotify:user:{USER_ID}"),
        "href": format!("https://api.spotify.com/v1/users/{USER_ID}"),
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{USER_ID}")},
        "followers": {"href": null, "total": 3},
        "images": [],
    }))
    .into_response()
}

async fn recently_played(
    State(app): State<App>,
    headers: HeaderMap,
    uri: Uri,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let asked = RecentQuery {
        limit: get("limit"),
        after: get("after"),
        before: get("before"),
    };
    app.state.lock().unwrap().recent_queries.push(asked.clone());

    let limit = match asked.limit.as_deref().map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return api_error(StatusCode::BAD_REQUEST, "Invalid limit"),
    };
    let cursor = |v: &Option<String>| match v.as_deref().map(str::parse::<i64>) {
        None => Ok(None),
        Some(Ok(ms)) => Ok(Some(ms)),
        Some(Err(_)) => Err(()),
    };
    let (Ok(after), Ok(before)) = (cursor(&asked.after), cursor(&asked.before)) else {
        return api_error(StatusCode::BAD_REQUEST, "Invalid cursor");
    };
    if after.is_some() && before.is_some() {
        return api_error(
            StatusCode::BAD_REQUEST,
            "Only one of after or before may be specified",
        );
    }

    let plays = app.state.lock().unwrap().plays.clone();
    // Oldest first; then cut to the page, then newest first.
    let (mut page, more): (Vec<&Play>, bool) = match after {
        Some(after) => {
            let newer: Vec<&Play> = plays.iter().filter(|p| p.played_at_ms > after).collect();
            let more = newer.len() > limit;
            (newer.into_iter().take(limit).collect(), more)
        }
        None => {
            let older: Vec<&Play> = plays
                .iter()
                .filter(|p| before.is_none_or(|b| p.played_at_ms < b))
                .collect();
            let skip = older.len().saturating_sub(limit);
            (older[skip..].to_vec(), skip > 0)
        }
    };
    page.reverse();

    let addr = app.addr.lock().unwrap().expect("serving");
    let base = format!("http://{addr}{RECENTLY_PLAYED_PATH}");
    let (cursors, next) = match (page.first(), page.last()) {
        (Some(newest), Some(oldest)) => {
            let next = more.then(|| match after {
                Some(_) => format!("{base}?after={}&limit={limit}", newest.played_at_ms),
                None => format!("{base}?before={}&limit={limit}", oldest.played_at_ms),
            });
            (
                json!({
                    "after": newest.played_at_ms.to_string(),
                    "before": oldest.played_at_ms.to_string(),
                }),
                next,
            )
        }
        _ => (Value::Null, None),
    };
    let items: Vec<Value> = page.iter().map(|p| play_json(p)).collect();
    Json(json!({
        "href": format!("http://{addr}{uri}"),
        "items": items,
        "limit": limit,
        "next": next,
        "cursors": cursors,
    }))
    .into_response()
}

/// A play history object with a full track object.
fn play_json(p: &Play) -> Value {
    let artists: Vec<Value> = p
        .artists
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let id = format!("ar{:020}", name.len() * 31 + i);
            json!({
                "id": id,
                "name": name,
                "type": "artist",
                "uri": format!("spotify:artist:{id}"),
                "href": format!("https://api.spotify.com/v1/artists/{id}"),
                "external_urls": {"spotify": format!("https://open.spotify.com/artist/{id}")},
            })
        })
        .collect();
    let external_ids = match &p.isrc {
        Some(isrc) => json!({"isrc": isrc}),
        None => json!({}),
    };
    json!({
        "track": {
            "id": p.track_id,
            "name": p.name,
            "type": "track",
            "uri": format!("spotify:track:{}", p.track_id),
            "href": format!("https://api.spotify.com/v1/tracks/{}", p.track_id),
            "duration_ms": p.duration_ms,
            "explicit": false,
            "is_local": false,
            "popularity": 42,
            "disc_number": 1,
            "track_number": 1,
            "album": {
                "name": p.album,
                "album_type": "album",
                "type": "album",
                "artists": artists.first().cloned().into_iter().collect::<Vec<_>>(),
                "images": [],
            },
            "artists": artists,
            "external_ids": external_ids,
            "external_urls": {"spotify": format!("https://open.spotify.com/track/{}", p.track_id)},
        },
        "played_at": format_rfc3339_ms(p.played_at_ms),
        "context": null,
    })
}

/// `limit` and `offset` of a paged request: `Err` is the 400 answer.
fn paging(query: &[(String, String)], max: usize) -> Result<(usize, usize), Box<Response>> {
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let limit = match get("limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=max).contains(&n) => n,
        Some(_) => {
            return Err(Box::new(api_error(
                StatusCode::BAD_REQUEST,
                "Invalid limit",
            )));
        }
    };
    let offset = match get("offset").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(_) => {
            return Err(Box::new(api_error(
                StatusCode::BAD_REQUEST,
                "Invalid offset",
            )));
        }
    };
    Ok((limit, offset))
}

/// A paging object over `all`, with an absolute `next` URL.
fn paged(app: &App, path: &str, all: Vec<Value>, limit: usize, offset: usize) -> Response {
    let addr = app.addr.lock().unwrap().expect("serving");
    let total = all.len();
    let items: Vec<Value> = all.into_iter().skip(offset).take(limit).collect();
    let next = (offset + limit < total).then(|| {
        format!(
            "http://{addr}{path}?offset={}&limit={limit}",
            offset + limit
        )
    });
    Json(json!({
        "href": format!("http://{addr}{path}?offset={offset}&limit={limit}"),
        "items": items,
        "limit": limit,
        "offset": offset,
        "total": total,
        "next": next,
        "previous": null,
    }))
    .into_response()
}

fn playlist_json(p: &FakePlaylist) -> Value {
    json!({
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "snapshot_id": format!("snap{:08}", p.snapshot),
        "type": "playlist",
        "uri": format!("spotify:playlist:{}", p.id),
        "owner": {"id": USER_ID, "display_name": DISPLAY_NAME},
        "public": false,
        "collaborative": false,
        "tracks": {"href": format!("https://api.spotify.com/v1/playlists/{}/tracks", p.id), "total": p.items.len()},
    })
}

fn item_json(item: &Item) -> Value {
    let added = json!({"added_at": "2024-05-01T12:00:00Z", "is_local": false});
    let with = |mut base: Value, key: &str, value: Value| {
        base[key] = value;
        base
    };
    match item {
        Item::Track(t) => {
            let play = Play {
                played_at_ms: 0,
                track_id: t.id.clone(),
                name: t.name.clone(),
                artists: t.artists.clone(),
                album: t.album.clone(),
                duration_ms: t.duration_ms,
                isrc: t.isrc.clone(),
            };
            with(added, "track", play_json(&play)["track"].clone())
        }
        Item::Local(name) => with(
            json!({"added_at": "2024-05-01T12:00:00Z", "is_local": true}),
            "track",
            json!({"id": null, "name": name, "type": "track", "is_local": true, "uri": format!("spotify:local:::{name}:200"),
                   "artists": [{"name": "Someone", "id": null}], "album": {"name": ""}, "duration_ms": 200000,
                   "external_ids": {}}),
        ),
        Item::Episode(name) => with(
            added,
            "track",
            json!({"id": "ep0000000000000000000", "name": name, "type": "episode", "episode": true,
                   "duration_ms": 1800000, "album": {"name": "A Show"}, "artists": [{"name": "A Host"}]}),
        ),
        Item::Gone => with(added, "track", Value::Null),
    }
}

async fn my_playlists(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    let (limit, offset) = match paging(&query, MAX_LIMIT) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let all: Vec<Value> = app
        .state
        .lock()
        .unwrap()
        .playlists
        .iter()
        .map(playlist_json)
        .collect();
    paged(&app, MY_PLAYLISTS_PATH, all, limit, offset)
}

async fn playlist(
    State(app): State<App>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    let found = app
        .state
        .lock()
        .unwrap()
        .playlists
        .iter()
        .find(|p| p.id == id)
        .cloned();
    match found {
        Some(p) => Json(playlist_json(&p)).into_response(),
        None => api_error(StatusCode::NOT_FOUND, "Resource not found"),
    }
}

async fn playlist_tracks(
    State(app): State<App>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    let (limit, offset) = match paging(&query, 100) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let found = app
        .state
        .lock()
        .unwrap()
        .playlists
        .iter()
        .find(|p| p.id == id)
        .cloned();
    match found {
        Some(p) => {
            let all = p.items.iter().map(item_json).collect();
            paged(
                &app,
                &format!("/api/v1/playlists/{id}/tracks"),
                all,
                limit,
                offset,
            )
        }
        None => api_error(StatusCode::NOT_FOUND, "Resource not found"),
    }
}

async fn saved_tracks(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    if let Some(refused) = refusal(&app, &headers) {
        return refused;
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let granted = app
        .state
        .lock()
        .unwrap()
        .access
        .get(&token)
        .is_some_and(|(_, scope)| scope.split(' ').any(|s| s == "user-library-read"));
    if !granted {
        return api_error(StatusCode::FORBIDDEN, "Insufficient client scope");
    }
    let (limit, offset) = match paging(&query, MAX_LIMIT) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let all = app
        .state
        .lock()
        .unwrap()
        .liked
        .iter()
        .map(item_json)
        .collect();
    paged(&app, SAVED_TRACKS_PATH, all, limit, offset)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as Spotify writes `played_at`.
pub fn format_rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = super::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// base64url without padding (RFC 4648 §5).
pub fn base64url_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// SHA-256 (FIPS 180-4), for checking PKCE verifiers.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_fips_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn pkce_challenge_matches_rfc7636_appendix_b() {
        assert_eq!(
            base64url_nopad(&sha256(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(base64url_nopad(b"f"), "Zg");
        assert_eq!(base64url_nopad(b"fo"), "Zm8");
        assert_eq!(base64url_nopad(b"foo"), "Zm9v");
        assert_eq!(base64url_nopad(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn played_at_is_formatted_like_spotify() {
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_rfc3339_ms(1_714_566_896_789),
            "2024-05-01T12:34:56.789Z"
        );
        assert_eq!(
            format_rfc3339_ms(1_709_164_800_000),
            "2024-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_rfc3339_ms(951_868_799_999),
            "2000-02-29T23:59:59.999Z"
        );
    }
}
