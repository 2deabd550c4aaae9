//! The Users tab (admins): accounts, their role, whether they are disabled and
//! how they sign in; filtered by name.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    widgets::{Block, Padding, Row},
};

use super::{
    table::{self, ListView},
    theme::Theme,
};
use crate::{
    app::{Main, signed_in::role_name},
    when,
};

pub fn render(frame: &mut Frame, area: Rect, now: i64, main: &Main, theme: Theme) {
    let rows = &main.users;
    let more = if rows.next != 0 { "+" } else { "" };
    let mut title = format!(" Users ({}{more})", rows.items.len());
    if !main.user_query.is_empty() {
        title.push_str(&format!(" · name contains \"{}\"", main.user_query));
    }
    title.push(' ');
    let view = ListView {
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
                when::ago(now, u.created_at),
            ])
        },
        empty: if !rows.loaded {
            "Loading users…"
        } else if main.user_query.is_empty() {
            "No users."
        } else {
            "No user matches the filter (/ to change it)."
        },
    };
    table::render(frame, area, view, theme);
}
