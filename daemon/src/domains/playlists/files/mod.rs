//! Playlist files, read and written: JSPF ([`jspf`]), M3U/M3U8 ([`m3u`]) and CSV with
//! a header ([`csv`], Exportify's columns and common aliases).
//!
//! A file is untrusted: it is decoded whatever its encoding (a BOM says UTF-8 or
//! UTF-16; text that is not UTF-8 is read as Windows-1252, what old M3U and CSV
//! files are written in), names are cut and stripped of control characters as
//! history import does ([`crate::music_text::clean_name`]), a row that cannot be read
//! is reported by its line and skipped, and reading stops with an error as soon as
//! the file holds more entries than a playlist may.

pub mod csv;
pub mod jspf;
pub mod m3u;

use std::fmt;

use super::model::NewEntry;
use crate::music_text::{MAX_NAME_BYTES, clean_id, clean_name};

/// Bad rows reported line by line (all are counted).
pub const MAX_BAD_ROWS: usize = 100;

/// A playlist file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jspf,
    /// M3U and M3U8 (extended or plain).
    M3u,
    Csv,
}

impl Format {
    /// A format name as a client gives it: `auto` (or empty) is `None`.
    pub fn parse_name(name: &str) -> Result<Option<Format>, FileError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(None),
            "jspf" | "json" => Ok(Some(Format::Jspf)),
            "m3u" | "m3u8" => Ok(Some(Format::M3u)),
            "csv" => Ok(Some(Format::Csv)),
            _ => Err(FileError::Invalid(format!(
                "unknown playlist format {:?}: use auto, jspf, m3u or csv",
                name.chars().take(40).collect::<String>()
            ))),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Jspf => "jspf",
            Format::M3u => "m3u",
            Format::Csv => "csv",
        })
    }
}

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// Not a playlist file this server reads, or missing what it needs.
    #[error("{0}")]
    Invalid(String),
    /// More entries than one playlist may hold.
    #[error(
        "the file holds more than {limit} entries, the most a playlist may hold on this \
         server (playlists.max_entries); nothing was imported"
    )]
    TooManyEntries { limit: u64 },
}

/// A row that could not be read, or was read with a name cut.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// A file read: its title (JSPF), entries in order, and what went wrong on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFile {
    pub format: Format,
    pub title: Option<String>,
    pub entries: Vec<NewEntry>,
    /// Rows skipped (all counted).
    pub bad: u64,
    /// The first [`MAX_BAD_ROWS`] skipped rows and rows with a name cut.
    pub bad_rows: Vec<BadRow>,
}

/// What the format readers collect into.
pub(crate) struct Collector {
    format: Format,
    max_entries: u64,
    pub(crate) title: Option<String>,
    entries: Vec<NewEntry>,
    bad: u64,
    bad_rows: Vec<BadRow>,
}

/// One entry's fields as a file gives them, before cleaning.
#[derive(Debug, Default)]
pub(crate) struct RawEntry<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: &'a str,
    pub duration_ms: Option<i64>,
    pub isrc: &'a str,
    pub mbid: &'a str,
    pub source_ref: Option<super::model::SourceRef>,
}

impl Collector {
    pub(crate) fn new(format: Format, max_entries: u64) -> Collector {
        Collector {
            format,
            max_entries,
            title: None,
            entries: Vec::new(),
            bad: 0,
            bad_rows: Vec::new(),
        }
    }

    /// Skips a row, saying why.
    pub(crate) fn bad(&mut self, line: u64, reason: impl Into<String>) {
        self.bad += 1;
        self.note(line, reason.into());
    }

    fn note(&mut self, line: u64, reason: String) {
        if self.bad_rows.len() < MAX_BAD_ROWS {
            self.bad_rows.push(BadRow { line, reason });
        }
    }

