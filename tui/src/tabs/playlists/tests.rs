//! The Playlists tab: its update (keys, replies, dialogs) and its screens at 80x24,
//! in colour and with `NO_COLOR`.

use spotter_proto::v1::{
    BadRow, Candidate, ImportPlaylistProgress, MatchMethod, NavidromePlaylist, NavidromeSync,
    Playlist, PlaylistEntry, Role, Song, navidrome_sync, playlist,
};

use super::*;
use crate::{
    app::{Action, App, Call as AppCall, Command, Effect, Reply as AppReply},
    component::Out,
    tabs::{Dialog as AppDialog, Overlay},
    test_support::{app::*, screen::*},
};

fn pl(id: i64, name: &str, source: playlist::Source, state: navidrome_sync::State) -> Playlist {
    Playlist {
        id,
        name: name.into(),
        source: source as i32,
        state: playlist::State::Active as i32,
        editable: matches!(source, playlist::Source::Local | playlist::Source::File),
        entries: 4,
        matched: 2,
        not_in_library: 1,
        to_review: 1,
        navidrome: Some(NavidromeSync {
            state: state as i32,
            ..NavidromeSync::default()
        }),
        ..Playlist::default()
    }
}

fn playlists() -> Vec<Playlist> {
    let mut gone = pl(
        3,
        "Discover Weekly",
        playlist::Source::Spotify,
        navidrome_sync::State::Missing,
    );
    gone.state = playlist::State::Inactive as i32;
    vec![
        pl(
            1,
            "Road trip",
            playlist::Source::File,
            navidrome_sync::State::InSync,
        ),
        pl(
            2,
            "Weekly Jams",
            playlist::Source::Listenbrainz,
            navidrome_sync::State::ChangedInNavidrome,
        ),
        gone,
        pl(
            4,
            "Mine",
            playlist::Source::Local,
            navidrome_sync::State::NotPushed,
        ),
    ]
}

fn song(id: &str, artist: &str, title: &str, album: &str) -> Song {
    Song {
        id: id.into(),
        artist: artist.into(),
        title: title.into(),
        album: album.into(),
        duration_ms: 200_000,
    }
}

fn entries() -> Vec<PlaylistEntry> {
    let entry = |id: i64, artist: &str, title: &str, album: &str| PlaylistEntry {
        id,
        position: u32::try_from(id - 10).unwrap(),
        artist: artist.into(),
        title: title.into(),
        album: album.into(),
        duration_ms: 215_000,
        ..PlaylistEntry::default()
    };
    let mut exact = entry(10, "Radiohead", "Karma Police", "OK Computer");
    exact.method = MatchMethod::Exact as i32;
    exact.confidence = 1.0;
    exact.song = Some(song("s1", "Radiohead", "Karma Police", "OK Computer"));
    let mut fuzzy = entry(11, "Mylene Farmer", "Desenchantee", "L'autre");
    fuzzy.method = MatchMethod::Fuzzy as i32;
    fuzzy.confidence = 0.74;
    fuzzy.needs_review = true;
    fuzzy.version_differs = true;
    fuzzy.song = Some(song("s2", "Mylène Farmer", "Désenchantée (Live)", "Live à Bercy"));
    let mut missing = entry(12, "Nobody", "Unknown Song", "");
    missing.method = MatchMethod::None as i32;
    missing.needs_review = true;
    let mut not_here = entry(13, "Björk", "Jóga", "Homogenic");
    not_here.method = MatchMethod::NotInLibrary as i32;
    vec![exact, fuzzy, missing, not_here]
}

fn reply(app: &mut App, reply: Reply) -> Vec<Effect> {
    app.update(Action::CallDone(AppReply::Playlists(reply)))
}

fn pcall(c: Call) -> Effect {
    call(AppCall::Playlists(c))
}

fn dialog(app: &App) -> Option<&Dialog> {
    match main(app).overlays.last() {
        Some(Overlay::Dialog(AppDialog::Playlists(d))) => Some(d),
        _ => None,
    }
}

/// The tab with its list and the first playlist's entries loaded.
fn with_playlists(colour: bool) -> App {
    let mut app = signed_in_in_colour(Role::User, colour);
    assert_eq!(
        press(&mut app, Command::ShowTab(TAB)),
        vec![pcall(Call::List)]
    );
    assert_eq!(
        reply(&mut app, Reply::Playlists(playlists())),
        vec![pcall(Call::Entries { id: 1, offset: 0 })]
    );
    reply(
        &mut app,
        Reply::Entries {
            playlist: playlists()[0].clone(),
            offset: 0,
            entries: entries(),
            total: 4,
        },
    );
    app
}

