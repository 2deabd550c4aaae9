//! The History tab drawn: the browser, its filter line, the details pane, the
//! search, filter and import dialogs, the colours, and stored text that must never
//! drive the terminal.

use spotter_proto::v1::{
    BadRow, ImportProgress, Listen, ListenDetails, ListenSource, Provider, Role,
};
use ratatui::{Terminal, backend::TestBackend};

use crate::tabs::history::ListenSummary;
use crate::{
    app::{
        Action, App, Command, Reply,
    },
    component::ImportEvent,
    tabs::history,
    test_support::{app::*, screen::*},
};

/// Local time two hours east of UTC, so the screens show times converted and
/// labelled.
const ZONE: Zone = Zone::Fixed(120);
use crate::dates::Zone;

fn listen(
    id: i64,
    ago: i64,
    artist: &str,
    title: &str,
    album: &str,
    sources: &[Provider],
) -> Listen {
    Listen {
        id,
        played_at: NOW - ago,
        artist: artist.into(),
        title: title.into(),
        album: album.into(),
        sources: sources.iter().map(|&p| p as i32).collect(),
        duration_ms: 305_000,
        ..Listen::default()
    }
}

/// The History tab with its totals and a first page (more to come).
pub(super) fn with_history(colour: bool) -> App {
    let mut app = signed_in_zoned(Role::User, colour, ZONE);
    press(&mut app, Command::ShowTab(history::TAB));
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenSummary(ListenSummary {
            listens: 12_345,
            by_source: vec![
                ("spotify".into(), 8_020),
                ("lastfm".into(), 6_400),
                ("listenbrainz".into(), 310),
                ("navidrome".into(), 45),
            ],
            library_artists: 1_234,
            library_albums: 2_345,
            library_tracks: 23_456,
        }),
    )));
    use Provider::{Lastfm as LF, Listenbrainz as LB, Navidrome as ND, Spotify as SP};
    let mut imported = listen(5, 400 * 86_400, "Portishead", "Roads", "Dummy", &[]);
    imported.imported = true;
    let generation = crate::app::tests::tab::<crate::tabs::history::HistoryTab>(&app).generation;
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenPage {
            generation,
            page: 0,
            listens: vec![
                listen(9, 240, "Sigur Rós", "Hoppípolla", "Takk…", &[SP, LF, LB]),
                listen(
                    8,
                    600,
                    "Radiohead",
                    "Weird Fishes/Arpeggi",
                    "In Rainbows",
                    &[ND, LF],
                ),
                listen(7, 3 * 86_400, "Björk", "Jóga", "Homogenic", &[SP]),
                listen(
                    6,
                    200 * 86_400,
                    "Massive Attack",
                    "Teardrop",
                    "Mezzanine",
                    &[LF, ND, LB, SP],
                ),
                imported,
            ],
            next_cursor: String::new(),
        },
    )));
    app
}

fn filtered(colour: bool) -> App {
    let mut app = with_history(colour);
    press(&mut app, Command::Tab(history::FILTER));
    type_text(&mut app, "Björk");
    for _ in 0..3 {
        press(&mut app, Command::NextField);
    }
    type_text(&mut app, "spotify");
    press(&mut app, Command::NextField);
    type_text(&mut app, "2025-01-01");
    press(&mut app, Command::Submit);
    let generation = crate::app::tests::tab::<crate::tabs::history::HistoryTab>(&app).generation;
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenPage {
            generation,
            page: 0,
            listens: vec![listen(
                7,
                3 * 86_400,
                "Björk",
                "Jóga",
                "Homogenic",
                &[Provider::Spotify],
            )],
            next_cursor: String::new(),
        },
    )));
    app
}

