//! Untrusted text made fit to store and show (SECURITY.md T9; issue 10, findings 1
//! and 8): names from export files and provider answers are cut to a bounded length
//! and carry no control characters, so they can neither bloat the database nor drive
//! the terminal they are printed on.
//!
//! Infrastructure below every domain: [`normalize`] turns names into the keys history,
//! import and track matching compare.

pub mod matching;
pub mod normalize;

use std::borrow::Cow;

/// The longest artist, album or title stored, in bytes (UTF-8).
pub const MAX_NAME_BYTES: usize = 1024;
/// The longest identifier kept (an ISRC has 12 characters, an MBID 36).
pub const MAX_ID_BYTES: usize = 64;

/// A name made fit to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<'a> {
    pub text: Cow<'a, str>,
    /// It was longer than [`MAX_NAME_BYTES`] and was cut.
    pub cut: bool,
}

/// `s` without control characters (a run of line breaks and tabs becomes one space,
/// the others are dropped), trimmed, and cut to at most [`MAX_NAME_BYTES`] on a character
/// boundary. Borrows when nothing needs changing, which is nearly always.
pub fn clean_name(s: &str) -> Name<'_> {
    let trimmed = s.trim();
    if trimmed.len() <= MAX_NAME_BYTES && !has_control(trimmed) {
        return Name {
            text: Cow::Borrowed(trimmed),
            cut: false,
        };
    }
    let mut out = String::with_capacity(trimmed.len().min(MAX_NAME_BYTES));
    for c in trimmed.chars() {
        match c {
            c if c.is_control() && c.is_whitespace() => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let kept = out.trim();
    let end = floor_char_boundary(kept, MAX_NAME_BYTES);
    let cut = end < kept.len();
    Name {
        text: Cow::Owned(kept[..end].trim_end().to_owned()),
        cut,
    }
}

/// An identifier (ISRC, MBID) as given, or `None` when it is too long or holds
/// control characters to be one.
pub fn clean_id(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= MAX_ID_BYTES && !has_control(s)).then_some(s)
}

/// `s` with every control character (line breaks included) written as a visible
/// escape (`\u{1b}`), for a log line: a logged value can neither drive a terminal nor
/// start a forged log line.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !has_control(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// True when `s` holds a control character (Unicode `Cc`: C0, DEL, C1).
pub fn has_control(s: &str) -> bool {
    // C0 and DEL are single bytes; C1 (U+0080..U+009F) is 0xC2 0x80..=0x9F in UTF-8.
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &x)| {
        x < 0x20
            || x == 0x7f
            || (x == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
    })
}

/// The largest index `<= max` that is a character boundary of `s`.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn clean_text_is_borrowed_as_is() {
        let n = clean_name("  Björk — Jóga ");
        assert_eq!(n.text, "Björk — Jóga");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert!(!n.cut);
    }

    #[test]
    fn escape_sequences_lose_their_control_characters() {
        let n = clean_name("evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31mtitle\r\nnext\tcol");
        assert_eq!(n.text, "evil]0;pwned[2J31mtitle next col");
        assert!(!n.cut);
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let s = "é".repeat(MAX_NAME_BYTES); // 2 bytes each
        let n = clean_name(&s);
        assert!(n.cut);
        assert_eq!(n.text.len(), MAX_NAME_BYTES);
        let s = format!("a{}", "é".repeat(MAX_NAME_BYTES));
        let n = clean_name(&s);
        assert_eq!(n.text.len(), MAX_NAME_BYTES - 1);
    }

    #[test]
    fn escaping_makes_every_control_character_visible() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\nc\u{9b}"),
            "a\\u{1b}[2Jb\\u{a}c\\u{9b}"
        );
        assert!(matches!(escape_controls("Björk"), Cow::Borrowed("Björk")));
    }

    #[test]
    fn identifiers_that_cannot_be_one_are_dropped() {
        assert_eq!(clean_id(" USRC17607839 "), Some("USRC17607839"));
        assert_eq!(clean_id(&"x".repeat(65)), None);
        assert_eq!(clean_id("a\u{0}b"), None);
        assert_eq!(clean_id(""), None);
    }

    proptest! {
        #[test]
        fn a_cleaned_name_is_bounded_and_has_no_control_character(s in "\\PC*|[\\x00-\\x{9f}é€𝄞 ]{0,3000}") {
            let n = clean_name(&s);
            prop_assert!(n.text.len() <= MAX_NAME_BYTES);
            prop_assert!(!n.text.chars().any(char::is_control));
            prop_assert!(!has_control(&n.text));
            prop_assert_eq!(has_control(&s), s.chars().any(char::is_control));
            if s.len() <= MAX_NAME_BYTES && !s.chars().any(char::is_control) {
                prop_assert_eq!(n.text.as_ref(), s.trim());
            }
        }
    }
}
