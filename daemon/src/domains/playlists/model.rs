//! What a playlist is made of, as sources, files, the matcher and the store exchange
//! it: where a playlist comes from, an entry as read, and how an entry was matched.

use spotter_proto::v1;

use crate::music_text::matching::fold::{parse_artists, parse_title};

/// Where a playlist comes from (`playlists.source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Local,
    File,
    Spotify,
    ListenBrainz,
    Navidrome,
}

impl Source {
    pub const ALL: [Source; 5] = [
        Source::Local,
        Source::File,
        Source::Spotify,
        Source::ListenBrainz,
        Source::Navidrome,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Local => "local",
            Source::File => "file",
            Source::Spotify => "spotify",
            Source::ListenBrainz => "listenbrainz",
            Source::Navidrome => "navidrome",
        }
    }

    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Local and file playlists are edited here; imported ones follow their source.
    pub const fn editable(self) -> bool {
        matches!(self, Source::Local | Source::File)
    }
}

impl From<Source> for v1::playlist::Source {
    fn from(s: Source) -> Self {
        match s {
            Source::Local => Self::Local,
            Source::File => Self::File,
            Source::Spotify => Self::Spotify,
            Source::ListenBrainz => Self::Listenbrainz,
            Source::Navidrome => Self::Navidrome,
        }
    }
}

/// How an entry was matched (`playlist_entries.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Isrc,
    Mbid,
    Exact,
    Fuzzy,
    /// The entry names a library song by id (a Navidrome playlist, a song added here).
    SongId,
    /// An M3U line naming a library file.
    Path,
    /// Chosen by the user.
    Manual,
    /// Nothing reached the threshold.
    None,
    /// The user said it is not in their library.
    NotInLibrary,
}

impl Method {
    pub const ALL: [Method; 9] = [
        Method::Isrc,
        Method::Mbid,
        Method::Exact,
        Method::Fuzzy,
        Method::SongId,
        Method::Path,
        Method::Manual,
        Method::None,
        Method::NotInLibrary,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Isrc => "isrc",
            Method::Mbid => "mbid",
            Method::Exact => "exact",
            Method::Fuzzy => "fuzzy",
            Method::SongId => "song_id",
            Method::Path => "path",
            Method::Manual => "manual",
            Method::None => "none",
            Method::NotInLibrary => "not_in_library",
        }
    }

    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The matcher's method for an automatic match.
    pub fn of(m: crate::music_text::matching::Method) -> Method {
        use crate::music_text::matching::Method as M;
        match m {
            M::Isrc => Method::Isrc,
            M::Mbid => Method::Mbid,
            M::Exact => Method::Exact,
            M::Fuzzy => Method::Fuzzy,
            M::None => Method::None,
        }
    }
}

impl From<Method> for v1::MatchMethod {
    fn from(m: Method) -> Self {
        match m {
            Method::Isrc => Self::Isrc,
            Method::Mbid => Self::Mbid,
            Method::Exact => Self::Exact,
            Method::Fuzzy => Self::Fuzzy,
            Method::SongId => Self::SongId,
            Method::Path => Self::Path,
            Method::Manual => Self::Manual,
            Method::None => Self::None,
            Method::NotInLibrary => Self::NotInLibrary,
        }
    }
}

/// What a playlist entry's `source_ref` names: a library song, a file, or a track at
/// a provider (only an identity there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    /// A library song id (Navidrome playlists, songs added here): matched directly.
    Song(String),
    /// A file path from an M3U line: matched against library paths.
    Path(String),
    /// A Spotify track id.
    Spotify(String),
    /// A ListenBrainz/JSPF track identifier (a URL).
    Identifier(String),
}