#[test]
fn the_selected_playlist_s_entries_follow_the_selection() {
    let mut app = with_playlists(true);
    assert_eq!(tab::<PlaylistsTab>(&app).entries.rows.items.len(), 4);
    assert_eq!(
        press(&mut app, Command::Down),
        vec![pcall(Call::Entries { id: 2, offset: 0 })]
    );
    // A late page of the first playlist is not shown as the second's.
    reply(
        &mut app,
        Reply::Entries {
            playlist: playlists()[0].clone(),
            offset: 0,
            entries: entries(),
            total: 4,
        },
    );
    assert!(tab::<PlaylistsTab>(&app).entries.rows.items.is_empty());
    // Enter moves into the entries once there are some; Esc comes back.
    press(&mut app, Command::Up);
    reply(
        &mut app,
        Reply::Entries {
            playlist: playlists()[0].clone(),
            offset: 0,
            entries: entries(),
            total: 4,
        },
    );
    press(&mut app, Command::Tab(OPEN));
    assert_eq!(tab::<PlaylistsTab>(&app).pane, Pane::Entries);
    press(&mut app, Command::Down);
    assert_eq!(tab::<PlaylistsTab>(&app).entries.rows.selected, 1);
    press(&mut app, Command::Back);
    assert_eq!(tab::<PlaylistsTab>(&app).pane, Pane::Playlists);
}

#[test]
fn entries_are_paged_by_offset() {
    assert_eq!(next_offset(0, 200, 450), 200);
    assert_eq!(next_offset(400, 50, 450), 0);
    assert_eq!(next_offset(0, 0, 10), 0);
    let mut app = with_playlists(true);
    reply(
        &mut app,
        Reply::Entries {
            playlist: playlists()[0].clone(),
            offset: 0,
            entries: entries(),
            total: 6,
        },
    );
    press(&mut app, Command::Tab(OPEN));
    for _ in 0..2 {
        press(&mut app, Command::Down);
    }
    assert_eq!(
        press(&mut app, Command::Down),
        vec![pcall(Call::Entries { id: 1, offset: 4 })]
    );
    let mut more = entries();
    more.truncate(2);
    reply(
        &mut app,
        Reply::Entries {
            playlist: playlists()[0].clone(),
            offset: 4,
            entries: more,
            total: 6,
        },
    );
    let t = tab::<PlaylistsTab>(&app);
    assert_eq!(t.entries.rows.items.len(), 6);
    assert_eq!(t.entries.rows.next, 0);
}

#[test]
fn rename_create_and_their_failures() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(RENAME));
    for _ in 0.."Road trip".len() {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "Summer");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Rename {
            id: 1,
            name: "Summer".into()
        })]
    );
    app.update(Action::CallFailed {
        call: AppCall::Playlists(Call::Rename {
            id: 1,
            name: "Summer".into(),
        }),
        retried: false,
        error: CallError::Rejected {
            code: tonic::Code::InvalidArgument,
            message: "the name is too long".into(),
        },
    });
    match dialog(&app) {
        Some(Dialog::Prompt { form, .. }) => {
            assert_eq!(form.error.as_deref(), Some("the name is too long"));
            assert!(!form.busy);
        }
        other => panic!("{other:?}"),
    }
    let mut renamed = playlists()[0].clone();
    renamed.name = "Summer".into();
    reply(&mut app, Reply::Renamed(renamed));
    assert!(dialog(&app).is_none());
    assert_eq!(tab::<PlaylistsTab>(&app).rows.items[0].name, "Summer");

    press(&mut app, Command::Tab(CREATE));
    assert!(press(&mut app, Command::Submit).is_empty(), "a name is needed");
    type_text(&mut app, "New one");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Create {
            name: "New one".into()
        })]
    );
    let created = pl(
        9,
        "New one",
        playlist::Source::Local,
        navidrome_sync::State::NotPushed,
    );
    assert_eq!(
        reply(&mut app, Reply::Created(created.clone())),
        vec![pcall(Call::List)]
    );
    let mut all = playlists();
    all.push(created);
    assert_eq!(
        reply(&mut app, Reply::Playlists(all)),
        vec![pcall(Call::Entries { id: 9, offset: 0 })],
        "the new playlist is selected"
    );
}

