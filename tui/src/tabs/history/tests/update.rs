//! What keys, replies and failures do to the History tab: pages fetched exactly
//! when needed and never twice, stale answers dropped, the exact requests of search,
//! filters and jumps, the details pane, the import dialog and the totals.

use spotter_proto::v1::{
    BadRow, ImportProgress, ListListensRequest, Listen, ListenDetails, ListenFilter, Provider, Role,
};
use std::collections::HashMap;
use spotter_proto::v1::GetSummaryResponse;

use crate::tabs::history::{ListenSummary, PAGE_SIZE, import::ImportPhase, window::MAX_LOADED};
use crate::{
    app::{
        Action, App, Call, CallError, Command, Effect, Reply, Scope,
        SetupState,
    },
    component::ImportEvent,
    dates::Zone,
    tabs::{
        Dialog, Overlay, history, history::HistoryTab, jobs,
    },
    test_support::app::*,
};

/// Signed in with local time `zone`.
fn signed_in_at(zone: Zone) -> App {
    let mut app = connected_app();
    app.zone = zone;
    app.update(Action::SetupStateLoaded(SetupState::default()));
    app.update(Action::SignedIn(identity(Role::User, 900)));
    app
}

fn request(filter: Option<ListenFilter>, cursor: &str, at: i64) -> ListListensRequest {
    ListListensRequest {
        filter,
        page_size: PAGE_SIZE,
        cursor: cursor.into(),
        at,
    }
}

fn page_call(generation: u64, page: usize, request: ListListensRequest) -> Effect {
    call(Call::History(history::Call::ListListens {
        generation,
        page,
        request,
    }))
}

/// `n` listens with ids counting down from `first`.
fn listens(first: i64, n: usize) -> Vec<Listen> {
    (0..n as i64)
        .map(|i| Listen {
            id: first - i,
            played_at: NOW - 60 * (i + 1),
            artist: "Björk".into(),
            title: format!("song {}", first - i),
            ..Listen::default()
        })
        .collect()
}

fn page_reply(generation: u64, page: usize, listens: Vec<Listen>, next: &str) -> Action {
    Action::CallDone(Reply::History(history::Reply::ListenPage {
        generation,
        page,
        listens,
        next_cursor: next.into(),
    }))
}

/// On the History tab with a first page of 200 listens (more to come).
fn on_history() -> App {
    let mut app = signed_in_at(Zone::Utc);
    assert_eq!(
        press(&mut app, Command::ShowTab(history::TAB)),
        vec![
            page_call(1, 0, request(None, "", 0)),
            call(Call::History(history::Call::GetListenSummary))
        ]
    );
    app.update(page_reply(1, 0, listens(10_000, 200), "c1"));
    app
}

fn generation(app: &App) -> u64 {
    tab::<HistoryTab>(app).generation
}

#[test]
fn the_next_page_is_asked_for_near_the_end_and_only_once() {
    let mut app = on_history();
    for _ in 0..99 {
        assert_eq!(press(&mut app, Command::Down), vec![]);
    }
    // 100 rows left below: the next page, by the cursor the first one gave.
    assert_eq!(
        press(&mut app, Command::Down),
        vec![page_call(1, 1, request(None, "c1", 0))]
    );
    // While it comes, more keys ask for nothing.
    assert_eq!(press(&mut app, Command::PageDown), vec![]);
    assert_eq!(press(&mut app, Command::Down), vec![]);
    app.update(page_reply(1, 1, listens(9_800, 200), "c2"));
    // The same page again (a late duplicate) changes nothing.
    app.update(page_reply(1, 1, listens(9_800, 200), "c2"));
    let window = &tab::<HistoryTab>(&app).window;
    assert_eq!(window.rows().len(), 400);
    assert_eq!(window.position(), 116);
    assert_eq!(window.selected_item().unwrap().id, 10_000 - 116);
}

#[test]
fn the_selection_waits_at_the_last_row_while_the_next_page_comes() {
    let mut app = on_history();
    for _ in 0..27 {
        press(&mut app, Command::PageDown);
    }
    let window = &tab::<HistoryTab>(&app).window;
    assert!(window.is_fetching());
    assert_eq!(window.position(), 199, "held at the last loaded row");
    assert!(window.fetching_below(), "drawn as \"more…\"");
    // Landing asks for nothing more: the selection is 200 rows from the new end.
    let effects = app.update(page_reply(1, 1, listens(9_800, 200), "c2"));
    assert_eq!(effects, vec![]);
    for _ in 0..6 {
        assert_eq!(press(&mut app, Command::PageDown), vec![]);
    }
    assert_eq!(
        press(&mut app, Command::PageDown),
        vec![page_call(1, 2, request(None, "c2", 0))]
    );
}

