//! A fast local Subsonic server (Navidrome-flavoured, OpenSubsonic extensions on) for
//! library-sync tests and benchmarks: a generated, deterministic library of any size
//! (1,000 artists × 5 albums × 10 tracks = 50,000 tracks builds in well under a
//! second), held in memory with the indexes a listing needs, answered as JSON.
//!
//! Endpoints, under `/rest/<name>.view` (or `/rest/<name>`), always answered with
//! `f=json`'s envelope `{"subsonic-response":{"status":"ok","version":"1.16.1",
//! "type":"fake","serverVersion":…,"openSubsonic":true,…}}`:
//! - `ping`;
//! - `getArtists`: artists with at least one album, grouped by first letter (`#` for
//!   anything else), each with `albumCount` and `musicBrainzId`;
//! - `getAlbumList2` with `type=alphabeticalByName` (by name, case-insensitive, then
//!   id: a stable order for paging) or `type=recent` (only albums with a played song,
//!   by their latest play, newest first); `size` defaults to 10 and is capped at 500,
//!   `offset` defaults to 0. An album's `played` is the latest play of its songs;
//!   `changed` (OpenSubsonic) moves when a song is renamed;
//! - `getAlbum?id=`: the album and its songs (`isrc` as an OpenSubsonic array,
//!   `musicBrainzId`, `played` when the song was played); an unknown id is error 70;
//! - `getNowPlaying`: always an empty list;
//! - playlists: `getPlaylists`, `getPlaylist?id=` (songs as `entry`), `createPlaylist`
//!   (`name` or `playlistId` to replace the songs, `songId` repeated; answers the
//!   playlist as Navidrome does, or nothing as old servers do:
//!   [`FakeSubsonic::set_create_answers_empty`]), `updatePlaylist` (`name`, `comment`,
//!   `songIdToAdd`, `songIndexToRemove`), `deletePlaylist`. Every change moves the
//!   playlist's `changed`; an unknown playlist is error 70, an unknown song error 70.
//!
//! Authentication follows the Subsonic API: `u`, `v` and `c` are required, then token
//! auth (`t = md5(password + s)`) or password auth (`p=<password>` or
//! `p=enc:<hex>`); a wrong user or password is error 40, no credentials error 10.
//! [`FakeSubsonic::disable_token_auth`] makes the server answer token auth with error
//! 41 (as servers without token support do), to exercise the client's fallback.
//!
//! Every request is counted per endpoint (faulted ones too), then queued [`Fault`]s
//! are served before anything else (authentication included). Subsonic errors for a
//! [`Fault::Body`] come from [`FakeSubsonic::error_body`].

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Body,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use md5::{Digest, Md5};
use serde_json::{Value, json};

use super::{Fault, Faults, serve_http};

/// The API version the fake announces.
pub const API_VERSION: &str = "1.16.1";
/// The largest `getAlbumList2` page (Navidrome's cap).
pub const MAX_ALBUM_LIST_SIZE: usize = 500;
/// The fake's only user.
pub const USERNAME: &str = "navi";
/// Their password; it needs URL encoding.
pub const PASSWORD: &str = "fake-S3cret pass&=?+é";

/// 2023-01-01T00:00:00Z: the generated albums are created from here on.
const CREATED_BASE: i64 = 1_672_531_200;

const ARTIST_WORDS: [&str; 12] = [
    "Aurora",
    "Björk Tribute",
    "Crystal",
    "Delta",
    "Échos",
    "Fjord",
    "Glass",
    "Harbour",
    "Ivory",
    "Sigur Rós Covers",
    "The Lanterns",
    "Zephyr",
];
const ALBUM_ADJECTIVES: [&str; 16] = [
    "Amber", "Blue", "Broken", "Distant", "Electric", "Faded", "Golden", "Hidden", "Late",
    "Midnight", "Northern", "Quiet", "Silver", "Slow", "Velvet", "Wild",
];
const ALBUM_NOUNS: [&str; 16] = [
    "Arcade", "Coast", "Dreams", "Fields", "Garden", "Harbour", "Hours", "Lights", "Machines",
    "Mirrors", "Rivers", "Signals", "Skies", "Songs", "Tides", "Waves",
];
const SONG_WORDS: [&str; 12] = [
    "Intro", "Morning", "Static", "Drift", "Echo", "Falling", "Pulse", "Shelter", "Stay",
    "Undertow", "Waiting", "Outro",
];

