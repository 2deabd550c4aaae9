//! The Playlists tab of the real `spotter` against the real daemon, driven through
//! tmux: import a file from the tab, see its entries, rename it, and open the
//! review screen.

use spotter_e2e::{
    TestDirs, bin,
    tmux::{Tmux, stop_pid},
};

const M3U: &str = "#EXTM3U\n#EXTINF:215,Radiohead - Karma Police\nkarma.mp3\n#EXTINF:300,Björk - Jóga\njoga.mp3\n";

#[test]
fn tui_in_tmux_imports_renames_and_reviews_a_playlist() {
    let dirs = TestDirs::new();
    let password = "amber-lantern-harbour";
    let file = dirs.path("road.m3u8");
    std::fs::write(&file, M3U).unwrap();

    let tmux = Tmux::start(&dirs, &bin("spotter").display().to_string());
    tmux.set_up_owner(password);

    tmux.keys("7");
    tmux.wait_for(&["[7 Playlists]", "No playlists yet"]);

    // Import from the tab: the summary, then the playlist and its entries.
    tmux.keys("i");
    tmux.wait_for(&["Import a playlist file"]);
    tmux.text(file.to_str().unwrap());
    tmux.keys("Enter");
    tmux.wait_for(&["2 entries read"]);
    tmux.keys("Enter");
    tmux.wait_for(&[
        "road",
        "Radiohead – Karma Police",
        "Björk – Jóga",
        "✗ unmatched",
    ]);

    // Rename.
    tmux.keys("r");
    tmux.wait_for(&["Rename playlist"]);
    for _ in 0.."road".len() {
        tmux.keys("BSpace");
    }
    tmux.text("Road trip");
    tmux.keys("Enter");
    tmux.wait_for(&["Renamed to \"Road trip\""]);

    // The review screen walks the unmatched entries.
    tmux.keys("v");
    tmux.keys("f");
    tmux.wait_for(&["Review \"Road trip\"", "unmatched"]);
    tmux.keys("Escape");
    tmux.wait_until("the review closed", |s| !s.contains("Review \""));

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
