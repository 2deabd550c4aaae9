//! A local server speaking the ListenBrainz API v1 wire format, for the endpoints
//! spotterd uses: `GET 1/validate-token`, `GET 1/user/{user}/listens` and
//! `POST 1/submit-listens`.
//!
//! Semantics follow the ListenBrainz server:
//! - listens come back newest first; `min_ts` and `max_ts` are exclusive; with
//!   `min_ts` only, the page holds the `count` **oldest** listens after it (still
//!   newest first); with `max_ts` (and optionally `min_ts`), the `count` newest before
//!   it; with neither, the newest `count`. `count` defaults to 25 and is capped at
//!   1,000. An unknown user is a 404.
//! - submissions need `Authorization: Token <token>` (401 otherwise), a `listen_type`
//!   of `single`, `playing_now` or `import`, and at most 1,000 listens (400
//!   otherwise); each listen needs `listened_at` (except `playing_now`) and a
//!   non-empty `artist_name` and `track_name`. Accepted listens join the user's
//!   history (deduplicated on timestamp + `recording_msid`, as the server does);
//!   `playing_now` is not stored.
//! - every normal answer carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` (a
//!   counter that never blocks) and `X-RateLimit-Reset-In`; a fault carries only its
//!   own headers.
//!
//! - playlists (JSPF): `GET 1/user/{user}/playlists` (the user's own) and
//!   `…/playlists/createdfor` (made for them), paged with `count` (default 25, at
//!   most 100) and `offset`, answering `{"count","offset","playlist_count",
//!   "playlists":[{"playlist":{…}}]}` without tracks; `GET 1/playlist/{mbid}` with
//!   tracks (`identifier` an array of recording URLs, `creator`, `title`, `album`,
//!   `duration` in ms). Private playlists are shown only with their owner's token
//!   (404 otherwise, as the server answers).
//!
//! Queued [`Fault`]s are served before normal handling; every request is recorded
//! (faulted ones too) so tests can assert what was, or was not, sent.

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use super::{Fault, Faults, Gate, serve_http};

/// The ListenBrainz user (and their token) the daemon tests give the fake and connect.
pub const USER: &str = "lb-listener";
pub const TOKEN: &str = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

/// The server's `DEFAULT_ITEMS_PER_GET`.
pub const DEFAULT_COUNT: usize = 25;
/// The server's `MAX_ITEMS_PER_GET`.
pub const MAX_COUNT: usize = 1000;
/// The server's `MAX_LISTENS_PER_REQUEST`.
pub const MAX_LISTENS_PER_SUBMIT: usize = 1000;
/// What `X-RateLimit-Limit` announces.
pub const RATE_LIMIT: u64 = 1000;
/// What `X-RateLimit-Reset-In` announces on normal answers (seconds).
pub const RATE_LIMIT_WINDOW_SECS: u64 = 10;

const ARTISTS: [&str; 5] = [
    "Boards of Canada",
    "Aphex Twin",
    "Björk",
    "Massive Attack",
    "Portishead",
];
const ALBUMS: [&str; 3] = ["Geogaddi", "Selected Ambient Works", "Homogenic"];

/// One `GET 1/user/{user}/listens` as the fake understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListensQuery {
    /// The user name after percent-decoding of the path segment.
    pub user: String,
    pub min_ts: Option<i64>,
    pub max_ts: Option<i64>,
    pub count: Option<i64>,
}

/// A ListenBrainz playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LbPlaylist {
    pub mbid: String,
    pub title: String,
    pub creator: String,
    /// Made by a bot for this user (weekly jams, explorations).
    pub created_for: Option<String>,
    pub public: bool,
    pub tracks: Vec<LbTrack>,
    /// Bumped by every change.
    pub modified: u64,
}

/// A track of a ListenBrainz playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LbTrack {
    pub recording_mbid: String,
    pub title: String,
    pub creator: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
}

impl LbTrack {
    pub fn new(n: usize, creator: &str, title: &str) -> LbTrack {
        LbTrack {
            recording_mbid: format!("{n:08x}-0000-4000-8000-000000000000"),
            title: title.into(),
            creator: creator.into(),
            album: Some(format!("{creator} album")),
            duration_ms: Some(180_000 + n as i64),
        }
    }
}

#[derive(Default)]
struct Data {
    playlists: Vec<LbPlaylist>,
    modifications: u64,
    /// User name → listens, sorted by `listened_at` ascending.
    users: BTreeMap<String, Vec<Value>>,
    /// Token → user name.
    tokens: HashMap<String, String>,
    /// User name → every listen received by submit-listens, in order.
    submitted: HashMap<String, Vec<Value>>,
    /// Raw request path → requests received.
    requests: HashMap<String, usize>,
    listens_queries: Vec<ListensQuery>,
    remaining: u64,
    /// Listens requests still answered at once, and the gate the next one waits at.
    hold: Option<(usize, Gate)>,
}