/// One artist of a fake library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeArtist {
    pub id: String,
    pub name: String,
    pub mbid: String,
}

/// One album of a fake library, with its songs in disc/track order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAlbum {
    pub id: String,
    pub name: String,
    pub artist_id: String,
    pub artist: String,
    pub year: u32,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds; moves when the album's songs change.
    pub changed: i64,
    pub songs: Vec<FakeSong>,
}

impl FakeAlbum {
    /// Total duration in seconds.
    pub fn duration(&self) -> u64 {
        self.songs.iter().map(|s| u64::from(s.duration)).sum()
    }

    /// The latest play of any of its songs.
    pub fn played(&self) -> Option<i64> {
        self.songs.iter().filter_map(|s| s.played).max()
    }
}

/// One song of a fake library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSong {
    pub id: String,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub album_id: String,
    pub track: u32,
    pub disc: u32,
    /// Seconds.
    pub duration: u32,
    pub isrc: String,
    /// MusicBrainz recording id.
    pub mbid: String,
    /// Last play, Unix seconds.
    pub played: Option<i64>,
}

/// A library to serve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FakeLibrary {
    pub artists: Vec<FakeArtist>,
    pub albums: Vec<FakeAlbum>,
}

impl FakeLibrary {
    /// A deterministic library: the same arguments always give the same library.
    /// Album names repeat across artists (as in real libraries), so alphabetical
    /// order interleaves artists and ties are broken by id; albums with an odd index
    /// and 8 or more tracks span two discs; ISRCs and MBIDs are unique.
    pub fn generate(artists: usize, albums_per_artist: usize, tracks_per_album: usize) -> Self {
        let mut library = FakeLibrary::default();
        let mut song_no: u64 = 0;
        for a in 0..artists {
            let artist = FakeArtist {
                id: format!("ar-{a}"),
                name: format!("{} {a:04}", ARTIST_WORDS[a % ARTIST_WORDS.len()]),
                mbid: uuid(0xA, a as u64),
            };
            for b in 0..albums_per_artist {
                let album_no = (a * albums_per_artist + b) as u64;
                let h = mix(album_no);
                let name = format!(
                    "{} {}",
                    ALBUM_ADJECTIVES[(h % 16) as usize],
                    ALBUM_NOUNS[((h >> 8) % 16) as usize]
                );
                let id = format!("al-{a}-{b}");
                let two_discs = tracks_per_album >= 8 && album_no % 2 == 1;
                let per_disc = if two_discs {
                    tracks_per_album.div_ceil(2)
                } else {
                    tracks_per_album
                };
                let songs = (0..tracks_per_album)
                    .map(|t| {
                        let s = mix(song_no ^ 0x5eed);
                        let song = FakeSong {
                            id: format!("tr-{a}-{b}-{t}"),
                            title: format!("{} {}", SONG_WORDS[(s % 12) as usize], t + 1),
                            artist: artist.name.clone(),
                            album: name.clone(),
                            album_id: id.clone(),
                            track: (t % per_disc) as u32 + 1,
                            disc: (t / per_disc) as u32 + 1,
                            duration: 90 + (s >> 16) as u32 % 400,
                            isrc: isrc(song_no),
                            mbid: uuid(0xB, song_no),
                            played: None,
                        };
                        song_no += 1;
                        song
                    })
                    .collect();
                let created = CREATED_BASE + album_no as i64 * 3600;
                library.albums.push(FakeAlbum {
                    id,
                    name,
                    artist_id: artist.id.clone(),
                    artist: artist.name.clone(),
                    year: 1960 + (h >> 20) as u32 % 65,
                    created,
                    changed: created,
                    songs,
                });
            }
            library.artists.push(artist);
        }
        library
    }

