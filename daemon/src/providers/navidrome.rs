//! Typed Navidrome (Subsonic API) calls for library sync and last-played history, on
//! top of [`SubsonicClient`] (which owns authentication, the error envelope and the
//! transport rules).
//!
//! Owns:
//! - **The library listing.** [`Navidrome::artists`] (`getArtists`, ID3),
//!   [`Navidrome::albums_page`] (`getAlbumList2?type=alphabeticalByName`, at most
//!   [`ALBUM_PAGE_SIZE`] per page: Navidrome's own cap) and [`Navidrome::album_songs`]
//!   (`getAlbum`). Each listed album carries a [`LibraryAlbum::fingerprint`] over
//!   everything the listing says that changes when its songs (or the stored album
//!   row) change, so a sync re-reads only the albums whose fingerprint moved.
//! - **Last plays.** Navidrome only exposes the last play of each song (OpenSubsonic
//!   `played`); [`Navidrome::recent_albums`] (`type=recent`, most recently played
//!   first) tells which albums to re-read, [`AlbumSong::played_at`] and
//!   [`AlbumSong::listen`] turn songs into plays. [`Navidrome::now_playing`] reads
//!   `getNowPlaying`.
//! - **Lenient parsing.** Servers differ: a list of one may come as a bare object, a
//!   missing list means empty, numbers may come as strings (or floats), `isrc` is an
//!   array (OpenSubsonic) or a string, timestamps are RFC 3339 or Python's
//!   `isoformat()` without a zone (Supysonic; read as UTC). An item without an id or
//!   a title/name is skipped, never fatal. A response without the expected container
//!   object (`artists`, `albumList2`, `album`, `nowPlaying`) is
//!   [`ProviderError::Malformed`].
//! - **Failure mapping** ([`map_error`]): wrong credentials (Subsonic error 40) are
//!   [`ProviderError::Unauthorized`] (fatal: the password changed); down, slow or 5xx
//!   is [`ProviderError::Unavailable`]; HTTP 429 is [`ProviderError::RateLimited`]; a
//!   body that is not a Subsonic envelope or is too large is
//!   [`ProviderError::Malformed`]; a base URL or request our side refuses is
//!   [`ProviderError::Refused`]; every other Subsonic error is
//!   [`ProviderError::Unavailable`] (retried with backoff). Error texts come from
//!   [`SubsonicError`]'s `Display`, which never holds a URL, a query string, a
//!   password, a token or upstream text.

use std::fmt;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::library::{LibraryAlbum, LibraryArtist, LibraryTrack};
use super::{
    RemoteListen,
    listen::ProviderError,
    subsonic::{SubsonicClient, SubsonicError},
};
use crate::crypto::SecretString;

/// Most albums one `getAlbumList2` returns (Navidrome caps `size` at 500).
pub const ALBUM_PAGE_SIZE: u32 = 500;

/// Song ids sent in one request (they travel in the query string, which servers
/// cap at a few kilobytes).
pub const SONGS_PER_REQUEST: usize = 100;

/// One playlist as `getPlaylists` / `getPlaylist` describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavPlaylist {
    pub id: String,
    pub name: String,
    pub comment: String,
    pub owner: Option<String>,
    pub song_count: u32,
    /// `changed` as the server wrote it (Navidrome; Supysonic has none), compared as
    /// text: any change of it means the playlist changed.
    pub changed: Option<String>,
}

impl NavPlaylist {
    /// `changed` in Unix seconds (0 when the server does not say).
    pub fn changed_secs(&self) -> i64 {
        self.changed
            .as_deref()
            .and_then(parse_timestamp)
            .unwrap_or(0)
    }
}

/// Separates the fields hashed into a fingerprint (a character none of them holds).
const FIELD_SEPARATOR: char = '\u{1f}';
/// Bumped when the fingerprint's inputs change, so every album is re-read once.
const FINGERPRINT_VERSION: &str = "v1";
/// Bytes of the SHA-256 kept in a fingerprint (hex: twice as many characters).
const FINGERPRINT_BYTES: usize = 16;

/// One album of a `getAlbumList2` page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumListing {
    pub album: LibraryAlbum,
    /// The album's last play (OpenSubsonic `played`), Unix seconds UTC.
    pub played_at: Option<i64>,
}

/// One song of `getAlbum`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumSong {
    pub track: LibraryTrack,
    /// The song's last play (OpenSubsonic `played`), Unix seconds UTC.
    pub played_at: Option<i64>,
}

