//! What the matcher takes and gives, and its constants.

/// A song of the library mirror.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Song {
    pub id: String,
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_secs: Option<u32>,
    pub isrc: Option<String>,
    /// MusicBrainz recording id.
    pub mbid: Option<String>,
}

/// A playlist entry as a source gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entry {
    /// One or more artists; one credit such as "A, B" or "A feat. B" is split too.
    pub artists: Vec<String>,
    pub title: String,
    pub album: Option<String>,
    pub duration_secs: Option<u32>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
}

/// How an entry was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Isrc,
    Mbid,
    Exact,
    Fuzzy,
    None,
}

/// The outcome of matching one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The matched song's id, when the best candidate reached the threshold.
    pub song: Option<String>,
    pub method: Method,
    /// 0..=1; for [`Method::None`] the best candidate's score (0 without one).
    pub confidence: f32,
    /// The best candidates, best first, with their scores (at most
    /// [`MAX_CANDIDATES`]); offered for review when unmatched or uncertain.
    pub candidates: Vec<(String, f32)>,
    /// The best candidate is another version (live, remix, demo, acoustic,
    /// alternate take, instrumental) than the entry names: its confidence was lowered.
    pub version_differs: bool,
}

/// Candidates kept in a [`Match`].
pub const MAX_CANDIDATES: usize = 5;
/// The default acceptance threshold for fuzzy matches.
pub const DEFAULT_THRESHOLD: f32 = 0.7;
/// The factor applied to a candidate of another version: a studio recording found for
/// a live entry scores at most this, under the default threshold, so it is offered
/// but not taken.
pub const OTHER_VERSION_FACTOR: f32 = 0.65;