    pub fn track_count(&self) -> usize {
        self.albums.iter().map(|a| a.songs.len()).sum()
    }

    pub fn album(&self, id: &str) -> Option<&FakeAlbum> {
        self.albums.iter().find(|a| a.id == id)
    }

    pub fn song(&self, id: &str) -> Option<&FakeSong> {
        self.albums
            .iter()
            .flat_map(|a| &a.songs)
            .find(|s| s.id == id)
    }
}

/// splitmix64: a fixed, well-spread hash of `n`.
fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A version-4-shaped UUID, unique per (`kind`, `n`).
fn uuid(kind: u64, n: u64) -> String {
    let h = mix(n ^ (kind << 56));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (kind << 28) | ((n >> 16) & 0x0fff_ffff),
        n & 0xffff,
        h & 0xfff,
        0x8000 | ((h >> 12) & 0x3fff),
        (h >> 16) & 0xffff_ffff_ffff
    )
}

/// `QZ` (the test country code), registrant `FKE`, a year and a designation code:
/// unique for the first 10 million songs.
fn isrc(n: u64) -> String {
    format!("QZFKE{:02}{:05}", n / 100_000 % 100, n % 100_000)
}

/// Unix seconds as RFC 3339 UTC (`2024-05-01T12:34:56Z`), with `.000` millis if asked.
fn rfc3339(unix: i64, millis: bool) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = super::civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        if millis { ".000" } else { "" }
    )
}

struct Data {
    artists: Vec<FakeArtist>,
    albums: HashMap<String, FakeAlbum>,
    /// Song id → album id.
    song_album: HashMap<String, String>,
    /// Album ids by (lower-cased name, id); rebuilt after albums are added or removed.
    by_name: Vec<String>,
    by_name_dirty: bool,
    requests: HashMap<String, usize>,
    token_auth: bool,
    next_id: u64,
    playlists: Vec<NavPlaylist>,
    create_answers_empty: bool,
    clock: i64,
}

/// A playlist on the fake server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavPlaylist {
    pub id: String,
    pub name: String,
    pub comment: String,
    pub owner: String,
    pub songs: Vec<String>,
    /// Unix seconds; moves with every change.
    pub changed: i64,
}

impl Data {
    fn new(library: FakeLibrary) -> Data {
        let mut data = Data {
            artists: library.artists,
            albums: HashMap::with_capacity(library.albums.len()),
            song_album: HashMap::new(),
            by_name: Vec::new(),
            by_name_dirty: true,
            requests: HashMap::new(),
            token_auth: true,
            next_id: 0,
            playlists: Vec::new(),
            create_answers_empty: false,
            clock: CREATED_BASE + 500_000_000,
        };
        for album in library.albums {
            data.insert(album);
        }
        data
    }

    fn insert(&mut self, album: FakeAlbum) {
        for s in &album.songs {
            self.song_album.insert(s.id.clone(), album.id.clone());
        }
        self.albums.insert(album.id.clone(), album);
        self.by_name_dirty = true;
    }

    fn by_name(&mut self) -> &[String] {
        if self.by_name_dirty {
            let mut keyed: Vec<(String, &String)> = self
                .albums
                .values()
                .map(|a| (a.name.to_lowercase(), &a.id))
                .collect();
            keyed.sort_unstable();
            self.by_name = keyed.into_iter().map(|(_, id)| id.clone()).collect();
            self.by_name_dirty = false;
        }
        &self.by_name
    }

    fn new_playlist(&mut self, owner: &str, name: &str, songs: Vec<String>) -> String {
        self.next_id += 1;
        self.clock += 1;
        let id = format!("pl-{}", self.next_id);
        self.playlists.push(NavPlaylist {
            id: id.clone(),
            name: name.into(),
            comment: String::new(),
            owner: owner.into(),
            songs,
            changed: self.clock,
        });
        id
    }

