//! Argument parsing, PLAYLIST resolution and the JSON lines' shape.

use clap::Parser;
use spotter_proto::v1::{JobKind, MatchMethod, Playlist, PlaylistEntry, Song, event::job_progress};

use super::{sync::ended_from_event, *};

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    Playlists(PlaylistsArgs),
    Sync(SyncArgs),
}

fn parse(args: &[&str]) -> Result<Command, clap::Error> {
    Cli::try_parse_from(std::iter::once("spotter").chain(args.iter().copied())).map(|c| c.command)
}

fn playlists(args: &[&str]) -> PlaylistsCommand {
    match parse(args).unwrap() {
        Command::Playlists(p) => p.command,
        other => panic!("{other:?}"),
    }
}

#[test]
fn subcommands_and_their_defaults() {
    assert_eq!(
        playlists(&["playlists", "list", "--json"]),
        PlaylistsCommand::List { json: true }
    );
    assert_eq!(
        playlists(&["playlists", "show", "Road trip"]),
        PlaylistsCommand::Show {
            playlist: "Road trip".into(),
            json: false
        }
    );
    assert_eq!(
        playlists(&["playlists", "import", "a.m3u8"]),
        PlaylistsCommand::Import {
            file: "a.m3u8".into(),
            name: None,
            format: PlaylistFileFormat::Auto
        }
    );
    let PlaylistsCommand::Import { name, format, .. } = playlists(&[
        "playlists",
        "import",
        "a.csv",
        "--name",
        "Mine",
        "--format",
        "csv",
    ]) else {
        panic!()
    };
    assert_eq!(name.as_deref(), Some("Mine"));
    assert_eq!(format.name(), "csv");
    assert_eq!(
        playlists(&["playlists", "export", "7"]),
        PlaylistsCommand::Export {
            playlist: "7".into(),
            format: PlaylistExportFormat::Jspf,
            output: None
        }
    );
    let PlaylistsCommand::Export { format, output, .. } = playlists(&[
        "playlists",
        "export",
        "7",
        "--format",
        "m3u8",
        "-o",
        "x.m3u8",
    ]) else {
        panic!()
    };
    assert_eq!(format.wire() as i32, 2);
    assert_eq!(output, Some("x.m3u8".into()));
    assert_eq!(
        playlists(&["playlists", "push", "7", "--overwrite"]),
        PlaylistsCommand::Push {
            playlist: "7".into(),
            overwrite: true
        }
    );
    assert_eq!(
        playlists(&["playlists", "match", "7"]),
        PlaylistsCommand::Match {
            playlist: "7".into()
        }
    );
    assert!(
        parse(&["playlists", "show"]).is_err(),
        "PLAYLIST is required"
    );
    assert!(parse(&["playlists", "import", "a", "--format", "xspf"]).is_err());
    assert!(parse(&["playlists", "export", "a", "--format", "m3u"]).is_err());
}

#[test]
fn sync_names_a_job_and_may_wait() {
    let Command::Sync(s) = parse(&["sync", "playlists", "--wait"]).unwrap() else {
        panic!()
    };
    assert_eq!(s.job.kind(), JobKind::PlaylistSync);
    assert!(s.wait);
    let Command::Sync(s) = parse(&["sync", "history"]).unwrap() else {
        panic!()
    };
    assert_eq!(s.job.kind(), JobKind::HistorySync);
    assert!(!s.wait);
    assert_eq!(SyncJob::Library.kind(), JobKind::LibrarySync);
    assert!(parse(&["sync"]).is_err());
    assert!(parse(&["sync", "enrichment"]).is_err());
}

#[test]
fn a_run_ends_in_success_or_in_a_failure_with_its_message() {
    assert_eq!(ended_from_event(job_progress::State::Running, "x"), None);
    let ok = ended_from_event(job_progress::State::Succeeded, "3 pushed").unwrap();
    assert!(ok.succeeded);
    let cancelled = ended_from_event(job_progress::State::Cancelled, "cancelled by you").unwrap();
    assert!(!cancelled.succeeded);
    assert_eq!(cancelled.state, "cancelled");
}

