//! The Audit tab (admins): security events newest first, older pages fetched on
//! demand, and the selected event's full detail underneath.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::{Line, Span},
    widgets::{Block, Padding, Paragraph, Row, Wrap},
};

use super::state::AuditTab;
use crate::{
    component::{
        View,
        widgets::table::{self, ListView},
    },
    when,
};

/// Rows under the table for the selected event's detail.
const DETAIL_ROWS: u16 = 3;

pub fn draw(frame: &mut Frame, area: Rect, tab: &AuditTab, view: &View) {
    let (zone, theme) = (view.zone, view.theme);
    let rows = &tab.rows;
    let [list_area, detail] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(DETAIL_ROWS)]).areas(area);
    let more = if rows.loading {
        " · loading…"
    } else if rows.next != 0 {
        " · n loads older"
    } else if rows.loaded {
        " · all loaded"
    } else {
        ""
    };
    let list = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(format!(" Audit log ({}{more}) ", rows.items.len())),
        header: Row::new([
            format!("Time ({})", zone.label(view.now)),
            "Kind".into(),
            "Actor".into(),
            "Subject".into(),
            "UID".into(),
            "Detail".into(),
        ]),
        widths: &[
            Constraint::Length(16),
            Constraint::Length(15),
            Constraint::Length(5),
            Constraint::Length(7),
            Constraint::Length(5),
            Constraint::Fill(1),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let e = &rows.items[i];
            Row::new([
                when::local(e.at, zone),
                e.kind.clone(),
                user_ref(e.actor_user_id),
                user_ref(e.subject_user_id),
                e.peer_uid.to_string(),
                e.detail.clone(),
            ])
        },
        empty: if rows.loaded {
            "No events yet."
        } else {
            "Loading the audit log…"
        },
    };
    table::render(frame, list_area, list, theme);

    if let Some(event) = rows.selected_item() {
        let text = Line::from(vec![
            Span::styled(format!(" #{} {}: ", event.id, event.kind), theme.label()),
            Span::raw(if event.detail.is_empty() {
                "(no detail)".to_owned()
            } else {
                event.detail.clone()
            }),
        ]);
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), detail);
    }
}

/// A user id as the log shows it: "#3", or "—" when nobody.
fn user_ref(id: i64) -> String {
    if id == 0 {
        "—".into()
    } else {
        format!("#{id}")
    }
}