impl SourceRef {
    /// The stored form: `song:ID`, `path:P`, `spotify:ID`, `id:URL`.
    pub fn to_stored(&self) -> String {
        match self {
            SourceRef::Song(s) => format!("song:{s}"),
            SourceRef::Path(s) => format!("path:{s}"),
            SourceRef::Spotify(s) => format!("spotify:{s}"),
            SourceRef::Identifier(s) => format!("id:{s}"),
        }
    }

    pub fn from_stored(stored: &str) -> Option<SourceRef> {
        let (kind, rest) = stored.split_once(':')?;
        let rest = rest.to_owned();
        Some(match kind {
            "song" => SourceRef::Song(rest),
            "path" => SourceRef::Path(rest),
            "spotify" => SourceRef::Spotify(rest),
            "id" => SourceRef::Identifier(rest),
            _ => return None,
        })
    }
}

/// A playlist entry as a source or a file gives it, before matching.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewEntry {
    /// The artist credit as given ("Calvin Harris, Rihanna"); several artists of a
    /// source are joined with ", ".
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    /// MusicBrainz recording id.
    pub mbid: Option<String>,
    pub source_ref: Option<SourceRef>,
}

impl NewEntry {
    /// The track's identity for manual choices: the same track in another playlist,
    /// or after its playlist is synced again, has the same key. The first of: ISRC,
    /// recording MBID, the source's id (song, Spotify track, path, identifier), the
    /// folded primary artist and core title.
    pub fn key(&self) -> String {
        if let Some(isrc) = self.isrc.as_deref().filter(|s| !s.trim().is_empty()) {
            return format!("isrc:{}", isrc.trim().to_ascii_uppercase());
        }
        if let Some(mbid) = self.mbid.as_deref().filter(|s| !s.trim().is_empty()) {
            return format!("mbid:{}", mbid.trim().to_ascii_lowercase());
        }
        if let Some(r) = &self.source_ref {
            return r.to_stored();
        }
        let artist = parse_artists(&self.artist).into_iter().next();
        let title = parse_title(&self.title);
        // The version's words keep a live take's choice apart from the studio one's.
        format!(
            "text:{}\u{1f}{}\u{1f}{}",
            artist.unwrap_or_default(),
            title.core,
            title.version.tag
        )
    }

    /// The matcher's view of this entry.
    pub fn to_matcher(&self) -> crate::music_text::matching::Entry {
        crate::music_text::matching::Entry {
            artists: vec![self.artist.clone()],
            title: self.title.clone(),
            album: self.album.clone(),
            duration_secs: self
                .duration_ms
                .filter(|ms| *ms > 0)
                .map(|ms| ((ms + 500) / 1000) as u32),
            isrc: self.isrc.clone(),
            mbid: self.mbid.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::parse(s.as_str()), Some(s));
        }
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        for r in [
            SourceRef::Song("a:b".into()),
            SourceRef::Path("/m/a.flac".into()),
            SourceRef::Spotify("x".into()),
            SourceRef::Identifier("https://musicbrainz.org/recording/1".into()),
        ] {
            assert_eq!(SourceRef::from_stored(&r.to_stored()), Some(r));
        }
        assert_eq!(SourceRef::from_stored("nonsense"), None);
    }

    #[test]
    fn the_same_track_has_the_same_key_however_it_is_written() {
        let a = NewEntry {
            artist: "The Beatles".into(),
            title: "Let It Be - Remastered 2009".into(),
            ..NewEntry::default()
        };
        let b = NewEntry {
            artist: "Beatles".into(),
            title: "Let it be".into(),
            ..NewEntry::default()
        };
        assert_eq!(a.key(), b.key());
        let live = NewEntry {
            title: "Let It Be - Live".into(),
            ..b.clone()
        };
        // A live take's choice is not the studio recording's.
        assert_ne!(live.key(), b.key());
        assert!(a.key().starts_with("text:"));
        let isrc = NewEntry {
            isrc: Some(" gbaye0601696 ".into()),
            ..live
        };
        assert_eq!(isrc.key(), "isrc:GBAYE0601696");
    }
}