impl AlbumSong {
    /// The song's last play as a listen, if it was ever played. Identity
    /// (`source_ref`) is `"<song id>:<played_at>"`: seeing the same last play again
    /// adds nothing.
    pub fn listen(&self) -> Option<RemoteListen> {
        let played_at = self.played_at?;
        let t = &self.track;
        Some(RemoteListen {
            played_at,
            artist: t.artist.clone(),
            album: Some(t.album.clone()).filter(|a| !a.is_empty()),
            title: t.title.clone(),
            duration_ms: t.duration_ms,
            isrc: t.isrc.clone(),
            recording_mbid: t.mbid.clone(),
            source_ref: format!("{}:{played_at}", t.id),
        })
    }
}

/// One `getNowPlaying` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NowPlaying {
    pub track: LibraryTrack,
    pub username: String,
    pub minutes_ago: i64,
}

/// Typed calls for one user on one Subsonic server.
#[derive(Clone, Copy)]
pub struct Navidrome<'a> {
    client: &'a SubsonicClient,
    username: &'a str,
    password: &'a SecretString,
}

impl fmt::Debug for Navidrome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Navidrome")
            .field("client", self.client)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl<'a> Navidrome<'a> {
    pub fn new(client: &'a SubsonicClient, username: &'a str, password: &'a SecretString) -> Self {
        Navidrome {
            client,
            username,
            password,
        }
    }

    /// Every artist (`getArtists`, ID3 tags). Not paged: the server lists them all.
    pub async fn artists(&self) -> Result<Vec<LibraryArtist>, ProviderError> {
        let response = self.call("getArtists", &[]).await?;
        parse_artists(&response)
    }

    /// One page of every album, by name (`getAlbumList2?type=alphabeticalByName`).
    /// `size` is capped at [`ALBUM_PAGE_SIZE`]; a page shorter than the size asked
    /// for is the last one. A size of 0 asks nothing and returns nothing.
    pub async fn albums_page(
        &self,
        offset: u32,
        size: u32,
    ) -> Result<Vec<AlbumListing>, ProviderError> {
        self.album_list("alphabeticalByName", offset, size).await
    }

    /// One page of the albums played most recently first (`getAlbumList2?type=recent`):
    /// only albums with at least one play are listed.
    pub async fn recent_albums(
        &self,
        offset: u32,
        size: u32,
    ) -> Result<Vec<AlbumListing>, ProviderError> {
        self.album_list("recent", offset, size).await
    }

    /// The songs of album `id` (`getAlbum`), with each song's last play.
    ///
    /// An album the server no longer knows (Subsonic error 70) has no songs: it was
    /// deleted (or rescanned under a new id) between the listing and this call, which
    /// a sync of a live library must expect. It is `Ok(empty)` rather than an error so
    /// one vanished album does not fail (and endlessly retry) the whole sync; the next
    /// complete listing no longer holds it and deletes it.
    pub async fn album_songs(&self, id: &str) -> Result<Vec<AlbumSong>, ProviderError> {
        match self
            .client
            .get_json(self.username, self.password, "getAlbum", &[("id", id)])
            .await
        {
            Ok(response) => parse_album_songs(&response, id),
            Err(SubsonicError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(map_error(e)),
        }
    }

    /// [`Navidrome::album_songs`] without the last plays.
    pub async fn album_tracks(&self, id: &str) -> Result<Vec<LibraryTrack>, ProviderError> {
        Ok(self
            .album_songs(id)
            .await?
            .into_iter()
            .map(|s| s.track)
            .collect())
    }

    /// What every user of the server is playing now (`getNowPlaying`).
    pub async fn now_playing(&self) -> Result<Vec<NowPlaying>, ProviderError> {
        let response = self.call("getNowPlaying", &[]).await?;
        parse_now_playing(&response)
    }

    /// The user's playlists (`getPlaylists`), their songs not included.
    pub async fn playlists(&self) -> Result<Vec<NavPlaylist>, ProviderError> {
        let response = self.call("getPlaylists", &[]).await?;
        parse_playlists(&response)
    }

    /// One playlist with its songs in order (`getPlaylist`); `None` when the server
    /// does not know it (deleted there).
    pub async fn playlist(
        &self,
        id: &str,
    ) -> Result<Option<(NavPlaylist, Vec<LibraryTrack>)>, ProviderError> {
        match self
            .client
            .get_json(self.username, self.password, "getPlaylist", &[("id", id)])
            .await
        {
            Ok(response) => parse_playlist(&response).map(Some),
            Err(SubsonicError::NotFound { .. }) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Creates a playlist holding `song_ids` in order and returns its id. Newer
    /// servers answer with the playlist; older ones (Subsonic before 1.14, Supysonic)
    /// answer empty, and the new playlist is found by listing them again: the one of
    /// that name that was not there before.
    pub async fn create_playlist(
        &self,
        name: &str,
        comment: &str,
        song_ids: &[String],
    ) -> Result<String, ProviderError> {
        let before: Vec<String> = self.playlists().await?.into_iter().map(|p| p.id).collect();
        let mut chunks = song_ids.chunks(SONGS_PER_REQUEST);
        let first = chunks.next().unwrap_or_default();
        let mut params = vec![("name", name)];
        params.extend(first.iter().map(|id| ("songId", id.as_str())));
        let response = self.call("createPlaylist", &params).await?;
        let id = match response.get("playlist").and_then(|p| text(p.get("id"))) {
            Some(id) => id,
            None => self
                .playlists()
                .await?
                .into_iter()
                .find(|p| p.name == name && !before.contains(&p.id))
                .map(|p| p.id)
                .ok_or_else(|| {
                    ProviderError::malformed("the server did not list the playlist it created")
                })?,
        };
        for chunk in chunks {
            self.update_playlist(&id, None, None, chunk).await?;
        }
        if !comment.is_empty() {
            self.update_playlist(&id, None, Some(comment), &[]).await?;
        }
        Ok(id)
    }

    /// Replaces playlist `id`'s songs with `song_ids` in order, keeping its id
    /// (`createPlaylist?playlistId=…`, which Subsonic defines as a replace), then sets
    /// its name and comment (`updatePlaylist`).
    pub async fn replace_playlist(
        &self,
        id: &str,
        name: &str,
        comment: &str,
        song_ids: &[String],
    ) -> Result<(), ProviderError> {
        let mut chunks = song_ids.chunks(SONGS_PER_REQUEST);
        let first = chunks.next().unwrap_or_default();
        let mut params = vec![("playlistId", id)];
        params.extend(first.iter().map(|s| ("songId", s.as_str())));
        self.call("createPlaylist", &params).await?;
        for chunk in chunks {
            self.update_playlist(id, None, None, chunk).await?;
        }
        self.update_playlist(id, Some(name), Some(comment).filter(|c| !c.is_empty()), &[])
            .await
    }

    /// `updatePlaylist`: a new name or comment, and songs appended.
    async fn update_playlist(
        &self,
        id: &str,
        name: Option<&str>,
        comment: Option<&str>,
        add: &[String],
    ) -> Result<(), ProviderError> {
        let mut params = vec![("playlistId", id)];
        if let Some(name) = name {
            params.push(("name", name));
        }
        if let Some(comment) = comment {
            params.push(("comment", comment));
        }
        params.extend(add.iter().map(|s| ("songIdToAdd", s.as_str())));
        self.call("updatePlaylist", &params).await.map(drop)
    }

    /// Deletes playlist `id`; false when the server did not know it.
    pub async fn delete_playlist(&self, id: &str) -> Result<bool, ProviderError> {
        match self
            .client
            .get_json(
                self.username,
                self.password,
                "deletePlaylist",
                &[("id", id)],
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(SubsonicError::NotFound { .. }) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }

    async fn album_list(
        &self,
        kind: &str,
        offset: u32,
        size: u32,
    ) -> Result<Vec<AlbumListing>, ProviderError> {
        let size = size.min(ALBUM_PAGE_SIZE);
        if size == 0 {
            return Ok(Vec::new());
        }
        let (size, offset) = (size.to_string(), offset.to_string());
        let params = [("type", kind), ("size", &size), ("offset", &offset)];
        let response = self.call("getAlbumList2", &params).await?;
        parse_album_list(&response)
    }

    async fn call(&self, endpoint: &str, params: &[(&str, &str)]) -> Result<Value, ProviderError> {
        self.client
            .get_json(self.username, self.password, endpoint, params)
            .await
            .map_err(map_error)
    }
}

/// Maps a Subsonic failure to what the scheduler acts on (see the module docs).
pub fn map_error(e: SubsonicError) -> ProviderError {
    match e {
        SubsonicError::WrongCredentials { .. } => ProviderError::Unauthorized {
            reason: "the Navidrome server refused the username or password".into(),
        },
        SubsonicError::HttpStatus { status: 429 } => ProviderError::RateLimited { wait: None },
        e if e.is_unavailable() => ProviderError::Unavailable {
            detail: e.to_string(),
        },
        e @ (SubsonicError::Malformed { .. } | SubsonicError::BodyTooLarge { .. }) => {
            ProviderError::Malformed {
                detail: e.to_string(),
            }
        }
        e @ (SubsonicError::InvalidBaseUrl { .. }
        | SubsonicError::InvalidRequest { .. }
        | SubsonicError::Client { .. }) => ProviderError::Refused {
            detail: e.to_string(),
        },
        e => ProviderError::Unavailable {
            detail: e.to_string(),
        },
    }
}

// ---------------------------------------------------------------------------------
// Parsing (pure, on the `subsonic-response` object)

/// The container object `key` of a response; its absence is a malformed answer.
fn container<'v>(response: &'v Value, key: &str) -> Result<&'v Value, ProviderError> {
    match response.get(key) {
        Some(v @ Value::Object(_)) => Ok(v),
        _ => Err(ProviderError::malformed(format!(
            "the response has no \"{key}\" object"
        ))),
    }
}

/// A list that may be missing (empty), `null`, a single object or an array.
fn one_or_many(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let items: &[Value] = match value {
        Some(Value::Array(items)) => items,
        Some(v @ Value::Object(_)) => std::slice::from_ref(v),
        _ => &[],
    };
    items.iter().filter(|v| v.is_object())
}

/// Text from a string or a number; blank is `None`.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An integer from a number (floats truncated) or a numeric string.
fn int(value: Option<&Value>) -> Option<i64> {
    let finite = |f: f64| (f.is_finite() && f.abs() < 9.0e15).then_some(f.trunc() as i64);
    match value? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().and_then(finite)),
        Value::String(s) => {
            let s = s.trim();
            s.parse().ok().or_else(|| s.parse().ok().and_then(finite))
        }
        _ => None,
    }
}

