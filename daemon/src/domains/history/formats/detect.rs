//! Recognising a file from its first bytes (at most [`PREFIX_LEN`](super::PREFIX_LEN)).
//!
//! - Starts with `[` or `{`: JSON. The keys of the first record decide (for an array,
//!   those of its first element; for an object, its own keys): `ms_played` /
//!   `master_metadata_track_name` → Spotify extended, `msPlayed` / `endTime` → Spotify,
//!   `listened_at` / `track_metadata` → ListenBrainz (an object first: JSON lines),
//!   `recenttracks` / `scrobbles` / `artist` with `name` or `track` → Last.fm JSON.
//! - Otherwise CSV: a header row naming an artist, a title and a date column, or a
//!   row among the first five with four columns and a date in the fourth.

use super::{Format, ImportError, NOT_RECOGNISED, lastfm_csv};

/// What the start of a file says.
#[derive(Debug)]
pub(super) struct Detected {
    pub format: Format,
    /// `[` or `{`: how a JSON file opens.
    pub json_root: u8,
    /// How a CSV file's columns are laid out.
    pub csv_layout: lastfm_csv::Layout,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The format of the file starting with `prefix`, `None` when it is empty.
pub(super) fn detect(prefix: &[u8], asked: Format) -> Result<Option<Detected>, ImportError> {
    let Some(start) = prefix.iter().position(|b| !is_ws(*b)) else {
        return Ok(None);
    };
    let first = prefix[start];
    let json = first == b'[' || first == b'{';
    if first == b'[' && asked == Format::Auto && is_empty_array(&prefix[start..]) {
        return Ok(None);
    }
    let format = match asked {
        Format::Auto if json => {
            classify(&first_keys(&prefix[start..])).ok_or_else(|| not_recognised(prefix))?
        }
        Format::Auto => {
            let (layout, looks_right) = lastfm_csv::sniff(prefix);
            if !looks_right {
                return Err(not_recognised(prefix));
            }
            return Ok(Some(Detected {
                format: Format::LastfmCsv,
                json_root: 0,
                csv_layout: layout,
            }));
        }
        Format::LastfmCsv => {
            return Ok(Some(Detected {
                format: Format::LastfmCsv,
                json_root: 0,
                csv_layout: lastfm_csv::sniff(prefix).0,
            }));
        }
        Format::SpotifyBasic | Format::SpotifyExtended if first != b'[' => {
            return Err(ImportError::NotRecognised(format!(
                "not a {asked} export: expected a JSON array"
            )));
        }
        asked if !json => {
            return Err(ImportError::NotRecognised(format!(
                "not a {asked} export: expected JSON"
            )));
        }
        asked => asked,
    };
    Ok(Some(Detected {
        format,
        json_root: first,
        csv_layout: lastfm_csv::Layout::Plain,
    }))
}

/// `[]`, with nothing after it but whitespace (an export of no plays).
fn is_empty_array(doc: &[u8]) -> bool {
    let mut rest = doc[1..].iter().filter(|b| !is_ws(**b));
    rest.next() == Some(&b']') && rest.next().is_none()
}

fn not_recognised(prefix: &[u8]) -> ImportError {
    if prefix.starts_with(b"PK\x03\x04") {
        return ImportError::NotRecognised(format!(
            "{NOT_RECOGNISED} (this is a zip archive: extract it and import the files inside)"
        ));
    }
    ImportError::NotRecognised(NOT_RECOGNISED.to_owned())
}

/// The format the keys of a first record point to.
fn classify(keys: &[String]) -> Option<Format> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("recenttracks") || has("scrobbles") {
        Some(Format::LastfmJson)
    } else if has("ms_played")
        || has("master_metadata_track_name")
        || has("spotify_track_uri")
        || has("episode_show_name")
    {
        Some(Format::SpotifyExtended)
    } else if has("msPlayed") || has("endTime") {
        Some(Format::SpotifyBasic)
    } else if has("listened_at") || has("track_metadata") {
        Some(Format::ListenBrainz)
    } else if has("artist") && (has("name") || has("track")) {
        Some(Format::LastfmJson)
    } else {
        None
    }
}