type Shared = Arc<Mutex<Data>>;
type App = super::App<Data>;

/// A running fake ListenBrainz (stops with the test's runtime).
#[derive(Clone)]
pub struct FakeListenBrainz {
    addr: SocketAddr,
    state: Shared,
    faults: Faults,
}

impl FakeListenBrainz {
    pub async fn start() -> Self {
        let state: Shared = Arc::new(Mutex::new(Data {
            remaining: RATE_LIMIT,
            ..Data::default()
        }));
        let faults = Faults::default();
        let app = App {
            state: state.clone(),
            faults: faults.clone(),
        };
        let router = Router::new()
            .route("/1/validate-token", get(validate_token))
            .route("/1/user/{user}/listens", get(listens))
            .route("/1/submit-listens", post(submit_listens))
            .route("/1/user/{user}/playlists", get(user_playlists))
            .route("/1/user/{user}/playlists/createdfor", get(created_for))
            .route("/1/playlist/{mbid}", get(get_playlist))
            .layer(middleware::from_fn_with_state(
                app.clone(),
                record_and_fault,
            ))
            .with_state(app);
        let addr = serve_http(router).await;
        FakeListenBrainz {
            addr,
            state,
            faults,
        }
    }

    /// `http://127.0.0.1:PORT/`, the API base URL.
    pub fn api_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Queues one fault (shorthand for `faults().push`).
    pub fn fault(&self, fault: Fault) {
        self.faults.push(fault);
    }

    /// Creates `name` (if new) and makes `token` authenticate as them.
    /// Answers the next `pages` listens requests as usual, then holds every later one
    /// until the returned gate is opened.
    pub fn hold_listens_after(&self, pages: usize) -> Gate {
        let gate = Gate::default();
        self.state.lock().unwrap().hold = Some((pages, gate.clone()));
        gate
    }