fn pl(id: i64, name: &str) -> Playlist {
    Playlist {
        id,
        name: name.into(),
        ..Playlist::default()
    }
}

#[test]
fn playlist_is_an_id_or_an_exact_name() {
    let all = [pl(1, "Road trip"), pl(2, "Gym"), pl(3, "Gym"), pl(4, "12")];
    assert_eq!(resolve(&all, "1").unwrap().id, 1);
    assert_eq!(resolve(&all, "Road trip").unwrap().id, 1);
    // A number that is no id is tried as a name.
    assert_eq!(resolve(&all, "12").unwrap().id, 4);
    let err = resolve(&all, "road trip").unwrap_err();
    assert!(err.contains("no playlist"), "exact names only: {err}");
    let err = resolve(&all, "Gym").unwrap_err();
    assert!(err.contains("2 playlists are named \"Gym\""), "{err}");
    assert!(err.contains("(2, 3)"), "{err}");
    assert!(resolve(&[], "1").is_err());
}

#[test]
fn show_json_has_one_object_per_entry_with_the_matched_song() {
    let entry = PlaylistEntry {
        id: 99,
        position: 0,
        artist: "Radiohead".into(),
        title: "Karma Police".into(),
        album: "OK Computer".into(),
        method: MatchMethod::Fuzzy as i32,
        confidence: 0.823_456,
        song: Some(Song {
            id: "s1".into(),
            artist: "Radiohead".into(),
            title: "Karma Police".into(),
            album: "OK Computer (Remastered)".into(),
            duration_ms: 0,
        }),
        ..PlaylistEntry::default()
    };
    let value: serde_json::Value =
        serde_json::from_str(&crate::safe_text::json_line(&EntryLine::from(&entry))).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "position": 1,
            "artist": "Radiohead",
            "title": "Karma Police",
            "album": "OK Computer",
            "status": "matched",
            "method": "fuzzy",
            "confidence": 0.82,
            "song": {
                "id": "s1",
                "artist": "Radiohead",
                "title": "Karma Police",
                "album": "OK Computer (Remastered)"
            }
        })
    );
    let unmatched = PlaylistEntry {
        method: MatchMethod::None as i32,
        ..PlaylistEntry::default()
    };
    let value: serde_json::Value = serde_json::to_value(EntryLine::from(&unmatched)).unwrap();
    assert_eq!(value["status"], "unmatched");
    assert_eq!(value["method"], "none");
    assert_eq!(value["song"], serde_json::Value::Null);
    let review = PlaylistEntry {
        needs_review: true,
        ..entry.clone()
    };
    assert_eq!(status_key(&review), "review");
    let not_here = PlaylistEntry {
        method: MatchMethod::NotInLibrary as i32,
        ..PlaylistEntry::default()
    };
    assert_eq!(status_key(&not_here), "not_in_library");
}

#[test]
fn list_json_names_source_and_navidrome_state() {
    let mut p = pl(5, "Weekly Jams");
    p.source = spotter_proto::v1::playlist::Source::Listenbrainz as i32;
    p.navidrome = Some(spotter_proto::v1::NavidromeSync {
        state: spotter_proto::v1::navidrome_sync::State::ChangedInNavidrome as i32,
        playlist_id: "nd-1".into(),
        ..Default::default()
    });
    let value = serde_json::to_value(PlaylistLine::from(&p)).unwrap();
    assert_eq!(value["id"], 5);
    assert_eq!(value["source"], "listenbrainz");
    assert_eq!(value["navidrome"], "changed_in_navidrome");
    assert_eq!(value["navidrome_playlist_id"], "nd-1");
    assert_eq!(value["active"], true);
}
