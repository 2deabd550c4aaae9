//! The Sessions tab: the user's own sessions, the one in use marked.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    widgets::{Block, Padding, Row},
};

use super::state::SessionsTab;
use crate::{
    component::View,
    when,
    component::widgets::table::{self, ListView},
};

pub fn draw(frame: &mut Frame, area: Rect, tab: &SessionsTab, view: &View) {
    let (now, zone, theme) = (view.now, view.zone, view.theme);
    let rows = &tab.rows;
    let title = if rows.loaded {
        format!(" Your sessions ({}) ", rows.items.len())
    } else {
        " Your sessions ".to_owned()
    };
    let list = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(title)
            .title_bottom(" d revokes the selected session · o revokes all others "),
        header: Row::new(["Device", "UID", "Created", "Last used"]),
        widths: &[
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(10),
            Constraint::Length(10),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let s = &rows.items[i];
            let device = if s.current {
                format!("{} (this session)", s.device_label)
            } else {
                s.device_label.clone()
            };
            Row::new([
                device,
                s.peer_uid.to_string(),
                when::ago(now, s.created_at, zone),
                when::ago(now, s.last_used_at, zone),
            ])
        },
        empty: if rows.loaded {
            "No sessions."
        } else {
            "Loading sessions…"
        },
    };
    table::render(frame, area, list, theme);
}
