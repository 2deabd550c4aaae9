//! Screens shown while nothing is known yet: the first connection attempt, and a
//! personal daemon being started.

use std::path::Path;

use ratatui::{
    Frame,
    layout::Rect,
    text::Line,
    widgets::{Block, Padding, Paragraph, Wrap},
};

use crate::component::widgets::theme::Theme;
use crate::{app::App, daemon_launch::READY_TIMEOUT};

pub fn connecting(frame: &mut Frame, area: Rect, app: &App, theme: Theme) {
    let lines = vec![
        Line::styled("Connecting…", theme.busy()),
        Line::default(),
        Line::raw(format!("Socket: {}", app.socket.path.display())),
    ];
    render(frame, area, lines, theme);
}

pub fn starting(frame: &mut Frame, area: Rect, log: &Path, theme: Theme) {
    let lines = vec![
        Line::styled("Starting spotterd…", theme.busy()),
        Line::default(),
        Line::raw("No daemon was running, so spotter is starting your personal one."),
        Line::raw(format!(
            "Waiting up to {} s for it to answer.",
            READY_TIMEOUT.as_secs()
        )),
        Line::default(),
        Line::raw(format!("Log: {}", log.display())),
    ];
    render(frame, area, lines, theme);
}

fn render(frame: &mut Frame, area: Rect, lines: Vec<Line>, theme: Theme) {
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" spotterd ")
        .border_style(theme.border(theme.busy()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