    fn song_mut(&mut self, song_id: &str) -> Option<(&mut FakeAlbum, usize)> {
        let album = self.albums.get_mut(self.song_album.get(song_id)?)?;
        let i = album.songs.iter().position(|s| s.id == song_id)?;
        Some((album, i))
    }

    fn snapshot(&mut self) -> FakeLibrary {
        let ids = self.by_name().to_vec();
        FakeLibrary {
            artists: self.artists.clone(),
            albums: ids.iter().map(|id| self.albums[id].clone()).collect(),
        }
    }
}

type Shared = Arc<Mutex<Data>>;
type App = super::App<Data>;

/// A running fake Subsonic server (stops with the test's runtime).
#[derive(Clone)]
pub struct FakeSubsonic {
    addr: SocketAddr,
    state: Shared,
    faults: Faults,
}

impl FakeSubsonic {
    pub async fn start(library: FakeLibrary) -> Self {
        let state: Shared = Arc::new(Mutex::new(Data::new(library)));
        state.lock().unwrap().by_name();
        let faults = Faults::default();
        let app = App {
            state: state.clone(),
            faults: faults.clone(),
        };
        let router = Router::new()
            .route("/rest/{endpoint}", get(handle))
            .with_state(app);
        let addr = serve_http(router).await;
        FakeSubsonic {
            addr,
            state,
            faults,
        }
    }