#[test]
fn delete_asks_first_and_offers_navidrome_for_a_pushed_one() {
    let mut app = with_playlists(true);
    // Pushed: keep it in Navidrome, or delete it there too.
    press(&mut app, Command::Tab(DELETE));
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Delete {
            id: 1,
            name: "Road trip".into(),
            delete_from_navidrome: true
        })]
    );
    // Never pushed: a plain confirmation.
    for _ in 0..3 {
        press(&mut app, Command::Down);
    }
    press(&mut app, Command::Tab(DELETE));
    match main(&app).overlays.last() {
        Some(Overlay::Confirm { confirm, .. }) => {
            assert_eq!(confirm.question, "Delete the playlist \"Mine\"?");
            assert_eq!(
                confirm.on_yes,
                Out::Call(AppCall::Playlists(Call::Delete {
                    id: 4,
                    name: "Mine".into(),
                    delete_from_navidrome: false
                }))
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        press(&mut app, Command::Yes),
        vec![pcall(Call::Delete {
            id: 4,
            name: "Mine".into(),
            delete_from_navidrome: false
        })]
    );
}

#[test]
fn unsync_offers_to_delete_in_navidrome_and_link_picks_a_navidrome_playlist() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(UNSYNC));
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Unsync {
            id: 1,
            delete_from_navidrome: true
        })]
    );
    assert_eq!(
        press(&mut app, Command::Tab(LINK)),
        vec![pcall(Call::NavidromePlaylists { id: 1 })]
    );
    reply(
        &mut app,
        Reply::NavidromePlaylists {
            id: 1,
            playlists: vec![
                NavidromePlaylist {
                    id: "nd-a".into(),
                    name: "Car".into(),
                    song_count: 12,
                    ..NavidromePlaylist::default()
                },
                NavidromePlaylist {
                    id: "nd-b".into(),
                    name: "Gym".into(),
                    song_count: 30,
                    linked_playlist_id: 2,
                    ..NavidromePlaylist::default()
                },
            ],
        },
    );
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Link {
            id: 1,
            navidrome_id: "nd-b".into()
        })]
    );
}

#[test]
fn a_push_refused_for_a_change_in_navidrome_says_how_to_resolve_it() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Tab(PUSH)),
        vec![pcall(Call::Push {
            id: 2,
            overwrite: false
        })]
    );
    reply(&mut app, Reply::Pushed(playlists()[1].clone()));
    let notice = main(&app).notice.clone().unwrap();
    assert!(notice.error);
    assert!(notice.text.contains("changed in Navidrome"), "{}", notice.text);
    assert!(notice.text.contains("c resolves"), "{}", notice.text);
    // Resolving: overwrite, or take Navidrome's version.
    press(&mut app, Command::Tab(RESOLVE));
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::TakeNavidromeVersion { id: 2 })]
    );
    press(&mut app, Command::Tab(RESOLVE));
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Push {
            id: 2,
            overwrite: true
        })]
    );
    // Nothing to resolve on a playlist in sync.
    press(&mut app, Command::Up);
    press(&mut app, Command::Tab(RESOLVE));
    assert!(dialog(&app).is_none());
}

#[test]
fn import_streams_the_file_and_shows_the_count_and_bad_rows() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(IMPORT));
    type_text(&mut app, "~/road.m3u8");
    press(&mut app, Command::NextField);
    type_text(&mut app, "Road");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Import {
            path: "~/road.m3u8".into(),
            name: "Road".into()
        })]
    );
    assert!(matches!(dialog(&app), Some(Dialog::Importing(i)) if i.done.is_none()));
    assert_eq!(
        reply(&mut app, Reply::Imported(import_report())),
        vec![pcall(Call::List)]
    );
    assert!(matches!(dialog(&app), Some(Dialog::Importing(i)) if i.done.is_some()));
    press(&mut app, Command::Submit);
    assert!(dialog(&app).is_none());
}

fn import_report() -> ImportPlaylistProgress {
    ImportPlaylistProgress {
        format: "m3u".into(),
        bytes_read: 300,
        size: 300,
        entries: 12,
        bad: 2,
        bad_rows: vec![
            BadRow {
                line: 4,
                reason: "no title".into(),
            },
            BadRow {
                line: 9,
                reason: "not a track line".into(),
            },
        ],
        done: true,
        playlist_id: 7,
        matched: 10,
    }
}

#[test]
fn export_checks_the_format() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(EXPORT));
    press(&mut app, Command::NextField);
    for _ in 0..4 {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "xml");
    assert!(press(&mut app, Command::Submit).is_empty());
    for _ in 0..3 {
        press(&mut app, Command::DeleteChar);
    }
    type_text(&mut app, "CSV");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Export {
            id: 1,
            format: state::ExportFormat::Csv,
            path: "Road trip.jspf".into()
        })]
    );
    assert_eq!(file_stem("../a/b\u{1b}"), "_a_b_");
    assert_eq!(file_stem(" ... "), "playlist");
}

