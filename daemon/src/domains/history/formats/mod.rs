//! Streaming parser for listening-history export files.
//!
//! [`Reader`] turns the bytes of one export file into [`Item`]s — a play, a play
//! deliberately skipped, or a row that could not be read — one record at a time, so
//! a multi-gigabyte file is parsed in constant memory from any [`Read`] (the daemon
//! feeds it from a blocking thread pulling chunks that arrive over gRPC).
//!
//! # Formats
//!
//! | [`Format`] | file | record |
//! |---|---|---|
//! | `lastfm-csv` | lastfm-to-csv (no header: `artist,album,title,date`), or a CSV with a header naming its columns (`uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid`) | one CSV record |
//! | `lastfm-json` | an array of Last.fm API `recenttracks` track objects, an array of saved API pages (`[{"recenttracks": {"track": [...]}}]`), one saved page, or lastfmstats.com's `{"username": …, "scrobbles": [...]}` | one track object |
//! | `listenbrainz` | ListenBrainz export: JSON lines (one listen per line; blank lines ignored) or a JSON array of listens | one listen |
//! | `spotify` | Spotify account data `StreamingHistory*.json` (`endTime`, `artistName`, `trackName`, `msPlayed`) | one array element |
//! | `spotify-extended` | Spotify extended streaming history `Streaming_History_Audio_*.json` / `endsong_*.json` (`ts`, `ms_played`, `master_metadata_*`) | one array element |
//!
//! [`Format::Auto`] decides from the first [`PREFIX_LEN`] bytes only: CSV vs JSON
//! array vs JSON lines, and for JSON the keys of the first record (or of the wrapping
//! object). An empty file (or one holding only whitespace) yields no items.
//!
//! # Guarantees
//!
//! - **Constant memory.** The file is read through one window of 64 KiB that grows
//!   only to hold a JSON record larger than that, up to [`MAX_RECORD`] (1 MiB; a
//!   CSV record's fields likewise). A larger record is one [`Item::Bad`] ("record
//!   larger than 1 MiB"), read to its end without being kept, and parsing carries on
//!   after it (in CSV, an unbalanced quote makes such a record of everything up to
//!   the next quote). The only other state is a cache of the match-key hashes of
//!   the last 8,192 songs at most. Nothing grows with the file.
//! - **Line numbers.** Every item carries the 1-based line where its record starts:
//!   the CSV record's first line (LF and CRLF line breaks, blank lines and line
//!   breaks inside quoted fields all counted; old Mac lone-CR files are read, but
//!   their lines are not counted), the line of a JSON record's opening
//!   `{`, the line of a JSON-lines record.
//! - **Rows are never fatal.** A malformed row, a missing field, an unreadable date,
//!   invalid UTF-8 inside a record, a JSON syntax error on one JSON-lines line: each
//!   is one [`Item::Bad`] with a short reason (quoting at most ~30 characters of the
//!   file) and the next record is read. Two things end the file early, each with one
//!   final `Bad`: a file that ends inside a record or array ("file ends inside …"),
//!   and a JSON *syntax* error inside a JSON array (after which the element
//!   boundaries cannot be trusted: "…; the rest of the file was not read"). A record
//!   of the wrong shape (a field of the wrong type) or with invalid UTF-8 inside a
//!   JSON array is only that one `Bad`: strings and brackets still delimit it.
//!   Several JSON arrays one after the other (files concatenated) are read in turn.
//! - **Encodings.** UTF-8 with or without a BOM; UTF-16 LE/BE with a BOM is
//!   transcoded (`encoding_rs_io`; an unpaired surrogate becomes U+FFFD). UTF-8
//!   bytes are passed through unchecked, so an invalid byte makes only its record
//!   `Bad` ("not valid UTF-8"). UTF-16 without a BOM is not recognised.
//! - **Identity.** Each play's `source_ref` is `"{origin}:{played_at}:{h}"`, `origin`
//!   one of `lfm` (both Last.fm formats), `lb`, `sp` (Spotify), `spx` (Spotify
//!   extended) and `h` the first 16 hex digits of the SHA-256 of
//!   [`match_key`](crate::music_text::normalize::match_key)`(artist, title)`: importing a
//!   file twice gives the same refs.
//! - **Read errors.** An I/O error from the input ends the items with one `Bad`
//!   ("read error: …"); [`Reader::take_io_error`] tells it apart from a bad row.