fn with_details(colour: bool) -> App {
    let mut app = with_history(colour);
    press(&mut app, Command::Down);
    press(&mut app, Command::Down);
    press(&mut app, Command::Tab(history::DETAILS));
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenDetails {
            id: 7,
            details: ListenDetails {
                listen: None,
                isrc: "GBAAP9700121".into(),
                recording_mbid: String::new(),
                sources: vec![
                    ListenSource {
                        source: "spotify".into(),
                        source_ref: "spotify:track:6ySU1SvjSHZ8wJMcxKGtqz".into(),
                    },
                    ListenSource {
                        source: "import".into(),
                        source_ref: "listens.jsonl:12".into(),
                    },
                ],
                track_listens: 42,
                first_listened_at: NOW - 2_000 * 86_400,
                library_album: "Homogenic (Remastered)".into(),
            },
        },
    )));
    app
}

fn importing(colour: bool) -> App {
    let mut app = with_history(colour);
    press(&mut app, Command::Tab(history::IMPORT));
    type_text(&mut app, "~/exports/listenbrainz.jsonl");
    press(&mut app, Command::Submit);
    let event = |event| Action::Import { id: 1, event };
    app.update(event(ImportEvent::Started {
        path: "/home/ann/exports/listenbrainz.jsonl".into(),
        size: 3 * 1024 * 1024,
    }));
    app.update(event(ImportEvent::Progress(ImportProgress {
        format: "listenbrainz".into(),
        bytes_read: 1024 * 1024,
        size: 3 * 1024 * 1024,
        plays: 5_012,
        added: 4_870,
        merged: 95,
        duplicates: 40,
        skipped: 7,
        bad: 0,
        bad_rows: vec![],
        done: false,
        cut: 0,
    })));
    app
}

fn imported(colour: bool) -> App {
    let mut app = importing(colour);
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Progress(ImportProgress {
            format: "listenbrainz".into(),
            bytes_read: 3 * 1024 * 1024,
            size: 3 * 1024 * 1024,
            plays: 15_020,
            added: 14_800,
            merged: 160,
            duplicates: 60,
            skipped: 12,
            bad: 9,
            bad_rows: (1..=9)
                .map(|i| BadRow {
                    line: i * 1_000 + 17,
                    reason: if i % 2 == 0 {
                        "no listened_at".into()
                    } else {
                        "not JSON: expected value at column 1".into()
                    },
                })
                .collect(),
            done: true,
            cut: 0,
        }),
    });
    app
}

