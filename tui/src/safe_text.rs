//! Text from the daemon made safe to print on a terminal.
//!
//! Stored text (titles from an import file, user names, device labels, the daemon's
//! own messages) can hold control characters, and a terminal obeys them: ESC and
//! the C1 controls (U+0080–U+009F, U+009B being a one-character CSI) set the window
//! title, clear the screen or worse. Every line the CLI prints goes through here:
//!
//! - human-readable text: [`escape_controls`] shows each control character (Unicode
//!   `Cc`) as a visible escape (`\x1b`, `\u{9b}`, `\n`), or
//!   [`escape_controls_in_lines`] for a message of several lines;
//! - JSON: serde_json escapes C0 but writes DEL and C1 raw, so [`json_line`] and
//!   [`escape_json_controls`] write them as `\u00XX` (the same JSON, decoded);
//! - streamed exports: [`SafeStream`], which holds back a character split between
//!   chunks.
//!
//! The TUI needs none of this: ratatui drops control characters from everything it
//! draws (`Buffer::set_stringn` and `Span`'s graphemes), which a test keeps true.

use std::{
    borrow::Cow,
    fmt::{self, Write as _},
    io::Write as _,
};

/// `text` with every control character shown as a visible escape; clean text is
/// returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_where(text, char::is_control, push_visible)
}

/// Like [`escape_controls`], keeping line breaks: for messages of several lines.
pub fn escape_controls_in_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c.is_control() && c != '\n', push_visible)
}

/// JSON text with every control character but line breaks written as a `\u00XX`
/// escape. Valid in JSON strings, and outside them (where only whitespace may be)
/// a JSON writer puts none but `\n`, so the document means exactly what it did.
pub fn escape_json_controls(json: &str) -> Cow<'_, str> {
    escape_where(
        json,
        |c| c.is_control() && c != '\n',
        |out, c| {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        },
    )
}

/// `value` as one compact line of terminal-safe JSON, newline included.
pub fn json_line(value: &impl serde::Serialize) -> String {
    // Serialising our own plain values (strings, numbers, maps) cannot fail.
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut line = escape_json_controls(&json).into_owned();
    line.push('\n');
    line
}

/// Prints a message on stderr, its control characters (but line breaks) made
/// visible. Errors often quote the daemon, which may quote a file.
pub fn eprint_message(message: impl fmt::Display) {
    let text = message.to_string();
    // Nothing useful to do when stderr itself is gone.
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        escape_controls_in_lines(&text)
    );
}

