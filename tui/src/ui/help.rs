//! The help overlay, generated from the keymap for the keys live on the screen
//! beneath, so it cannot drift from the keys.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::{Line, Span},
    widgets::{Block, Clear, Paragraph},
};

use crate::component::widgets::theme::Theme;
use crate::{app::Scope, keymap};

const WIDTH: u16 = 66;

pub fn render(frame: &mut Frame, area: Rect, scopes: &[Scope], theme: Theme) {
    let help = keymap::help_lines(scopes);
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
    let popup = area.centered(
        Constraint::Length(WIDTH.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Keys ")),
        popup,
    );
}
