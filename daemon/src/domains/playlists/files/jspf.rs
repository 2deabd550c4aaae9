//! JSPF (XSPF as JSON, what ListenBrainz exports): `{"playlist": {"title": …,
//! "track": [{"creator", "title", "album", "duration" (ms), "identifier",
//! "location"}]}}`. `identifier` and `location` may be a string or a list of them; a
//! MusicBrainz recording URL among the identifiers gives the entry's recording id.

use serde::Deserialize;
use serde_json::Value;

use super::{Collector, FileError, RawEntry, Track, mbid_of};
use crate::domains::playlists::model::SourceRef;

#[derive(Deserialize)]
struct Document {
    playlist: Playlist,
}

#[derive(Deserialize)]
struct Playlist {
    #[serde(default)]
    title: Value,
    #[serde(default)]
    track: Vec<Value>,
}

/// A string, or the strings of a list of them.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn text<'a>(track: &'a Value, key: &str) -> &'a str {
    track.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(super) fn read(text_in: &str, out: &mut Collector) -> Result<(), FileError> {
    let doc: Document = serde_json::from_str(text_in).map_err(|e| {
        FileError::Invalid(format!(
            "not a JSPF playlist (expected {{\"playlist\": {{\"track\": [...]}}}}): \
             line {}, column {}",
            e.line(),
            e.column()
        ))
    })?;
    out.title = doc.playlist.title.as_str().map(str::to_owned);
    for (i, track) in doc.playlist.track.iter().enumerate() {
        // JSON tracks have no line of their own: the track's number stands in.
        let line = i as u64 + 1;
        if !track.is_object() {
            out.bad(line, format!("track {line} is not an object"));
            continue;
        }
        let identifiers = strings(track.get("identifier"));
        let mbid = identifiers.iter().find_map(|i| mbid_of(i)).unwrap_or("");
        let locations = strings(track.get("location"));
        let source_ref = identifiers
            .first()
            .map(|i| SourceRef::Identifier((*i).to_owned()))
            .or_else(|| locations.first().map(|l| super::m3u::location_ref(l)));
        let duration_ms = match track.get("duration") {
            Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        out.push(
            line,
            RawEntry {
                artist: text(track, "creator"),
                title: text(track, "title"),
                album: text(track, "album"),
                duration_ms,
                isrc: isrc_of(track).unwrap_or(""),
                mbid,
                source_ref,
            },
        )?;
    }
    Ok(())
}

pub(super) fn begin(title: &str) -> String {
    format!(
        "{{\"playlist\":{{\"title\":{},\"creator\":\"spotter\",\"track\":[",
        Value::from(title)
    )
}

pub(super) fn track(t: &Track, first: bool) -> String {
    let mut o = serde_json::Map::new();
    o.insert("creator".into(), t.artist.clone().into());
    o.insert("title".into(), t.title.clone().into());
    if !t.album.is_empty() {
        o.insert("album".into(), t.album.clone().into());
    }
    if let Some(ms) = t.duration_ms.filter(|ms| *ms > 0) {
        o.insert("duration".into(), ms.into());
    }
    let mut ids = Vec::new();
    if let Some(mbid) = &t.mbid {
        ids.push(Value::from(format!(
            "https://musicbrainz.org/recording/{mbid}"
        )));
    }
    if let Some(id) = &t.spotify_id {
        ids.push(Value::from(format!("https://open.spotify.com/track/{id}")));
    }
    if !ids.is_empty() {
        o.insert("identifier".into(), Value::Array(ids));
    }
    if let Some(path) = &t.path {
        o.insert("location".into(), Value::Array(vec![path.clone().into()]));
    }
    if let Some(isrc) = &t.isrc {
        // JSPF has no ISRC field; its extension object carries it.
        o.insert(
            "extension".into(),
            serde_json::json!({ "https://spotter.invalid/jspf#track": { "isrc": isrc } }),
        );
    }
    let body = Value::Object(o).to_string();
    if first { body } else { format!(",{body}") }
}

pub(super) fn end() -> String {
    "]}}\n".into()
}

/// The ISRC a track written by [`track`] carries in its extension.
fn isrc_of(track: &Value) -> Option<&str> {
    track
        .get("extension")?
        .get("https://spotter.invalid/jspf#track")?
        .get("isrc")?
        .as_str()
}