fn positive(value: Option<&Value>) -> Option<i64> {
    int(value).filter(|n| *n > 0)
}

/// Seconds (possibly fractional, e.g. `215.4`) as milliseconds; unknown (≤ 0) is `None`.
fn duration_ms(value: Option<&Value>) -> Option<i64> {
    let secs = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs > 0.0 && secs < 1.0e12).then(|| (secs * 1000.0).round() as i64)
}

/// A last-play time; servers that emit a zero time for "never" (before 1970) mean none.
fn played(value: Option<&Value>) -> Option<i64> {
    value
        .and_then(Value::as_str)
        .and_then(parse_timestamp)
        .filter(|t| *t > 0)
}

/// The first non-blank ISRC of an array (OpenSubsonic) or a string, upper-cased.
fn isrc(value: Option<&Value>) -> Option<String> {
    let first = match value? {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .find(|s| !s.trim().is_empty())?,
        Value::String(s) => s.as_str(),
        _ => return None,
    };
    Some(first.trim().to_ascii_uppercase()).filter(|s| !s.is_empty())
}

fn mbid(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub(crate) fn parse_artists(response: &Value) -> Result<Vec<LibraryArtist>, ProviderError> {
    let artists = container(response, "artists")?;
    Ok(one_or_many(artists.get("index"))
        .flat_map(|index| one_or_many(index.get("artist")))
        .filter_map(|a| {
            Some(LibraryArtist {
                id: text(a.get("id"))?,
                name: text(a.get("name"))?,
                album_count: int(a.get("albumCount")).unwrap_or(0).max(0),
                mbid: mbid(a.get("musicBrainzId")),
            })
        })
        .collect())
}

pub(crate) fn parse_album_list(response: &Value) -> Result<Vec<AlbumListing>, ProviderError> {
    let list = container(response, "albumList2")?;
    Ok(one_or_many(list.get("album"))
        .filter_map(|a| {
            Some(AlbumListing {
                album: listed_album(a)?,
                played_at: played(a.get("played")),
            })
        })
        .collect())
}

/// A `LibraryAlbum` from an AlbumID3 object (a listing entry or `getAlbum`'s album).
fn listed_album(a: &Value) -> Option<LibraryAlbum> {
    let id = text(a.get("id"))?;
    let name = text(a.get("name"))?;
    let artist = text(a.get("artist")).unwrap_or_default();
    let artist_id = text(a.get("artistId"));
    let year = positive(a.get("year"));
    let song_count = int(a.get("songCount")).unwrap_or(0).max(0);
    let raw = |key: &str| text(a.get(key)).unwrap_or_default();
    let fingerprint = fingerprint(&[
        FINGERPRINT_VERSION,
        &name,
        &artist,
        artist_id.as_deref().unwrap_or_default(),
        &song_count.to_string(),
        &int(a.get("duration"))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        &raw("created"),
        &raw("changed"),
        &year.map(|y| y.to_string()).unwrap_or_default(),
    ]);
    Some(LibraryAlbum {
        id,
        name,
        artist,
        artist_id,
        year,
        song_count,
        fingerprint,
    })
}

/// Hex of the first [`FINGERPRINT_BYTES`] of SHA-256 over `fields` joined with U+001F.
fn fingerprint(fields: &[&str]) -> String {
    let mut sha = Sha256::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            let mut buf = [0u8; 4];
            sha.update(FIELD_SEPARATOR.encode_utf8(&mut buf).as_bytes());
        }
        sha.update(field.as_bytes());
    }
    hex::encode(&sha.finalize()[..FINGERPRINT_BYTES])
}

