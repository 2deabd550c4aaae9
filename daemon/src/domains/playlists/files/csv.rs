//! CSV with a header row, the columns found by name (case-insensitive): Exportify's
//! (`Track Name`, `Artist Name(s)`, `Album Name`, `ISRC`, `Track Duration (ms)`,
//! `Track URI`/`Spotify ID`) and common aliases (title, artist, album, isrc,
//! duration, mbid, path). Comma, semicolon or tab separated, as the header shows.

use super::{Collector, FileError, RawEntry, Track};
use crate::domains::playlists::model::SourceRef;

const TITLE: &[&str] = &[
    "track name",
    "title",
    "track",
    "song",
    "name",
    "track title",
    "song name",
    "song title",
];
const ARTIST: &[&str] = &[
    "artist name(s)",
    "artist name",
    "artist names",
    "artist",
    "artists",
    "artist(s)",
    "creator",
];
const ALBUM: &[&str] = &[
    "album name",
    "album",
    "album title",
    "release",
    "release name",
];
const ISRC: &[&str] = &["isrc"];
const DURATION_MS: &[&str] = &[
    "track duration (ms)",
    "duration (ms)",
    "duration_ms",
    "duration ms",
    "length (ms)",
];
/// Seconds, or `m:ss`.
const DURATION: &[&str] = &["duration", "length", "time", "duration (s)"];
const SPOTIFY: &[&str] = &[
    "track uri",
    "spotify id",
    "spotify uri",
    "spotify track id",
    "uri",
];
const MBID: &[&str] = &[
    "mbid",
    "recording mbid",
    "recording_mbid",
    "musicbrainz id",
    "musicbrainz recording id",
];
const PATH: &[&str] = &["path", "location", "file"];

/// Where each known column is.
#[derive(Debug, Default)]
struct Columns {
    title: Option<usize>,
    artist: Option<usize>,
    album: Option<usize>,
    isrc: Option<usize>,
    duration_ms: Option<usize>,
    duration: Option<usize>,
    spotify: Option<usize>,
    mbid: Option<usize>,
    path: Option<usize>,
}

impl Columns {
    fn of<'a>(header: impl Iterator<Item = &'a str>) -> Columns {
        let mut c = Columns::default();
        for (i, name) in header.enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}').to_lowercase();
            let name = name.as_str();
            for (aliases, slot) in [
                (TITLE, &mut c.title),
                (ARTIST, &mut c.artist),
                (ALBUM, &mut c.album),
                (ISRC, &mut c.isrc),
                (DURATION_MS, &mut c.duration_ms),
                (DURATION, &mut c.duration),
                (SPOTIFY, &mut c.spotify),
                (MBID, &mut c.mbid),
                (PATH, &mut c.path),
            ] {
                if slot.is_none() && aliases.contains(&name) {
                    *slot = Some(i);
                }
            }
        }
        c
    }
}

/// The separator the header line uses most: comma, semicolon or tab.
fn delimiter(first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))]
        .into_iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(b',', |(d, _)| d)
}

fn reader(text: &str) -> ::csv::Reader<&[u8]> {
    let first = text.lines().next().unwrap_or("");
    ::csv::ReaderBuilder::new()
        .delimiter(delimiter(first))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes())
}

/// The line is a CSV header naming a title column and at least one other.
pub(super) fn looks_like_header(line: &str) -> bool {
    let mut r = reader(line);
    match r.headers() {
        Ok(h) => h.len() >= 2 && Columns::of(h.iter()).title.is_some(),
        Err(_) => false,
    }
}

/// A Spotify track id from `spotify:track:ID`, an open.spotify.com URL, or the id.
fn spotify_id(s: &str) -> Option<String> {
    let s = s.trim();
    let id = if let Some(id) = s.strip_prefix("spotify:track:") {
        id
    } else if let Some(i) = s.find("open.spotify.com/track/") {
        let rest = &s[i + "open.spotify.com/track/".len()..];
        rest.split(['?', '/', '#']).next().unwrap_or("")
    } else {
        s
    };
    (!id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| id.to_owned())
}

/// Seconds (`215`, `215.4`) or `m:ss` / `h:mm:ss`, as milliseconds.
fn duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.contains(':') {
        let mut total = 0f64;
        for part in s.split(':') {
            total = total * 60.0 + part.trim().parse::<f64>().ok()?;
        }
        return Some((total * 1000.0).round() as i64);
    }
    let n: f64 = s.parse().ok()?;
    // A "duration" of more than ten hours in seconds is milliseconds.
    Some(if n > 36_000.0 { n } else { n * 1000.0 }.round() as i64)
}

pub(super) fn read(text: &str, out: &mut Collector) -> Result<(), FileError> {
    let mut r = reader(text);
    let header = r
        .headers()
        .map_err(|_| FileError::Invalid("the CSV file's header row cannot be read".into()))?
        .clone();
    let cols = Columns::of(header.iter());
    let Some(title_col) = cols.title else {
        let found: Vec<String> = header
            .iter()
            .take(8)
            .map(|h| {
                crate::music_text::clean_name(&h.chars().take(40).collect::<String>())
                    .text
                    .into_owned()
            })
            .collect();
        return Err(FileError::Invalid(format!(
            "the CSV file has no title column: expected one named \"Track Name\" or \
             \"Title\" (with \"Artist Name(s)\" or \"Artist\"); its columns are {found:?}"
        )));
    };
    let mut record = ::csv::StringRecord::new();
    loop {
        let line = r.position().line() + 1;
        match r.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                out.bad(line, "this row cannot be read as CSV");
                if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line, |p| p.line());
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        // Exportify joins several artists with a bare comma.
        let artist = field(cols.artist)
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        let duration_ms = match (cols.duration_ms, cols.duration) {
            (Some(i), _) => field(Some(i)).trim().parse::<f64>().ok().map(|f| f as i64),
            (None, Some(i)) => duration(field(Some(i))),
            (None, None) => None,
        };
        let source_ref = spotify_id(field(cols.spotify))
            .map(SourceRef::Spotify)
            .or_else(|| {
                let p = field(cols.path).trim();
                (!p.is_empty()).then(|| super::m3u::location_ref(p))
            });
        out.push(
            line,
            RawEntry {
                artist: &artist,
                title: field(Some(title_col)),
                album: field(cols.album),
                duration_ms,
                isrc: field(cols.isrc),
                mbid: field(cols.mbid),
                source_ref,
            },
        )?;
    }
    Ok(())
}

/// Exportify's column names (and the recording id), so that tools reading
/// Exportify files read ours.
const HEADER: [&str; 7] = [
    "Track URI",
    "Track Name",
    "Artist Name(s)",
    "Album Name",
    "Track Duration (ms)",
    "ISRC",
    "MusicBrainz ID",
];

fn row(fields: &[&str]) -> String {
    let mut w = ::csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(fields);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

pub(super) fn begin() -> String {
    row(&HEADER)
}

pub(super) fn track(t: &Track) -> String {
    let uri = t
        .spotify_id
        .as_ref()
        .map(|id| format!("spotify:track:{id}"))
        .unwrap_or_default();
    let duration = t.duration_ms.map(|d| d.to_string()).unwrap_or_default();
    row(&[
        &uri,
        &t.title,
        &t.artist,
        &t.album,
        &duration,
        t.isrc.as_deref().unwrap_or(""),
        t.mbid.as_deref().unwrap_or(""),
    ])
}