    /// `http://127.0.0.1:PORT`: the base URL a Subsonic client is configured with.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn username(&self) -> &'static str {
        USERNAME
    }

    pub fn password(&self) -> &'static str {
        PASSWORD
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Queues one fault (shorthand for `faults().push`).
    pub fn fault(&self, fault: Fault) {
        self.faults.push(fault);
    }

    /// A Subsonic error envelope, for [`Fault::Body`].
    pub fn error_body(code: i64, message: &str) -> String {
        envelope_failed(code, message).to_string()
    }

    /// From now on, token auth is answered with error 41 (password auth still works).
    pub fn disable_token_auth(&self) {
        self.state.lock().unwrap().token_auth = false;
    }

    /// `createPlaylist` answers nothing (as Subsonic before 1.14 and Supysonic do).
    pub fn set_create_answers_empty(&self) {
        self.state.lock().unwrap().create_answers_empty = true;
    }

    /// The server's playlists, in creation order.
    pub fn playlists(&self) -> Vec<NavPlaylist> {
        self.state.lock().unwrap().playlists.clone()
    }

    /// Adds a playlist owned by `owner` holding `songs`; returns its id.
    pub fn add_playlist(&self, owner: &str, name: &str, songs: &[&str]) -> String {
        let mut s = self.state.lock().unwrap();
        s.new_playlist(owner, name, songs.iter().map(|x| x.to_string()).collect())
    }

    /// Changes a playlist as a user of the server would.
    pub fn edit_playlist(&self, id: &str, edit: impl FnOnce(&mut NavPlaylist)) {
        let mut s = self.state.lock().unwrap();
        s.clock += 1;
        let clock = s.clock;
        let p = s
            .playlists
            .iter_mut()
            .find(|p| p.id == id)
            .expect("a playlist");
        edit(p);
        p.changed = clock;
    }

    /// Deletes a playlist as a user of the server would.
    pub fn remove_playlist(&self, id: &str) {
        self.state.lock().unwrap().playlists.retain(|p| p.id != id);
    }

    /// Requests received for `endpoint` (e.g. `"getAlbum"`, with or without `.view`).
    pub fn requests(&self, endpoint: &str) -> usize {
        let name = endpoint.strip_suffix(".view").unwrap_or(endpoint);
        self.state
            .lock()
            .unwrap()
            .requests
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received for every endpoint.
    pub fn total_requests(&self) -> usize {
        self.state.lock().unwrap().requests.values().sum()
    }

    /// The library as served now, albums in `alphabeticalByName` order.
    pub fn snapshot(&self) -> FakeLibrary {
        self.state.lock().unwrap().snapshot()
    }

    /// Records a play of `song_id` at `unix_ts` (it becomes the song's last play).
    /// False if there is no such song.
    pub fn set_played(&self, song_id: &str, unix_ts: i64) -> bool {
        let mut s = self.state.lock().unwrap();
        match s.song_mut(song_id) {
            Some((album, i)) => {
                album.songs[i].played = Some(unix_ts);
                true
            }
            None => false,
        }
    }

    /// Deletes an album and its songs. False if there is no such album.
    pub fn remove_album(&self, album_id: &str) -> bool {
        let mut s = self.state.lock().unwrap();
        let Some(album) = s.albums.remove(album_id) else {
            return false;
        };
        for song in &album.songs {
            s.song_album.remove(&song.id);
        }
        s.by_name_dirty = true;
        true
    }

    /// Renames a song; its album's `changed` moves forward. False if there is no such
    /// song.
    pub fn rename_track(&self, song_id: &str, title: &str) -> bool {
        let mut s = self.state.lock().unwrap();
        match s.song_mut(song_id) {
            Some((album, i)) => {
                album.songs[i].title = title.to_string();
                album.changed += 1;
                true
            }
            None => false,
        }
    }

    /// Adds an album by `artist` (an existing artist of that name, or a new one) with
    /// one song per title. Returns the album's id; its songs' ids are
    /// `<album id>-<n>` (n from 1).
    pub fn add_album(&self, artist: &str, name: &str, titles: &[&str]) -> String {
        let mut s = self.state.lock().unwrap();
        s.next_id += 1;
        let n = s.next_id;
        let artist = match s.artists.iter().find(|a| a.name == artist) {
            Some(a) => a.clone(),
            None => {
                let a = FakeArtist {
                    id: format!("ar-new-{n}"),
                    name: artist.to_string(),
                    mbid: uuid(0xC, n),
                };
                s.artists.push(a.clone());
                a
            }
        };
        let id = format!("al-new-{n}");
        let songs = titles
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let serial = (1 << 40) + (n << 16) + i as u64;
                FakeSong {
                    id: format!("{id}-{}", i + 1),
                    title: title.to_string(),
                    artist: artist.name.clone(),
                    album: name.to_string(),
                    album_id: id.clone(),
                    track: i as u32 + 1,
                    disc: 1,
                    duration: 180 + i as u32,
                    isrc: format!("QZFKN{:02}{:05}", n % 100, i),
                    mbid: uuid(0xD, serial),
                    played: None,
                }
            })
            .collect();
        let created = CREATED_BASE + 400_000_000 + n as i64;
        s.insert(FakeAlbum {
            id: id.clone(),
            name: name.to_string(),
            artist_id: artist.id,
            artist: artist.name,
            year: 2025,
            created,
            changed: created,
            songs,
        });
        id
    }
}

// ---------------------------------------------------------------------------------
// Serving

type Params = HashMap<String, String>;

