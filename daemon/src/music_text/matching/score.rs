//! How alike an entry and a library song are: title, primary artist, album and
//! duration, with `strsim`'s Levenshtein similarity over the folded forms.

use strsim::{levenshtein, normalized_levenshtein};

use super::fold::{Version, VersionKind, parse_artists, parse_title};

/// One side of a comparison, folded once.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Folded artists, the primary one first.
    pub artists: Box<[Box<str>]>,
    /// Folded core title.
    pub title: Box<str>,
    /// Folded core album ("" when unknown).
    pub album: Box<str>,
    pub duration: Option<u32>,
    pub version: Version,
}

impl Prepared {
    pub fn new(artists: &[String], title: &str, album: &str, duration: Option<u32>) -> Prepared {
        let parsed = parse_title(title);
        let mut folded: Vec<String> = Vec::new();
        for a in artists {
            for name in parse_artists(a) {
                if !folded.contains(&name) {
                    folded.push(name);
                }
            }
        }
        for name in parsed.featured {
            if !folded.contains(&name) {
                folded.push(name);
            }
        }
        let album = if album.trim().is_empty() {
            String::new()
        } else {
            parse_title(album).core
        };
        Prepared {
            artists: folded.into_iter().map(String::into_boxed_str).collect(),
            title: parsed.core.into_boxed_str(),
            album: album.into_boxed_str(),
            duration,
            version: parsed.version,
        }
    }

    pub fn primary(&self) -> &str {
        self.artists.first().map(|a| &**a).unwrap_or("")
    }
}

/// A candidate's score and whether it is another version than the entry's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Score {
    pub value: f32,
    pub version_differs: bool,
}

/// Two words are the same word misspelt: equal, or long enough that one or two edits
/// are a typo rather than another word.
fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let n = a.len().min(b.len());
    let d = levenshtein(a, b);
    (n >= 5 && d <= 1) || (n >= 9 && d <= 2)
}

/// Title similarity: titles whose words differ (another word, one more word) are
/// other songs and score at most half.
pub(crate) fn title_sim(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    if a.replace(' ', "") == b.replace(' ', "") {
        return 0.97;
    }
    let chars = normalized_levenshtein(a, b) as f32;
    let wa: Vec<&str> = a.split(' ').collect();
    let wb: Vec<&str> = b.split(' ').collect();
    if wa.len() == wb.len() && wa.iter().zip(&wb).all(|(x, y)| same_word(x, y)) {
        chars.max(0.9)
    } else {
        chars * 0.5
    }
}

/// Name similarity for artists and albums.
fn name_sim(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    if a.replace(' ', "") == b.replace(' ', "") {
        return 0.97;
    }
    normalized_levenshtein(a, b) as f32
}

/// Artist similarity: the primary artists, or (slightly less) any artist of one
/// credit found in the other ("Rihanna, Calvin Harris" and "Calvin Harris").
fn artist_sim(e: &[Box<str>], s: &[Box<str>]) -> f32 {
    let (Some(ep), Some(sp)) = (e.first(), s.first()) else {
        return 0.0;
    };
    let mut best = name_sim(ep, sp);
    if best < 1.0 {
        for a in e {
            for b in s {
                if a == b {
                    best = best.max(0.95);
                }
            }
        }
    }
    best
}

fn duration_sim(a: u32, b: u32) -> f32 {
    match a.abs_diff(b) {
        0..=2 => 1.0,
        3..=5 => 0.9,
        6..=15 => 0.6,
        16..=30 => 0.3,
        _ => 0.0,
    }
}

/// How far the song's version is from the entry's: 1 for the same, lower for another
/// (flagged).
fn version_factor(e: &Version, s: &Version) -> (f32, bool) {
    if e.kind != s.kind {
        return (super::types::OTHER_VERSION_FACTOR, true);
    }
    if e.kind == VersionKind::Studio || e.tag == s.tag {
        return (1.0, false);
    }
    // "Live" against "Live at Wembley 1986": the same kind, told less precisely.
    let bare = |t: &str| t.split(' ').count() <= 1;
    if bare(&e.tag) || bare(&s.tag) || name_sim(&e.tag, &s.tag) >= 0.8 {
        return (0.95, false);
    }
    (super::types::OTHER_VERSION_FACTOR, true)
}

/// The score of library song `s` for entry `e`.
pub(crate) fn score(e: &Prepared, s: &Prepared) -> Score {
    let title = title_sim(&e.title, &s.title);
    let artist = artist_sim(&e.artists, &s.artists);
    let mut sum = 0.5 * title + 0.3 * artist;
    let mut weight = 0.8;
    if !e.album.is_empty() && !s.album.is_empty() {
        let album = if e.album.contains(&*s.album) || s.album.contains(&*e.album) {
            1.0
        } else {
            name_sim(&e.album, &s.album)
        };
        sum += 0.08 * album;
        weight += 0.08;
    }
    if let (Some(a), Some(b)) = (e.duration, s.duration) {
        sum += 0.12 * duration_sim(a, b);
        weight += 0.12;
    }
    let mut value = sum / weight;
    // Another title or another artist (a cover) is another song, however close the
    // rest is.
    if title < 0.85 || artist < 0.8 {
        value *= 0.6;
    }
    let (factor, version_differs) = version_factor(&e.version, &s.version);
    Score {
        value: (value * factor).clamp(0.0, 1.0),
        version_differs,
    }
}

/// A folded word list's tokens, for the candidate index.
pub(crate) fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(' ').filter(|w| !w.is_empty())
}

/// Folded text of an identifier: ISRCs upper case without separators, MBIDs lower case.
pub(crate) fn isrc_key(s: &str) -> Option<String> {
    let k: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (k.len() == 12).then_some(k)
}

pub(crate) fn mbid_key(s: &str) -> Option<String> {
    let k = s.trim().to_ascii_lowercase();
    (k.len() == 36 && k.chars().all(|c| c.is_ascii_hexdigit() || c == '-')).then_some(k)
}
