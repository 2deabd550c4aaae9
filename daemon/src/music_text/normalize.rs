//! How two sources' spellings of the same song are recognised as one: the match key.
//!
//! Sources disagree in small ways about the same play: Spotify lists every artist
//! ("A, B"), Last.fm only the first; one says "Café", another "Cafe"; one appends
//! "(feat. X)" or "- Remastered 2011" to the title. The match key keeps what identifies
//! the song and drops what varies:
//! - Unicode compatibility decomposition (NFKD, `unicode-normalization`), combining
//!   marks dropped, lower case: "Café" = "cafe", "ﬁ" = "fi";
//! - every run of non-alphanumeric characters becomes one space, trimmed;
//! - artist: only the primary artist (before ", ", " feat. ", " ft. ", " featuring ");
//! - title: a trailing "(feat. …)" / "[feat. …]" / "(with …)" and a trailing
//!   " - … remaster…" / " - … version" / " - live…" suffix are dropped.
//!
//! A key is never empty for a non-empty name: a name made only of punctuation keeps
//! its lower-cased original, so "!!!" (a band) does not match every other such band.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Separates the artist and title parts of a match key (never produced by
/// [`normalize`], which turns control characters into spaces).
pub const KEY_SEPARATOR: char = '\u{1f}';

/// The folded form of one name: decomposed, unmarked, lower case, alphanumeric words.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    if out.is_empty() {
        // Only punctuation or symbols: keep them rather than collapse to "".
        return text
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_control())
            .collect();
    }
    out
}

/// The primary artist of a credit such as "A, B" or "A feat. B".
pub fn primary_artist(artist: &str) -> &str {
    let lower = artist.to_lowercase();
    let cut = [", ", " feat. ", " feat ", " ft. ", " featuring "]
        .iter()
        .filter_map(|sep| lower.find(sep))
        .min();
    match cut {
        // `to_lowercase` can change byte lengths; only cut where it is safe.
        Some(i) if lower.len() == artist.len() && artist.is_char_boundary(i) && i > 0 => {
            &artist[..i]
        }
        _ => artist,
    }
}

/// The title without a trailing featuring credit or edition suffix.
pub fn core_title(title: &str) -> &str {
    let mut t = title.trim_end();
    // "(feat. X)", "[feat. X]", "(with X)" at the end.
    for (open, close) in [('(', ')'), ('[', ']')] {
        if t.ends_with(close)
            && let Some(start) = t.rfind(open)
        {
            let inner = t[start + 1..t.len() - 1].trim_start().to_lowercase();
            if ["feat", "ft.", "with "]
                .iter()
                .any(|p| inner.starts_with(p))
                && start > 0
            {
                t = t[..start].trim_end();
            }
        }
    }
    // " - Remastered 2011", " - 2011 Remaster", " - Live at …", " - Radio Version".
    if let Some(dash) = t.rfind(" - ") {
        let suffix = t[dash + 3..].to_lowercase();
        if dash > 0
            && (suffix.contains("remaster")
                || suffix.starts_with("live")
                || suffix.ends_with("version")
                || suffix.ends_with("edit")
                || suffix.contains("mono")
                || suffix.contains("stereo"))
        {
            t = t[..dash].trim_end();
        }
    }
    t
}

/// The key two listens (or a listen and a library track) must share to be the same
/// song.
pub fn match_key(artist: &str, title: &str) -> String {
    let mut key = normalize(primary_artist(artist));
    key.push(KEY_SEPARATOR);
    key.push_str(&normalize(core_title(title)));
    key
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn spellings_of_one_song_share_a_key() {
        let same = [
            ("Beyoncé", "Halo"),
            ("BEYONCE", "halo"),
            ("Beyonce\u{0301}", "Halo "),
            ("Beyoncé, Jay-Z", "Halo"),
            ("Beyoncé feat. Someone", "Halo (feat. Someone)"),
            ("Beyoncé", "Halo - Remastered 2011"),
            ("Beyoncé", "Halo [feat. Someone]"),
        ];
        let key = match_key(same[0].0, same[0].1);
        for (artist, title) in same {
            assert_eq!(match_key(artist, title), key, "{artist} / {title}");
        }
    }

    #[test]
    fn different_songs_differ() {
        assert_ne!(match_key("Beyoncé", "Halo"), match_key("Beyoncé", "Hello"));
        assert_ne!(match_key("A", "Song"), match_key("B", "Song"));
        // The separator keeps "ab"+"c" apart from "a"+"bc".
        assert_ne!(match_key("ab", "c"), match_key("a", "bc"));
        // Punctuation-only names stay distinct.
        assert_ne!(match_key("!!!", "Song"), match_key("???", "Song"));
        // A title that *is* a bracket or a dash is kept.
        assert_eq!(core_title("(feat. X)"), "(feat. X)");
        assert_eq!(core_title(" - Remastered"), " - Remastered");
        // "Simon & Garfunkel" is one artist.
        assert_eq!(primary_artist("Simon & Garfunkel"), "Simon & Garfunkel");
    }

    #[test]
    fn normalize_folds_compatibility_forms_and_punctuation() {
        assert_eq!(normalize("  The  Beatles!! "), "the beatles");
        assert_eq!(normalize("ﬁve"), "five");
        assert_eq!(normalize("AC/DC"), "ac dc");
        assert_eq!(normalize("Sigur Rós"), "sigur ros");
        assert_eq!(normalize("!!!"), "!!!");
    }

    proptest! {
        #[test]
        fn normalize_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize(&s);
            prop_assert_eq!(normalize(&once), once.clone());
        }

        #[test]
        fn keys_ignore_case_and_spacing(artist in "[A-Za-z]{1,12}( [A-Za-z]{1,12}){0,2}", title in "[A-Za-z0-9]{1,12}( [A-Za-z0-9]{1,12}){0,3}") {
            let spaced = format!("  {}  ", title.replace(' ', "   "));
            prop_assert_eq!(
                match_key(&artist.to_uppercase(), &spaced),
                match_key(&artist.to_lowercase(), &title)
            );
        }

        #[test]
        fn keys_never_contain_the_separator_twice(artist in "\\PC{0,30}", title in "\\PC{0,30}") {
            let key = match_key(&artist, &title);
            prop_assert_eq!(key.matches(KEY_SEPARATOR).count(), 1);
        }
    }
}