#[test]
fn history_browser() {
    let app = with_history(true);
    let text = screen(&app);
    assert!(
        text.contains("12,345 listens · Spotify 8,020 · Last.fm 6,400 · ListenBrainz 310 · …"),
        "{text}"
    );
    assert!(text.contains("SP LF LB ND"), "{text}");
    assert!(text.contains("IM"), "imported listens are tagged: {text}");
    assert!(text.contains(" 1 of 5 "), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn history_with_a_filter_line() {
    let app = filtered(true);
    let text = screen(&app);
    assert!(
        text.contains("Showing artist: Björk · from Spotify · since 2025-01-01"),
        "{text}"
    );
    assert!(text.contains("(c clears)"), "{text}");
    assert!(!text.contains("Massive Attack"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn history_details_pane_over_the_table_when_narrow() {
    let app = with_details(true);
    let text = screen(&app);
    for expected in [
        "Jóga",
        "Spotify: spotify:track:6ySU1SvjSHZ8wJMcxKGtqz",
        "Import: listens.jsonl:12",
        "42 · first 2019-12-24 17:06 UTC+2",
        "Homogenic (Remastered)",
        "GBAAP9700121",
        "5:05",
        "Esc closes",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(
        !text.contains("Hoppípolla"),
        "the pane covers the table: {text}"
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn the_details_pane_goes_beside_the_table_when_wide() {
    let app = with_details(true);
    let mut terminal = Terminal::new(TestBackend::new(140, 30)).unwrap();
    terminal.draw(|frame| crate::ui::render(frame, &app)).unwrap();
    let text = terminal.backend().to_string();
    let row = text
        .lines()
        .find(|l| l.contains("Hoppípolla"))
        .expect("the table stays in sight");
    assert!(row.contains("│"), "{row}");
    assert!(text.contains("GBAAP9700121"), "{text}");
}

#[test]
fn the_details_pane_says_when_it_is_loading() {
    let mut app = with_history(true);
    press(&mut app, Command::Tab(history::DETAILS));
    let text = screen(&app);
    assert!(
        text.contains("Hoppípolla") && text.contains("Loading…"),
        "{text}"
    );
}

#[test]
fn more_shows_while_the_next_page_is_fetched() {
    let mut app = signed_in_zoned(Role::User, true, ZONE);
    press(&mut app, Command::ShowTab(history::TAB));
    let listens = (0..200)
        .map(|i| {
            listen(
                1_000 - i,
                60 * (i + 1),
                "Can",
                &format!("Track {i}"),
                "Tago Mago",
                &[Provider::Lastfm],
            )
        })
        .collect();
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenPage {
            generation: 1,
            page: 0,
            listens,
            next_cursor: "c1".into(),
        },
    )));
    for _ in 0..14 {
        press(&mut app, Command::PageDown);
    }
    let text = screen(&app);
    assert!(text.contains("Track 199"), "{text}");
    assert!(text.contains("more…"), "{text}");
    assert!(text.contains(" 200 of 200+ "), "{text}");
}

#[test]
fn the_search_box_sits_below_the_list_it_filters() {
    let mut app = with_history(true);
    press(&mut app, Command::Tab(history::SEARCH));
    type_text(&mut app, "bjö");
    let text = screen(&app);
    let row = text
        .lines()
        .position(|l| l.contains("› Search"))
        .expect("the search box");
    assert_eq!(row, 21, "{text}");
    assert!(text.lines().nth(row).unwrap().contains("bjö"), "{text}");
    assert!(text.contains("Showing search \"bjö\""), "{text}");
    assert!(text.contains("Loading listens…"), "{text}");
}

#[test]
fn the_filter_form_keeps_a_bad_date_with_the_reason() {
    let mut app = with_history(true);
    press(&mut app, Command::Tab(history::FILTER));
    for _ in 0..4 {
        press(&mut app, Command::NextField);
    }
    type_text(&mut app, "last tuesday");
    press(&mut app, Command::Submit);
    let text = screen(&app);
    assert!(text.contains("Filter listens"), "{text}");
    assert!(
        text.contains("is not a date: write it as YYYY-MM-DD"),
        "{text}"
    );
}

#[test]
fn the_import_form_names_the_formats() {
    let mut app = with_history(true);
    press(&mut app, Command::Tab(history::IMPORT));
    let text = screen(&app);
    assert!(text.contains("Import listens"), "{text}");
    assert!(text.contains("lastfm-csv"), "{text}");
    assert!(text.contains("auto"), "{text}");
}

#[test]
fn import_progress() {
    let app = importing(true);
    let text = screen(&app);
    assert!(text.contains("Importing listens"), "{text}");
    assert!(text.contains("33% · 1.0 MiB of 3.0 MiB"), "{text}");
    assert!(
        text.contains("4,870 added · 95 merged · 40 already there · 7 skipped · 0 bad"),
        "{text}"
    );
    assert!(text.contains("Esc cancels"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn import_summary_with_bad_rows() {
    let app = imported(true);
    let text = screen(&app);
    assert!(text.contains("Import finished"), "{text}");
    assert!(text.contains("15,020 plays read:"), "{text}");
    assert!(
        text.contains("14,800 added · 160 merged · 60 already there · 12 skipped · 9 bad"),
        "{text}"
    );
    assert!(text.contains("line 1017: not JSON"), "{text}");
    assert!(text.contains("line 2017: no listened_at"), "{text}");
    assert!(text.contains("… and 3 more"), "{text}");
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn a_failed_import_says_why_in_the_dialog() {
    let mut app = importing(true);
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Failed(
            "listenbrainz.jsonl: could not recognise the format: use auto, lastfm-csv, …".into(),
        ),
    });
    let text = screen(&app);
    assert!(text.contains("Import failed"), "{text}");
    assert!(text.contains("could not recognise the format"), "{text}");
    assert!(text.contains("Enter tries again"), "{text}");
}

#[test]
fn help_on_the_history_tab_names_its_keys() {
    let mut app = with_history(true);
    press(&mut app, Command::ToggleHelp);
    let text = screen(&app);
    for description in [
        "search artist, album and title as you type",
        "filter by artist, album, title, source or dates",
        "go to a date (YYYY-MM-DD) and older",
        "import a Last.fm, ListenBrainz or Spotify export",
        "back to the newest listen",
    ] {
        assert!(text.contains(description), "{description} in\n{text}");
    }
    assert!(text.contains("1–9"), "{text}");
}

/// Stored text that set the window title, cleared the screen and opened a CSI with
/// C1 when printed raw.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m";

/// Every cell of the frame, as the terminal would receive them.
fn control_characters(terminal: &Terminal<TestBackend>) -> Vec<String> {
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .filter(|symbol| symbol.contains(char::is_control))
        .map(|symbol| symbol.escape_debug().to_string())
        .collect()
}

#[test]
fn stored_escape_sequences_never_reach_the_terminal() {
    let mut app = signed_in_zoned(Role::User, true, ZONE);
    press(&mut app, Command::ShowTab(history::TAB));
    let generation = crate::app::tests::tab::<crate::tabs::history::HistoryTab>(&app).generation;
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenPage {
            generation,
            page: 0,
            listens: vec![listen(
                7,
                60,
                "Evil\u{1b}[5m Artist\u{85}",
                HOSTILE,
                "Album\u{7f}\u{9d}\u{1b}P",
                &[Provider::Spotify],
            )],
            next_cursor: String::new(),
        },
    )));
    let table = draw(&app);
    assert_eq!(control_characters(&table), Vec::<String>::new());
    let text = table.backend().to_string();
    assert!(
        text.contains("]0;pwned"),
        "the visible rest is shown: {text}"
    );
    insta::assert_snapshot!(table.backend());

    // The details pane, with sources and an album from the library.
    press(&mut app, Command::Tab(history::DETAILS));
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenDetails {
            id: 7,
            details: ListenDetails {
                listen: None,
                isrc: "\u{1b}[2J".into(),
                recording_mbid: "\u{9b}1m".into(),
                sources: vec![ListenSource {
                    source: "import".into(),
                    source_ref: format!("evil\u{1b}]0;x\u{7}.jsonl:{HOSTILE}"),
                }],
                track_listens: 1,
                first_listened_at: NOW - 60,
                library_album: HOSTILE.into(),
            },
        },
    )));
    assert_eq!(control_characters(&draw(&app)), Vec::<String>::new());
    press(&mut app, Command::Back);

    // An import whose bad rows quote the file.
    press(&mut app, Command::Tab(history::IMPORT));
    type_text(&mut app, "~/evil.jsonl");
    press(&mut app, Command::Submit);
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Started {
            path: format!("/home/ann/evil{HOSTILE}.jsonl"),
            size: 100,
        },
    });
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Progress(ImportProgress {
            format: HOSTILE.into(),
            bytes_read: 100,
            size: 100,
            plays: 1,
            bad: 1,
            bad_rows: vec![BadRow {
                line: 2,
                reason: format!("unreadable date {HOSTILE}"),
            }],
            done: true,
            ..ImportProgress::default()
        }),
    });
    assert_eq!(control_characters(&draw(&app)), Vec::<String>::new());
}

fn all_screens(colour: bool) -> Vec<App> {
    let mut search = with_history(colour);
    press(&mut search, Command::Tab(history::SEARCH));
    let mut form = with_history(colour);
    press(&mut form, Command::Tab(history::IMPORT));
    vec![
        with_history(colour),
        filtered(colour),
        with_details(colour),
        importing(colour),
        imported(colour),
        search,
        form,
    ]
}

#[test]
fn no_colour_with_no_color_and_only_the_16_ansi_ones_without() {
    assert_colour_rules(all_screens);
}
