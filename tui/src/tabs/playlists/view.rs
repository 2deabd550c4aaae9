//! The Playlists tab: the list above, the selected playlist's entries below, and
//! the dialogs (prompts, choosers, import, edit mode, library search, review).
//! Every mark reads without colour: unmatched, to review and not in the library
//! are words and symbols, not only hues.

use ratatui::{
    Frame,
    layout::{Constraint, Layout, Position, Rect},
    text::Line,
    widgets::{Block, Padding, Paragraph, Row, Wrap},
};
use spotter_proto::v1::{MatchMethod, Playlist, PlaylistEntry, Song, playlist};

use super::{
    PlaylistsTab, sync_state,
    state::{AddSongs, Chooser, Dialog, Editor, Filter, Importing, Pane, Prompt, Review},
};
use crate::{
    component::{
        View,
        widgets::{
            dialog::{form_dialog, popup, popup_of_width},
            fields::wrap,
            form,
            table::{self, ListView},
            theme::Theme,
        },
    },
    safe_text::escape_controls,
};

/// Stored text as drawn: control characters escaped.
fn safe(text: &str) -> String {
    escape_controls(text).into_owned()
}

/// Playlists shown at most above the entries (the list scrolls).
const LIST_ROWS: u16 = 6;
/// Bad rows of an import listed at most.
const BAD_ROWS_SHOWN: usize = 6;

pub fn draw(frame: &mut Frame, area: Rect, tab: &PlaylistsTab, view: &View) {
    let theme = view.theme;
    let shown = u16::try_from(tab.rows.items.len())
        .unwrap_or(u16::MAX)
        .clamp(1, LIST_ROWS);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(shown + 3), Constraint::Fill(1)]).areas(area);
    draw_list(frame, top, tab, theme);
    draw_entries(frame, bottom, tab, theme);
}

/// "87%" of the entries with a song ("—" for an empty playlist).
pub fn matched_share(p: &Playlist) -> String {
    if p.entries == 0 {
        "—".into()
    } else {
        format!("{}%", u64::from(p.matched) * 100 / u64::from(p.entries))
    }
}

fn draw_list(frame: &mut Frame, area: Rect, tab: &PlaylistsTab, theme: Theme) {
    let rows = &tab.rows;
    let list = ListView {
        block: Block::bordered()
            .padding(Padding::horizontal(1))
            .title(format!(" Playlists ({}) ", rows.items.len())),
        header: Row::new(["Name", "Source", "Entries", "Matched", "Navidrome"]),
        widths: &[
            Constraint::Fill(1),
            Constraint::Length(12),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(20),
        ],
        len: rows.items.len(),
        selected: (tab.pane == Pane::Playlists || !rows.items.is_empty()).then_some(rows.selected),
        row: |i| {
            let p = &rows.items[i];
            let mut name = safe(&p.name);
            // First, so a long name cannot push it out of sight.
            if p.state() == playlist::State::Inactive {
                name = format!("(inactive) {name}");
            }
            let row = Row::new([
                name,
                p.source().display_name().to_owned(),
                p.entries.to_string(),
                matched_share(p),
                sync_state(p).to_owned(),
            ]);
            if p.state() == playlist::State::Inactive {
                row.style(theme.dim())
            } else {
                row
            }
        },
        empty: if rows.loaded {
            "No playlists yet: i imports a file, n creates one; synced sources appear here."
        } else {
            "Loading playlists…"
        },
    };
    table::render(frame, area, list, theme);
}

fn method_name(method: MatchMethod) -> &'static str {
    match method {
        MatchMethod::Isrc => "isrc",
        MatchMethod::Mbid => "mbid",
        MatchMethod::Exact => "exact",
        MatchMethod::Fuzzy => "fuzzy",
        MatchMethod::SongId => "song id",
        MatchMethod::Path => "path",
        MatchMethod::Manual => "manual",
        MatchMethod::None | MatchMethod::Unspecified => "none",
        MatchMethod::NotInLibrary => "not in library",
    }
}

/// How an entry is matched, in words: "✗ unmatched", "? review fuzzy 72%",
/// "– not in library", "exact 100%".
pub fn match_text(e: &PlaylistEntry) -> String {
    let method = e.method();
    if method == MatchMethod::NotInLibrary {
        return "– not in library".into();
    }
    if e.song.is_none() {
        return if e.needs_review {
            "✗ unmatched ?".into()
        } else {
            "✗ unmatched".into()
        };
    }
    let percent = (e.confidence.clamp(0.0, 1.0) * 100.0).round();
    let version = if e.version_differs { " ≠" } else { "" };
    let mark = if e.needs_review { "? " } else { "" };
    format!("{mark}{} {percent}%{version}", method_name(method))
}

fn song_text(artist: &str, title: &str) -> String {
    format!("{} – {}", safe(artist), safe(title))
}