pub(crate) fn parse_album_songs(
    response: &Value,
    requested_id: &str,
) -> Result<Vec<AlbumSong>, ProviderError> {
    let album = container(response, "album")?;
    let album_id = text(album.get("id")).unwrap_or_else(|| requested_id.to_string());
    let album_name = text(album.get("name")).unwrap_or_default();
    Ok(one_or_many(album.get("song"))
        .filter_map(|s| {
            Some(AlbumSong {
                track: song(s, &album_id, &album_name)?,
                played_at: played(s.get("played")),
            })
        })
        .collect())
}

/// A `LibraryTrack` from a Child object; the album's id and name fill in for songs
/// that do not repeat them.
fn song(s: &Value, album_id: &str, album_name: &str) -> Option<LibraryTrack> {
    Some(LibraryTrack {
        id: text(s.get("id"))?,
        title: text(s.get("title"))?,
        album_id: text(s.get("albumId")).unwrap_or_else(|| album_id.to_string()),
        artist: text(s.get("artist")).unwrap_or_default(),
        album: text(s.get("album")).unwrap_or_else(|| album_name.to_string()),
        track_no: positive(s.get("track")),
        disc_no: positive(s.get("discNumber")),
        duration_ms: duration_ms(s.get("duration")),
        isrc: isrc(s.get("isrc")),
        mbid: mbid(s.get("musicBrainzId")),
        path: text(s.get("path")),
    })
}