async fn handle(
    State(app): State<App>,
    Path(endpoint): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let params: Params = pairs.iter().cloned().collect();
    let name = endpoint
        .strip_suffix(".view")
        .unwrap_or(&endpoint)
        .to_string();
    *app.state
        .lock()
        .unwrap()
        .requests
        .entry(name.clone())
        .or_insert(0) += 1;
    if let Some(fault) = app.faults.next_response().await {
        return fault;
    }
    let mut s = app.state.lock().unwrap();
    let body = match authenticate(&params, s.token_auth) {
        Err(failed) => failed,
        Ok(()) => match name.as_str() {
            "ping" => envelope_ok(None),
            "getArtists" => artists(&s),
            "getAlbumList2" => album_list(&mut s, &params),
            "getAlbum" => album(&s, &params),
            "getNowPlaying" => envelope_ok(Some(("nowPlaying", json!({"entry": []})))),
            "getPlaylists" => {
                let list: Vec<Value> = s
                    .playlists
                    .iter()
                    .map(|p| playlist_json(&s, p, false))
                    .collect();
                envelope_ok(Some(("playlists", json!({"playlist": list}))))
            }
            "getPlaylist" => match s.playlists.iter().find(|p| Some(&p.id) == params.get("id")) {
                Some(p) => envelope_ok(Some(("playlist", playlist_json(&s, p, true)))),
                None => envelope_failed(70, "playlist not found"),
            },
            "createPlaylist" => create_playlist(&mut s, &params, &pairs),
            "updatePlaylist" => update_playlist(&mut s, &params, &pairs),
            "deletePlaylist" => {
                let before = s.playlists.len();
                s.playlists.retain(|p| Some(&p.id) != params.get("id"));
                if s.playlists.len() < before {
                    envelope_ok(None)
                } else {
                    envelope_failed(70, "playlist not found")
                }
            }
            _ => return (StatusCode::NOT_FOUND, "unknown endpoint").into_response(),
        },
    };
    drop(s);
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(&body).unwrap()))
        .unwrap()
}

fn envelope(status: &str) -> serde_json::Map<String, Value> {
    let mut r = serde_json::Map::new();
    r.insert("status".into(), json!(status));
    r.insert("version".into(), json!(API_VERSION));
    r.insert("type".into(), json!("fake"));
    r.insert("serverVersion".into(), json!("0.0.0-fake"));
    r.insert("openSubsonic".into(), json!(true));
    r
}

fn envelope_ok(payload: Option<(&str, Value)>) -> Value {
    let mut r = envelope("ok");
    if let Some((key, value)) = payload {
        r.insert(key.into(), value);
    }
    json!({ "subsonic-response": r })
}

fn envelope_failed(code: i64, message: &str) -> Value {
    let mut r = envelope("failed");
    r.insert("error".into(), json!({"code": code, "message": message}));
    json!({ "subsonic-response": r })
}

fn authenticate(params: &Params, token_auth: bool) -> Result<(), Value> {
    for required in ["u", "v", "c"] {
        if !params.contains_key(required) {
            return Err(envelope_failed(
                10,
                &format!("required parameter '{required}' is missing"),
            ));
        }
    }
    let wrong = || envelope_failed(40, "Wrong username or password");
    let user_ok = params["u"] == USERNAME;
    match (params.get("t"), params.get("s"), params.get("p")) {
        (Some(token), Some(salt), _) => {
            if !token_auth {
                return Err(envelope_failed(
                    41,
                    "Token authentication not supported for LDAP users.",
                ));
            }
            let expected = hex::encode(Md5::digest(format!("{PASSWORD}{salt}").as_bytes()));
            if user_ok && token.eq_ignore_ascii_case(&expected) {
                Ok(())
            } else {
                Err(wrong())
            }
        }
        (_, _, Some(p)) => {
            let password = match p.strip_prefix("enc:") {
                Some(h) => hex::decode(h)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_default(),
                None => p.clone(),
            };
            if user_ok && password == PASSWORD {
                Ok(())
            } else {
                Err(wrong())
            }
        }
        _ => Err(envelope_failed(
            10,
            "required parameter 'p', or 't' and 's', is missing",
        )),
    }
}

fn artists(s: &Data) -> Value {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for a in s.albums.values() {
        *counts.entry(a.artist_id.as_str()).or_insert(0) += 1;
    }
    let mut listed: Vec<(String, &FakeArtist)> = s
        .artists
        .iter()
        .filter(|a| counts.contains_key(a.id.as_str()))
        .map(|a| (a.name.to_lowercase(), a))
        .collect();
    listed.sort_unstable_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.id.cmp(&y.1.id)));
    let mut index: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (_, a) in listed {
        let letter = a
            .name
            .chars()
            .next()
            .filter(char::is_ascii_alphabetic)
            .map_or("#".to_string(), |c| c.to_ascii_uppercase().to_string());
        index.entry(letter).or_default().push(json!({
            "id": a.id, "name": a.name, "albumCount": counts[a.id.as_str()],
            "musicBrainzId": a.mbid, "coverArt": format!("ar-{}", a.id),
        }));
    }
    let index: Vec<Value> = index
        .into_iter()
        .map(|(name, artist)| json!({"name": name, "artist": artist}))
        .collect();
    envelope_ok(Some((
        "artists",
        json!({"ignoredArticles": "The El La Los Las Le Les", "index": index}),
    )))
}