    /// (listened_at, title) of every listen `user` has, oldest first.
    pub fn listened(&self, user: &str) -> Vec<(i64, String)> {
        let mut all: Vec<(i64, String)> = self
            .history(user)
            .iter()
            .map(|l| {
                (
                    l["listened_at"].as_i64().unwrap(),
                    l["track_metadata"]["track_name"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect();
        all.sort_unstable();
        all
    }

    pub fn add_user(&self, name: &str, token: &str) {
        let mut s = self.state.lock().unwrap();
        s.users.entry(name.to_string()).or_default();
        s.tokens.insert(token.to_string(), name.to_string());
    }

    /// The token stops working (the user reset it).
    pub fn revoke(&self, token: &str) {
        self.state.lock().unwrap().tokens.remove(token);
    }

    /// Adds `n` listens at `start_ts`, `start_ts + step`, … with deterministic
    /// metadata: artists from a small pool, titles `Track <i>`, and on alternating
    /// listens an album, a duration (`duration_ms` or `duration` in seconds), an ISRC
    /// and a recording MBID (from `mbid_mapping` or `additional_info`).
    pub fn add_listens(&self, user: &str, n: usize, start_ts: i64, step: i64) {
        let mut s = self.state.lock().unwrap();
        let history = s.users.entry(user.to_string()).or_default();
        for i in 0..n {
            let ts = start_ts + i as i64 * step;
            let artist = ARTISTS[i % ARTISTS.len()];
            let title = format!("Track {i}");
            let mut meta = json!({"artist_name": artist, "track_name": title});
            let mut info = serde_json::Map::new();
            if i.is_multiple_of(2) {
                meta["release_name"] = json!(ALBUMS[i % ALBUMS.len()]);
                info.insert("duration_ms".into(), json!(180_000 + i as i64));
                info.insert("isrc".into(), json!(format!("GBAAA{:07}", i)));
                meta["mbid_mapping"] = json!({"recording_mbid": fake_uuid(&format!("rec{i}"))});
            } else {
                info.insert("duration".into(), json!(200 + (i % 60) as i64));
                if i.is_multiple_of(3) {
                    info.insert(
                        "recording_mbid".into(),
                        json!(fake_uuid(&format!("rec{i}"))),
                    );
                }
            }
            meta["additional_info"] = Value::Object(info);
            insert(history, stored_listen(user, ts, meta));
        }
    }

    /// Adds one listen with just an artist and a title.
    pub fn add_listen(&self, user: &str, artist: &str, title: &str, ts: i64) {
        let mut s = self.state.lock().unwrap();
        let history = s.users.entry(user.to_string()).or_default();
        let meta = json!({"artist_name": artist, "track_name": title, "additional_info": {}});
        insert(history, stored_listen(user, ts, meta));
    }

    /// Every listen `user` sent to submit-listens, as received, in order.
    pub fn submitted(&self, user: &str) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .submitted
            .get(user)
            .cloned()
            .unwrap_or_default()
    }

    /// `POST 1/submit-listens` requests received (refused and faulted ones too).
    pub fn submit_requests(&self) -> usize {
        self.requests("/1/submit-listens")
    }

    /// Requests received for this raw (still percent-encoded) path.
    pub fn requests(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Adds or replaces a playlist (keyed by `mbid`), as a new modification.
    pub fn put_playlist(&self, mut playlist: LbPlaylist) {
        let mut s = self.state.lock().unwrap();
        s.modifications += 1;
        playlist.modified = s.modifications;
        match s.playlists.iter_mut().find(|p| p.mbid == playlist.mbid) {
            Some(p) => *p = playlist,
            None => s.playlists.push(playlist),
        }
    }

    /// Deletes a playlist.
    pub fn delete_playlist(&self, mbid: &str) {
        self.state
            .lock()
            .unwrap()
            .playlists
            .retain(|p| p.mbid != mbid);
    }

    /// Every listens query that reached the handler (not faulted), in order.
    pub fn listens_queries(&self) -> Vec<ListensQuery> {
        self.state.lock().unwrap().listens_queries.clone()
    }

    /// `user`'s whole history, newest first, as the server holds it.
    pub fn history(&self, user: &str) -> Vec<Value> {
        let s = self.state.lock().unwrap();
        let mut all = s.users.get(user).cloned().unwrap_or_default();
        all.reverse();
        all
    }
}

/// Records the request, serves a queued fault if any, and adds the rate-limit
/// headers to every normal answer.
async fn record_and_fault(State(app): State<App>, request: Request, next: Next) -> Response {
    let remaining = {
        let mut s = app.state.lock().unwrap();
        *s.requests
            .entry(request.uri().path().to_string())
            .or_insert(0) += 1;
        s.remaining = s.remaining.saturating_sub(1);
        s.remaining
    };
    // A fault stands for whatever answered instead (a proxy, an overloaded
    // backend): it carries only its own headers.
    if let Some(fault) = app.faults.next_response().await {
        return fault;
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", RATE_LIMIT),
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-reset-in", RATE_LIMIT_WINDOW_SECS),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    response
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"code": status.as_u16(), "error": message})),
    )
        .into_response()
}

/// The token of `Authorization: Token <token>` (case-insensitive scheme).
fn header_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("token")
        .then(|| token.trim().to_string())
}

async fn validate_token(
    State(app): State<App>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // The server still accepts the deprecated `?token=` too.
    let Some(token) = header_token(&headers).or_else(|| query.get("token").cloned()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "You need to provide an Authorization token.",
        );
    };
    let user = app.state.lock().unwrap().tokens.get(&token).cloned();
    match user {
        Some(user) => Json(json!({
            "code": 200,
            "message": "Token valid.",
            "valid": true,
            "user_name": user,
        }))
        .into_response(),
        None => {
            Json(json!({"code": 200, "message": "Token invalid.", "valid": false})).into_response()
        }
    }
}