fn editing(colour: bool) -> App {
    let mut app = with_playlists(colour);
    assert_eq!(
        press(&mut app, Command::Tab(EDIT)),
        vec![pcall(Call::Entries { id: 1, offset: 0 })]
    );
    app
}

#[test]
fn an_imported_playlist_is_not_edited_in_place() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Down);
    assert!(press(&mut app, Command::Tab(EDIT)).is_empty());
    assert!(dialog(&app).is_none());
    let notice = main(&app).notice.clone().unwrap();
    assert!(notice.text.contains("D duplicates it"), "{}", notice.text);
}

#[test]
fn the_edit_mode_removes_reorders_and_adds_from_a_search() {
    let mut app = editing(true);
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Tab(MOVE_UP)),
        vec![pcall(Call::Move {
            id: 1,
            entry_id: 11,
            to: 0
        })]
    );
    press(&mut app, Command::Down);
    press(&mut app, Command::Down);
    press(&mut app, Command::Down);
    assert!(
        press(&mut app, Command::Tab(MOVE_DOWN)).is_empty(),
        "the last entry stays last"
    );
    assert_eq!(
        press(&mut app, Command::Tab(REMOVE_ENTRY)),
        vec![pcall(Call::Remove {
            id: 1,
            entry_id: 13
        })]
    );
    assert_eq!(
        reply(&mut app, Reply::Edited(playlists()[0].clone())),
        vec![pcall(Call::Entries { id: 1, offset: 0 })]
    );
    press(&mut app, Command::Up);
    press(&mut app, Command::Tab(ADD_SONG));
    type_text(&mut app, "karma");
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Search {
            query: "karma".into()
        })]
    );
    reply(
        &mut app,
        Reply::Found {
            query: "karma".into(),
            songs: vec![
                song("s1", "Radiohead", "Karma Police", "OK Computer"),
                song("s9", "Culture Club", "Karma Chameleon", "Colour by Numbers"),
            ],
        },
    );
    press(&mut app, Command::NextField);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::Add {
            id: 1,
            song_id: "s9".into(),
            position: Some(3)
        })],
        "after the entry selected in the editor"
    );
    assert_eq!(
        press(&mut app, Command::Back),
        vec![pcall(Call::Entries { id: 1, offset: 0 })]
    );
    assert!(matches!(dialog(&app), Some(Dialog::Editor(_))));
    press(&mut app, Command::Back);
    assert!(dialog(&app).is_none());
}

fn reviewing(colour: bool) -> App {
    let mut app = with_playlists(colour);
    assert_eq!(
        press(&mut app, Command::Tab(REVIEW)),
        vec![pcall(Call::ReviewAt {
            id: 1,
            filter: Filter::Review,
            offset: 0
        })]
    );
    reply(&mut app, review_at(0, 11));
    app
}

fn review_at(offset: u32, entry: i64) -> Reply {
    let e = entries().into_iter().find(|e| e.id == entry).unwrap();
    Reply::ReviewAt {
        id: 1,
        filter: Filter::Review,
        offset,
        total: 2,
        entry: Some(e),
        candidates: vec![
            Candidate {
                song: Some(song(
                    "s2",
                    "Mylène Farmer",
                    "Désenchantée (Live)",
                    "Live à Bercy",
                )),
                score: 0.74,
                version_differs: true,
            },
            Candidate {
                song: Some(song("s3", "Mylène Farmer", "Désenchantée", "L'autre…")),
                score: 0.71,
                version_differs: false,
            },
        ],
    }
}

