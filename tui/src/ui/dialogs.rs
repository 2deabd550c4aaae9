//! What opens on top of a tab: the y/n confirmation, the role chooser, the
//! new-user form, the users filter, the provider connect dialogs (the browser
//! approval has its own module), and the History tab's search box, filter and
//! date forms (the import dialog has its own module).

use ratatui::{
    Frame,
    layout::{Constraint, Position, Rect},
    text::{Line, Span},
    widgets::{Block, Clear, Padding, Paragraph, Wrap},
};

use spotter_proto::v1::Provider;

use super::{approval_dialog, form, import_dialog, theme::Theme};
use crate::app::{
    Main,
    dialogs::{Confirm, Overlay, ROLE_CHOICES, RoleChooser},
    form::Form,
    lists::role_name,
};

const DIALOG_WIDTH: u16 = 60;

pub fn render(frame: &mut Frame, area: Rect, now: i64, main: &Main, theme: Theme) {
    match &main.overlay {
        None => {}
        Some(Overlay::Confirm(confirm)) => render_confirm(frame, area, confirm, theme),
        Some(Overlay::RoleChooser(chooser)) => render_chooser(frame, area, chooser, theme),
        Some(Overlay::NewUser(form)) => render_form(
            frame,
            area,
            " New local user ",
            "Enter creates the user (role user) · Esc cancels",
            form,
            theme,
        ),
        Some(Overlay::NavidromeAccount { username, form, .. }) => render_form(
            frame,
            area,
            &format!(" Navidrome account {username} may connect "),
            "Enter saves (empty: only their own name) · Esc cancels",
            form,
            theme,
        ),
        Some(Overlay::Filter(form)) => render_form(
            frame,
            area,
            " Filter users ",
            "Enter applies (empty shows everyone) · Esc cancels",
            form,
            theme,
        ),
        Some(Overlay::Approval(approval)) => {
            approval_dialog::render(frame, area, now, approval, theme);
        }
        Some(Overlay::Connect(connect)) => render_form(
            frame,
            area,
            if connect.provider == Provider::Listenbrainz {
                " Connect ListenBrainz "
            } else {
                " Connect Navidrome "
            },
            "Enter connects · Esc cancels",
            &connect.form,
            theme,
        ),
        Some(Overlay::Search(search)) => render_search(frame, area, &search.form, theme),
        Some(Overlay::HistoryFilter(form)) => render_form(
            frame,
            area,
            " Filter listens ",
            "Days as YYYY-MM-DD, local · Enter applies · Esc cancels",
            form,
            theme,
        ),
        Some(Overlay::JumpToDate(form)) => render_form(
            frame,
            area,
            " Go to a date ",
            "YYYY-MM-DD: that day, then older · empty: the newest",
            form,
            theme,
        ),
        Some(Overlay::Import(dialog)) => import_dialog::render(frame, area, dialog, theme),
    }
}

/// The search box sits at the bottom, like a command line, so the list it filters
/// stays in sight as it follows the typing.
fn render_search(frame: &mut Frame, area: Rect, form: &Form, theme: Theme) {
    let height = 3.min(area.height);
    let rect = Rect {
        y: area.y + area.height - height,
        height,
        ..area
    };
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" Search artist, album, title ")
        .title_bottom(Line::from(" Enter keeps it · Esc puts back the last ").right_aligned())
        .border_style(theme.border(theme.busy()));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let (lines, cursor) = form::field_lines(form, inner.width, theme);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(at) = cursor
        && at.x < inner.width
    {
        frame.set_cursor_position(Position::new(inner.x + at.x, inner.y + at.y));
    }
}

fn popup(frame: &mut Frame, area: Rect, height: u16, title: &str, theme: Theme) -> Rect {
    popup_of_width(frame, area, DIALOG_WIDTH, height, title, theme)
}

/// A bordered, padded box of `width` x `height` (shrunk to fit) centred on `area`,
/// cleared and titled; returns the space inside it.
pub(super) fn popup_of_width(
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

fn render_confirm(frame: &mut Frame, area: Rect, confirm: &Confirm, theme: Theme) {
    // The dialog less borders and padding, less a margin for word wrapping (a
    // wrapped line breaks before the last word): long texts take more rows.
    let inner_width = usize::from(DIALOG_WIDTH.min(area.width).saturating_sub(4 + 10)).max(1);
    let rows = |text: &str| text.chars().count().div_ceil(inner_width).max(1);
    let text_rows = rows(&confirm.question) + rows(&confirm.detail);
    // Borders, the texts, a gap before the keys, the keys.
    let height = u16::try_from(2 + text_rows + 2 + 1).unwrap_or(u16::MAX);
    let inner = popup(frame, area, height, " Are you sure? ", theme);
    let lines = vec![
        Line::styled(confirm.question.clone(), theme.heading()),
        Line::default(),
        Line::raw(confirm.detail.clone()),
        Line::default(),
        Line::from(vec![
            Span::styled("y", theme.key()),
            Span::raw(" yes    "),
            Span::styled("n", theme.key()),
            Span::raw(" / "),
            Span::styled("Esc", theme.key()),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

fn render_chooser(frame: &mut Frame, area: Rect, chooser: &RoleChooser, theme: Theme) {
    let title = format!(" Role for {} ", chooser.username);
    // Borders, the roles, a gap, the hint.
    let height = u16::try_from(ROLE_CHOICES.len() + 4).unwrap_or(u16::MAX);
    let inner = popup(frame, area, height, &title, theme);
    let mut lines: Vec<Line> = ROLE_CHOICES
        .iter()
        .enumerate()
        .map(|(i, &role)| {
            let current = if role == chooser.current {
                " (current)"
            } else {
                ""
            };
            let text = format!("{}{current}", role_name(role));
            if i == chooser.selected {
                Line::styled(format!("▶ {text}"), theme.selected_row())
            } else {
                Line::raw(format!("  {text}"))
            }
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "↑/↓ choose · Enter sets the role · Esc cancels",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_form(frame: &mut Frame, area: Rect, title: &str, hint: &str, form: &Form, theme: Theme) {
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
