//! `spotter history`: `ListListens` page after page, newest first, as aligned
//! columns or JSON lines.
//!
//! Rows are printed page by page (a `--limit 0` listing of years of history never
//! sits in memory); the columns take their widths from the first page.

use std::io::IsTerminal as _;

use jiff::tz::TimeZone;
use serde_json::json;
use spotter_proto::v1::{ListListensRequest, Listen};
use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use super::{
    args::{HistoryArgs, Source},
    output::{Outcome, Stdout},
    session::Session,
};
use crate::{
    dates::{self, local_minute, local_rfc3339},
    safe_text::{escape_controls, json_line},
    socket::SocketTarget,
};

/// The largest page the daemon serves.
const MAX_PAGE: u64 = 500;
/// Space between columns.
const GAP: &str = "  ";

pub(super) async fn run(target: &SocketTarget, args: &HistoryArgs) -> Result<Outcome, String> {
    // Everything local is settled before the first call.
    let tz = dates::system_zone();
    let filter = args.filter.to_filter(&tz)?;
    let at = args
        .at
        .map(|d| d.end_inclusive(&tz))
        .transpose()?
        .unwrap_or(0);
    let width = if std::io::stdout().is_terminal() {
        crossterm::terminal::size()
            .ok()
            .map(|(w, _)| usize::from(w))
    } else {
        None
    };
    let mut session = Session::open(target).await?;
    let mut out = Stdout::new();
    let mut layout: Option<Layout> = None;
    let mut cursor = String::new();
    let mut printed: u64 = 0;
    loop {
        let wanted = match args.limit {
            0 => MAX_PAGE,
            limit => (limit - printed).min(MAX_PAGE),
        };
        let request = ListListensRequest {
            filter: Some(filter.clone()),
            page_size: wanted as u32,
            cursor: cursor.clone(),
            at,
        };
        let page = session
            .history_call("ListListens", request, |mut c, r| {
                Box::pin(async move { c.list_listens(r).await })
            })
            .await?;
        let rows: Vec<Row> = page
            .listens
            .iter()
            .take(wanted as usize)
            .map(|l| Row::new(l, &tz))
            .collect();
        let written = if args.json {
            let text: String = rows.iter().map(|r| json_line(&r.json())).collect();
            out.write(text.as_bytes())?
        } else {
            let layout = layout.get_or_insert_with(|| Layout::fit(&rows, width));
            let text: String = rows
                .iter()
                .map(|r| format!("{}\n", layout.line(r)))
                .collect();
            out.write_text(&text)?
        };
        if !written {
            return Ok(Outcome::Done);
        }
        printed += rows.len() as u64;
        if page.next_cursor.is_empty() || (args.limit != 0 && printed >= args.limit) {
            break;
        }
        cursor = page.next_cursor;
    }
    out.flush()?;
    if printed == 0 && !args.json {
        eprintln!("spotter: no listens match");
    }
    Ok(Outcome::Done)
}

/// One listen ready for printing.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    id: i64,
    played_at: i64,
    local_time: String,
    played_at_local: String,
    artist: String,
    album: String,
    title: String,
    duration_ms: u32,
    sources: Vec<&'static str>,
    imported: bool,
}

impl Row {
    pub(super) fn new(listen: &Listen, tz: &TimeZone) -> Row {
        let mut sources: Vec<&'static str> = listen
            .sources
            .iter()
            .filter_map(|p| Source::provider_name(*p))
            .collect();
        if listen.imported {
            sources.push(Source::Import.name());
        }
        Row {
            id: listen.id,
            played_at: listen.played_at,
            local_time: local_minute(tz, listen.played_at),
            played_at_local: local_rfc3339(tz, listen.played_at),
            artist: listen.artist.clone(),
            album: listen.album.clone(),
            title: listen.title.clone(),
            duration_ms: listen.duration_ms,
            sources,
            imported: listen.imported,
        }
    }

