//! M3U and M3U8: `#EXTM3U`, `#PLAYLIST:` (the title), `#EXTINF:secs,Artist - Title`
//! (with `#EXTALB:`/`#EXTART:`), then the track's path or URL. A plain list of paths
//! is an M3U too: each path is an entry named after its file. An `#EXTINF` with no
//! path after it (what [`track`] writes for a song not in the library) is an entry
//! all the same.

use super::{Collector, FileError, RawEntry, Track};
use crate::domains::playlists::model::SourceRef;

/// What `#EXTINF` and friends said about the next path.
#[derive(Default)]
struct Pending {
    line: u64,
    duration_ms: Option<i64>,
    artist: String,
    title: String,
    album: String,
    extinf: bool,
}

/// A path line's reference: a `file://` URL or a path is a path, another URL an
/// identifier.
pub(super) fn location_ref(location: &str) -> SourceRef {
    let location = location.trim();
    if location.starts_with("file://")
        && let Ok(url) = url::Url::parse(location)
        && let Ok(path) = url.to_file_path()
    {
        return SourceRef::Path(path.to_string_lossy().into_owned());
    }
    if location.contains("://") {
        SourceRef::Identifier(location.to_owned())
    } else {
        SourceRef::Path(location.to_owned())
    }
}

/// "Artist - Title" split at its first " - "; no separator: all title.
fn artist_title(s: &str) -> (String, String) {
    match s.split_once(" - ") {
        Some((a, t)) => (a.trim().to_owned(), t.trim().to_owned()),
        None => (String::new(), s.trim().to_owned()),
    }
}

/// `secs[ attributes],Artist - Title`: the length (None when unknown, -1) and the
/// name (after the first comma outside the attributes' quotes).
fn parse_extinf(rest: &str) -> (Option<i64>, &str) {
    let mut in_quotes = false;
    let mut comma = None;
    for (i, c) in rest.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                comma = Some(i);
                break;
            }
            _ => {}
        }
    }
    let (head, name) = match comma {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let secs = head
        .split_whitespace()
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 86_400.0)
        .map(|s| (s * 1000.0).round() as i64);
    (secs, name)
}

/// The file name's stem: "Artist - Title.mp3" names the entry.
fn stem(path: &str) -> &str {
    let name = path
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem,
        _ => name,
    }
}

pub(super) fn read(text: &str, out: &mut Collector) -> Result<(), FileError> {
    let mut pending: Option<Pending> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(rest) = l.strip_prefix("#EXTINF:") {
            // An #EXTINF with no path before the next one is an entry of its own;
            // an #EXTALB before it belongs to it.
            let album = match pending.take() {
                Some(p) if p.extinf => {
                    emit(out, p, None)?;
                    String::new()
                }
                Some(p) => p.album,
                None => String::new(),
            };
            let (duration_ms, name) = parse_extinf(rest);
            let (artist, title) = artist_title(name);
            pending = Some(Pending {
                line,
                duration_ms,
                artist,
                title,
                album,
                extinf: true,
            });
        } else if let Some(rest) = l.strip_prefix("#PLAYLIST:") {
            out.title = Some(rest.trim().to_owned());
        } else if let Some(rest) = l.strip_prefix("#EXTALB:") {
            pending.get_or_insert_with(Pending::default).album = rest.trim().to_owned();
        } else if let Some(rest) = l.strip_prefix("#EXTART:") {
            let p = pending.get_or_insert_with(Pending::default);
            if p.artist.is_empty() {
                p.artist = rest.trim().to_owned();
            }
        } else if l.starts_with('#') {
            // #EXTM3U, comments, directives this reader does not use.
        } else {
            let mut p = pending.take().unwrap_or_default();
            if p.line == 0 {
                p.line = line;
            }
            if p.title.is_empty() {
                let (artist, title) = artist_title(stem(l));
                p.title = title;
                if p.artist.is_empty() {
                    p.artist = artist;
                }
            }
            emit(out, p, Some(location_ref(l)))?;
        }
    }
    if let Some(p) = pending.filter(|p| p.extinf) {
        emit(out, p, None)?;
    }
    Ok(())
}

fn emit(out: &mut Collector, p: Pending, source_ref: Option<SourceRef>) -> Result<(), FileError> {
    out.push(
        p.line,
        RawEntry {
            artist: &p.artist,
            title: &p.title,
            album: &p.album,
            duration_ms: p.duration_ms,
            source_ref,
            ..RawEntry::default()
        },
    )
}

/// `s` on one line, whatever it holds.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

pub(super) fn begin(title: &str) -> String {
    format!("#EXTM3U\n#PLAYLIST:{}\n", one_line(title))
}

pub(super) fn track(t: &Track) -> String {
    let secs = t
        .duration_ms
        .filter(|ms| *ms > 0)
        .map_or(-1, |ms| (ms + 500) / 1000);
    let name = if t.artist.is_empty() {
        one_line(&t.title)
    } else {
        format!("{} - {}", one_line(&t.artist), one_line(&t.title))
    };
    let mut out = format!("#EXTINF:{secs},{name}\n");
    if !t.album.is_empty() {
        out.push_str(&format!("#EXTALB:{}\n", one_line(&t.album)));
    }
    match &t.path {
        Some(path) => out.push_str(&format!("{}\n", one_line(path))),
        None => out.push_str("# not in the library\n"),
    }
    out
}