fn escape_where(
    text: &str,
    escape: impl Fn(char) -> bool,
    push: impl Fn(&mut String, char),
) -> Cow<'_, str> {
    let Some(first) = text.find(&escape) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if escape(c) {
            push(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The escape a reader recognises: `\n`, `\t`, `\r`; `\x1b` for the other C0
/// controls and DEL; `\u{9b}` for C1 (a character, not a byte, in UTF-8 text).
fn push_visible(out: &mut String, c: char) {
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\t' => write!(out, "\\t"),
        '\r' => write!(out, "\\r"),
        c if u32::from(c) < 0x80 => write!(out, "\\x{:02x}", u32::from(c)),
        c => write!(out, "\\u{{{:x}}}", u32::from(c)),
    };
}

/// A byte stream (an export) made terminal-safe chunk by chunk: UTF-8 characters
/// split between chunks are held back until complete, then every chunk of text goes
/// through `escape`. Bytes that are not UTF-8 come out as U+FFFD.
pub struct SafeStream {
    escape: fn(&str) -> Cow<'_, str>,
    pending: Vec<u8>,
}

impl fmt::Debug for SafeStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafeStream")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl SafeStream {
    /// For JSON lines: [`escape_json_controls`].
    pub fn json() -> SafeStream {
        SafeStream {
            escape: escape_json_controls,
            pending: Vec::new(),
        }
    }

    /// For lines of text (CSV shown on a terminal): [`escape_controls_in_lines`].
    pub fn lines() -> SafeStream {
        SafeStream {
            escape: escape_controls_in_lines,
            pending: Vec::new(),
        }
    }

    /// The safe text of everything complete so far.
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let mut out = String::new();
        loop {
            match std::str::from_utf8(&self.pending) {
                Ok(text) => {
                    out.push_str(&(self.escape)(text));
                    self.pending.clear();
                    return out;
                }
                Err(err) => {
                    let valid = err.valid_up_to();
                    // Checked by from_utf8 just now.
                    let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
                    out.push_str(&(self.escape)(text));
                    match err.error_len() {
                        // A character cut at the end of the chunk: wait for the rest.
                        None => {
                            self.pending.drain(..valid);
                            return out;
                        }
                        Some(bad) => {
                            out.push(char::REPLACEMENT_CHARACTER);
                            self.pending.drain(..valid + bad);
                        }
                    }
                }
            }
        }
    }

    /// Whatever was still held back when the stream ended (a cut-off character).
    pub fn finish(&mut self) -> String {
        let rest = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        (self.escape)(&rest).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

    #[test]
    fn controls_are_shown_not_obeyed() {
        assert_eq!(
            escape_controls(HOSTILE),
            r"\x1b]0;pwned\x07\x1b[2J\u{9b}31m"
        );
        assert_eq!(escape_controls("a\tb\r\nc\u{7f}\0"), r"a\tb\r\nc\x7f\x00");
        assert_eq!(
            escape_controls_in_lines("a\u{1b}\nb\u{85}"),
            "a\\x1b\nb\\u{85}"
        );
    }

    #[test]
    fn clean_text_is_borrowed_unchanged() {
        for clean in [
            "",
            "Björk — Jóga",
            "坂本龍一",
            r"back\slash \x1b",
            "\u{200b}",
        ] {
            assert!(matches!(escape_controls(clean), Cow::Borrowed(t) if t == clean));
            assert!(matches!(escape_json_controls(clean), Cow::Borrowed(t) if t == clean));
        }
    }

    #[test]
    fn json_lines_escape_del_and_c1_and_still_mean_the_same() {
        let value = serde_json::json!({ "title": HOSTILE, "album": "x\u{7f}\u{9d}" });
        let line = json_line(&value);
        assert!(line.ends_with('\n'));
        assert_eq!(line.matches('\n').count(), 1);
        assert!(line.contains(r"\u009b31m"), "{line}");
        assert!(line.contains(r"x\u007f\u009d"), "{line}");
        assert!(!line.trim_end().contains(char::is_control), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn a_stream_escapes_characters_split_between_chunks() {
        let text = format!("{{\"t\":\"{}\"}}\n", "a\u{9b}b\u{1b}é");
        let bytes = text.as_bytes();
        for cut in 0..=bytes.len() {
            let mut stream = SafeStream::json();
            let mut out = stream.push(&bytes[..cut]);
            out.push_str(&stream.push(&bytes[cut..]));
            out.push_str(&stream.finish());
            assert_eq!(out, "{\"t\":\"a\\u009bb\\u001bé\"}\n", "cut at {cut}");
        }
        let mut stream = SafeStream::lines();
        let mut out = stream.push(b"a\xffb\xc2");
        out.push_str(&stream.finish());
        assert_eq!(out, "a\u{fffd}b\u{fffd}");
    }

    proptest! {
        #[test]
        fn escaped_text_never_holds_a_control_character(text in any::<String>()) {
            let escaped = escape_controls(&text);
            prop_assert!(!escaped.contains(char::is_control), "{escaped:?}");
            let lines = escape_controls_in_lines(&text);
            prop_assert!(!lines.contains(|c: char| c.is_control() && c != '\n'));
            prop_assert_eq!(lines.matches('\n').count(), text.matches('\n').count());
        }

        #[test]
        fn clean_text_comes_out_unchanged(text in "[^\\p{Cc}]*") {
            prop_assert_eq!(escape_controls(&text), text.as_str());
            prop_assert_eq!(escape_controls_in_lines(&text), text.as_str());
            prop_assert_eq!(escape_json_controls(&text), text.as_str());
        }

        #[test]
        fn json_lines_are_safe_and_decode_to_the_same_value(text in any::<String>()) {
            let value = serde_json::json!({ "text": text });
            let line = json_line(&value);
            prop_assert!(!line.trim_end_matches('\n').contains(char::is_control));
            let back: serde_json::Value = serde_json::from_str(&line).unwrap();
            prop_assert_eq!(back, value);
        }

        #[test]
        fn streams_cut_anywhere_say_what_the_whole_text_says(
            text in any::<String>(),
            cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
        ) {
            let bytes = text.as_bytes();
            let mut at: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
            at.sort_unstable();
            let mut stream = SafeStream::lines();
            let mut out = String::new();
            let mut from = 0;
            for cut in at.into_iter().chain([bytes.len()]) {
                out.push_str(&stream.push(&bytes[from..cut]));
                from = cut;
            }
            out.push_str(&stream.finish());
            prop_assert_eq!(out, escape_controls_in_lines(&text).into_owned());
        }
    }
}
