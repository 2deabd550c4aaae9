//! `spotter history`, `stats`, `import` and `export`: the real binary against the
//! real daemon (booted in-process), signed in with `spotter sign-in` like a user.
//!
//! The child processes run with a fixed `TZ`, so local times in the output are
//! known; the test process's own environment is never touched.

use std::path::Path;

use serde_json::Value;
use spotter_e2e::{
    Instance, OWNER, TestDirs,
    cli::{assert_ok, json_lines, sign_in, spotter, spotter_tz, stderr, stdout, write},
    mode_of,
};

/// Central European time, as a POSIX rule (no time zone database needed).
const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

/// Three Björk plays and one row that is not a listen (line 4).
const LISTENBRAINZ: &str = r#"{"listened_at": 1610000000, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga", "release_name": "Homogenic"}}
{"listened_at": 1610003600, "track_metadata": {"artist_name": "Björk", "track_name": "Hunter", "release_name": "Homogenic"}}
{"listened_at": 1610090000, "track_metadata": {"artist_name": "Björk", "track_name": "Jóga", "release_name": "Homogenic"}}
{"listened_at": "yesterday", "track_metadata": {"artist_name": "Björk", "track_name": "Bachelorette"}}
"#;

/// One real play and one too short to count (under 30 s).
const SPOTIFY: &str = r#"[
  {"endTime": "2021-01-07 06:15", "artistName": "Sigur Rós", "trackName": "Hoppípolla", "msPlayed": 268000},
  {"endTime": "2021-01-08 10:00", "artistName": "Sigur Rós", "trackName": "Glósóli", "msPlayed": 12000}
]"#;

async fn signed_in() -> Instance {
    let instance = Instance::start().await;
    sign_in(&instance.dirs).await;
    instance
}

/// The counts of an import summary line `FILE: FORMAT, N plays: A added, …`.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    format: String,
    plays: u64,
    added: u64,
    merged: u64,
    already: u64,
    skipped: u64,
    bad: u64,
}

fn counts(text: &str, file: &Path) -> Counts {
    let prefix = format!("{}: ", file.display());
    let line = text
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no summary for {prefix}in:\n{text}"));
    let rest = &line[prefix.len()..];
    let (format, rest) = rest.split_once(", ").unwrap();
    let numbers: Vec<u64> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let [plays, added, merged, already, skipped, bad] = numbers[..] else {
        panic!("unexpected summary: {line}");
    };
    Counts {
        format: format.to_owned(),
        plays,
        added,
        merged,
        already,
        skipped,
        bad,
    }
}