fn entries_table<'a>(
    entries: &'a [PlaylistEntry],
    block: Block<'a>,
    selected: Option<usize>,
    empty: &'a str,
) -> ListView<'a, impl Fn(usize) -> Row<'a>> {
    ListView {
        block,
        header: Row::new(["#", "Artist – Title", "Album", "Match"]),
        widths: &[
            Constraint::Length(4),
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(17),
        ],
        len: entries.len(),
        selected,
        row: move |i| {
            let e = &entries[i];
            Row::new([
                (e.position + 1).to_string(),
                song_text(&e.artist, &e.title),
                safe(&e.album),
                match_text(e),
            ])
        },
        empty,
    }
}

fn draw_entries(frame: &mut Frame, area: Rect, tab: &PlaylistsTab, theme: Theme) {
    let entries = &tab.entries;
    let Some(playlist) = tab.selected() else {
        frame.render_widget(Block::bordered().title(" Entries "), area);
        return;
    };
    let mut title = format!(
        " {} · {} of {} ",
        safe(&playlist.name),
        entries.rows.items.len(),
        entries.total
    );
    if playlist.to_review > 0 {
        title.push_str(&format!("· {} to review (v) ", playlist.to_review));
    }
    if !playlist.editable {
        title.push_str("· follows its source ");
    }
    let border = if tab.pane == Pane::Entries {
        theme.focused()
    } else {
        theme.border(theme.dim())
    };
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .border_style(border)
        .title(title);
    let view = entries_table(
        &entries.rows.items,
        block,
        (tab.pane == Pane::Entries).then_some(entries.rows.selected),
        if entries.rows.loaded {
            "No entries."
        } else {
            "Loading entries…"
        },
    );
    table::render(frame, area, view, theme);
}

pub fn draw_dialog(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: Theme) {
    match dialog {
        Dialog::Prompt { prompt, form } => {
            let (title, hint) = match prompt {
                Prompt::Create => (" New playlist ", "Enter creates it · Esc cancels"),
                Prompt::Rename { .. } => (" Rename playlist ", "Enter renames it · Esc cancels"),
                Prompt::Import => (
                    " Import a playlist file ",
                    "JSPF, M3U/M3U8 or CSV (~ is home) · Enter imports · Esc cancels",
                ),
                Prompt::Export { .. } => (
                    " Export playlist ",
                    "Format: jspf, m3u8 or csv · Enter exports · Esc cancels",
                ),
            };
            form_dialog(frame, area, title, hint, form, theme);
        }
        Dialog::Chooser(chooser) => draw_chooser(frame, area, chooser, theme),
        Dialog::Importing(importing) => draw_importing(frame, area, importing, theme),
        Dialog::Editor(editor) => draw_editor(frame, area, editor, theme),
        Dialog::AddSongs(add) => draw_add(frame, area, add, theme),
        Dialog::Review(review) => draw_review(frame, area, review, theme),
    }
}

fn choice_line(text: String, selected: bool, theme: Theme) -> Line<'static> {
    if selected {
        Line::styled(format!("▶ {text}"), theme.selected_row())
    } else {
        Line::raw(format!("  {text}"))
    }
}

fn draw_chooser(frame: &mut Frame, area: Rect, chooser: &Chooser, theme: Theme) {
    let mut lines: Vec<Line> = chooser
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| choice_line(safe(o), i == chooser.selected, theme))
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        "↑/↓ choose · Enter does it · Esc cancels",
        theme.dim(),
    ));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let inner = popup(frame, area, height, &safe(&chooser.title), theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_importing(frame: &mut Frame, area: Rect, importing: &Importing, theme: Theme) {
    let width = 60u16.min(area.width).saturating_sub(4);
    let mut lines: Vec<Line> = wrap(
        &format!("File: {}", safe(&importing.path)),
        usize::from(width),
    )
    .into_iter()
    .map(Line::raw)
    .collect();
    lines.push(Line::default());
    match (&importing.done, &importing.error) {
        (_, Some(error)) => {
            for l in wrap(&format!("✗ {}", safe(error)), usize::from(width)) {
                lines.push(Line::styled(l, theme.bad()));
            }
        }
        (Some(p), None) => {
            lines.push(Line::styled(
                format!(
                    "✓ {} entries read ({}), {} matched, {} bad rows",
                    p.entries,
                    safe(&p.format),
                    p.matched,
                    p.bad
                ),
                theme.good(),
            ));
            for row in p.bad_rows.iter().take(BAD_ROWS_SHOWN) {
                lines.push(Line::raw(format!(
                    "  line {}: {}",
                    row.line,
                    safe(&row.reason)
                )));
            }
            let listed = p.bad_rows.len().min(BAD_ROWS_SHOWN) as u64;
            if p.bad > listed {
                lines.push(Line::raw(format!("  (and {} more)", p.bad - listed)));
            }
        }
        (None, None) => lines.push(Line::styled("Importing…", theme.busy())),
    }
    lines.push(Line::default());
    lines.push(Line::styled("Enter or Esc closes", theme.dim()));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let inner = popup(frame, area, height, " Import a playlist file ", theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// A dialog over the whole tab, for the screens that list things.
fn full_popup(frame: &mut Frame, area: Rect, title: &str, theme: Theme) -> Rect {
    popup_of_width(frame, area, area.width, area.height, title, theme)
}

fn draw_editor(frame: &mut Frame, area: Rect, editor: &Editor, theme: Theme) {
    let title = format!(
        " Editing \"{}\" · {} entries ",
        safe(&editor.name),
        editor.total
    );
    let inner = full_popup(frame, area, &title, theme);
    let [list, hint] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let view = entries_table(
        &editor.rows.items,
        Block::new(),
        Some(editor.rows.selected),
        if editor.rows.loaded {
            "No entries yet: a adds a song of your library."
        } else {
            "Loading entries…"
        },
    );
    table::render(frame, list, view, theme);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "a add · d remove · K/J move up/down · Esc done",
            theme.dim(),
        )),
        hint,
    );
}