fn nav_playlist(p: &Value) -> Option<NavPlaylist> {
    Some(NavPlaylist {
        id: text(p.get("id"))?,
        name: text(p.get("name"))?,
        comment: text(p.get("comment")).unwrap_or_default(),
        owner: text(p.get("owner")),
        song_count: int(p.get("songCount"))
            .unwrap_or(0)
            .clamp(0, u32::MAX as i64) as u32,
        changed: text(p.get("changed")),
    })
}

pub(crate) fn parse_playlists(response: &Value) -> Result<Vec<NavPlaylist>, ProviderError> {
    let list = container(response, "playlists")?;
    Ok(one_or_many(list.get("playlist"))
        .filter_map(nav_playlist)
        .collect())
}

pub(crate) fn parse_playlist(
    response: &Value,
) -> Result<(NavPlaylist, Vec<LibraryTrack>), ProviderError> {
    let p = container(response, "playlist")?;
    let playlist =
        nav_playlist(p).ok_or_else(|| ProviderError::malformed("a playlist without an id"))?;
    let songs = one_or_many(p.get("entry"))
        .filter_map(|s| song(s, "", ""))
        .collect();
    Ok((playlist, songs))
}

pub(crate) fn parse_now_playing(response: &Value) -> Result<Vec<NowPlaying>, ProviderError> {
    let now = container(response, "nowPlaying")?;
    Ok(one_or_many(now.get("entry"))
        .filter_map(|e| {
            Some(NowPlaying {
                track: song(e, "", "")?,
                username: text(e.get("username")).unwrap_or_default(),
                minutes_ago: int(e.get("minutesAgo")).unwrap_or(0).max(0),
            })
        })
        .collect())
}

// ---------------------------------------------------------------------------------
// Timestamps

