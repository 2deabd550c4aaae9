//! The browser approval (Spotify, Last.fm), drawn over the whole tab. Over SSH
//! the address is opened on another machine, so it is shown in full: on rows of
//! its own, from the first column to the last, with no border or indent, so a
//! mouse selection copies the address and nothing else (browsers drop the line
//! breaks when it is pasted into the address bar).

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Position, Rect},
    text::Line,
    widgets::{Block, Clear, Padding, Paragraph},
};

use super::connect::Approval;
use crate::{
    component::widgets::{fields::wrap, form, theme::Theme},
    providers::name,
    when,
};

/// Rows the steps under the address need at least (borders, steps, field, hint).
const MIN_STEPS_ROWS: u16 = 8;

pub fn draw(frame: &mut Frame, area: Rect, now: i64, approval: &Approval, theme: Theme) {
    frame.render_widget(Clear, area);
    let start = &approval.start;
    let width = usize::from(area.width).max(1);
    let url_rows = start.authorize_url.chars().count().div_ceil(width).max(1);
    let url_height = u16::try_from(url_rows)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(3 + MIN_STEPS_ROWS));
    let [top, url, steps] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(url_height),
        Constraint::Fill(1),
    ])
    .areas(area);

    let expiry = if start.expires_at == 0 {
        Line::default()
    } else if start.expires_at > now {
        Line::from(format!(" expires {} ", when::until(now, start.expires_at)))
    } else {
        Line::styled(" expired: Esc, then c for a new address ", theme.bad())
    };
    frame.render_widget(
        Paragraph::new("1. Open this address in a browser on any device (select it to copy it):")
            .block(
                Block::bordered()
                    .padding(Padding::horizontal(1))
                    .title(format!(" Connect {} ", name(start.provider)))
                    .title(expiry.right_aligned())
                    .border_style(theme.border(theme.busy())),
            ),
        top,
    );

    let url_lines: Vec<Line> = start
        .authorize_url
        .chars()
        .collect::<Vec<_>>()
        .chunks(width)
        .map(|chunk| Line::styled(chunk.iter().collect::<String>(), theme.label()))
        .collect();
    frame.render_widget(Paragraph::new(url_lines), url);

    render_steps(frame, steps, approval, theme);
}

fn render_steps(frame: &mut Frame, area: Rect, approval: &Approval, theme: Theme) {
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(theme.border(theme.busy()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let room = usize::from(inner.width);
    let provider = name(approval.start.provider);

    let instructions = match approval.start.instructions.as_str() {
        "" if approval.wants_paste() => format!(
            "Sign in to {provider} there and allow spotter. The browser then goes to an \
             address that may not load: that is fine, it is the one to copy."
        ),
        "" => format!("Sign in to {provider} there and allow spotter access to your account."),
        text => text.to_owned(),
    };
    let mut lines = step("2. ", &instructions, room);
    let (last_step, hint) = if approval.wants_paste() {
        (
            "Paste the address from the browser's address bar here, then press Enter:",
            "Enter connects · Esc cancels",
        )
    } else {
        (
            "Once you have allowed access there, press Enter here.",
            "Enter finishes connecting · Esc cancels",
        )
    };
    lines.extend(step("3. ", last_step, room));
    let field_row = lines.len();
    let (fields, cursor) = form::field_lines(&approval.form, inner.width, theme);
    lines.extend(fields);
    lines.push(Line::default());
    lines.extend(form::message_line(&approval.form, theme));

    let [body, hint_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), body);
    frame.render_widget(Paragraph::new(Line::styled(hint, theme.dim())), hint_area);
    if let Some(at) = cursor {
        let row = u16::try_from(field_row).unwrap_or(u16::MAX) + at.y;
        if at.x < inner.width && row < body.height {
            frame.set_cursor_position(Position::new(inner.x + at.x, inner.y + row));
        }
    }
}

/// A numbered step, wrapped under its own text.
fn step(number: &str, text: &str, room: usize) -> Vec<Line<'static>> {
    let indent = number.chars().count();
    wrap(text, room.saturating_sub(indent))
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let lead = if i == 0 {
                number.to_owned()
            } else {
                " ".repeat(indent)
            };
            Line::raw(format!("{lead}{line}"))
        })
        .collect()
}
