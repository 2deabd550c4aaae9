//! Draws a [`Form`]: one row per field with a focus marker, passwords as `•`, the
//! method as a pair of radio buttons, and where the text cursor belongs.

use ratatui::{
    layout::Position,
    text::{Line, Span},
};
use spotter_proto::v1::SignInMethod;

use super::theme::Theme;
use crate::component::form::{FieldValue, Form};

/// Marker plus label column.
const LABEL_COLUMNS: usize = 14;

/// The field rows, and the cursor position relative to the first row's start.
pub fn field_lines(
    form: &Form,
    width: u16,
    theme: Theme,
) -> (Vec<Line<'static>>, Option<Position>) {
    let room = usize::from(width).saturating_sub(LABEL_COLUMNS + 1).max(1);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (i, field) in form.fields.iter().enumerate() {
        if field.hidden {
            continue;
        }
        let focused = i == form.focus && !form.busy;
        let marker = if focused { "› " } else { "  " };
        let label_style = if focused {
            theme.focused()
        } else {
            theme.label()
        };
        let mut spans = vec![Span::styled(
            format!("{marker}{:<width$}", field.label, width = LABEL_COLUMNS - 2),
            label_style,
        )];
        let shown = match &field.value {
            FieldValue::Plain(text) => tail(text, room),
            FieldValue::Revealed(secret) => tail(secret.expose(), room),
            FieldValue::Masked(secret) => "•".repeat(secret.char_count().min(room)),
            FieldValue::Method(method) => {
                let radio = |on: bool| if on { "(•)" } else { "( )" };
                let local = *method != SignInMethod::Navidrome;
                let hint = if focused { "   ←/→ switch" } else { "" };
                format!("{} Local   {} Navidrome{hint}", radio(local), radio(!local))
            }
        };
        if focused && !matches!(field.value, FieldValue::Method(_)) {
            let col = LABEL_COLUMNS + shown.chars().count();
            cursor = Some(Position::new(
                u16::try_from(col).unwrap_or(u16::MAX),
                u16::try_from(lines.len()).unwrap_or(u16::MAX),
            ));
        }
        spans.push(Span::raw(shown));
        lines.push(Line::from(spans));
    }
    (lines, cursor)
}

/// The end of `text` that fits in `room` characters: the part being typed.
fn tail(text: &str, room: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(room)).collect()
}

/// The error (or note) under a form, if any.
pub fn message_line(form: &Form, theme: Theme) -> Option<Line<'static>> {
    if form.busy {
        return Some(Line::styled("Working…", theme.busy()));
    }
    if let Some(error) = &form.error {
        return Some(Line::styled(error.clone(), theme.bad()));
    }
    form.info
        .as_ref()
        .map(|info| Line::styled(info.clone(), theme.good()))
}
