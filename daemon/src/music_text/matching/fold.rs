//! The comparison normaliser of the track matcher.
//!
//! [`fold`] turns one name into lower-case ASCII words: Unicode compatibility forms
//! (NFKD, `unicode-normalization`) and diacritics dropped, other scripts transliterated
//! (`deunicode`), apostrophes and quotes of every kind removed ("Don’t" = "Dont"),
//! "&" and "+" read as "and", every other run of punctuation (dashes included) one
//! space. [`parse_title`] splits a title into its core, its featured artists and its
//! [`Version`]; [`parse_artists`] splits an artist credit into artists.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// What kind of recording a title names. Everything that is not studio is kept apart
/// in matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VersionKind {
    #[default]
    Studio,
    Live,
    Remix,
    Demo,
    Acoustic,
    Alternate,
    Instrumental,
}

/// The version a title names: its kind and the folded words that said so ("live at
/// wembley 1986", "tiesto remix"); empty for the studio recording.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Version {
    pub kind: VersionKind,
    pub tag: String,
}

/// A title taken apart for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedTitle {
    /// The folded title without featuring credits and version suffixes.
    pub core: String,
    /// Folded names from "(feat. …)", "ft. …", "featuring …".
    pub featured: Vec<String>,
    pub version: Version,
}

/// Apostrophes and quotes: dropped, so "Don't", "Don’t" and "Dont" are one word.
fn is_quote(c: char) -> bool {
    matches!(
        c,
        '\'' | '"'
            | '`'
            | '´'
            | '\u{2018}'..='\u{201f}'
            | '\u{2032}'..='\u{2037}'
            | '\u{ff07}'
            | '\u{ff02}'
            | '«'
            | '»'
            | '\u{2039}'
            | '\u{203a}'
    )
}

/// Every dash and hyphen of Unicode, as `-`.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{fe58}'
                | '\u{fe63}'
                | '\u{ff0d}'
                | '\u{2e3a}'
                | '\u{2e3b}'
                | '\u{301c}'
                | '\u{30fc}'
    )
}

/// One name folded for comparison: lower-case ASCII letters and digits in words
/// separated by one space. A name with no letter or digit (a band called "!!!") keeps
/// its symbols, whitespace collapsed, so it never folds to nothing.
pub fn fold(text: &str) -> String {
    let mut ascii = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_ascii() {
            ascii.push(c);
        } else if is_quote(c) {
            ascii.push('\'');
        } else if is_dash(c) {
            ascii.push('-');
        } else if let Some(t) = deunicode::deunicode_char(c) {
            // Ideographs and syllables are words: keep them apart from their
            // neighbours ("北京" gives "bei jing"); alphabets spell words ("Кино").
            let word = c as u32 >= 0x2e80;
            if word {
                ascii.push(' ');
            }
            ascii.push_str(t);
            if word {
                ascii.push(' ');
            }
        }
    }
    let mut out = String::with_capacity(ascii.len());
    let mut pending_space = false;
    let word = |out: &mut String, w: &str, pending: &mut bool| {
        if *pending && !out.is_empty() {
            out.push(' ');
        }
        *pending = false;
        out.push_str(w);
    };
    for c in ascii.chars() {
        match c {
            c if c.is_ascii_alphanumeric() => {
                let lower = [c.to_ascii_lowercase() as u8];
                word(
                    &mut out,
                    std::str::from_utf8(&lower).unwrap_or_default(),
                    &mut pending_space,
                );
            }
            '\'' | '"' | '`' => {}
            '&' | '+' => {
                pending_space = true;
                word(&mut out, "and", &mut pending_space);
                pending_space = true;
            }
            _ => pending_space = true,
        }
    }
    if out.is_empty() {
        return text
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

/// An artist folded for comparison: [`fold`] without a leading "the" ("The Beatles" =
/// "Beatles").
pub fn fold_artist(artist: &str) -> String {
    let f = fold(artist);
    match f.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => f,
    }
}