    /// Cleans and keeps one entry; a row without a title is bad.
    pub(crate) fn push(&mut self, line: u64, raw: RawEntry<'_>) -> Result<(), FileError> {
        let artist = clean_name(raw.artist);
        let title = clean_name(raw.title);
        let album = clean_name(raw.album);
        if title.text.is_empty() {
            self.bad(line, "no title");
            return Ok(());
        }
        if self.entries.len() as u64 >= self.max_entries {
            return Err(FileError::TooManyEntries {
                limit: self.max_entries,
            });
        }
        if artist.cut || title.cut || album.cut {
            self.note(
                line,
                format!("imported with a name cut to {MAX_NAME_BYTES} bytes"),
            );
        }
        let source_ref = raw.source_ref.map(|r| {
            use super::model::SourceRef as R;
            // Stored refs are at most 4096 bytes (a path); longer ones are dropped.
            let ok = |s: &String| s.len() <= 4000 && !crate::music_text::has_control(s);
            match r {
                R::Song(s) if ok(&s) => Some(R::Song(s)),
                R::Path(s) if ok(&s) => Some(R::Path(s)),
                R::Spotify(s) if ok(&s) => Some(R::Spotify(s)),
                R::Identifier(s) if ok(&s) => Some(R::Identifier(s)),
                _ => None,
            }
        });
        self.entries.push(NewEntry {
            artist: artist.text.into_owned(),
            title: title.text.into_owned(),
            album: Some(album.text.into_owned()).filter(|a| !a.is_empty()),
            duration_ms: raw.duration_ms.filter(|ms| (1..=86_400_000).contains(ms)),
            isrc: clean_id(raw.isrc).map(str::to_owned),
            mbid: clean_id(raw.mbid).map(str::to_owned),
            source_ref: source_ref.flatten(),
        });
        Ok(())
    }

    pub(crate) fn finish(self) -> ParsedFile {
        ParsedFile {
            format: self.format,
            title: self
                .title
                .map(|t| clean_name(&t).text.into_owned())
                .filter(|t| !t.is_empty()),
            entries: self.entries,
            bad: self.bad,
            bad_rows: self.bad_rows,
        }
    }
}

/// The file's text: a BOM's encoding (UTF-8, UTF-16), else UTF-8 when it is, else
/// Windows-1252 (every byte is a character there, so this never fails).
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// The format of a file: what its content says first (a JSON object, an `#EXTM3U`
/// header, a CSV header naming a title column), then its extension, then M3U (a
/// list of paths).
pub fn detect(text: &str, file_name: &str) -> Format {
    let start = text.trim_start();
    if start.starts_with('{') {
        return Format::Jspf;
    }
    if start.starts_with("#EXTM3U") || start.starts_with("#EXTINF") {
        return Format::M3u;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jspf" | "json" => return Format::Jspf,
        "m3u" | "m3u8" => return Format::M3u,
        "csv" => return Format::Csv,
        _ => {}
    }
    let first = start.lines().next().unwrap_or("");
    if csv::looks_like_header(first) {
        Format::Csv
    } else {
        Format::M3u
    }
}

/// Reads a playlist file.
pub fn parse(
    bytes: &[u8],
    format: Option<Format>,
    file_name: &str,
    max_entries: u64,
) -> Result<ParsedFile, FileError> {
    let text = decode(bytes);
    let format = format.unwrap_or_else(|| detect(&text, file_name));
    let mut out = Collector::new(format, max_entries);
    match format {
        Format::Jspf => jspf::read(&text, &mut out)?,
        Format::M3u => m3u::read(&text, &mut out)?,
        Format::Csv => csv::read(&text, &mut out)?,
    }
    Ok(out.finish())
}

/// One exported entry: as read from its source, and where the matched library song
/// lives (M3U).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Track {
    pub artist: String,
    pub title: String,
    pub album: String,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub mbid: Option<String>,
    pub spotify_id: Option<String>,
    /// The matched library song's path.
    pub path: Option<String>,
}

/// Writes a playlist file piece by piece: [`Writer::begin`], one
/// [`Writer::track`] per entry, [`Writer::end`].
#[derive(Debug)]
pub struct Writer {
    format: Format,
    written: u64,
}

impl Writer {
    pub fn new(format: Format) -> Writer {
        Writer { format, written: 0 }
    }

    pub fn begin(&self, title: &str) -> String {
        match self.format {
            Format::Jspf => jspf::begin(title),
            Format::M3u => m3u::begin(title),
            Format::Csv => csv::begin(),
        }
    }

    pub fn track(&mut self, t: &Track) -> String {
        let first = self.written == 0;
        self.written += 1;
        match self.format {
            Format::Jspf => jspf::track(t, first),
            Format::M3u => m3u::track(t),
            Format::Csv => csv::track(t),
        }
    }

    pub fn end(&self) -> String {
        match self.format {
            Format::Jspf => jspf::end(),
            Format::M3u | Format::Csv => String::new(),
        }
    }
}

/// `https://musicbrainz.org/recording/<mbid>` (or `musicbrainz.org/recording/…`
/// without a scheme) gives the mbid.
pub(crate) fn mbid_of(identifier: &str) -> Option<&str> {
    let rest = identifier
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let id = rest
        .strip_prefix("musicbrainz.org/recording/")
        .or_else(|| rest.strip_prefix("www.musicbrainz.org/recording/"))?;
    let id = id.trim_end_matches('/');
    (id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(id)
}

#[cfg(test)]
mod tests;