/// Unix seconds of an RFC 3339 timestamp, or of Python's zone-less `isoformat()`
/// (Supysonic) read as UTC; see [`super::timestamp::lenient_secs`].
pub fn parse_timestamp(text: &str) -> Option<i64> {
    super::timestamp::lenient_secs(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn timestamps_parse_rfc3339_and_zoneless_isoformat() {
        let t = 1_714_566_896; // 2024-05-01T12:34:56Z
        for (text, expected) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2024-05-01T12:34:56Z", t),
            ("2024-05-01T12:34:56.789Z", t),
            ("2024-05-01t12:34:56.7z", t),
            ("2024-05-01T12:34:56.123456789Z", t),
            ("2024-05-01T14:34:56.123456+02:00", t),
            ("2024-05-01T10:04:56-02:30", t),
            ("2024-05-01T12:34:56", t),
            ("2024-05-01T12:34:56.123456", t),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("2016-12-31T23:59:60Z", 1_483_228_799),
            ("1969-12-31T23:59:59Z", -1),
            ("0001-01-01T00:00:00Z", -62_135_596_800),
        ] {
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01 12:34:56",
            "2024-05-01T12:34",
            "2024-05-01T12:34:56.",
            "2024-05-01T12:34:56.Z",
            "2024-13-01T12:34:56Z",
            "2023-02-29T12:34:56Z",
            "2024-04-31T12:34:56Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:60:00Z",
            "2024-05-01T12:34:56+0200",
            "2024-05-01T12:34:56+24:00",
            "2024-05-01T12:34:56Zjunk",
            "2024-05-01T12:34:56 ",
            "+024-05-01T12:34:56Z",
            "2024-05-01T12:34:56.789ZZ",
            "1714566896",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn artists_accept_arrays_single_objects_and_missing_lists() {
        let response = json!({"artists": {"ignoredArticles": "The", "index": [
            {"name": "A", "artist": [
                {"id": "ar1", "name": "Alpha", "albumCount": 3,
                 "musicBrainzId": "b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d"},
                {"id": 2, "name": "Beta", "albumCount": "4", "musicBrainzId": ""},
                {"name": "no id"},
                {"id": "ar4"},
                "not an object"
            ]},
            {"name": "G", "artist": {"id": "ar5", "name": "Gamma"}},
            {"name": "Z"}
        ]}});
        let artists = parse_artists(&response).unwrap();
        assert_eq!(
            artists,
            vec![
                LibraryArtist {
                    id: "ar1".into(),
                    name: "Alpha".into(),
                    album_count: 3,
                    mbid: Some("b10bbbfc-cf9e-42e0-be17-e2c3e1d2600d".into()),
                },
                LibraryArtist {
                    id: "2".into(),
                    name: "Beta".into(),
                    album_count: 4,
                    mbid: None,
                },
                LibraryArtist {
                    id: "ar5".into(),
                    name: "Gamma".into(),
                    album_count: 0,
                    mbid: None,
                },
            ]
        );

        // A single index object; an empty library (Supysonic drops empty lists).
        let single =
            json!({"artists": {"index": {"name": "A", "artist": {"id": "x", "name": "X"}}}});
        assert_eq!(parse_artists(&single).unwrap().len(), 1);
        let empty = json!({"artists": {"ignoredArticles": "The"}});
        assert!(parse_artists(&empty).unwrap().is_empty());
        // No container at all is not a Subsonic getArtists answer.
        assert!(matches!(
            parse_artists(&json!({"status": "ok"})),
            Err(ProviderError::Malformed { .. })
        ));
        assert!(matches!(
            parse_artists(&json!({"artists": []})),
            Err(ProviderError::Malformed { .. })
        ));
    }

    fn navidrome_album() -> Value {
        json!({
            "id": "al1", "name": "Geogaddi", "artist": "Boards of Canada",
            "artistId": "ar1", "songCount": 23, "duration": 4003,
            "created": "2023-01-02T03:04:05.678Z", "changed": "2024-02-03T04:05:06Z",
            "year": 2002, "played": "2024-05-01T12:34:56.789Z", "genre": "IDM"
        })
    }

    #[test]
    fn album_listings_parse_leniently() {
        let response = json!({"albumList2": {"album": [
            navidrome_album(),
            {"id": 7, "name": "Strings", "artist": "X", "songCount": "12",
             "year": "0", "created": "2024-05-01T12:34:56.123456"},
            {"id": "no-name"},
            {"name": "no id"}
        ]}});
        let albums = parse_album_list(&response).unwrap();
        assert_eq!(albums.len(), 2);
        let a = &albums[0];
        assert_eq!(a.played_at, Some(1_714_566_896));
        assert_eq!(
            (
                a.album.id.as_str(),
                a.album.name.as_str(),
                a.album.artist.as_str(),
                a.album.artist_id.as_deref(),
                a.album.year,
                a.album.song_count
            ),
            (
                "al1",
                "Geogaddi",
                "Boards of Canada",
                Some("ar1"),
                Some(2002),
                23
            )
        );
        assert_eq!(a.album.fingerprint.len(), FINGERPRINT_BYTES * 2);
        assert!(a.album.fingerprint.bytes().all(|c| c.is_ascii_hexdigit()));
        let b = &albums[1];
        assert_eq!(
            (b.album.id.as_str(), b.album.song_count, b.album.year),
            ("7", 12, None)
        );
        assert_eq!((b.album.artist_id.as_deref(), b.played_at), (None, None));

        let single = json!({"albumList2": {"album": navidrome_album()}});
        assert_eq!(parse_album_list(&single).unwrap().len(), 1);
        assert!(
            parse_album_list(&json!({"albumList2": {}}))
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            parse_album_list(&json!({"albumList": {}})),
            Err(ProviderError::Malformed { .. })
        ));
    }

    #[test]
    fn fingerprints_move_with_the_listing_but_not_with_plays_or_extras() {
        let base = parse_album_list(&json!({"albumList2": {"album": navidrome_album()}}))
            .unwrap()
            .remove(0)
            .album
            .fingerprint;
        let print = |key: &str, value: Value| {
            let mut a = navidrome_album();
            a[key] = value;
            parse_album_list(&json!({"albumList2": {"album": a}}))
                .unwrap()
                .remove(0)
                .album
                .fingerprint
        };
        for (key, value) in [
            ("name", json!("Geogaddi (Deluxe)")),
            ("artist", json!("BoC")),
            ("artistId", json!("ar2")),
            ("songCount", json!(24)),
            ("duration", json!(4004)),
            ("created", json!("2023-01-02T03:04:06Z")),
            ("changed", json!("2024-02-03T04:05:07Z")),
            ("year", json!(2003)),
        ] {
            assert_ne!(print(key, value.clone()), base, "{key} = {value}");
        }
        // Same values, other encodings or fields outside the fingerprint: unchanged.
        assert_eq!(print("songCount", json!("23")), base);
        assert_eq!(print("played", json!("2025-01-01T00:00:00Z")), base);
        assert_eq!(print("genre", json!("Electronic")), base);
        assert_eq!(print("id", json!("al1")), base);
        // Fields do not bleed into each other across the separator.
        assert_ne!(
            fingerprint(&["ab", "c"]),
            fingerprint(&["a", "bc"]),
            "separated"
        );
    }

    #[test]
    fn album_songs_parse_every_field_and_quirk() {
        let response = json!({"album": {
            "id": "al1", "name": "Geogaddi", "song": [
                {"id": "s1", "title": "Music Is Math", "artist": "Boards of Canada",
                 "album": "Geogaddi", "albumId": "al1", "track": 3, "discNumber": 1,
                 "duration": 321, "isrc": ["gbaaa0200001", "GBAAA0200002"],
                 "musicBrainzId": "9e8f3d3a-1b2c-4d5e-8f90-123456789abc",
                 "played": "2024-05-01T12:34:56.789Z"},
                {"id": 2, "title": "Dawn Chorus", "track": "4", "discNumber": "2",
                 "duration": "215.4", "isrc": " USUM71703861 ", "musicBrainzId": "",
                 "played": "2024-05-01T14:34:56+02:00"},
                {"id": "s3", "title": "Zero", "track": 0, "discNumber": 0, "duration": 0,
                 "isrc": [], "played": "0001-01-01T00:00:00Z"},
                {"id": "s4", "title": "Garbage", "track": "x", "duration": "long",
                 "isrc": 12, "played": "yesterday"},
                {"id": "no-title"},
                {"title": "no id"}
            ]
        }});
        let songs = parse_album_songs(&response, "al1").unwrap();
        assert_eq!(songs.len(), 4);
        assert_eq!(
            songs[0],
            AlbumSong {
                track: LibraryTrack {
                    id: "s1".into(),
                    album_id: "al1".into(),
                    title: "Music Is Math".into(),
                    artist: "Boards of Canada".into(),
                    album: "Geogaddi".into(),
                    track_no: Some(3),
                    disc_no: Some(1),
                    duration_ms: Some(321_000),
                    isrc: Some("GBAAA0200001".into()),
                    mbid: Some("9e8f3d3a-1b2c-4d5e-8f90-123456789abc".into()),
                    path: None,
                },
                played_at: Some(1_714_566_896),
            }
        );
        // Missing album fields come from the album; strings and floats are numbers.
        let t = &songs[1].track;
        assert_eq!(
            (
                t.id.as_str(),
                t.album_id.as_str(),
                t.album.as_str(),
                t.artist.as_str()
            ),
            ("2", "al1", "Geogaddi", "")
        );
        assert_eq!(
            (t.track_no, t.disc_no, t.duration_ms),
            (Some(4), Some(2), Some(215_400))
        );
        assert_eq!(
            (t.isrc.as_deref(), t.mbid.as_deref()),
            (Some("USUM71703861"), None)
        );
        assert_eq!(songs[1].played_at, Some(1_714_566_896));
        // Zero means unknown; a zero time means never played.
        let t = &songs[2].track;
        assert_eq!(
            (t.track_no, t.disc_no, t.duration_ms, t.isrc.as_deref()),
            (None, None, None, None)
        );
        assert_eq!(songs[2].played_at, None);
        let t = &songs[3].track;
        assert_eq!(
            (t.track_no, t.duration_ms, t.isrc.as_deref()),
            (None, None, None)
        );
        assert_eq!(songs[3].played_at, None);

        // A single song object; an album without songs; the requested id as fallback.
        let single = json!({"album": {"name": "One", "song": {"id": "x", "title": "Only"}}});
        let songs = parse_album_songs(&single, "req").unwrap();
        assert_eq!(
            (
                songs[0].track.album_id.as_str(),
                songs[0].track.album.as_str()
            ),
            ("req", "One")
        );
        assert!(
            parse_album_songs(&json!({"album": {"id": "e"}}), "e")
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            parse_album_songs(&json!({"directory": {}}), "e"),
            Err(ProviderError::Malformed { .. })
        ));
    }

    #[test]
    fn a_played_song_becomes_a_listen() {
        let song = AlbumSong {
            track: LibraryTrack {
                id: "s1".into(),
                album_id: "al1".into(),
                title: "T".into(),
                artist: "A".into(),
                album: String::new(),
                track_no: Some(1),
                disc_no: None,
                duration_ms: Some(1000),
                isrc: Some("ISRC".into()),
                mbid: Some("mbid".into()),
                path: None,
            },
            played_at: Some(1_700_000_000),
        };
        let listen = song.listen().unwrap();
        assert_eq!(listen.source_ref, "s1:1700000000");
        assert_eq!(listen.album, None);
        assert_eq!(
            (listen.isrc.as_deref(), listen.recording_mbid.as_deref()),
            (Some("ISRC"), Some("mbid"))
        );
        let never = AlbumSong {
            played_at: None,
            ..song
        };
        assert_eq!(never.listen(), None);
    }

    #[test]
    fn now_playing_entries_may_be_missing_single_or_many() {
        // Supysonic: minutesAgo is a float, ids are numbers-as-strings.
        let entry = json!({"id": "12", "title": "Opening", "artist": "Alpha Artist",
            "album": "First Album", "albumId": "3", "duration": 1, "username": "alice",
            "minutesAgo": 0.35, "playerId": 0});
        let one = parse_now_playing(&json!({"nowPlaying": {"entry": entry.clone()}})).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(
            (
                one[0].username.as_str(),
                one[0].minutes_ago,
                one[0].track.album_id.as_str()
            ),
            ("alice", 0, "3")
        );
        let mut later = entry.clone();
        later["minutesAgo"] = json!("2");
        let many =
            parse_now_playing(&json!({"nowPlaying": {"entry": [entry, later, {"id": "x"}]}}))
                .unwrap();
        assert_eq!(
            many.iter().map(|n| n.minutes_ago).collect::<Vec<_>>(),
            [0, 2]
        );
        assert!(
            parse_now_playing(&json!({"nowPlaying": {}}))
                .unwrap()
                .is_empty()
        );
        assert!(
            parse_now_playing(&json!({"nowPlaying": {"entry": []}}))
                .unwrap()
                .is_empty()
        );
        assert!(parse_now_playing(&json!({})).is_err());
    }

    #[test]
    fn subsonic_errors_map_to_provider_errors_without_secrets() {
        let unauthorized = map_error(SubsonicError::from_code(40, Some("hunter2".into())));
        assert!(unauthorized.is_fatal(), "{unauthorized:?}");
        assert!(!unauthorized.to_string().contains("hunter2"));
        for e in [
            SubsonicError::Timeout,
            SubsonicError::Unreachable {
                detail: "connection refused".into(),
            },
            SubsonicError::HttpStatus { status: 503 },
            SubsonicError::HttpStatus { status: 404 },
            SubsonicError::from_code(0, None),
            SubsonicError::from_code(10, None),
            SubsonicError::from_code(30, None),
            SubsonicError::from_code(41, None),
            SubsonicError::from_code(50, None),
            SubsonicError::from_code(70, None),
        ] {
            let shown = format!("{e:?}");
            let mapped = map_error(e);
            assert!(
                matches!(mapped, ProviderError::Unavailable { .. }),
                "{shown} -> {mapped:?}"
            );
            assert!(!mapped.is_fatal());
        }
        assert!(matches!(
            map_error(SubsonicError::HttpStatus { status: 429 }),
            ProviderError::RateLimited { .. }
        ));
        for e in [
            SubsonicError::Malformed {
                detail: "not JSON".into(),
            },
            SubsonicError::BodyTooLarge { limit: 10 },
        ] {
            assert!(matches!(map_error(e), ProviderError::Malformed { .. }));
        }
        for e in [
            SubsonicError::InvalidBaseUrl { reason: "x" },
            SubsonicError::InvalidRequest { reason: "x" },
            SubsonicError::Client { detail: "x".into() },
        ] {
            assert!(matches!(map_error(e), ProviderError::Refused { .. }));
        }
    }
}
