//! The Lockouts tab (admins): accounts whose failed sign-ins are counted or
//! locked, by opaque id (the daemon never stores usernames there).

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    widgets::{Block, Padding, Row},
};

use super::state::{LockoutsTab, short_id};
use crate::{
    component::{
        View,
        widgets::table::{self, ListView},
    },
    when,
};

pub fn draw(frame: &mut Frame, area: Rect, tab: &LockoutsTab, view: &View) {
    let (now, zone, theme) = (view.now, view.zone, view.theme);
    let rows = &tab.rows;
    let list = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(format!(" Lockouts ({}) ", rows.items.len()))
            .title_bottom(" c clears the selected lockout "),
        header: Row::new(["Id", "Failures", "Tier", "Locked until", "Last failure"]),
        widths: &[
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(12),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let l = &rows.items[i];
            let locked = if l.locked_until > now {
                when::until(now, l.locked_until)
            } else {
                "not locked".to_owned()
            };
            Row::new([
                short_id(&l.id),
                l.failures.to_string(),
                tier(l.tier),
                locked,
                when::ago(now, l.last_failure_at, zone),
            ])
        },
        empty: if rows.loaded {
            "No lockouts: nobody is failing to sign in."
        } else {
            "Loading lockouts…"
        },
    };
    table::render(frame, area, list, theme);
}

/// The tier with the lock length it stands for (see admin.proto).
fn tier(tier: u32) -> String {
    match tier {
        0 => "—".into(),
        1 => "1 (15m)".into(),
        2 => "2 (30m)".into(),
        3 => "3 (60m)".into(),
        n => format!("{n} (120m)"),
    }
}