#[test]
fn scrolling_a_long_history_keeps_a_bounded_window() {
    let mut app = on_history();
    let mut next_id = 9_800;
    for _ in 0..2_000 {
        for effect in press(&mut app, Command::PageDown) {
            let Effect::Call {
                call: Call::History(history::Call::ListListens { page, .. }),
                ..
            } = effect
            else {
                panic!("{effect:?}");
            };
            app.update(page_reply(
                1,
                page,
                listens(next_id, 200),
                &format!("c{}", page + 1),
            ));
            next_id -= 200;
        }
        assert!(tab::<HistoryTab>(&app).window.rows().len() <= MAX_LOADED);
    }
    let window = &tab::<HistoryTab>(&app).window;
    assert_eq!(window.position(), 30_000);
    assert!(window.offset() > 0, "the top pages were let go");
    assert_eq!(window.selected_item().unwrap().id, 10_000 - 30_000);
}

#[test]
fn answers_for_an_earlier_search_are_dropped() {
    let mut app = signed_in_at(Zone::Utc);
    press(&mut app, Command::ShowTab(history::TAB));
    assert_eq!(press(&mut app, Command::Tab(history::SEARCH)), vec![]);
    assert_eq!(app.key_scopes(), vec![Scope::Form, Scope::Always]);
    // Live: each letter starts the list over with the words so far.
    let search = |q: &str| {
        Some(ListenFilter {
            query: q.into(),
            ..ListenFilter::default()
        })
    };
    assert_eq!(
        app.update(Action::Input('b')),
        vec![page_call(2, 0, request(search("b"), "", 0))]
    );
    assert_eq!(
        app.update(Action::Input('j')),
        vec![page_call(3, 0, request(search("bj"), "", 0))]
    );
    // A space changes nothing the daemon would see.
    assert_eq!(app.update(Action::Input(' ')), vec![]);
    press(&mut app, Command::DeleteChar);
    // The unfiltered first page and the "b" one arrive late: both ignored.
    app.update(page_reply(1, 0, listens(100, 50), ""));
    app.update(page_reply(2, 0, listens(100, 50), ""));
    assert!(!tab::<HistoryTab>(&app).window.is_loaded());
    app.update(page_reply(3, 0, listens(7, 3), ""));
    assert_eq!(tab::<HistoryTab>(&app).window.rows().len(), 3);
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert_eq!(main(&app).overlay(), None);
    assert_eq!(tab::<HistoryTab>(&app).describe(), ["search \"bj\""]);
}

#[test]
fn esc_in_the_search_box_puts_back_the_search_there_was() {
    let mut app = on_history();
    press(&mut app, Command::Tab(history::SEARCH));
    type_text(&mut app, "sig");
    press(&mut app, Command::Submit);
    let before = generation(&app);
    press(&mut app, Command::Tab(history::SEARCH));
    app.update(Action::Input('x'));
    let effects = press(&mut app, Command::Back);
    assert_eq!(
        effects,
        vec![page_call(
            before + 2,
            0,
            request(
                Some(ListenFilter {
                    query: "sig".into(),
                    ..ListenFilter::default()
                }),
                "",
                0
            )
        )]
    );
    assert_eq!(tab::<HistoryTab>(&app).filter.query, "sig");
}

#[test]
fn the_filter_form_sends_local_day_bounds_and_refuses_bad_dates() {
    let mut app = signed_in_at(Zone::Fixed(120));
    press(&mut app, Command::ShowTab(history::TAB));
    press(&mut app, Command::Tab(history::FILTER));
    type_text(&mut app, "Björk");
    for _ in 0..3 {
        press(&mut app, Command::NextField);
    }
    type_text(&mut app, "spotify, import");
    press(&mut app, Command::NextField);
    type_text(&mut app, "2024-06-01");
    press(&mut app, Command::NextField);
    type_text(&mut app, "2024-13-30");
    assert_eq!(press(&mut app, Command::Submit), vec![], "a bad date");
    match main(&app).overlay() {
        Some(Overlay::Dialog(Dialog::History(history::Dialog::Filter(form)))) => {
            assert!(form.error.as_deref().unwrap().contains("YYYY-MM-DD"));
            assert_eq!(
                form.focused().unwrap().id,
                crate::component::form::FieldId::To
            );
        }
        other => panic!("the form stays open: {other:?}"),
    }
    for _ in 0.."2024-13-30".len() {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "2024-06-30");
    // Two hours east of UTC: local midnight is 22:00 UTC the day before; the last
    // day is included, so `to` is the start of the day after.
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![page_call(
            2,
            0,
            request(
                Some(ListenFilter {
                    artist: "Björk".into(),
                    sources: vec![Provider::Spotify as i32],
                    imported: true,
                    from: 1_717_200_000 - 7_200,
                    to: 1_719_792_000 - 7_200,
                    ..ListenFilter::default()
                }),
                "",
                0
            )
        )]
    );
    assert_eq!(
        tab::<HistoryTab>(&app).describe(),
        [
            "artist: Björk",
            "from Spotify, import",
            "2024-06-01 to 2024-06-30"
        ]
    );
}