/// The artists of a credit ("Calvin Harris, Rihanna", "A feat. B", "A ft. B", "A x B",
/// "A; B", "A / B"), each folded with [`fold_artist`]; the first is the primary artist.
/// "&" and "and" do not split ("Simon & Garfunkel" is one artist).
pub fn parse_artists(credit: &str) -> Vec<String> {
    let lower = credit.to_lowercase();
    // Cut points are found on the lower-cased text; only use them when it has the
    // same byte layout.
    if lower.len() != credit.len() {
        return vec![fold_artist(credit)];
    }
    let separators = [
        ", ",
        "; ",
        " / ",
        " feat. ",
        " feat ",
        " ft. ",
        " ft ",
        " featuring ",
        " with ",
        " x ",
        " vs. ",
    ];
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for sep in separators {
        for (i, _) in lower.match_indices(sep) {
            cuts.push((i, i + sep.len()));
        }
    }
    cuts.sort_unstable();
    let mut parts = Vec::new();
    let mut start = 0;
    for (a, b) in cuts {
        if a < start || !credit.is_char_boundary(a) || !credit.is_char_boundary(b) {
            continue;
        }
        parts.push(&credit[start..a]);
        start = b;
    }
    parts.push(&credit[start..]);
    let mut out: Vec<String> = parts
        .into_iter()
        .map(fold_artist)
        .filter(|a| !a.is_empty())
        .collect();
    out.dedup();
    if out.is_empty() {
        out.push(fold_artist(credit));
    }
    out
}

/// What one suffix of a title ("Remastered 2009", "feat. X", "Live at Wembley") is.
enum Suffix {
    /// Dropped for comparison: remasters, mixes by year, single/radio/mono versions,
    /// "From …" credits, editions.
    Edition,
    Featuring(Vec<String>),
    Version(VersionKind),
    /// Not a suffix we know: part of the title.
    Title,
}

fn is_year(w: &str) -> bool {
    w.len() == 4
        && w.bytes().all(|b| b.is_ascii_digit())
        && (w.starts_with("19") || w.starts_with("20"))
}

/// Classifies the folded words of a suffix.
fn classify(folded: &str) -> Suffix {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let Some(&first) = words.first() else {
        return Suffix::Title;
    };
    let has = |w: &str| words.contains(&w);
    if matches!(first, "feat" | "ft" | "featuring" | "with") && words.len() > 1 {
        let rest = words[1..].join(" ");
        return Suffix::Featuring(parse_artists(&rest));
    }
    if has("live") || (has("unplugged") && !has("acoustic")) {
        return Suffix::Version(if has("unplugged") {
            VersionKind::Acoustic
        } else {
            VersionKind::Live
        });
    }
    if has("remix") || has("rmx") || has("dub") || has("vip") || has("bootleg") || has("rework") {
        return Suffix::Version(VersionKind::Remix);
    }
    if has("demo") {
        return Suffix::Version(VersionKind::Demo);
    }
    if has("acoustic") {
        return Suffix::Version(VersionKind::Acoustic);
    }
    if has("instrumental") || has("karaoke") {
        return Suffix::Version(VersionKind::Instrumental);
    }
    if has("alternate")
        || has("alternative")
        || has("alt")
        || has("outtake")
        || (first == "take" && words.len() == 2)
    {
        return Suffix::Version(VersionKind::Alternate);
    }
    if has("mix") {
        // "2019 Mix", "Mono Mix", "Stereo Mix", "Single Mix", "Radio Mix", "Album Mix",
        // "Original Mix" are the recording itself; "Extended Mix", "Club Mix" and named
        // mixes are remixes.
        let edition = words.iter().all(|w| {
            is_year(w)
                || matches!(
                    *w,
                    "mix"
                        | "mono"
                        | "stereo"
                        | "single"
                        | "radio"
                        | "album"
                        | "original"
                        | "remastered"
                        | "new"
                        | "version"
                )
        });
        return if edition {
            Suffix::Edition
        } else {
            Suffix::Version(VersionKind::Remix)
        };
    }
    if first == "from" && words.len() > 1 {
        return Suffix::Edition;
    }
    let edition_words = [
        "remaster",
        "remastered",
        "remasters",
        "mono",
        "stereo",
        "single",
        "radio",
        "edit",
        "version",
        "deluxe",
        "edition",
        "bonus",
        "track",
        "explicit",
        "clean",
        "album",
        "anniversary",
        "expanded",
        "mastered",
        "original",
        "digital",
        "remasterizado",
        "lp",
        "ep",
        "mixed",
        "short",
        "long",
        "extended",
        "reissue",
        "soundtrack",
        "theme",
    ];
    let all_edition = words.iter().all(|w| {
        is_year(w)
            || edition_words.contains(w)
            || w.ends_with("th") && w.len() <= 4 && w.as_bytes()[0].is_ascii_digit()
    });
    let keyword = words.iter().any(|w| {
        matches!(
            *w,
            "remaster"
                | "remastered"
                | "remasters"
                | "version"
                | "edit"
                | "mono"
                | "stereo"
                | "deluxe"
                | "edition"
                | "bonus"
                | "explicit"
                | "remasterizado"
        )
    });
    if all_edition && (keyword || words.iter().all(|w| is_year(w))) {
        return Suffix::Edition;
    }
    if keyword && (has("remaster") || has("remastered") || has("edition")) {
        return Suffix::Edition;
    }
    Suffix::Title
}