mod detect;
mod input;
mod json;
mod lastfm_csv;
mod records;
#[cfg(test)]
mod tests;

use std::{
    fmt,
    io::{self, Read},
    str::FromStr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use crate::providers::RemoteListen;

/// How many bytes [`Format::Auto`] looks at to recognise a file.
pub const PREFIX_LEN: usize = 64 * 1024;
/// The largest record read; larger ones are reported as [`Item::Bad`].
pub const MAX_RECORD: usize = 1024 * 1024;
/// Plays shorter than this are skipped unless [`ImportOptions::min_play_ms`] says
/// otherwise (Spotify files list every play, however short).
pub const DEFAULT_MIN_PLAY_MS: u64 = 30_000;

/// The message of [`ImportError::NotRecognised`] for a file no format matches.
const NOT_RECOGNISED: &str = "not a recognised export: expected a Last.fm CSV/JSON, \
     ListenBrainz JSON lines or Spotify StreamingHistory/Streaming_History_Audio JSON file";

/// How to read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Spotify plays (basic and extended) shorter than this are
    /// [`SkipReason::TooShort`]. Other formats only list real plays and ignore it.
    pub min_play_ms: u64,
    /// The file's format; [`Format::Auto`] recognises it.
    pub format: Format,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            min_play_ms: DEFAULT_MIN_PLAY_MS,
            format: Format::Auto,
        }
    }
}

/// An export file format. `Display` and `FromStr` use the names `auto`,
/// `lastfm-csv`, `lastfm-json`, `listenbrainz`, `spotify` and `spotify-extended`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Recognise the format from the start of the file.
    #[default]
    Auto,
    /// A Last.fm scrobble CSV, with or without a header row.
    LastfmCsv,
    /// Last.fm API track objects (bare, in saved pages) or a lastfmstats.com JSON.
    LastfmJson,
    /// A ListenBrainz export (JSON lines, or a JSON array of listens).
    ListenBrainz,
    /// Spotify's account-data `StreamingHistory*.json`.
    SpotifyBasic,
    /// Spotify's extended streaming history `Streaming_History_Audio_*.json`.
    SpotifyExtended,
}

impl Format {
    /// Every format, [`Format::Auto`] first.
    pub const ALL: [Format; 6] = [
        Format::Auto,
        Format::LastfmCsv,
        Format::LastfmJson,
        Format::ListenBrainz,
        Format::SpotifyBasic,
        Format::SpotifyExtended,
    ];

    /// The format's name, as `Display` writes it and `FromStr` reads it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::LastfmCsv => "lastfm-csv",
            Format::LastfmJson => "lastfm-json",
            Format::ListenBrainz => "listenbrainz",
            Format::SpotifyBasic => "spotify",
            Format::SpotifyExtended => "spotify-extended",
        }
    }

    /// The `source_ref` prefix of plays read in this format (`""` for `Auto`).
    pub fn origin(self) -> &'static str {
        match self {
            Format::Auto => "",
            Format::LastfmCsv | Format::LastfmJson => "lfm",
            Format::ListenBrainz => "lb",
            Format::SpotifyBasic => "sp",
            Format::SpotifyExtended => "spx",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A format name `FromStr` does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown import format: use auto, lastfm-csv, lastfm-json, listenbrainz, spotify or spotify-extended"
)]
pub struct UnknownFormat;

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Reads a format name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s))
            .ok_or(UnknownFormat)
    }
}

