//! The Users tab (admins): accounts, their role, whether they are disabled and
//! how they sign in; filtered by name.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Line,
    widgets::{Block, Padding, Paragraph, Row},
};

use super::state::{Dialog, ROLE_CHOICES, RoleChooser, UsersTab};
use crate::{
    component::{
        View,
        widgets::{
            dialog::{form_dialog, popup},
            table::{self, ListView},
            theme::Theme,
        },
    },
    identity::role_name,
    when,
};

pub fn draw(frame: &mut Frame, area: Rect, tab: &UsersTab, view: &View) {
    let (now, zone, theme) = (view.now, view.zone, view.theme);
    let rows = &tab.rows;
    let more = if rows.next != 0 { "+" } else { "" };
    let mut title = format!(" Users ({}{more})", rows.items.len());
    if !tab.query.is_empty() {
        title.push_str(&format!(" · name contains \"{}\"", tab.query));
    }
    title.push(' ');
    let list = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(title),
        header: Row::new(["Username", "Role", "Status", "Sign-in", "Created"]),
        widths: &[
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(15),
            Constraint::Length(10),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let u = &rows.items[i];
            let sign_in = match (u.has_local_password, u.navidrome_linked) {
                (true, true) => "local+navidrome",
                (false, true) => "navidrome",
                (true, false) => "local",
                (false, false) => "none",
            };
            Row::new([
                if u.navidrome_account.is_empty() {
                    u.username.clone()
                } else {
                    format!("{} (Navidrome: {})", u.username, u.navidrome_account)
                },
                role_name(u.role()).to_owned(),
                if u.disabled { "disabled" } else { "active" }.to_owned(),
                sign_in.to_owned(),
                when::ago(now, u.created_at, zone),
            ])
        },
        empty: if !rows.loaded {
            "Loading users…"
        } else if tab.query.is_empty() {
            "No users."
        } else {
            "No user matches the filter (/ to change it)."
        },
    };
    table::render(frame, area, list, theme);
}

pub fn draw_dialog(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: Theme) {
    match dialog {
        Dialog::RoleChooser(chooser) => draw_chooser(frame, area, chooser, theme),
        Dialog::NewUser(form) => form_dialog(
            frame,
            area,
            " New local user ",
            "Enter creates the user (role user) · Esc cancels",
            form,
            theme,
        ),
        Dialog::NavidromeAccount { username, form, .. } => form_dialog(
            frame,
            area,
            &format!(" Navidrome account {username} may connect "),
            "Enter saves (empty: only their own name) · Esc cancels",
            form,
            theme,
        ),
        Dialog::Filter(form) => form_dialog(
            frame,
            area,
            " Filter users ",
            "Enter applies (empty shows everyone) · Esc cancels",
            form,
            theme,
        ),
    }
}

fn draw_chooser(frame: &mut Frame, area: Rect, chooser: &RoleChooser, theme: Theme) {
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