fn album_json(a: &FakeAlbum) -> Value {
    let mut v = json!({
        "id": a.id, "name": a.name, "artist": a.artist, "artistId": a.artist_id,
        "coverArt": format!("al-{}", a.id), "songCount": a.songs.len(),
        "duration": a.duration(), "created": rfc3339(a.created, false),
        "changed": rfc3339(a.changed, false), "year": a.year, "genre": "Test",
    });
    if let Some(played) = a.played() {
        v["played"] = json!(rfc3339(played, true));
    }
    v
}

fn song_json(a: &FakeAlbum, s: &FakeSong) -> Value {
    let mut v = json!({
        "id": s.id, "parent": a.id, "isDir": false, "title": s.title, "album": s.album,
        "artist": s.artist, "track": s.track, "discNumber": s.disc, "year": a.year,
        "genre": "Test", "coverArt": format!("mf-{}", s.id), "size": s.duration * 16_000,
        "contentType": "audio/mpeg", "suffix": "mp3", "duration": s.duration,
        "bitRate": 128, "path": format!("{}/{}/{:02} {}.mp3", a.artist, a.name, s.track, s.title),
        "created": rfc3339(a.created, false), "albumId": a.id, "artistId": a.artist_id,
        "type": "music", "isVideo": false, "isrc": [s.isrc], "musicBrainzId": s.mbid,
        "mediaType": "song",
    });
    if let Some(played) = s.played {
        v["played"] = json!(rfc3339(played, true));
    }
    v
}

fn album_list(s: &mut Data, params: &Params) -> Value {
    let Some(kind) = params.get("type") else {
        return envelope_failed(10, "required parameter 'type' is missing");
    };
    let number = |key: &str, default: usize| match params.get(key) {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok(),
    };
    let (Some(size), Some(offset)) = (number("size", 10), number("offset", 0)) else {
        return envelope_failed(0, "size and offset must be numbers");
    };
    let size = size.min(MAX_ALBUM_LIST_SIZE);
    let albums: Vec<Value> = match kind.as_str() {
        "alphabeticalByName" => {
            let ids = s.by_name();
            let page = ids.get(offset.min(ids.len())..).unwrap_or_default();
            let page: Vec<String> = page.iter().take(size).cloned().collect();
            page.iter().map(|id| album_json(&s.albums[id])).collect()
        }
        "recent" => {
            let mut played: Vec<(i64, &FakeAlbum)> = s
                .albums
                .values()
                .filter_map(|a| Some((a.played()?, a)))
                .collect();
            played.sort_unstable_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.id.cmp(&y.1.id)));
            played
                .into_iter()
                .skip(offset)
                .take(size)
                .map(|(_, a)| album_json(a))
                .collect()
        }
        _ => return envelope_failed(0, "unsupported list type"),
    };
    envelope_ok(Some(("albumList2", json!({ "album": albums }))))
}

fn album(s: &Data, params: &Params) -> Value {
    let Some(id) = params.get("id") else {
        return envelope_failed(10, "required parameter 'id' is missing");
    };
    let Some(a) = s.albums.get(id) else {
        return envelope_failed(70, "Album not found");
    };
    let mut v = album_json(a);
    v["song"] = a.songs.iter().map(|song| song_json(a, song)).collect();
    envelope_ok(Some(("album", v)))
}