/// The keys of the first record of a JSON document starting at `doc[0]` (`[` or
/// `{`): the root object's own keys, or those of the root array's first element, as
/// far as `doc` goes. At most 64 keys of at most 64 bytes each are kept.
fn first_keys(doc: &[u8]) -> Vec<String> {
    const MAX_KEYS: usize = 64;
    const MAX_KEY: usize = 64;
    let target = if doc[0] == b'[' { 2 } else { 1 };
    let mut keys = Vec::new();
    let mut depth = 0usize;
    // Whether the container at each depth (up to the target) is an object.
    let mut objects = [false; 3];
    let mut i = 0;
    while i < doc.len() {
        match doc[i] {
            b'{' | b'[' => {
                depth += 1;
                if depth <= 2 {
                    objects[depth] = doc[i] == b'{';
                }
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth < target {
                    break; // the first record (or the root) ended
                }
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                let mut escaped = false;
                while j < doc.len() {
                    match doc[j] {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => break,
                        _ => {}
                    }
                    j += 1;
                }
                if j >= doc.len() {
                    break;
                }
                let next = doc[j + 1..].iter().find(|b| !is_ws(**b));
                if depth == target
                    && objects[target]
                    && next == Some(&b':')
                    && j - start <= MAX_KEY
                    && let Ok(key) = std::str::from_utf8(&doc[start..j])
                {
                    keys.push(key.to_owned());
                    if keys.len() >= MAX_KEYS {
                        break;
                    }
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(doc: &str) -> Vec<String> {
        first_keys(doc.as_bytes())
    }

    #[test]
    fn first_keys_are_those_of_the_first_record() {
        assert_eq!(
            keys(r#"[{"a": 1, "b": {"c": 2}, "d\"": [3]}, {"e": 4}]"#),
            ["a", "b", "d\\\""]
        );
        assert_eq!(keys(r#"{"x": "y", "z": [{"w": 1}]}"#), ["x", "z"]);
        assert_eq!(keys(r#"[{"recenttracks": {"track": [{"#), ["recenttracks"]);
        assert_eq!(keys("[]"), Vec::<String>::new());
        assert_eq!(keys(r#"["a", "b"]"#), Vec::<String>::new());
    }

    #[test]
    fn formats_are_recognised_from_their_keys() {
        let f = |doc: &str| {
            detect(doc.as_bytes(), Format::Auto)
                .ok()
                .flatten()
                .map(|d| d.format)
        };
        assert_eq!(
            f(r#"[{"ts": "2021-01-01T00:00:00Z", "ms_played": 1}]"#),
            Some(Format::SpotifyExtended)
        );
        assert_eq!(
            f(r#" [ {"endTime": "2019-02-04 17:06", "artistName": "A"}]"#),
            Some(Format::SpotifyBasic)
        );
        assert_eq!(
            f(r#"{"listened_at": 1, "track_metadata": {}}"#),
            Some(Format::ListenBrainz)
        );
        assert_eq!(f(r#"[{"listened_at": 1}]"#), Some(Format::ListenBrainz));
        assert_eq!(
            f(r#"{"username": "x", "scrobbles": []}"#),
            Some(Format::LastfmJson)
        );
        assert_eq!(
            f(r##"[{"artist": {"#text": "A"}, "name": "T"}]"##),
            Some(Format::LastfmJson)
        );
        assert_eq!(
            f("Björk,Homogenic,Jóga,31 Jan 2021 14:05\n"),
            Some(Format::LastfmCsv)
        );
        assert_eq!(f("uts,artist,track\n1,A,T\n"), Some(Format::LastfmCsv));
        assert_eq!(f(" \n\t"), None);
        assert_eq!(f(" [ ] \n"), None);
        for other in [
            "[] x",
            r#"{"a": 1}"#,
            "[1, 2]",
            "hello world\n",
            "a,b\n1,2\n",
            "PK\x03\x04zzz",
        ] {
            let e = detect(other.as_bytes(), Format::Auto)
                .err()
                .unwrap_or_else(|| panic!("{other}"));
            assert!(e.to_string().starts_with("not a recognised export"), "{e}");
        }
        assert!(
            detect(b"PK\x03\x04", Format::Auto)
                .unwrap_err()
                .to_string()
                .contains("zip")
        );
    }

    #[test]
    fn an_explicit_format_only_checks_the_shape() {
        let e = detect(b"{\"a\": 1}", Format::SpotifyBasic).err().unwrap();
        assert_eq!(e.to_string(), "not a spotify export: expected a JSON array");
        let e = detect(b"a,b", Format::ListenBrainz).err().unwrap();
        assert_eq!(e.to_string(), "not a listenbrainz export: expected JSON");
        let d = detect(b"[1]", Format::SpotifyExtended).unwrap().unwrap();
        assert_eq!((d.format, d.json_root), (Format::SpotifyExtended, b'['));
        let d = detect(b"x", Format::LastfmCsv).unwrap().unwrap();
        assert_eq!(d.format, Format::LastfmCsv);
    }
}
