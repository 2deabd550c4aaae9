//! The screen shown while the daemon cannot be reached: why, how to fix it, the
//! daemon's last log lines when it died starting, and that we keep retrying.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Padding, Paragraph, Wrap},
};

use crate::{app::App, problem::Problem};
use crate::{
    component::widgets::{fields::field, theme::Theme},
    tabs::status::view::socket_source,
};

/// Rows the explanation needs (borders included) when reason and hint take two lines
/// each; the log tail only gets what is left.
const EXPLANATION_ROWS: u16 = 13;
/// Below this much room (borders plus two lines) the log panel is left out.
const MIN_LOG_ROWS: u16 = 4;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    problem: &Problem,
    failures: u32,
    theme: Theme,
) {
    let wanted = u16::try_from(problem.details.len().saturating_add(2)).unwrap_or(u16::MAX);
    let room = area.height.saturating_sub(EXPLANATION_ROWS);
    let log_height = if problem.details.is_empty() || room < MIN_LOG_ROWS {
        0
    } else {
        room.min(wanted)
    };
    let [main, log] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(log_height)]).areas(area);

    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" Cannot reach spotterd ")
        // In the border, so a long explanation can never push it off screen.
        .title_bottom(format!(
            " Retrying every second · failed attempts: {failures} · r retries now "
        ))
        .border_style(theme.border(theme.bad()));
    let width = block.inner(main).width;
    let mut lines: Vec<Line> = Vec::new();
    lines.extend(field(
        "Socket",
        &app.socket.path.display().to_string(),
        theme.label(),
        Default::default(),
        width,
    ));
    lines.extend(field(
        "Socket source",
        &socket_source(&app.socket),
        theme.label(),
        Default::default(),
        width,
    ));
    lines.push(Line::default());
    lines.push(Line::styled("What happened", theme.heading()));
    lines.push(Line::styled(problem.reason.clone(), theme.bad()));
    lines.push(Line::default());
    lines.push(Line::styled("How to fix", theme.heading()));
    lines.push(Line::raw(problem.hint.clone()));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        main,
    );

    if log_height > 0 {
        let shown = usize::from(log_height.saturating_sub(2));
        let skip = problem.details.len().saturating_sub(shown);
        let tail: Vec<Line> = problem.details[skip..]
            .iter()
            .map(|l| Line::raw(l.clone()))
            .collect();
        frame.render_widget(
            Paragraph::new(tail).block(
                Block::bordered()
                    .padding(Padding::horizontal(1))
                    .title(" Daemon log (last lines) "),
            ),
            log,
        );
    }
}
