//! The History tab: the totals and the filters in force above the listens, newest
//! first, with their sources as two-letter tags. Only the rows on screen are
//! built, from the window of pages the app holds; "more…" shows while the next
//! page is on its way. The selected listen in full goes beside the table when
//! the terminal is wide, over it when not.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    style::Style,
    text::{Line, Span},
    layout::Position,
    widgets::{Block, Cell, Clear, Padding, Paragraph, Row, Table, TableState},
};
use spotter_proto::v1::{Listen, ListenDetails, Provider};

use super::{
    import_view,
    state::{DetailsPane, Dialog, HistoryTab as HistoryView, ListenSummary},
};
use crate::{
    component::{
        View,
        form::Form,
        widgets::{
            dialog::form_dialog,
            fields::{field, thousands},
            form,
            table::visible_window,
            theme::Theme,
        },
    },
    dates::Zone,
    providers, when,
};

/// The order of the sources column: the streaming services first.
const TAG_ORDER: [Provider; 4] = [
    Provider::Spotify,
    Provider::Lastfm,
    Provider::Listenbrainz,
    Provider::Navidrome,
];

/// From this width the details pane goes beside the table.
const SIDE_BY_SIDE: u16 = 120;
const PANE_WIDTH: u16 = 48;

pub fn draw(frame: &mut Frame, area: Rect, view: &HistoryView, shell: &View) {
    let (now, zone, theme) = (shell.now, shell.zone, shell.theme);
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" History ")
        .title_bottom(position(view));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let filters = view.describe();
    let [summary, filter_line, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(!filters.is_empty())),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(summary_line(view.summary.as_ref(), summary.width, theme)),
        summary,
    );
    if !filters.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("Showing ", theme.label()),
                Span::styled(filters.join(" · "), theme.busy()),
                Span::styled("  (c clears)", theme.dim()),
            ])),
            filter_line,
        );
    }

    match &view.details {
        Some(pane) if area.width >= SIDE_BY_SIDE => {
            let [table, side] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Length(PANE_WIDTH)])
                    .areas(list);
            render_table(frame, table, (now, zone), view, theme);
            render_details(frame, side, (now, zone), pane, theme);
        }
        Some(pane) => {
            // Narrow: over the table (the summary and filters stay in sight).
            render_table(frame, list, (now, zone), view, theme);
            frame.render_widget(Clear, list);
            render_details(frame, list, (now, zone), pane, theme);
        }
        None => render_table(frame, list, (now, zone), view, theme),
    }
}

/// "15 of 1,234", or "15 of 200+" while older pages are still to come.
fn position(view: &HistoryView) -> Line<'static> {
    let window = &view.window;
    if !window.is_loaded() || window.rows().is_empty() {
        return Line::default();
    }
    let at = thousands(window.position() as u64 + 1);
    let text = match window.total() {
        Some(total) => format!(" {at} of {} ", thousands(total as u64)),
        None => format!(
            " {at} of {}+ ",
            thousands((window.offset() + window.rows().len()) as u64)
        ),
    };
    Line::from(text).right_aligned()
}

/// "12,345 listens · Spotify 8,020 · …": the sources that fit, largest first.
fn summary_line(summary: Option<&ListenSummary>, width: u16, theme: Theme) -> Line<'static> {
    let Some(s) = summary else {
        return Line::styled("Loading the totals…", theme.dim());
    };
    let total = thousands(s.listens);
    let mut used = total.chars().count() + " listens".len();
    let mut spans = vec![Span::styled(total, theme.heading()), Span::raw(" listens")];
    for (i, (source, count)) in s.by_source.iter().enumerate() {
        let text = format!("{} {}", source_name(source), thousands(*count));
        let last = i + 1 == s.by_source.len();
        // Room for this one, and for " · …" after it unless it is the last.
        let needed = 3 + text.chars().count() + if last { 0 } else { 4 };
        if used + needed > usize::from(width) {
            spans.push(Span::styled(" · …", theme.dim()));
            break;
        }
        used += 3 + text.chars().count();
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::raw(text));
    }
    Line::from(spans)
}

