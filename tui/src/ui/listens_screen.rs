//! The Listens tab: the totals (per source, and the library mirror) above the
//! recent listens, newest first, with their sources as two-letter tags.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    style::Style,
    text::Line,
    widgets::{Block, Padding, Paragraph, Row},
};
use spotter_proto::v1::{Listen, Provider};

use super::{
    fields::field,
    table::{self, ListView},
    theme::Theme,
};
use crate::{
    app::{Main, listens::ListenSummary, providers},
    when,
};

/// The order of the sources column: the streaming services first.
const TAG_ORDER: [Provider; 4] = [
    Provider::Spotify,
    Provider::Lastfm,
    Provider::Listenbrainz,
    Provider::Navidrome,
];

pub fn render(frame: &mut Frame, area: Rect, now: i64, main: &Main, theme: Theme) {
    let view = &main.listens;
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(" Listens ");
    let width = block.inner(area).width;
    let lines = summary_lines(view.summary.as_ref(), width, theme);
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let [summary, list] =
        Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(area);
    frame.render_widget(Paragraph::new(lines).block(block), summary);

    let rows = &view.rows;
    let more = if rows.loading {
        " · loading…"
    } else if !rows.next.is_empty() {
        " · n loads older"
    } else if rows.loaded {
        " · all loaded"
    } else {
        ""
    };
    let list_view = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(format!(" Recent listens ({}{more}) ", rows.items.len())),
        header: Row::new(["Time (UTC)", "Artist", "Title", "Album", "Sources"]),
        widths: &[
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(11),
        ],
        len: rows.items.len(),
        selected: Some(rows.selected),
        row: |i| {
            let l = &rows.items[i];
            Row::new([
                when::clock(now, l.played_at),
                l.artist.clone(),
                l.title.clone(),
                l.album.clone(),
                sources(l),
            ])
        },
        empty: if rows.loaded {
            "No listens yet: connect a provider on the Connections tab, then sync."
        } else {
            "Loading listens…"
        },
    };
    table::render(frame, list, list_view, theme);
}

fn summary_lines(summary: Option<&ListenSummary>, width: u16, theme: Theme) -> Vec<Line<'static>> {
    let Some(s) = summary else {
        return vec![Line::styled("Loading the totals…", theme.dim())];
    };
    let mut listens = format!("{} in all", thousands(s.listens));
    for (source, count) in &s.by_source {
        listens.push_str(&format!(
            " · {} {}",
            providers::display(source),
            thousands(*count)
        ));
    }
    let library = format!(
        "{} artists · {} albums · {} tracks",
        thousands(s.library_artists),
        thousands(s.library_albums),
        thousands(s.library_tracks)
    );
    let mut lines = field("Listens", &listens, theme.label(), Style::new(), width);
    lines.extend(field(
        "Library",
        &library,
        theme.label(),
        Style::new(),
        width,
    ));
    lines
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

/// 12345 as "12,345".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_numbers_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(12_345), "12,345");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
