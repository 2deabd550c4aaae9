//! Aligned `label  value` rows, wrapping long values (socket and log paths,
//! explanations) under the value column instead of cutting them off at 80
//! columns: at spaces where there are any, else mid-word; and big numbers with
//! separators ([`thousands`]).

use ratatui::{
    style::Style,
    text::{Line, Span},
};

/// Width of the label column, including the gap before the value.
pub const LABEL_WIDTH: usize = 16;

/// One field as one or more lines for a panel whose inner width is `width`.
pub fn field(
    label: &str,
    value: &str,
    label_style: Style,
    value_style: Style,
    width: u16,
) -> Vec<Line<'static>> {
    let room = usize::from(width).saturating_sub(LABEL_WIDTH).max(1);
    wrap(value, room)
        .into_iter()
        .enumerate()
        .map(|(i, chunk)| {
            let left = if i == 0 { label } else { "" };
            Line::from(vec![
                Span::styled(format!("{left:<LABEL_WIDTH$}"), label_style),
                Span::styled(chunk, value_style),
            ])
        })
        .collect()
}

/// `text` in lines of at most `room` characters, broken at the last space that
/// fits (the space itself dropped), or mid-word when a word is longer than a line.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while rest.len() > room {
        let space = rest[..=room]
            .iter()
            .rposition(|&c| c == ' ')
            .filter(|&i| i > 0);
        let (line, skip) = match space {
            Some(at) => (at, at + 1),
            None => (room, room),
        };
        lines.push(rest[..line].iter().collect());
        rest.drain(..skip);
    }
    lines.push(rest.into_iter().collect());
    lines
}

/// 12345 as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_wraps_at_spaces_and_long_words_are_cut() {
        assert_eq!(
            wrap("needs a reconnect now", 10),
            ["needs a", "reconnect", "now"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }

    fn text(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn short_values_stay_on_one_line() {
        let lines = field("PID", "42", Style::new(), Style::new(), 40);
        assert_eq!(text(&lines), [format!("{:<16}42", "PID")]);
    }

    #[test]
    fn long_values_wrap_under_the_value_column() {
        let lines = field("Socket", &"a".repeat(30), Style::new(), Style::new(), 36);
        let expected_second = format!("{}{}", " ".repeat(16), "a".repeat(10));
        assert_eq!(
            text(&lines),
            [
                format!("{:<16}{}", "Socket", "a".repeat(20)),
                expected_second
            ]
        );
    }

    #[test]
    fn big_numbers_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_345), "12,345");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