fn render_table(
    frame: &mut Frame,
    area: Rect,
    (now, zone): (i64, Zone),
    view: &HistoryView,
    theme: Theme,
) {
    let window = &view.window;
    let rows = window.rows();
    if rows.is_empty() {
        let text = match (&window.error, window.is_loaded()) {
            (Some(error), _) => format!("Could not load listens: {error} (r retries)"),
            (None, false) => "Loading listens…".to_owned(),
            (None, true) if view.is_filtered() => {
                "No listens match: c clears the search and filters.".to_owned()
            }
            (None, true) => "No listens yet: connect a provider on the Connections tab and sync, \
                             or press i to import an export file."
                .to_owned(),
        };
        let style = if window.error.is_some() {
            theme.bad()
        } else {
            theme.dim()
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    // Positions in the whole list, so the view does not jump when pages come and
    // go above the selection: a row for "more…" while the next page is fetched.
    let more = usize::from(window.fetching_below() || window.error.is_some());
    let height = usize::from(area.height.saturating_sub(1));
    let offset = window.offset();
    let len = offset + rows.len() + more;
    let selected = window.position();
    // On the last loaded row, the "more…" row below it is in sight too.
    let anchor = if more == 1 && selected + 2 == len {
        selected + 1
    } else {
        selected
    };
    let visible = visible_window(len, anchor, height);
    let start = visible.start.max(offset);
    let end = (start + height).min(len);
    let header = format!("Time ({})", zone.label(now));
    // The date and the time of day, the year only when it is not this one: the
    // column is as wide as what is on screen needs.
    let times: Vec<String> = (start..end)
        .filter_map(|i| rows.get(i - offset))
        .map(|listen| when::listen_time(now, listen.played_at, zone))
        .collect();
    let time_width = times
        .iter()
        .chain([&header])
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(0);
    let mut times = times.into_iter();
    let table_rows: Vec<Row> = (start..end)
        .map(|i| match rows.get(i - offset) {
            Some(listen) => listen_row(listen, times.next().unwrap_or_default()),
            None => match &window.error {
                Some(error) => Row::new([Cell::from(""), Cell::from(format!("failed: {error}"))])
                    .style(theme.bad()),
                None => Row::new(["", "more…"]).style(theme.dim()),
            },
        })
        .collect();
    let table = Table::new(
        table_rows,
        [
            Constraint::Length(u16::try_from(time_width).unwrap_or(u16::MAX)),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(11),
        ],
    )
    .header(
        Row::new([
            header,
            "Artist".into(),
            "Title".into(),
            "Album".into(),
            "Sources".into(),
        ])
        .style(theme.heading()),
    )
    .row_highlight_style(theme.selected_row())
    .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected(Some(selected - start));
    frame.render_stateful_widget(table, area, &mut state);
}

fn listen_row(listen: &Listen, time: String) -> Row<'static> {
    Row::new([
        time,
        listen.artist.clone(),
        listen.title.clone(),
        listen.album.clone(),
        sources(listen),
    ])
}

fn render_details(
    frame: &mut Frame,
    area: Rect,
    (now, zone): (i64, Zone),
    pane: &DetailsPane,
    theme: Theme,
) {
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" Listen ")
        .title_bottom(Line::from(" Esc closes · ↑/↓ other listens ").right_aligned())
        .border_style(theme.border(theme.busy()));
    let width = block.inner(area).width;
    let lines = details_lines(pane, (now, zone), width, theme);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn details_lines(
    pane: &DetailsPane,
    (now, zone): (i64, Zone),
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let l = &pane.listen;
    let row = |label: &str, value: &str| field(label, value, theme.label(), Style::new(), width);
    let mut lines = Vec::new();
    lines.extend(row("Title", &l.title));
    lines.extend(row("Artist", &l.artist));
    if !l.album.is_empty() {
        lines.extend(row("Album", &l.album));
    }
    lines.extend(row(
        "Played",
        &format!(
            "{} {} · {}",
            when::local(l.played_at, zone),
            zone.label(l.played_at),
            when::ago(now, l.played_at, zone)
        ),
    ));
    if l.duration_ms > 0 {
        lines.extend(row("Duration", &minutes_seconds(l.duration_ms)));
    }
    match (&pane.details, &pane.error) {
        (Some(details), _) => lines.extend(more_lines(details, zone, width, theme)),
        (None, Some(error)) => lines.extend(field(
            "",
            &format!("Could not load the rest: {error}"),
            theme.label(),
            theme.bad(),
            width,
        )),
        (None, None) => lines.push(Line::styled("Loading…", theme.dim())),
    }
    lines
}

/// What `GetListen` adds to the row: the sources with their own ids, the plays of
/// the track, the library match, the identifiers.
fn more_lines(
    details: &ListenDetails,
    zone: Zone,
    width: u16,
    theme: Theme,
) -> Vec<Line<'static>> {
    let row = |label: &str, value: &str| field(label, value, theme.label(), Style::new(), width);
    let mut lines = Vec::new();
    for (i, source) in details.sources.iter().enumerate() {
        let name = source_name(&source.source);
        let value = if source.source_ref.is_empty() {
            name
        } else {
            format!("{name}: {}", source.source_ref)
        };
        lines.extend(row(if i == 0 { "Sources" } else { "" }, &value));
    }
    let plays = match details.track_listens {
        1 => "1, this one".to_owned(),
        n => format!(
            "{} · first {} {}",
            thousands(n),
            when::local(details.first_listened_at, zone),
            zone.label(details.first_listened_at)
        ),
    };
    lines.extend(row("Track plays", &plays));
    let library = if details.library_album.is_empty() {
        "not matched"
    } else {
        details.library_album.as_str()
    };
    lines.extend(row("Library", library));
    if !details.isrc.is_empty() {
        lines.extend(row("ISRC", &details.isrc));
    }
    if !details.recording_mbid.is_empty() {
        lines.extend(row("MusicBrainz", &details.recording_mbid));
    }
    lines
}