#[test]
fn the_review_walks_entries_and_sets_choices() {
    let mut app = reviewing(true);
    press(&mut app, Command::Down);
    assert_eq!(
        press(&mut app, Command::Submit),
        vec![pcall(Call::SetMatch {
            playlist_id: 1,
            entry_id: 11,
            choice: Choice::Song("s3".into())
        })]
    );
    let mut chosen = entries()[1].clone();
    chosen.method = MatchMethod::Manual as i32;
    chosen.needs_review = false;
    assert_eq!(
        reply(&mut app, Reply::Matched(chosen)),
        vec![pcall(Call::ReviewAt {
            id: 1,
            filter: Filter::Review,
            offset: 0
        })]
    );
    assert_eq!(
        tab::<PlaylistsTab>(&app).entries.rows.items[1].method(),
        MatchMethod::Manual,
        "the entries below show the choice"
    );
    // The decided entry is still in the filter: the review moves past it.
    assert_eq!(
        reply(&mut app, review_at(0, 11)),
        vec![pcall(Call::ReviewAt {
            id: 1,
            filter: Filter::Review,
            offset: 1
        })]
    );
    reply(&mut app, review_at(1, 12));
    assert_eq!(
        press(&mut app, Command::Tab(NOT_IN_LIBRARY)),
        vec![pcall(Call::SetMatch {
            playlist_id: 1,
            entry_id: 12,
            choice: Choice::NotInLibrary
        })]
    );
    // Clear, skip and the filter.
    let mut app = reviewing(true);
    assert_eq!(
        press(&mut app, Command::Tab(CLEAR_MATCH)),
        vec![pcall(Call::ClearMatch {
            playlist_id: 1,
            entry_id: 11
        })]
    );
    assert!(
        press(&mut app, Command::Tab(NOT_IN_LIBRARY)).is_empty(),
        "no second choice while the first is with the daemon"
    );
    let mut app = reviewing(true);
    assert_eq!(
        press(&mut app, Command::Tab(SKIP)),
        vec![pcall(Call::ReviewAt {
            id: 1,
            filter: Filter::Review,
            offset: 1
        })]
    );
    assert_eq!(
        press(&mut app, Command::Tab(SWITCH_FILTER)),
        vec![pcall(Call::ReviewAt {
            id: 1,
            filter: Filter::Unmatched,
            offset: 0
        })]
    );
    assert_eq!(
        press(&mut app, Command::Back),
        vec![pcall(Call::List), pcall(Call::Entries { id: 1, offset: 0 })]
    );
}

#[test]
fn match_marks_read_without_colour() {
    let e = entries();
    assert_eq!(view::match_text(&e[0]), "exact 100%");
    assert_eq!(view::match_text(&e[1]), "? fuzzy 74% ≠");
    assert_eq!(view::match_text(&e[2]), "✗ unmatched ?");
    assert_eq!(view::match_text(&e[3]), "– not in library");
    assert_eq!(view::matched_share(&playlists()[0]), "50%");
    assert_eq!(sync_state(&playlists()[1]), "changed in Navidrome");
    assert_eq!(sync_state(&Playlist::default()), "not pushed");
}

// Screens.

#[test]
fn playlists_list_and_entries() {
    insta::assert_snapshot!(draw(&with_playlists(true)).backend());
}

#[test]
fn playlists_entries_focused_without_colour() {
    let mut app = with_playlists(false);
    press(&mut app, Command::Tab(OPEN));
    press(&mut app, Command::Down);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn review_screen() {
    insta::assert_snapshot!(draw(&reviewing(true)).backend());
}

#[test]
fn edit_mode() {
    let mut app = editing(true);
    press(&mut app, Command::Down);
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn edit_mode_library_search() {
    let mut app = editing(true);
    press(&mut app, Command::Tab(ADD_SONG));
    type_text(&mut app, "karma");
    press(&mut app, Command::Submit);
    reply(
        &mut app,
        Reply::Found {
            query: "karma".into(),
            songs: vec![
                song("s1", "Radiohead", "Karma Police", "OK Computer"),
                song("s9", "Culture Club", "Karma Chameleon", "Colour by Numbers"),
            ],
        },
    );
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn unsync_dialog() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(UNSYNC));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn import_summary_with_bad_rows() {
    let mut app = with_playlists(true);
    press(&mut app, Command::Tab(IMPORT));
    type_text(&mut app, "~/road.m3u8");
    press(&mut app, Command::Submit);
    reply(&mut app, Reply::Imported(import_report()));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn stored_escape_sequences_never_reach_the_terminal() {
    let mut app = signed_in(Role::User);
    press(&mut app, Command::ShowTab(TAB));
    let mut evil = playlists();
    evil[0].name = "Evil\u{1b}[2J".into();
    reply(&mut app, Reply::Playlists(evil.clone()));
    let mut e = entries();
    e[0].artist = "Bad\u{1b}]0;owned\u{7}".into();
    reply(
        &mut app,
        Reply::Entries {
            playlist: evil[0].clone(),
            offset: 0,
            entries: e,
            total: 4,
        },
    );
    let text = screen(&app);
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("Evil\\x1b[2J"), "{text}");
}

#[test]
fn no_colour_with_no_color_and_only_the_16_ansi_ones_without() {
    assert_colour_rules(|colour| {
        let mut review = reviewing(colour);
        press(&mut review, Command::Down);
        let mut edit = editing(colour);
        press(&mut edit, Command::Down);
        let mut unsync = with_playlists(colour);
        press(&mut unsync, Command::Tab(UNSYNC));
        let mut import = with_playlists(colour);
        press(&mut import, Command::Tab(IMPORT));
        vec![with_playlists(colour), review, edit, unsync, import]
    });
}
