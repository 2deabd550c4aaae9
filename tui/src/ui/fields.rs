//! Aligned `label  value` rows, wrapping long values (socket and log paths) under
//! the value column instead of cutting them off at 80 columns.

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
    let chars: Vec<char> = value.chars().collect();
    let chunks: Vec<String> = if chars.is_empty() {
        vec![String::new()]
    } else {
        chars.chunks(room).map(|c| c.iter().collect()).collect()
    };
    chunks
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