#[test]
fn a_jump_sends_at_for_the_first_page_and_cursors_after() {
    let mut app = on_history();
    press(&mut app, Command::Tab(history::JUMP_TO_DATE));
    type_text(&mut app, "2024-06-01");
    let effects = press(&mut app, Command::Submit);
    // The end of that day: listens on it come first.
    assert_eq!(
        effects,
        vec![page_call(2, 0, request(None, "", 1_717_286_399))]
    );
    app.update(page_reply(2, 0, listens(500, 200), "j1"));
    for _ in 0..6 {
        press(&mut app, Command::PageDown);
    }
    assert_eq!(
        press(&mut app, Command::PageDown),
        vec![page_call(2, 1, request(None, "j1", 0))],
        "the cursor carries the position on"
    );
    // A bad date keeps the form open and sends nothing.
    press(&mut app, Command::Tab(history::JUMP_TO_DATE));
    type_text(&mut app, "x");
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert!(matches!(
        main(&app).overlay(),
        Some(Overlay::Dialog(Dialog::History(
            history::Dialog::JumpToDate(_)
        )))
    ));
    press(&mut app, Command::Back);
    // Home: back to the newest, leaving the date.
    assert_eq!(
        press(&mut app, Command::Tab(history::NEWEST)),
        vec![page_call(3, 0, request(None, "", 0))]
    );
    assert_eq!(tab::<HistoryTab>(&app).jump, None);
}

#[test]
fn home_at_the_top_only_moves_the_selection() {
    let mut app = on_history();
    press(&mut app, Command::PageDown);
    assert_eq!(press(&mut app, Command::Tab(history::NEWEST)), vec![]);
    assert_eq!(tab::<HistoryTab>(&app).window.position(), 0);
}

#[test]
fn clear_drops_search_filters_and_date() {
    let mut app = on_history();
    assert_eq!(
        press(&mut app, Command::Tab(history::CLEAR_FILTERS)),
        vec![]
    );
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "No search or filter to clear."
    );
    press(&mut app, Command::Tab(history::SEARCH));
    type_text(&mut app, "a");
    press(&mut app, Command::Submit);
    press(&mut app, Command::Tab(history::JUMP_TO_DATE));
    type_text(&mut app, "2020-01-01");
    press(&mut app, Command::Submit);
    let g = generation(&app);
    assert_eq!(
        press(&mut app, Command::Tab(history::CLEAR_FILTERS)),
        vec![page_call(g + 1, 0, request(None, "", 0))]
    );
    assert!(!tab::<HistoryTab>(&app).is_filtered());
}

#[test]
fn a_failed_page_is_said_and_asked_again_on_the_next_move() {
    let mut app = on_history();
    press(&mut app, Command::PageDown);
    for _ in 0..6 {
        press(&mut app, Command::PageDown);
    }
    let failed = Call::History(history::Call::ListListens {
        generation: 1,
        page: 1,
        request: request(None, "c1", 0),
    });
    app.update(Action::CallFailed {
        call: failed.clone(),
        retried: false,
        error: CallError::Unreachable("spotterd went away".into()),
    });
    assert_eq!(
        main(&app).notice.as_ref().unwrap().text,
        "Could not load listens: spotterd went away"
    );
    assert_eq!(
        tab::<HistoryTab>(&app).window.error.as_deref(),
        Some("spotterd went away")
    );
    assert_eq!(press(&mut app, Command::Down), vec![call(failed.clone())]);
    // A failure for an earlier list says nothing.
    press(&mut app, Command::Refresh);
    app.update(Action::CallFailed {
        call: failed,
        retried: false,
        error: CallError::Unreachable("old news".into()),
    });
    let notice = main(&app).notice.as_ref().map(|n| n.text.clone());
    assert!(!notice.unwrap_or_default().contains("old news"));
    assert_eq!(tab::<HistoryTab>(&app).window.error, None);
}