/// A title taken apart: trailing "(…)"/"[…]" groups and " - …" suffixes are read one
/// by one from the end; featuring credits and editions are dropped, live/remix/demo/
/// acoustic/alternate/instrumental markers become the [`Version`], anything else stays
/// in the title. A title that is nothing but a suffix is kept whole.
pub fn parse_title(title: &str) -> ParsedTitle {
    // Dashes of every kind as '-', curly quotes as straight ones, so the suffix
    // patterns below see one spelling.
    let mut t: String = title
        .chars()
        .map(|c| {
            if is_dash(c) {
                '-'
            } else if is_quote(c) {
                '"'
            } else {
                c
            }
        })
        .collect();
    let mut featured = Vec::new();
    let mut version = Version::default();
    let mut tags: Vec<String> = Vec::new();
    for _ in 0..8 {
        let trimmed = t.trim_end();
        let (head, inner) = if let Some(stripped) = trimmed
            .strip_suffix(')')
            .map(|s| (s, '('))
            .or_else(|| trimmed.strip_suffix(']').map(|s| (s, '[')))
        {
            let (body, open) = stripped;
            match body.rfind(open) {
                Some(i) => (&body[..i], &body[i + 1..]),
                None => break,
            }
        } else if let Some(i) = trimmed.rfind(" - ") {
            (&trimmed[..i], &trimmed[i + 3..])
        } else {
            break;
        };
        if fold(head).chars().all(|c| !c.is_ascii_alphanumeric()) {
            break;
        }
        let folded = fold(inner);
        match classify(&folded) {
            Suffix::Edition => {}
            Suffix::Featuring(names) => featured.extend(names),
            Suffix::Version(kind) => {
                if version.kind == VersionKind::Studio {
                    version.kind = kind;
                }
                tags.push(folded);
            }
            Suffix::Title => break,
        }
        t = head.trim_end().to_owned();
    }
    // "Song feat. X" without brackets.
    let lower = t.to_lowercase();
    if lower.len() == t.len() {
        for sep in [" feat. ", " ft. ", " featuring ", " feat "] {
            if let Some(i) = lower.find(sep)
                && i > 0
                && t.is_char_boundary(i)
            {
                featured.extend(parse_artists(&t[i + sep.len()..]));
                t.truncate(i);
                break;
            }
        }
    }
    tags.reverse();
    version.tag = tags.join(" ");
    ParsedTitle {
        core: fold(&t),
        featured,
        version,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn core(t: &str) -> String {
        parse_title(t).core
    }

    #[test]
    fn folding_handles_case_compatibility_diacritics_and_scripts() {
        assert_eq!(fold("Mylène Farmer"), "mylene farmer");
        assert_eq!(fold("MYLENE FARMER"), "mylene farmer");
        assert_eq!(fold("ﬁve"), "five");
        assert_eq!(fold("Ｆｕｌｌｗｉｄｔｈ"), "fullwidth");
        assert_eq!(fold("Кино"), "kino");
        assert_eq!(fold("Σωκράτης"), fold("Sokrates"));
        assert_eq!(fold("Sigur Rós"), "sigur ros");
        assert!(!fold("坂本龍一").is_empty());
        assert_eq!(fold("!!!"), "!!!");
    }

    #[test]
    fn quotes_dashes_and_ampersands_fold_alike() {
        assert_eq!(fold("Don’t Stop Me Now"), fold("Don't Stop Me Now"));
        assert_eq!(fold("Don't Stop Me Now"), "dont stop me now");
        assert_eq!(fold("Ob‐La‐Di, Ob–La—Da"), fold("Ob-La-Di, Ob-La-Da"));
        assert_eq!(fold("Simon & Garfunkel"), fold("Simon and Garfunkel"));
        assert_eq!(fold("Rock + Roll"), fold("Rock and Roll"));
        assert_eq!(fold("Rock+Roll"), "rock and roll");
        assert_eq!(fold_artist("The Beatles"), fold_artist("Beatles"));
        assert_eq!(fold_artist("The The"), "the");
        assert_eq!(fold_artist("The"), "the");
    }

    #[test]
    fn artist_credits_split_into_artists() {
        assert_eq!(
            parse_artists("Calvin Harris, Rihanna"),
            ["calvin harris", "rihanna"]
        );
        assert_eq!(
            parse_artists("Calvin Harris feat. Rihanna"),
            ["calvin harris", "rihanna"]
        );
        assert_eq!(
            parse_artists("Calvin Harris ft. Rihanna"),
            ["calvin harris", "rihanna"]
        );
        assert_eq!(parse_artists("Simon & Garfunkel"), ["simon and garfunkel"]);
        assert_eq!(parse_artists("The Beatles"), ["beatles"]);
    }

    #[test]
    fn edition_suffixes_are_dropped_in_both_forms() {
        for t in [
            "Here Comes the Sun - Remastered 2009",
            "Here Comes the Sun (2011 Remaster)",
            "Here Comes the Sun - 2019 Mix",
            "Here Comes the Sun - Single Version",
            "Here Comes the Sun - Radio Edit",
            "Here Comes the Sun - Mono",
            "Here Comes the Sun [Remastered]",
            "Here Comes the Sun – Remastered 2009",
            "Here Comes the Sun - 2009 Remaster (feat. Someone)",
        ] {
            let p = parse_title(t);
            assert_eq!(p.core, "here comes the sun", "{t}");
            assert_eq!(p.version.kind, VersionKind::Studio, "{t}");
        }
        assert_eq!(
            core("Circle of Life - From \"The Lion King\""),
            "circle of life"
        );
        assert_eq!(
            core("Circle of Life - From “The Lion King”"),
            "circle of life"
        );
        assert_eq!(
            core("Circle of Life (From \"The Lion King\")"),
            "circle of life"
        );
    }

    #[test]
    fn featuring_credits_leave_the_title() {
        for t in [
            "This Is What You Came For (feat. Rihanna)",
            "This Is What You Came For [ft. Rihanna]",
            "This Is What You Came For (featuring Rihanna)",
            "This Is What You Came For feat. Rihanna",
        ] {
            let p = parse_title(t);
            assert_eq!(p.core, "this is what you came for", "{t}");
            assert_eq!(p.featured, ["rihanna"], "{t}");
        }
    }

    #[test]
    fn versions_are_kept_as_a_kind() {
        let cases = [
            ("Song - Live", VersionKind::Live),
            ("Song (Live at Wembley 1986)", VersionKind::Live),
            ("Song - Live / Remastered", VersionKind::Live),
            ("Song (Tiësto Remix)", VersionKind::Remix),
            ("Song - Extended Mix", VersionKind::Remix),
            ("Song (Demo)", VersionKind::Demo),
            ("Song - Acoustic", VersionKind::Acoustic),
            ("Song (Acoustic Version)", VersionKind::Acoustic),
            ("Song - Alternate Take", VersionKind::Alternate),
            ("Song (Take 2)", VersionKind::Alternate),
            ("Song - Instrumental", VersionKind::Instrumental),
            ("Song - Remastered 2011 (Live)", VersionKind::Live),
        ];
        for (t, kind) in cases {
            let p = parse_title(t);
            assert_eq!(p.core, "song", "{t}");
            assert_eq!(p.version.kind, kind, "{t}");
        }
        assert_eq!(
            parse_title("Song (Tiësto Remix)").version.tag,
            "tiesto remix"
        );
    }

    #[test]
    fn titles_that_only_look_like_suffixes_are_kept() {
        assert_eq!(
            core("(I Can't Get No) Satisfaction"),
            "i cant get no satisfaction"
        );
        assert_eq!(core("Song (Part 2)"), "song part 2");
        assert_eq!(core("Live"), "live");
        assert_eq!(core("(Remastered)"), "remastered");
        assert_eq!(core(" - Remastered"), "remastered");
        assert_eq!(core("Heart of Glass"), "heart of glass");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            let artist = fold_artist(&s);
            prop_assert_eq!(fold_artist(&artist), artist.clone());
        }

        #[test]
        fn nothing_panics(s in "\\PC{0,80}|[\\x00-\\x{9f}()\\[\\] -–é€𝄞\"'fetaur.]{0,80}") {
            let _ = fold(&s);
            let p = parse_title(&s);
            prop_assert_eq!(fold(&p.core), p.core.clone());
            let _ = parse_artists(&s);
        }

        #[test]
        fn folding_is_stable_under_case_and_spacing(s in "[A-Za-zÀ-ÿ0-9 ]{0,30}") {
            let spaced = format!("  {}  ", s.replace(' ', "   "));
            prop_assert_eq!(fold(&s.to_uppercase()), fold(&spaced.to_lowercase()));
        }
    }
}