    /// The `--json` object, with the text as stored (print it with `json_line`).
    pub(super) fn json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "played_at": self.played_at,
            "played_at_local": self.played_at_local,
            "artist": self.artist,
            "album": self.album,
            "title": self.title,
            "duration_ms": self.duration_ms,
            "sources": self.sources,
            "imported": self.imported,
        })
    }

    /// The cells show stored text with its control characters escaped, so widths
    /// are measured on what the terminal will show.
    fn track(&self) -> String {
        format!(
            "{} — {}",
            escape_controls(&self.artist),
            escape_controls(&self.title)
        )
    }

    fn album_cell(&self) -> String {
        if self.album.is_empty() {
            String::new()
        } else {
            format!("[{}]", escape_controls(&self.album))
        }
    }

    fn sources_cell(&self) -> String {
        self.sources.join(",")
    }
}

/// Column widths: `time  artist — title  [album]  sources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Layout {
    track: usize,
    album: usize,
    /// The whole line is cut to this (a terminal's width).
    width: Option<usize>,
}

/// Narrowest a truncated column gets.
const MIN_COLUMN: usize = 8;

impl Layout {
    /// Widths that hold the widest cell of `rows`, shrunk to fit `width` when
    /// printing to a terminal (the album gives way first, then the track).
    pub(super) fn fit(rows: &[Row], width: Option<usize>) -> Layout {
        let widest =
            |cell: &dyn Fn(&Row) -> String| rows.iter().map(|r| cell(r).width()).max().unwrap_or(0);
        let mut track = widest(&|r| r.track());
        let mut album = widest(&|r| r.album_cell());
        let sources = widest(&|r| r.sources_cell());
        if let Some(width) = width {
            let time = rows.first().map_or(16, |r| r.local_time.width());
            let room = width.saturating_sub(time + sources + 3 * GAP.len());
            if track + album > room {
                // The album keeps a third of the room, or what it needs if less.
                let album_share = album.min(room / 3).max(MIN_COLUMN.min(album));
                track = track.min(room.saturating_sub(album_share)).max(MIN_COLUMN);
                album = room.saturating_sub(track).min(album);
            }
        }
        Layout {
            track,
            album,
            width,
        }
    }

    pub(super) fn line(&self, row: &Row) -> String {
        let mut line = format!(
            "{}{GAP}{}{GAP}{}{GAP}{}",
            row.local_time,
            pad(&row.track(), self.track, self.width.is_some()),
            pad(&row.album_cell(), self.album, self.width.is_some()),
            row.sources_cell(),
        );
        match self.width {
            Some(width) => line = truncate(&line, width),
            None => line.truncate(line.trim_end().len()),
        }
        line
    }
}

