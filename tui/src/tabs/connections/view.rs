//! The Connections tab: every provider with its state, account, last sync and
//! last error, and underneath the selected one in full: what is wrong, what to do,
//! and how connecting works for it.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    style::Style,
    text::{Line, Span},
    widgets::{Block, Cell, Padding, Paragraph, Row},
};
use spotter_proto::v1::{Connection, Provider, connection::State};

use super::state::ConnectionsTab;
use crate::{
    component::{
        View,
        widgets::{
            fields::field,
            table::{self, ListView},
            theme::Theme,
        },
    },
    dates::Zone,
    providers::{ConnectMethod, connect_method, name},
    when,
};

pub fn draw(frame: &mut Frame, area: Rect, tab: &ConnectionsTab, view: &View) {
    let (now, zone, theme) = (view.now, view.zone, view.theme);
    let rows = &tab.rows;
    // Borders and header around one row per provider.
    let height = u16::try_from(rows.items.len().max(1) + 3).unwrap_or(u16::MAX);
    let [list, detail] =
        Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(area);
    let list_view = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(" Connections "),
        header: Row::new(["Provider", "State", "Account", "Last sync", "Last error"]),
        widths: &[
            Constraint::Length(12),
            Constraint::Length(15),
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Fill(1),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let c = &rows.items[i];
            let (state, style) = state(c, theme);
            let error_style = if c.last_error_fatal {
                theme.bad()
            } else {
                Style::new()
            };
            Row::new([
                Cell::from(name(c.provider())),
                Cell::from(Span::styled(state, style)),
                Cell::from(or_dash(&c.external_user)),
                Cell::from(when::ago(now, c.last_sync_at, zone)),
                Cell::from(Span::styled(c.last_error.clone(), error_style)),
            ])
        },
        empty: if rows.loaded {
            "spotterd offers no providers."
        } else {
            "Loading connections…"
        },
    };
    table::render(frame, list, list_view, theme);
    if let Some(connection) = rows.selected_item() {
        render_detail(frame, detail, (now, zone), connection, theme);
    }
}

/// A word or two for the table, and how it stands out.
fn state(c: &Connection, theme: Theme) -> (&'static str, Style) {
    if !c.available {
        return ("unavailable", theme.dim());
    }
    match c.state() {
        State::Connected => ("connected", theme.good()),
        State::NeedsReconnect => ("needs reconnect", theme.bad()),
        State::NotConnected | State::Unspecified => ("not connected", theme.dim()),
    }
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    (now, zone): (i64, Zone),
    c: &Connection,
    theme: Theme,
) {
    let provider = c.provider();
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(format!(" {} ", name(provider)));
    let width = block.inner(area).width;
    let row =
        |label: &str, value: &str, style: Style| field(label, value, theme.label(), style, width);
    let mut lines: Vec<Line> = Vec::new();
    let (state_text, state_style) = explain_state(c, theme);
    lines.extend(row("State", &state_text, state_style));
    if c.available {
        let mut account = or_dash(&c.external_user);
        if c.connected_at != 0 && c.state() != State::NotConnected {
            account.push_str(&format!(
                " (connected {} {})",
                when::local(c.connected_at, zone),
                zone.label(c.connected_at)
            ));
        }
        lines.extend(row("Account", &account, Style::new()));
        lines.extend(row(
            "Last sync",
            &when::ago(now, c.last_sync_at, zone),
            Style::new(),
        ));
    }
    if provider == Provider::Listenbrainz && c.state() == State::Connected {
        let submission = if c.submit_listens {
            "on: listens from your other sources are submitted (s turns it off)"
        } else {
            "off (s submits listens from your other sources)"
        };
        lines.extend(row("Submission", submission, Style::new()));
    }
    if !c.last_error.is_empty() {
        let (text, style) = if c.last_error_fatal {
            (
                format!("fatal, reconnect to resume: {}", c.last_error),
                theme.bad(),
            )
        } else {
            (c.last_error.clone(), Style::new())
        };
        lines.extend(row("Last error", &text, style));
    }
    if c.available {
        lines.extend(row("Connecting", how_to_connect(provider), theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The state in a sentence with what to do, styled like the table's word for it.
fn explain_state(c: &Connection, theme: Theme) -> (String, Style) {
    let provider = name(c.provider());
    if !c.available {
        let reason = match c.unavailable_reason.as_str() {
            "" => "it is not configured",
            reason => reason,
        };
        return (
            format!("not offered by this spotterd: {reason}"),
            theme.dim(),
        );
    }
    match c.state() {
        State::Connected => ("connected".into(), theme.good()),
        State::NeedsReconnect => (
            format!(
                "needs reconnect: {provider} refused the stored credentials, so nothing \
                 syncs from it. Press c to reconnect and resume."
            ),
            theme.bad(),
        ),
        State::NotConnected | State::Unspecified => {
            ("not connected: press c to connect".into(), Style::new())
        }
    }
}

fn how_to_connect(provider: Provider) -> &'static str {
    match connect_method(provider) {
        Some(ConnectMethod::PasteRedirect) => {
            "c shows an address to open in any browser; paste back the address it sends you to"
        }
        Some(ConnectMethod::ConfirmApproval) => {
            "c shows an address to open in any browser; approve there, then press Enter here"
        }
        Some(ConnectMethod::Token) => "c asks for your ListenBrainz user token",
        Some(ConnectMethod::Password) => "c asks for your Navidrome username and password",
        None => "",
    }
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "—".into()
    } else {
        text.to_owned()
    }
}
