//! `spotter playlists list` and `show`: columns for people, JSON lines for
//! scripts.

use serde::Serialize;
use spotter_proto::v1::{MatchMethod, Playlist, PlaylistEntry, navidrome_sync, playlist};

use crate::safe_text::escape_controls;

/// Where a playlist stands with Navidrome, as printed.
pub fn navidrome_key(p: &Playlist) -> &'static str {
    use navidrome_sync::State;
    match p.navidrome.as_ref().map_or(State::NotPushed, |n| n.state()) {
        State::Unspecified | State::NotPushed => "not_pushed",
        State::InSync => "in_sync",
        State::Pending => "pending",
        State::ChangedInNavidrome => "changed_in_navidrome",
        State::Missing => "missing",
        State::Failed => "failed",
    }
}

pub fn method_key(method: MatchMethod) -> &'static str {
    match method {
        MatchMethod::Unspecified | MatchMethod::None => "none",
        MatchMethod::Isrc => "isrc",
        MatchMethod::Mbid => "mbid",
        MatchMethod::Exact => "exact",
        MatchMethod::Fuzzy => "fuzzy",
        MatchMethod::SongId => "song_id",
        MatchMethod::Path => "path",
        MatchMethod::Manual => "manual",
        MatchMethod::NotInLibrary => "not_in_library",
    }
}

/// matched | unmatched | not_in_library | review (matched or not, worth a look).
pub fn status_key(e: &PlaylistEntry) -> &'static str {
    if e.method() == MatchMethod::NotInLibrary {
        "not_in_library"
    } else if e.needs_review {
        "review"
    } else if e.song.is_some() {
        "matched"
    } else {
        "unmatched"
    }
}

#[derive(Debug, Serialize)]
pub struct PlaylistLine<'a> {
    pub id: i64,
    pub name: &'a str,
    pub source: &'static str,
    pub active: bool,
    pub editable: bool,
    pub entries: u32,
    pub matched: u32,
    pub not_in_library: u32,
    pub to_review: u32,
    pub navidrome: &'static str,
    pub navidrome_playlist_id: &'a str,
}

impl<'a> From<&'a Playlist> for PlaylistLine<'a> {
    fn from(p: &'a Playlist) -> Self {
        PlaylistLine {
            id: p.id,
            name: &p.name,
            source: p.source().key(),
            active: p.state() != playlist::State::Inactive,
            editable: p.editable,
            entries: p.entries,
            matched: p.matched,
            not_in_library: p.not_in_library,
            to_review: p.to_review,
            navidrome: navidrome_key(p),
            navidrome_playlist_id: p.navidrome.as_ref().map_or("", |n| &n.playlist_id),
        }
    }
}

#[derive(Debug, Serialize, PartialEq)]
pub struct SongLine<'a> {
    pub id: &'a str,
    pub artist: &'a str,
    pub title: &'a str,
    pub album: &'a str,
}

/// One entry of `spotter playlists show --json`.
#[derive(Debug, Serialize)]
pub struct EntryLine<'a> {
    /// 1-based, as shown everywhere else.
    pub position: u32,
    pub artist: &'a str,
    pub title: &'a str,
    pub album: &'a str,
    pub status: &'static str,
    pub method: &'static str,
    pub confidence: f32,
    /// The matched library song; null when none.
    pub song: Option<SongLine<'a>>,
}

impl<'a> From<&'a PlaylistEntry> for EntryLine<'a> {
    fn from(e: &'a PlaylistEntry) -> Self {
        EntryLine {
            position: e.position + 1,
            artist: &e.artist,
            title: &e.title,
            album: &e.album,
            status: status_key(e),
            method: method_key(e.method()),
            // Two decimals: the float's noise is not information.
            confidence: (e.confidence * 100.0).round() / 100.0,
            song: e.song.as_ref().map(|s| SongLine {
                id: &s.id,
                artist: &s.artist,
                title: &s.title,
                album: &s.album,
            }),
        }
    }
}

/// `list` as columns.
pub fn playlist_row(p: &Playlist) -> String {
    let share = if p.entries == 0 {
        "-".to_owned()
    } else {
        format!("{}%", u64::from(p.matched) * 100 / u64::from(p.entries))
    };
    let inactive = if p.state() == playlist::State::Inactive {
        " (inactive)"
    } else {
        ""
    };
    format!(
        "{:>5}  {:<12}  {:>7}  {:>7}  {:<20}  {}{inactive}\n",
        p.id,
        p.source().key(),
        p.entries,
        share,
        navidrome_key(p),
        escape_controls(&p.name)
    )
}

pub const PLAYLIST_HEADER: &str =
    "   ID  SOURCE        ENTRIES  MATCHED  NAVIDROME             NAME\n";

/// `show` as lines: position, status, the entry, and the song it matched.
pub fn entry_row(e: &PlaylistEntry) -> String {
    let mut line = format!(
        "{:>4}  {:<14}  {} – {}",
        e.position + 1,
        status_key(e),
        escape_controls(&e.artist),
        escape_controls(&e.title)
    );
    if !e.album.is_empty() {
        line.push_str(&format!(" ({})", escape_controls(&e.album)));
    }
    if let Some(s) = &e.song {
        line.push_str(&format!(
            "  → {} – {} [{} {:.0}%]",
            escape_controls(&s.artist),
            escape_controls(&s.title),
            method_key(e.method()),
            e.confidence * 100.0
        ));
    }
    line.push('\n');
    line
}