fn song_line(song: &Song) -> String {
    let mut text = song_text(&song.artist, &song.title);
    if !song.album.is_empty() {
        text.push_str(&format!(" · {}", safe(&song.album)));
    }
    text
}

fn draw_add(frame: &mut Frame, area: Rect, add: &AddSongs, theme: Theme) {
    let title = format!(
        " Add to \"{}\" from your library ",
        safe(&add.editor.name)
    );
    let inner = full_popup(frame, area, &title, theme);
    let (mut lines, cursor) = form::field_lines(&add.form, inner.width, theme);
    lines.push(form::message_line(&add.form, theme).unwrap_or_default());
    let room = usize::from(inner.height).saturating_sub(lines.len() + 2);
    let start = add.selected.saturating_sub(room.saturating_sub(1));
    for (i, song) in add.results.iter().enumerate().skip(start).take(room) {
        lines.push(choice_line(song_line(song), i == add.selected, theme));
    }
    let used = lines.len();
    lines.extend(std::iter::repeat_n(
        Line::default(),
        usize::from(inner.height).saturating_sub(used + 1),
    ));
    lines.push(Line::styled(
        "Enter searches, then adds the selected song · ↑/↓ choose · Esc back",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(at) = cursor
        && at.x < inner.width
    {
        frame.set_cursor_position(Position::new(inner.x + at.x, inner.y + at.y));
    }
}

fn draw_review(frame: &mut Frame, area: Rect, review: &Review, theme: Theme) {
    let which = match review.filter {
        Filter::Unmatched => "unmatched",
        _ => "to review",
    };
    let place = if review.total == 0 {
        format!("none {which}")
    } else {
        format!("{} of {} {which}", review.offset + 1, review.total)
    };
    let title = format!(" Review \"{}\" · {place} ", safe(&review.name));
    let inner = full_popup(frame, area, &title, theme);
    let width = usize::from(inner.width);
    let mut lines: Vec<Line> = Vec::new();
    match &review.entry {
        None if review.loading => lines.push(Line::styled("Loading…", theme.busy())),
        None => lines.push(Line::raw(format!(
            "Nothing {which} in this playlist. f switches the filter; Esc closes."
        ))),
        Some(e) => {
            lines.push(Line::styled(
                format!("Entry {}: {}", e.position + 1, song_text(&e.artist, &e.title)),
                theme.heading(),
            ));
            let mut about = Vec::new();
            if !e.album.is_empty() {
                about.push(format!("album {}", safe(&e.album)));
            }
            if e.duration_ms > 0 {
                let s = e.duration_ms / 1000;
                about.push(format!("{}:{:02}", s / 60, s % 60));
            }
            if !e.isrc.is_empty() {
                about.push(format!("ISRC {}", safe(&e.isrc)));
            }
            if !about.is_empty() {
                lines.push(Line::raw(about.join(" · ")));
            }
            let now = match &e.song {
                Some(song) => format!("Now: {} → {}", match_text(e), song_line(song)),
                None => format!("Now: {}", match_text(e)),
            };
            for l in wrap(&now, width) {
                lines.push(Line::raw(l));
            }
            lines.push(Line::default());
            if review.candidates.is_empty() {
                lines.push(Line::raw("No candidates in your library."));
            } else {
                lines.push(Line::styled("Candidates:", theme.label()));
            }
            let room = usize::from(inner.height).saturating_sub(lines.len() + 2);
            let start = review.selected.saturating_sub(room.saturating_sub(1));
            for (i, c) in review.candidates.iter().enumerate().skip(start).take(room) {
                let Some(song) = &c.song else { continue };
                let percent = (c.score.clamp(0.0, 1.0) * 100.0).round();
                let version = if c.version_differs {
                    " (other version)"
                } else {
                    ""
                };
                lines.push(choice_line(
                    format!("{percent:>3}% {}{version}", song_line(song)),
                    i == review.selected,
                    theme,
                ));
            }
        }
    }
    let used = lines.len();
    lines.extend(std::iter::repeat_n(
        Line::default(),
        usize::from(inner.height).saturating_sub(used + 1),
    ));
    lines.push(Line::styled(
        "Enter choose · n not in library · c clear · s skip · f filter · Esc done",
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}
