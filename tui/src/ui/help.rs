//! The help overlay, generated from the keymap so it cannot drift from the keys.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::{Line, Span},
    widgets::{Block, Clear, Paragraph},
};

use super::theme::Theme;
use crate::keymap;

const WIDTH: u16 = 64;

pub fn render(frame: &mut Frame, area: Rect, theme: Theme) {
    let help = keymap::help_lines();
    let key_width = help
        .iter()
        .map(|l| l.keys.chars().count())
        .max()
        .unwrap_or(0);

    let mut lines = vec![Line::default()];
    for line in &help {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(format!("{:<key_width$}", line.keys), theme.key()),
            Span::raw(format!("   {}", line.description)),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::raw("  Press Esc or ? to close."));

    // Borders add two rows.
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = area.centered(Constraint::Length(WIDTH), Constraint::Length(height));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys ")),
        popup,
    );
}