/// `text` padded with spaces to `width` columns; cut with "…" when `cut` and longer.
fn pad(text: &str, width: usize, cut: bool) -> String {
    let text = if cut {
        truncate(text, width)
    } else {
        text.to_owned()
    };
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// At most `width` display columns, the last one "…" when something was cut.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use spotter_proto::v1::Provider;

    use super::*;

    fn listen(id: i64, played_at: i64, artist: &str, title: &str, album: &str) -> Listen {
        Listen {
            id,
            played_at,
            artist: artist.into(),
            album: album.into(),
            title: title.into(),
            duration_ms: 305_000,
            sources: vec![Provider::Spotify as i32, Provider::Lastfm as i32],
            track_id: String::new(),
            imported: false,
        }
    }

    fn rows() -> Vec<Row> {
        let tz = TimeZone::fixed(jiff::tz::offset(1));
        let mut imported = listen(7, 1_610_000_000, "Björk", "Jóga", "Homogenic");
        imported.sources.clear();
        imported.imported = true;
        vec![
            Row::new(&imported, &tz),
            Row::new(
                &listen(6, 1_609_990_000, "Sigur Rós", "Hoppípolla", ""),
                &tz,
            ),
            Row::new(
                &listen(
                    5,
                    1_609_980_000,
                    "坂本龍一",
                    "Merry Christmas Mr. Lawrence",
                    "Coda",
                ),
                &tz,
            ),
        ]
    }

    #[test]
    fn json_lines_carry_every_field_with_local_time() {
        let r = &rows()[0];
        assert_eq!(
            r.json(),
            json!({
                "id": 7,
                "played_at": 1_610_000_000,
                "played_at_local": "2021-01-07T07:13:20+01:00",
                "artist": "Björk",
                "album": "Homogenic",
                "title": "Jóga",
                "duration_ms": 305_000,
                "sources": ["import"],
                "imported": true,
            })
        );
        assert_eq!(rows()[1].json()["sources"], json!(["spotify", "lastfm"]));
        // One line each.
        assert!(!r.json().to_string().contains('\n'));
    }

    #[test]
    fn plain_columns_line_up_untruncated_when_piped() {
        let rows = rows();
        let layout = Layout::fit(&rows, None);
        let lines: Vec<String> = rows.iter().map(|r| layout.line(r)).collect();
        assert_eq!(
            lines,
            [
                "2021-01-07 07:13  Björk — Jóga                             [Homogenic]  import",
                "2021-01-07 04:26  Sigur Rós — Hoppípolla                                spotify,lastfm",
                "2021-01-07 01:40  坂本龍一 — Merry Christmas Mr. Lawrence  [Coda]       spotify,lastfm",
            ]
        );
        // Wide characters count double: the album column starts at the same place.
        let album_at = |l: &str| l[..l.find('[').unwrap()].width();
        assert_eq!(album_at(&lines[0]), album_at(&lines[2]));
    }

    #[test]
    fn a_terminal_gets_lines_cut_to_its_width() {
        let rows = rows();
        let layout = Layout::fit(&rows, Some(80));
        for r in &rows {
            let line = layout.line(r);
            assert!(line.width() <= 80, "{line:?} is {} wide", line.width());
        }
        // The track gives way; the album fits whole.
        assert_eq!(
            layout.line(&rows[2]),
            "2021-01-07 01:40  坂本龍一 — Merry Christmas Mr. L…  [Coda]       spotify,lastfm"
        );
        assert_eq!(
            layout.line(&rows[0]),
            "2021-01-07 07:13  Björk — Jóga                       [Homogenic]  import"
        );
        // A narrow one cuts the album too.
        let narrow = Layout::fit(&rows, Some(60));
        assert_eq!(
            narrow.line(&rows[0]),
            "2021-01-07 07:13  Björk — Jóga      [Homoge…  import"
        );
        // A wide terminal cuts nothing.
        let wide = Layout::fit(&rows, Some(200));
        assert_eq!(wide.line(&rows[0]), Layout::fit(&rows, None).line(&rows[0]));
    }

    #[test]
    fn truncation_respects_display_width() {
        assert_eq!(truncate("Hoppípolla", 20), "Hoppípolla");
        assert_eq!(truncate("Hoppípolla", 6), "Hoppí…");
        assert_eq!(truncate("坂本龍一", 5), "坂本…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
    }

    #[test]
    fn stored_control_characters_are_shown_escaped() {
        let tz = TimeZone::UTC;
        let row = Row::new(
            &listen(
                1,
                1_610_000_000,
                "Evil\u{1b}[5m",
                "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m",
                "A\nB\u{85}",
            ),
            &tz,
        );
        for width in [None, Some(80)] {
            let line = Layout::fit(std::slice::from_ref(&row), width).line(&row);
            assert!(!line.contains(char::is_control), "{}", line.escape_debug());
        }
        let line = Layout::fit(std::slice::from_ref(&row), None).line(&row);
        assert!(
            line.contains(r"Evil\x1b[5m — \x1b]0;pwned\x07\x1b[2J\u{9b}31m  [A\nB\u{85}]"),
            "{line}"
        );
        let json = json_line(&row.json());
        assert!(!json.trim_end().contains(char::is_control), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back, row.json(), "the same JSON, decoded");
    }
}