/// A source as the daemon names it ("spotify", "import"), for people.
fn source_name(source: &str) -> String {
    match source {
        "import" => "Import".to_owned(),
        other => providers::display(other),
    }
}

fn minutes_seconds(ms: u32) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// "SP LF LB ND", plus "IM" for a listen from an import.
fn sources(listen: &Listen) -> String {
    let mut tags: Vec<&str> = TAG_ORDER
        .into_iter()
        .filter(|&p| listen.sources().any(|s| s == p))
        .map(providers::tag)
        .collect();
    if listen.imported {
        tags.push("IM");
    }
    tags.join(" ")
}

/// The tab's dialogs: the search box, the filter and date forms, the import.
pub fn draw_dialog(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: Theme) {
    match dialog {
        Dialog::Search(search) => draw_search(frame, area, &search.form, theme),
        Dialog::Filter(form) => form_dialog(
            frame,
            area,
            " Filter listens ",
            "Days as YYYY-MM-DD, local · Enter applies · Esc cancels",
            form,
            theme,
        ),
        Dialog::JumpToDate(form) => form_dialog(
            frame,
            area,
            " Go to a date ",
            "YYYY-MM-DD: that day, then older · empty: the newest",
            form,
            theme,
        ),
        Dialog::Import(dialog) => import_view::draw(frame, area, dialog, theme),
    }
}

/// The search box sits at the bottom, like a command line, so the list it filters
/// stays in sight as it follows the typing.
fn draw_search(frame: &mut Frame, area: Rect, form: &Form, theme: Theme) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_minutes() {
        assert_eq!(minutes_seconds(305_000), "5:05");
        assert_eq!(minutes_seconds(59_999), "0:59");
    }
}
