//! The Sessions tab: the user's own sessions, the one in use marked.

use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    widgets::{Block, Padding, Row},
};

use super::{
    table::{self, ListView},
    theme::Theme,
};
use crate::{app::Main, when};

pub fn render(frame: &mut Frame, area: Rect, now: i64, main: &Main, theme: Theme) {
    let rows = &main.sessions;
    let title = if rows.loaded {
        format!(" Your sessions ({}) ", rows.items.len())
    } else {
        " Your sessions ".to_owned()
    };
    let view = ListView {
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
                when::ago(now, s.created_at),
                when::ago(now, s.last_used_at),
            ])
        },
        empty: if rows.loaded {
            "No sessions."
        } else {
            "Loading sessions…"
        },
    };
    table::render(frame, area, view, theme);
}