async fn listens(
    State(app): State<App>,
    Path(user): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    // Reading listens needs no token, but a token that is sent must be valid (the
    // server checks any Authorization header it is given).
    if let Some(token) = header_token(&headers)
        && !app.state.lock().unwrap().tokens.contains_key(&token)
    {
        return error(StatusCode::UNAUTHORIZED, "Invalid authorization token.");
    }
    let gate = match &mut app.state.lock().unwrap().hold {
        Some((0, gate)) => Some(gate.clone()),
        Some((pages, _)) => {
            *pages -= 1;
            None
        }
        None => None,
    };
    if let Some(gate) = gate {
        gate.pass().await;
    }
    let int = |name: &str| -> Result<Option<i64>, String> {
        query
            .get(name)
            .map(|v| v.parse())
            .transpose()
            .map_err(|_| format!("'{name}' should be a valid integer."))
    };
    let (min_ts, max_ts, count) = match (int("min_ts"), int("max_ts"), int("count")) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return error(StatusCode::BAD_REQUEST, &e);
        }
    };
    let mut s = app.state.lock().unwrap();
    s.listens_queries.push(ListensQuery {
        user: user.clone(),
        min_ts,
        max_ts,
        count,
    });
    let Some(history) = s.users.get(&user) else {
        return error(StatusCode::NOT_FOUND, &format!("Cannot find user: {user}"));
    };
    if count.is_some_and(|c| c < 0) {
        return error(
            StatusCode::BAD_REQUEST,
            "Number of items requested should be positive",
        );
    }
    if let (Some(min), Some(max)) = (min_ts, max_ts)
        && min >= max
    {
        return error(StatusCode::BAD_REQUEST, "min_ts should be less than max_ts");
    }
    let count = count.map_or(DEFAULT_COUNT, |c| (c as usize).min(MAX_COUNT));
    let ts = |l: &Value| l["listened_at"].as_i64().unwrap();
    let in_range =
        |l: &&Value| min_ts.is_none_or(|min| ts(l) > min) && max_ts.is_none_or(|max| ts(l) < max);
    let page: Vec<Value> = if min_ts.is_some() && max_ts.is_none() {
        // The oldest `count` after min_ts, then newest first.
        let mut page: Vec<Value> = history
            .iter()
            .filter(in_range)
            .take(count)
            .cloned()
            .collect();
        page.reverse();
        page
    } else {
        history
            .iter()
            .rev()
            .filter(in_range)
            .take(count)
            .cloned()
            .collect()
    };
    Json(json!({"payload": {
        "count": page.len(),
        "user_id": user,
        "latest_listen_ts": history.last().map(ts),
        "oldest_listen_ts": history.first().map(ts),
        "listens": page,
    }}))
    .into_response()
}

async fn submit_listens(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let user =
        header_token(&headers).and_then(|t| app.state.lock().unwrap().tokens.get(&t).cloned());
    let Some(user) = user else {
        return error(StatusCode::UNAUTHORIZED, "Invalid authorization token.");
    };
    let Ok(doc) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Cannot parse JSON document.");
    };
    let listen_type = doc["listen_type"].as_str().unwrap_or_default();
    if !["single", "playing_now", "import"].contains(&listen_type) {
        return error(
            StatusCode::BAD_REQUEST,
            "JSON document must contain a valid listen_type key.",
        );
    }
    let Some(payload) = doc["payload"].as_array().filter(|p| !p.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "JSON document does not contain any listens",
        );
    };
    if payload.len() > MAX_LISTENS_PER_SUBMIT {
        return error(
            StatusCode::BAD_REQUEST,
            &format!(
                "Too many listens. You may not submit more than {MAX_LISTENS_PER_SUBMIT} listens at once."
            ),
        );
    }
    if listen_type != "import" && payload.len() != 1 {
        return error(
            StatusCode::BAD_REQUEST,
            "JSON document should contain exactly one listen for this listen_type",
        );
    }
    for listen in payload {
        if let Err(message) = check_listen(listen, listen_type == "playing_now") {
            return error(StatusCode::BAD_REQUEST, message);
        }
    }
    let mut s = app.state.lock().unwrap();
    s.submitted
        .entry(user.clone())
        .or_default()
        .extend(payload.iter().cloned());
    if listen_type != "playing_now" {
        let history = s.users.entry(user.clone()).or_default();
        for listen in payload {
            let ts = listen["listened_at"].as_i64().unwrap();
            insert(
                history,
                stored_listen(&user, ts, listen["track_metadata"].clone()),
            );
        }
    }
    Json(json!({"status": "ok"})).into_response()
}

/// The server's per-listen validation, reduced to what clients get wrong.
fn check_listen(listen: &Value, playing_now: bool) -> Result<(), &'static str> {
    if !playing_now && listen["listened_at"].as_i64().is_none() {
        return Err("JSON document must contain the key listened_at at the top level.");
    }
    let meta = &listen["track_metadata"];
    if !meta.is_object() {
        return Err("JSON document must contain the key track_metadata at the top level.");
    }
    for key in ["artist_name", "track_name"] {
        if meta[key].as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err("JSON document does not have a required key in track_metadata.");
        }
    }
    if meta
        .get("additional_info")
        .is_some_and(|info| !info.is_object())
    {
        return Err("additional_info must be a JSON object.");
    }
    Ok(())
}

/// A listen as the server returns it.
fn stored_listen(user: &str, ts: i64, track_metadata: Value) -> Value {
    let msid = fake_uuid(&format!(
        "{}\u{0}{}\u{0}{}",
        track_metadata["artist_name"].as_str().unwrap_or_default(),
        track_metadata["track_name"].as_str().unwrap_or_default(),
        track_metadata["release_name"].as_str().unwrap_or_default(),
    ));
    json!({
        "listened_at": ts,
        "inserted_at": ts + 5,
        "recording_msid": msid,
        "user_name": user,
        "track_metadata": track_metadata,
    })
}

