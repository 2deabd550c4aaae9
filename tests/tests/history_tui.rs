//! The History and Stats tabs of the real `spotter` against the real daemon, driven
//! through tmux: import a ListenBrainz export from the import dialog, search the
//! history, and see the stats of what was imported.

use spotter_e2e::{
    TestDirs, bin, now,
    tmux::{Tmux, stop_pid},
};

/// Twenty listens over the last days, most by Björk, and one line that is not
/// JSON at all (line 21).
fn listenbrainz_export(now: i64) -> String {
    let plays = [
        ("Björk", "Jóga", "Homogenic", 8),
        ("Radiohead", "Reckoner", "In Rainbows", 6),
        (
            "Stereolab",
            "French Disko",
            "Transient Random-Noise Bursts",
            4,
        ),
        (
            "Broadcast",
            "Come On Let's Go",
            "The Noise Made by People",
            2,
        ),
    ];
    let mut lines = Vec::new();
    let mut at = now - 3_600;
    for (artist, title, album, times) in plays {
        for _ in 0..times {
            lines.push(format!(
                r#"{{"listened_at": {at}, "track_metadata": {{"artist_name": "{artist}", "track_name": "{title}", "release_name": "{album}"}}}}"#
            ));
            at -= 5_400;
        }
    }
    lines.push("this line is not JSON".to_owned());
    lines.join("\n") + "\n"
}

/// Table rows on screen: the lines between the table header and the bottom border.
fn table_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Time (UTC)"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| l.trim_matches(|c| c == '│' || c == ' ').to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn tui_in_tmux_imports_a_file_searches_the_history_and_shows_the_stats() {
    let dirs = TestDirs::new();
    let password = "copper-violin-summit";
    let now = now();
    let export = dirs.path("listens.jsonl");
    std::fs::write(&export, listenbrainz_export(now)).unwrap();

    let tmux = Tmux::start(&dirs, &bin("spotter").display().to_string());
    tmux.set_up_owner(password);

    // An empty history, and the way to fill it.
    tmux.keys("5");
    tmux.wait_for(&["[5 History]", "No listens yet", "i to import"]);

    // Import from the dialog: the summary counts what came in and names the bad row.
    tmux.keys("i");
    tmux.wait_for(&["Import listens", "Formats:"]);
    tmux.text(export.to_str().unwrap());
    tmux.keys("Enter");
    let summary = tmux.wait_for(&["Import finished", "20 added"]);
    assert!(summary.contains("listenbrainz"), "{summary}");
    assert!(summary.contains("1 bad"), "{summary}");
    assert!(summary.contains("line 21:"), "{summary}");
    assert!(summary.lines().count() <= 24);

    // Closed: the browser shows what was imported, newest first, tagged IM (as
    // many rows as fit).
    tmux.keys("Escape");
    let screen = tmux.wait_until("the imported listens", |s| {
        !s.contains("Import finished") && s.contains(" 1 of 20 ")
    });
    let rows = table_rows(&screen);
    assert_eq!(rows.len(), 18, "{screen}");
    assert!(
        rows[0].contains("Björk") && rows[0].contains("IM"),
        "{screen}"
    );
    assert!(screen.contains("20 listens · Import 20"), "{screen}");

    // Search: only that artist's rows remain.
    tmux.keys("/");
    tmux.wait_for(&["Search artist, album, title"]);
    tmux.text("Stereolab");
    tmux.keys("Enter");
    let screen = tmux.wait_until("only Stereolab's listens", |s| {
        let rows = table_rows(s);
        !s.contains("Search artist")
            && rows.len() == 4
            && rows.iter().all(|r| r.contains("Stereolab"))
    });
    assert!(screen.contains("Showing search \"Stereolab\""), "{screen}");
    for other in ["Björk", "Radiohead", "Broadcast"] {
        assert!(!screen.contains(other), "{other} still shown:\n{screen}");
    }

    // The details of the selected listen.
    tmux.keys("Enter");
    tmux.wait_for(&["French Disko", "Sources", "Track plays", "Esc closes"]);
    tmux.keys("Escape");
    tmux.wait_until("the pane closed", |s| !s.contains("Track plays"));

    // Stats: Björk leads the top artists.
    tmux.keys("6");
    let screen = tmux.wait_for(&["[6 Stats]", "Björk"]);
    assert!(screen.lines().count() <= 24);

    let status = dirs
        .command(&bin("spotter"))
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let pid = status["pid"].as_i64().unwrap() as i32;
    tmux.keys("q");
    tmux.wait_for(&["EXIT=0"]);
    stop_pid(pid);
}
