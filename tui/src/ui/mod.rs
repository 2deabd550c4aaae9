//! Rendering: turns `&App` into a frame and does nothing else (no I/O, no state
//! changes), so every screen can be snapshot-tested with fixed state.
//!
//! Layout at any size: a title bar, the current screen, and a footer of keys; the
//! help overlay goes on top. Designed for 80x24.

mod error_screen;
mod fields;
mod help;
mod status_screen;
pub mod theme;
mod waiting_screen;

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Block, Paragraph},
};

use crate::{
    app::{App, Connection},
    keymap,
};
use theme::Theme;

pub fn render(frame: &mut Frame, app: &App) {
    let theme = Theme::new(app.colour);
    let [title, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    render_title(frame, title, app, theme);
    match &app.connection {
        Connection::Connected(status) => status_screen::render(frame, body, app, status, theme),
        Connection::Unreachable { problem, failures } => {
            error_screen::render(frame, body, app, problem, *failures, theme);
        }
        Connection::Connecting => waiting_screen::connecting(frame, body, app, theme),
        Connection::StartingDaemon { log } => waiting_screen::starting(frame, body, log, theme),
    }
    render_footer(frame, footer, theme);
    if app.show_help {
        help::render(frame, frame.area(), theme);
    }
}

fn render_title(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let state = match app.connection {
        Connection::Connected(_) => "connected",
        Connection::Connecting => "connecting…",
        Connection::StartingDaemon { .. } => "starting daemon…",
        Connection::Unreachable { .. } => "unreachable",
    };
    frame.render_widget(Block::new().style(theme.title_bar()), area);
    frame.render_widget(Paragraph::new(" spotter · daemon status"), area);
    frame.render_widget(
        Paragraph::new(Line::from(format!("{state} ")).right_aligned()),
        area,
    );
}

fn render_footer(frame: &mut Frame, area: Rect, theme: Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in keymap::footer_hints() {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {label}   ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests;