/// Why a readable record was deliberately not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Played for less than [`ImportOptions::min_play_ms`].
    TooShort,
    /// A podcast episode, audiobook or other non-music entry.
    NotATrack,
    /// Last.fm's "now playing" entry: no timestamp, not a scrobble.
    NowPlaying,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::TooShort => "played too briefly",
            SkipReason::NotATrack => "not a music track",
            SkipReason::NowPlaying => "now playing, not a scrobble",
        })
    }
}

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A play to import.
    Play {
        /// The 1-based line where the record starts.
        line: u64,
        /// The play.
        listen: RemoteListen,
        /// A name was longer than [`crate::music_text::MAX_NAME_BYTES`] and was cut.
        cut: bool,
    },
    /// A readable record that is deliberately not a play to import.
    Skipped {
        /// The 1-based line where the record starts.
        line: u64,
        /// Why it was skipped.
        reason: SkipReason,
    },
    /// A record that could not be read. Never fatal: the next item follows, except
    /// for the last `Bad` of a file that ends early (see the module documentation).
    Bad {
        /// The 1-based line where the record starts.
        line: u64,
        /// A short human reason, quoting at most ~30 characters of the file.
        reason: String,
    },
}

impl Item {
    /// The 1-based line where the item's record starts.
    pub fn line(&self) -> u64 {
        match self {
            Item::Play { line, .. } | Item::Skipped { line, .. } | Item::Bad { line, .. } => *line,
        }
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No supported format matches the start of the file (or it does not match the
    /// format asked for). The message names the supported formats.
    #[error("{0}")]
    NotRecognised(String),
    /// Reading the start of the file failed.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
}

/// Streams the [`Item`]s of one export file.
///
/// `new` reads (at most) the first [`PREFIX_LEN`] bytes to recognise the format,
/// then parsing continues from the same buffer: the input is read once, in order.
pub struct Reader<R: Read> {
    format: Format,
    parser: Parser<R>,
    bytes: Arc<AtomicU64>,
}

enum Parser<R: Read> {
    /// Nothing but whitespace.
    Empty,
    Csv(Box<lastfm_csv::CsvParser<R>>),
    Json(Box<json::JsonParser<R>>),
}

impl<R: Read> Reader<R> {
    /// Recognises the format (unless `options.format` names one) and prepares to
    /// read. Fails only when the start of the file cannot be read or matches no
    /// format; an empty file is a reader with no items.
    pub fn new(input: R, options: ImportOptions) -> Result<Self, ImportError> {
        let bytes = Arc::new(AtomicU64::new(0));
        let mut input = input::Input::new(input, bytes.clone());
        let prefix = input.prefix(PREFIX_LEN)?;
        let found = detect::detect(prefix, options.format)?;
        let Some(found) = found else {
            return Ok(Reader {
                format: options.format,
                parser: Parser::Empty,
                bytes,
            });
        };
        let parser = match found.format {
            Format::LastfmCsv => Parser::Csv(Box::new(lastfm_csv::CsvParser::new(
                input,
                found.csv_layout,
            ))),
            format => Parser::Json(Box::new(json::JsonParser::new(
                input,
                format,
                found.json_root,
                options.min_play_ms,
            ))),
        };
        Ok(Reader {
            format: found.format,
            parser,
            bytes,
        })
    }

    /// The format being read: the one detected, or the one asked for. `Auto` only
    /// for an empty file read with `Format::Auto`.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Bytes pulled from the input so far (as stored, before any transcoding),
    /// including up to a buffer's worth beyond the last item returned.
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The input's read error, once the items ended with one ("read error: …"):
    /// the file was not read to its end, whatever its rows said.
    pub fn take_io_error(&mut self) -> Option<io::Error> {
        match &mut self.parser {
            Parser::Empty => None,
            Parser::Csv(p) => p.io_error.take(),
            Parser::Json(p) => p.io_error.take(),
        }
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match &mut self.parser {
            Parser::Empty => None,
            Parser::Csv(p) => p.next_item(),
            Parser::Json(p) => p.next_item(),
        }
    }
}

impl<R: Read> std::iter::FusedIterator for Reader<R> {}

impl<R: Read> fmt::Debug for Reader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reader")
            .field("format", &self.format)
            .field("bytes_read", &self.bytes_read())
            .finish_non_exhaustive()
    }
}