fn all<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn playlist_json(s: &Data, p: &NavPlaylist, with_songs: bool) -> Value {
    let mut v = json!({
        "id": p.id, "name": p.name, "comment": p.comment, "owner": p.owner, "public": false,
        "songCount": p.songs.len(), "duration": 0,
        "created": rfc3339(CREATED_BASE, false), "changed": rfc3339(p.changed, true),
    });
    if with_songs {
        let entries: Vec<Value> = p
            .songs
            .iter()
            .filter_map(|id| {
                let album = s.albums.get(s.song_album.get(id)?)?;
                let song = album.songs.iter().find(|x| &x.id == id)?;
                Some(song_json(album, song))
            })
            .collect();
        v["entry"] = json!(entries);
    }
    v
}

fn create_playlist(s: &mut Data, params: &Params, pairs: &[(String, String)]) -> Value {
    let songs: Vec<String> = all(pairs, "songId")
        .into_iter()
        .map(str::to_string)
        .collect();
    if songs.iter().any(|id| !s.song_album.contains_key(id)) {
        return envelope_failed(70, "song not found");
    }
    let id = match (params.get("playlistId"), params.get("name")) {
        (Some(id), name) => {
            s.clock += 1;
            let clock = s.clock;
            let Some(p) = s.playlists.iter_mut().find(|p| &p.id == id) else {
                return envelope_failed(70, "playlist not found");
            };
            p.songs = songs;
            if let Some(name) = name {
                p.name = name.clone();
            }
            p.changed = clock;
            id.clone()
        }
        (None, Some(name)) => s.new_playlist(USERNAME, name, songs),
        (None, None) => return envelope_failed(10, "required parameter 'name' is missing"),
    };
    if s.create_answers_empty {
        return envelope_ok(None);
    }
    let p = s.playlists.iter().find(|p| p.id == id).unwrap().clone();
    envelope_ok(Some(("playlist", playlist_json(s, &p, true))))
}

fn update_playlist(s: &mut Data, params: &Params, pairs: &[(String, String)]) -> Value {
    let add: Vec<String> = all(pairs, "songIdToAdd")
        .into_iter()
        .map(str::to_string)
        .collect();
    if add.iter().any(|id| !s.song_album.contains_key(id)) {
        return envelope_failed(70, "song not found");
    }
    let mut remove: Vec<usize> = all(pairs, "songIndexToRemove")
        .into_iter()
        .filter_map(|i| i.parse().ok())
        .collect();
    s.clock += 1;
    let clock = s.clock;
    let Some(p) = s
        .playlists
        .iter_mut()
        .find(|p| Some(&p.id) == params.get("playlistId"))
    else {
        return envelope_failed(70, "playlist not found");
    };
    if let Some(name) = params.get("name") {
        p.name = name.clone();
    }
    if let Some(comment) = params.get("comment") {
        p.comment = comment.clone();
    }
    remove.sort_unstable();
    for i in remove.into_iter().rev() {
        if i < p.songs.len() {
            p.songs.remove(i);
        }
    }
    p.songs.extend(add);
    p.changed = clock;
    envelope_ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_unique() {
        let a = FakeLibrary::generate(20, 3, 10);
        assert_eq!(a, FakeLibrary::generate(20, 3, 10));
        assert_eq!(
            (a.artists.len(), a.albums.len(), a.track_count()),
            (20, 60, 600)
        );
        let songs: Vec<&FakeSong> = a.albums.iter().flat_map(|x| &x.songs).collect();
        let unique = |f: fn(&FakeSong) -> &str| {
            songs
                .iter()
                .map(|s| f(s))
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        assert_eq!(unique(|s| &s.id), 600);
        assert_eq!(unique(|s| &s.isrc), 600);
        assert_eq!(unique(|s| &s.mbid), 600);
        assert!(
            songs
                .iter()
                .all(|s| s.isrc.len() == 12 && s.mbid.len() == 36)
        );
        assert!(songs.iter().any(|s| s.disc == 2));
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0, false), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_714_566_896, true), "2024-05-01T12:34:56.000Z");
        assert_eq!(rfc3339(951_868_800, false), "2000-03-01T00:00:00Z");
    }
}
