//! The boxes dialogs are drawn in: a centred, cleared, titled popup, and a small
//! form in one.

use ratatui::{
    Frame,
    layout::{Constraint, Position, Rect},
    text::Line,
    widgets::{Block, Clear, Padding, Paragraph, Wrap},
};

use super::{form, theme::Theme};
use crate::component::form::Form;

/// The width of most dialogs.
pub const DIALOG_WIDTH: u16 = 60;

/// A dialog of the usual width; returns the space inside it.
pub fn popup(frame: &mut Frame, area: Rect, height: u16, title: &str, theme: Theme) -> Rect {
    popup_of_width(frame, area, DIALOG_WIDTH, height, title, theme)
}

/// A bordered, padded box of `width` x `height` (shrunk to fit) centred on `area`,
/// cleared and titled; returns the space inside it.
pub fn popup_of_width(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    height: u16,
    title: &str,
    theme: Theme,
) -> Rect {
    let rect = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(title.to_owned())
        .border_style(theme.border(theme.busy()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

/// A small form in a popup: its fields, its message, and a hint of the keys.
pub fn form_dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    hint: &str,
    form: &Form,
    theme: Theme,
) {
    let fields = u16::try_from(form.fields.len()).unwrap_or(u16::MAX);
    // Borders, fields, gap, message, gap, hint.
    let inner = popup(frame, area, fields + 6, title, theme);
    let (mut lines, cursor) = form::field_lines(form, inner.width, theme);
    lines.push(Line::default());
    lines.push(form::message_line(form, theme).unwrap_or_default());
    lines.push(Line::default());
    lines.push(Line::styled(hint.to_owned(), theme.dim()));
    // Not trimmed: the unfocused fields' indentation lines them up.
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some(at) = cursor
        && at.x < inner.width
    {
        frame.set_cursor_position(Position::new(inner.x + at.x, inner.y + at.y));
    }
}