fn details(id: i64) -> ListenDetails {
    ListenDetails {
        listen: Some(Listen {
            id,
            ..Listen::default()
        }),
        track_listens: 3,
        ..ListenDetails::default()
    }
}

#[test]
fn the_details_pane_follows_the_selection_one_fetch_at_a_time() {
    let mut app = on_history();
    assert_eq!(
        press(&mut app, Command::Tab(history::DETAILS)),
        vec![call(Call::History(history::Call::GetListen { id: 10_000 }))]
    );
    // Moving on while it loads: the pane shows the new row, its fetch waits.
    assert_eq!(press(&mut app, Command::Down), vec![]);
    assert_eq!(press(&mut app, Command::Down), vec![]);
    let pane = tab::<HistoryTab>(&app).details.as_ref().unwrap();
    assert_eq!(pane.listen.id, 9_998);
    // The first answer is late: not shown, and the selected listen is asked for.
    assert_eq!(
        app.update(Action::CallDone(Reply::History(
            history::Reply::ListenDetails {
                id: 10_000,
                details: details(10_000),
            }
        ))),
        vec![call(Call::History(history::Call::GetListen { id: 9_998 }))]
    );
    assert_eq!(
        tab::<HistoryTab>(&app).details.as_ref().unwrap().details,
        None
    );
    app.update(Action::CallDone(Reply::History(
        history::Reply::ListenDetails {
            id: 9_998,
            details: details(9_998),
        },
    )));
    let pane = tab::<HistoryTab>(&app).details.as_ref().unwrap();
    assert_eq!(pane.details, Some(details(9_998)));
    // Esc closes the pane, and only then quits.
    press(&mut app, Command::Back);
    assert_eq!(tab::<HistoryTab>(&app).details, None);
    assert!(!app.should_quit());
    press(&mut app, Command::Back);
    assert!(app.should_quit());
}

#[test]
fn a_failed_details_fetch_shows_in_the_pane() {
    let mut app = on_history();
    press(&mut app, Command::Tab(history::DETAILS));
    app.update(Action::CallFailed {
        call: Call::History(history::Call::GetListen { id: 10_000 }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::NotFound,
            message: "no such listen".into(),
        },
    });
    let pane = tab::<HistoryTab>(&app).details.as_ref().unwrap();
    assert_eq!(pane.error.as_deref(), Some("no such listen"));
    assert!(main(&app).notice.is_none());
}

fn import_dialog(app: &App) -> &crate::tabs::history::import::ImportDialog {
    match main(app).overlay() {
        Some(Overlay::Dialog(Dialog::History(history::Dialog::Import(dialog)))) => dialog,
        other => panic!("no import dialog: {other:?}"),
    }
}

fn progress(bytes_read: u64, added: u64, bad: u64, done: bool) -> ImportProgress {
    ImportProgress {
        format: "listenbrainz".into(),
        bytes_read,
        size: 4_000,
        plays: added + 2,
        added,
        merged: 1,
        duplicates: 1,
        skipped: 0,
        bad,
        bad_rows: (1..=bad)
            .map(|line| BadRow {
                line: line * 7,
                reason: "not JSON".into(),
            })
            .collect(),
        done,
        cut: 0,
    }
}