#[tokio::test]
async fn import_then_history_stats_and_export_round_trip() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    let files = tempfile::tempdir().unwrap();
    let lb = write(files.path(), "listens.jsonl", LISTENBRAINZ);
    let sp = write(files.path(), "StreamingHistory0.json", SPOTIFY);
    let (lb_arg, sp_arg) = (lb.to_str().unwrap(), sp.to_str().unwrap());

    // Both files in one command: a summary line each, the bad row by line number.
    let out = spotter(dirs, &["import", lb_arg, sp_arg]).await;
    assert_ok(&out);
    let text = stdout(&out);
    assert_eq!(
        counts(&text, &lb),
        Counts {
            format: "listenbrainz".into(),
            plays: 3,
            added: 3,
            merged: 0,
            already: 0,
            skipped: 0,
            bad: 1,
        },
        "{text}"
    );
    assert!(text.contains("\n  line 4: "), "{text}");
    assert_eq!(
        counts(&text, &sp),
        Counts {
            format: "spotify".into(),
            plays: 1,
            added: 1,
            merged: 0,
            already: 0,
            skipped: 1,
            bad: 0,
        },
        "{text}"
    );
    // No progress bar when stderr is not a terminal.
    assert!(!stderr(&out).contains("[="), "{}", stderr(&out));

    // The same file again adds nothing.
    let out = spotter(dirs, &["import", lb_arg]).await;
    assert_ok(&out);
    let again = counts(&stdout(&out), &lb);
    assert_eq!((again.plays, again.added), (3, 0), "{}", stdout(&out));
    assert_eq!(again.merged + again.already, 3, "{}", stdout(&out));

    // Search: both Jóga plays, newest first, local times in the zone asked for.
    let out = spotter_tz(dirs, BERLIN, &["history", "--json", "--query", "joga"]).await;
    assert_ok(&out);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2, "{}", stdout(&out));
    assert_eq!(rows[0]["played_at"], 1_610_090_000);
    assert_eq!(rows[1]["played_at"], 1_610_000_000);
    assert_eq!(rows[1]["played_at_local"], "2021-01-07T07:13:20+01:00");
    for row in &rows {
        assert_eq!(row["artist"], "Björk");
        assert_eq!(row["title"], "Jóga");
        assert_eq!(row["album"], "Homogenic");
        assert_eq!(row["imported"], true);
        assert_eq!(row["sources"], serde_json::json!(["import"]));
        assert!(row["id"].as_i64().unwrap() > 0);
    }

    // The artist filter.
    let out = spotter(dirs, &["history", "--json", "--artist", "sigur"]).await;
    assert_ok(&out);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 1, "{}", stdout(&out));
    assert_eq!(rows[0]["title"], "Hoppípolla");
    // Spotify's end-of-play time became the start: 06:15 minus 4:28.
    assert_eq!(rows[0]["played_at_local"], "2021-01-07T06:10:32+00:00");

    // Plain columns, untruncated when piped.
    let out = spotter(dirs, &["history"]).await;
    assert_ok(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("2021-01-08 07:13  Björk — Jóga"),
        "{text}"
    );
    assert!(lines[0].contains("[Homogenic]"), "{text}");
    assert!(lines[0].ends_with("import"), "{text}");
    assert!(lines[3].contains("Sigur Rós — Hoppípolla"), "{text}");

    // Limits, an exclusive end day, and a jump to a day (which includes it).
    let out = spotter(dirs, &["history", "--json", "--limit", "2"]).await;
    assert_eq!(json_lines(&out).len(), 2);
    let out = spotter(dirs, &["history", "--json", "--to", "2021-01-08"]).await;
    assert_ok(&out);
    let played: Vec<i64> = json_lines(&out)
        .iter()
        .map(|r| r["played_at"].as_i64().unwrap())
        .collect();
    assert_eq!(played, [1_610_003_600, 1_610_000_000, 1_609_999_832]);
    let out = spotter(dirs, &["history", "--json", "--at", "2021-01-07"]).await;
    assert_eq!(json_lines(&out).len(), 3, "{}", stdout(&out));
    let out = spotter(
        dirs,
        &["history", "--json", "--source", "spotify", "--limit", "0"],
    )
    .await;
    assert_ok(&out);
    assert!(stdout(&out).is_empty(), "nothing came from Spotify itself");

    // Stats.
    let out = spotter(dirs, &["stats", "--json"]).await;
    assert_ok(&out);
    let stats: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["listens"], 4, "{stats}");
    assert_eq!(stats["top_artists"][0]["artist"], "Björk");
    assert_eq!(stats["top_artists"][0]["listens"], 3);
    assert_eq!(stats["top_artists"][1]["artist"], "Sigur Rós");
    assert_eq!(stats["top_tracks"][0]["title"], "Jóga");
    assert_eq!(stats["top_tracks"][0]["listens"], 2);
    assert_eq!(stats["top_albums"][0]["album"], "Homogenic");
    assert_eq!(stats["activity"]["listens"], 4);
    assert_eq!(stats["activity"]["active_days"], 2);
    assert_eq!(stats["activity"]["longest_streak"], 2);
    assert_eq!(stats["activity"]["longest_streak_start"], "2021-01-07");
    assert_eq!(stats["activity"]["busiest_hour"], 6);
    assert_eq!(stats["discoveries"]["total"], 2);
    assert_eq!(stats["summary"]["listens"], 4);
    assert_eq!(stats["summary"]["artists"], 2);
    let out = spotter(dirs, &["stats", "--limit", "1"]).await;
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("Top artists\n  1. Björk  3  █"), "{text}");
    assert!(!text.contains("Sigur Rós  1"), "{text}");
    let out = spotter(dirs, &["stats", "--json", "--period", "week"]).await;
    assert_ok(&out);
    let week: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(week["listens"], 0, "2021 is not in the last week");

    // Export as CSV to a file: private, complete, and it reads back adding nothing.
    let csv = files.path().join("out").join("history.csv");
    std::fs::create_dir(csv.parent().unwrap()).unwrap();
    let out = spotter(
        dirs,
        &[
            "export",
            "--format",
            "csv",
            "--output",
            csv.to_str().unwrap(),
        ],
    )
    .await;
    assert_ok(&out);
    assert!(out.stdout.is_empty());
    assert_eq!(mode_of(&csv), 0o600);
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert!(exported.starts_with("uts,"), "{exported}");
    assert_eq!(exported.lines().count(), 1 + 4, "{exported}");
    assert_eq!(
        std::fs::read_dir(csv.parent().unwrap()).unwrap().count(),
        1,
        "no part file left behind"
    );
    let out = spotter(dirs, &["import", csv.to_str().unwrap()]).await;
    assert_ok(&out);
    let back = counts(&stdout(&out), &csv);
    assert_eq!(back.format, "lastfm-csv");
    assert_eq!((back.plays, back.added, back.bad), (4, 0, 0), "{back:?}");

    // JSON lines to stdout, filtered.
    let out = spotter(dirs, &["export", "--artist", "björk"]).await;
    assert_ok(&out);
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r["track_metadata"]["artist_name"] == "Björk")
    );
}