/// Keeps `history` sorted by `listened_at`; a listen with the same timestamp and
/// `recording_msid` as a stored one is a duplicate and dropped.
fn insert(history: &mut Vec<Value>, listen: Value) {
    let ts = listen["listened_at"].as_i64().unwrap();
    let ts_of = |l: &Value| l["listened_at"].as_i64().unwrap();
    // Only the listens at the same second can be this one: binary search for them,
    // so adding a large history stays fast.
    let from = history.partition_point(|l| ts_of(l) < ts);
    let to = history.partition_point(|l| ts_of(l) <= ts);
    if history[from..to]
        .iter()
        .any(|l| l["recording_msid"] == listen["recording_msid"])
    {
        return;
    }
    history.insert(to, listen);
}

/// A deterministic UUID-shaped id for `seed` (FNV-1a, twice).
fn fake_uuid(seed: &str) -> String {
    let fnv = |offset: u64| {
        seed.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

const PLAYLIST_URL: &str = "https://listenbrainz.org/playlist/";
const RECORDING_URL: &str = "https://musicbrainz.org/recording/";
const JSPF_PLAYLIST: &str = "https://musicbrainz.org/doc/jspf#playlist";

fn jspf(p: &LbPlaylist, with_tracks: bool) -> Value {
    let tracks: Vec<Value> = if with_tracks {
        p.tracks
            .iter()
            .map(|t| {
                json!({
                    "identifier": [format!("{RECORDING_URL}{}", t.recording_mbid)],
                    "title": t.title,
                    "creator": t.creator,
                    "album": t.album,
                    "duration": t.duration_ms,
                    "extension": {"https://musicbrainz.org/doc/jspf#track": {"added_by": p.creator}},
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "identifier": format!("{PLAYLIST_URL}{}", p.mbid),
        "title": p.title,
        "creator": p.creator,
        "annotation": format!("<p>{}</p>", p.title),
        "date": "2024-05-01T12:00:00.000000+00:00",
        "extension": {JSPF_PLAYLIST: {
            "created_for": p.created_for,
            "creator": p.creator,
            "public": p.public,
            "last_modified_at": format!("2024-05-02T00:00:{:02}.{:06}+00:00", p.modified % 60, p.modified),
        }},
        "track": tracks,
    })
}

/// The playlists `pick` selects for `user`, paged as the server pages them.
fn playlist_listing(
    app: &App,
    headers: &HeaderMap,
    user: &str,
    query: &HashMap<String, String>,
    pick: impl Fn(&LbPlaylist) -> bool,
) -> Response {
    let s = app.state.lock().unwrap();
    if !s.users.contains_key(user) && !s.tokens.values().any(|u| u == user) {
        return error(StatusCode::NOT_FOUND, "Cannot find user");
    }
    let viewer = header_token(headers).and_then(|t| s.tokens.get(&t).cloned());
    let count = query
        .get("count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(DEFAULT_COUNT)
        .min(100);
    let offset = query
        .get("offset")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0);
    let visible: Vec<&LbPlaylist> = s
        .playlists
        .iter()
        .filter(|p| pick(p) && (p.public || viewer.as_deref() == Some(user)))
        .collect();
    let page: Vec<Value> = visible
        .iter()
        .skip(offset)
        .take(count)
        .map(|p| json!({"playlist": jspf(p, false)}))
        .collect();
    Json(json!({
        "count": page.len(),
        "offset": offset,
        "playlist_count": visible.len(),
        "playlists": page,
    }))
    .into_response()
}

async fn user_playlists(
    State(app): State<App>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let u = user.clone();
    playlist_listing(&app, &headers, &user, &query, move |p| {
        p.creator == u && p.created_for.is_none()
    })
}

async fn created_for(
    State(app): State<App>,
    headers: HeaderMap,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let u = user.clone();
    playlist_listing(&app, &headers, &user, &query, move |p| {
        p.created_for.as_deref() == Some(u.as_str())
    })
}

async fn get_playlist(
    State(app): State<App>,
    headers: HeaderMap,
    Path(mbid): Path<String>,
) -> Response {
    let s = app.state.lock().unwrap();
    let viewer = header_token(&headers).and_then(|t| s.tokens.get(&t).cloned());
    match s.playlists.iter().find(|p| p.mbid == mbid) {
        Some(p)
            if p.public
                || viewer.as_deref() == Some(p.creator.as_str())
                || viewer.is_some() && viewer == p.created_for =>
        {
            Json(json!({"playlist": jspf(p, true)})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "Cannot find playlist"),
    }
}