#[test]
fn an_import_runs_beside_the_ui_and_reloads_what_it_changed() {
    let mut app = on_history();
    assert_eq!(press(&mut app, Command::Tab(history::IMPORT)), vec![]);
    assert_eq!(app.key_scopes(), vec![Scope::Form, Scope::Always]);
    assert_eq!(press(&mut app, Command::Submit), vec![], "no file yet");
    assert!(import_dialog(&app).form.error.is_some());
    type_text(&mut app, "~/listens.jsonl");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![Effect::Import {
            id: 1,
            path: "~/listens.jsonl".into(),
            format: "auto".into(),
        }]
    );
    assert_eq!(app.key_scopes(), vec![Scope::ImportRunning, Scope::Always]);
    // Enter does nothing while it runs; typing neither.
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    let event = |id, event| Action::Import { id, event };
    app.update(event(
        1,
        ImportEvent::Started {
            path: "/home/ann/listens.jsonl".into(),
            size: 4_000,
        },
    ));
    app.update(event(
        1,
        ImportEvent::Progress(progress(1_000, 5, 0, false)),
    ));
    assert_eq!(import_dialog(&app).ratio(), Some(0.25));
    // Another import's words are not this one's.
    app.update(event(7, ImportEvent::Failed("other".into())));
    assert!(import_dialog(&app).running());
    let done = app.update(event(
        1,
        ImportEvent::Progress(progress(4_000, 18, 2, true)),
    ));
    let g = generation(&app);
    assert_eq!(
        done,
        vec![
            page_call(g, 0, request(None, "", 0)),
            call(Call::History(history::Call::GetListenSummary))
        ]
    );
    match &import_dialog(&app).phase {
        ImportPhase::Done(last) => assert_eq!(last.added, 18),
        other => panic!("{other:?}"),
    }
    assert_eq!(press(&mut app, Command::Submit), vec![]);
    assert_eq!(main(&app).overlay(), None);
}

#[test]
fn a_failed_import_can_be_tried_again_and_a_running_one_cancelled() {
    let mut app = on_history();
    press(&mut app, Command::Tab(history::IMPORT));
    type_text(&mut app, "/nope.csv");
    press(&mut app, Command::NextField);
    for _ in 0..4 {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "lastfm-csv");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![Effect::Import {
            id: 1,
            path: "/nope.csv".into(),
            format: "lastfm-csv".into(),
        }]
    );
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Failed("Cannot open /nope.csv: No such file".into()),
    });
    assert_eq!(
        import_dialog(&app).phase,
        ImportPhase::Failed("Cannot open /nope.csv: No such file".into())
    );
    // Enter: back to the form as it was.
    press(&mut app, Command::Submit);
    assert_eq!(import_dialog(&app).phase, ImportPhase::Choosing);
    assert_eq!(
        import_dialog(&app)
            .form
            .text(crate::component::form::FieldId::Path),
        "/nope.csv"
    );
    let effects = press(&mut app, Command::Submit);
    assert!(matches!(effects[..], [Effect::Import { id: 2, .. }]));
    // Esc while it runs cancels it and reloads (some may have come in).
    let g = generation(&app);
    assert_eq!(
        press(&mut app, Command::Back),
        vec![
            Effect::CancelImport { id: 2 },
            page_call(g + 1, 0, request(None, "", 0)),
            call(Call::History(history::Call::GetListenSummary))
        ]
    );
    assert_eq!(main(&app).overlay(), None);
    assert!(
        main(&app)
            .notice
            .as_ref()
            .unwrap()
            .text
            .starts_with("Import cancelled")
    );
}

#[test]
fn coming_back_to_the_tab_keeps_the_place_read() {
    let mut app = on_history();
    press(&mut app, Command::PageDown);
    press(&mut app, Command::ShowTab(jobs::TAB));
    assert_eq!(
        press(&mut app, Command::ShowTab(history::TAB)),
        vec![call(Call::History(history::Call::GetListenSummary))]
    );
    assert_eq!(tab::<HistoryTab>(&app).window.position(), 15);
    // Refresh starts over.
    let effects = press(&mut app, Command::Refresh);
    assert!(
        effects.contains(&page_call(2, 0, request(None, "", 0))),
        "{effects:?}"
    );
}

#[test]
fn a_finished_import_is_closed_with_enter_or_esc() {
    let mut app = on_history();
    press(&mut app, Command::Tab(history::IMPORT));
    type_text(&mut app, "/tmp/a.jsonl");
    press(&mut app, Command::Submit);
    app.update(Action::Import {
        id: 1,
        event: ImportEvent::Progress(progress(4_000, 0, 0, true)),
    });
    assert_eq!(app.key_scopes(), vec![Scope::Import, Scope::Always]);
    // Nothing new: nothing to reload.
    assert_eq!(press(&mut app, Command::Back), vec![]);
    assert_eq!(main(&app).overlay(), None);
}

#[test]
fn the_summary_lists_sources_largest_first() {
    let summary = ListenSummary::from(GetSummaryResponse {
        listens: 10,
        listens_by_source: HashMap::from([
            ("lastfm".to_owned(), 3),
            ("spotify".to_owned(), 8),
            ("navidrome".to_owned(), 3),
        ]),
        ..GetSummaryResponse::default()
    });
    let sources: Vec<&str> = summary.by_source.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(sources, ["spotify", "lastfm", "navidrome"]);
}