#[tokio::test]
async fn a_large_file_goes_up_in_chunks_and_pages_back_in_order() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    let files = tempfile::tempdir().unwrap();
    // 3,000 listens, one a minute: well over one 256 KiB chunk.
    const N: i64 = 3_000;
    let mut text = String::new();
    for i in 0..N {
        text.push_str(&format!(
            "{{\"listened_at\": {}, \"track_metadata\": {{\"artist_name\": \"Artist {}\", \
             \"track_name\": \"Track number {i} with a long enough title to fill the line\", \
             \"release_name\": \"Album {}\"}}}}\n",
            1_600_000_000 + i * 60,
            i % 7,
            i % 11
        ));
    }
    assert!(text.len() > 2 * 256 * 1024, "{} bytes", text.len());
    let big = write(files.path(), "big.jsonl", &text);
    let out = spotter(dirs, &["import", big.to_str().unwrap()]).await;
    assert_ok(&out);
    let c = counts(&stdout(&out), &big);
    assert_eq!((c.plays, c.added, c.bad), (3_000, 3_000, 0), "{c:?}");

    // Every listen once, newest first, across pages of at most 500.
    let out = spotter(dirs, &["history", "--json", "--limit", "0"]).await;
    assert_ok(&out);
    let played: Vec<i64> = json_lines(&out)
        .iter()
        .map(|r| r["played_at"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = (0..N).rev().map(|i| 1_600_000_000 + i * 60).collect();
    assert_eq!(played, expected);
    // A limit across a page boundary stops exactly there.
    let out = spotter(dirs, &["history", "--json", "--limit", "1234"]).await;
    assert_eq!(json_lines(&out).len(), 1_234);
    // Starting at a moment: that listen first.
    let at = (1_600_000_000 + 100 * 60).to_string();
    let out = spotter(dirs, &["history", "--json", "--limit", "3", "--at", &at]).await;
    let played: Vec<i64> = json_lines(&out)
        .iter()
        .map(|r| r["played_at"].as_i64().unwrap())
        .collect();
    assert_eq!(
        played,
        [
            1_600_000_000 + 100 * 60,
            1_600_000_000 + 99 * 60,
            1_600_000_000 + 98 * 60
        ]
    );
    // The export holds all of them.
    let out = spotter(dirs, &["export"]).await;
    assert_ok(&out);
    assert_eq!(stdout(&out).lines().count(), 3_000);
}

#[tokio::test]
async fn a_file_that_is_not_an_export_fails_alone() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    let files = tempfile::tempdir().unwrap();
    let junk = write(
        files.path(),
        "notes.txt",
        "Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n",
    );
    let missing = files.path().join("missing.json");
    let good = write(files.path(), "listens.jsonl", LISTENBRAINZ);

    let out = spotter(
        dirs,
        &[
            "import",
            junk.to_str().unwrap(),
            missing.to_str().unwrap(),
            good.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "spotter: {}: not a recognised export",
            junk.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("spotter: {}: cannot read it", missing.display())),
        "{err}"
    );
    assert!(!err.contains("Status {"), "no debug dump: {err}");
    // The good file after them was imported all the same.
    let text = stdout(&out);
    assert_eq!(counts(&text, &good).added, 3, "{text}");
    assert!(
        !text.contains("notes.txt"),
        "failures are not on stdout: {text}"
    );

    // A format that does not fit the file is refused with the reason.
    let out = spotter(
        dirs,
        &["import", "--format", "spotify", good.to_str().unwrap()],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a spotify export"),
        "{}",
        stderr(&out)
    );

    // A bad date is a usage error naming the forms.
    let out = spotter(dirs, &["history", "--from", "last week"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("YYYY-MM-DD"), "{}", stderr(&out));
    // The daemon's refusals come with its own words, not a dump.
    let out = spotter(dirs, &["history", "--query", "!!!"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "spotter: a search or filter needs at least one letter or digit\n"
    );
    // An empty range is refused before asking the daemon.
    let out = spotter(
        dirs,
        &["history", "--from", "2021-01-08", "--to", "2021-01-07"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--from must be before --to"));
}

#[tokio::test]
async fn export_to_a_file_never_leaves_a_part_behind() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    let files = tempfile::tempdir().unwrap();
    let target = files.path().join("history.jsonl");
    // Nothing matches: an empty, complete file.
    let out = spotter(
        dirs,
        &[
            "export",
            "--output",
            target.to_str().unwrap(),
            "--from",
            "2021-01-01",
            "--to",
            "2021-01-02",
        ],
    )
    .await;
    assert_ok(&out);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "");
    assert_eq!(mode_of(&target), 0o600);
    // Into a directory that does not exist: an error, and nothing created.
    let nowhere = files.path().join("no-such-dir").join("h.csv");
    let out = spotter(dirs, &["export", "--output", nowhere.to_str().unwrap()]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot write"), "{}", stderr(&out));
    // The daemon refuses the request (a search without a word): the old file stays
    // as it was, and no part file is left.
    std::fs::write(&target, "old\n").unwrap();
    let out = spotter(
        dirs,
        &[
            "export",
            "--output",
            target.to_str().unwrap(),
            "--query",
            "***",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("spotter: a search or filter needs at least one letter or digit"),
        "{err}"
    );
    assert!(err.contains("history.jsonl was not written"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old\n");
    let names: Vec<String> = std::fs::read_dir(files.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["history.jsonl"]);
}

#[tokio::test]
async fn not_signed_in_says_how_to_sign_in() {
    // A daemon with an owner, but this user never signed in with the CLI.
    let instance = Instance::start().await;
    let dirs = &instance.dirs;
    for args in [
        &["history"][..],
        &["stats", "--json"],
        &["import", "/nonexistent.json"],
        &["export"],
    ] {
        let out = spotter(dirs, args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("not signed in"), "{args:?}: {err}");
        assert!(
            err.contains("spotter sign-in --username"),
            "{args:?}: {err}"
        );
    }
    // Without any daemon too, and none is started for it.
    let dirs = TestDirs::new();
    let out = spotter(&dirs, &["history"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not signed in"), "{}", stderr(&out));
    assert!(!dirs.socket().exists());
}

#[tokio::test]
async fn a_session_ended_elsewhere_is_reported_with_the_fix() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    // Sign out from the CLI's session file, then put a dead token back in its place.
    let state = dirs.path("state/spotter");
    let file = spotter_e2e::session_file(&state).expect("the session file");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert_ok(&spotter(dirs, &["sign-out"]).await);
    std::fs::write(&file, saved).unwrap();

    let out = spotter(dirs, &["history"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("session has ended"), "{err}");
    assert!(
        err.contains(&format!("spotter sign-in --username {OWNER}")),
        "{err}"
    );
    assert!(!file.exists(), "the dead session is forgotten");
}
