//! `spotter playlists …` and `spotter sync … --wait`: the real binary against the
//! real daemon (booted in-process), signed in with `spotter sign-in` like a user.

use spotter_daemon::config::Settings;
use spotter_e2e::{
    Instance, Me,
    cli::{assert_ok, json_lines, sign_in, spotter, stderr, stdout, write},
    fakes::{
        settings_for,
        subsonic::{FakeLibrary, FakeSubsonic},
    },
};

/// Three tracks and a line that is no track (line 6).
const M3U: &str = "#EXTM3U\n#EXTINF:215,Radiohead - Karma Police\nkarma.mp3\n#EXTINF:300,Björk - Jóga\njoga.mp3\n#EXTINF:notanumber\n#EXTINF:180,Stereolab - French Disko\ndisko.mp3\n";

async fn signed_in() -> Instance {
    let instance = Instance::start().await;
    sign_in(&instance.dirs).await;
    instance
}

async fn signed_in_with(settings: Settings) -> Instance {
    let instance = Instance::with_settings(settings).await;
    sign_in(&instance.dirs).await;
    instance
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_list_show_export_match_and_names() {
    let instance = signed_in().await;
    let dirs = &instance.dirs;
    let file = write(&dirs.path(""), "road.m3u8", M3U);
    let file = file.to_str().unwrap();

    let out = spotter(dirs, &["playlists", "import", file, "--name", "Road trip"]).await;
    assert_ok(&out);
    let summary = stdout(&out);
    assert!(summary.contains("3 entries"), "{summary}");
    assert!(summary.contains("1 bad"), "{summary}");
    assert!(summary.contains("line 6"), "{summary}");

    let out = spotter(dirs, &["playlists", "list", "--json"]).await;
    assert_ok(&out);
    let list = json_lines(&out);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["name"], "Road trip");
    assert_eq!(list[0]["source"], "file");
    assert_eq!(list[0]["entries"], 3);
    let id = list[0]["id"].as_i64().unwrap().to_string();

    // By name and by id alike; one JSON object per entry, in order.
    for playlist in ["Road trip", id.as_str()] {
        let out = spotter(dirs, &["playlists", "show", playlist, "--json"]).await;
        assert_ok(&out);
        let entries = json_lines(&out);
        let titles: Vec<&str> = entries
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Karma Police", "Jóga", "French Disko"]);
        assert_eq!(entries[1]["artist"], "Björk");
        assert_eq!(entries[0]["position"], 1);
        // An empty library: nothing matched, nothing dropped.
        assert!(
            entries
                .iter()
                .all(|e| e["status"] == "unmatched" || e["status"] == "review")
        );
        assert!(entries.iter().all(|e| e["song"].is_null()));
    }

    // Export round-trip: the JSPF imports back as the same entries.
    let exported = dirs.path("road.jspf");
    let out = spotter(
        dirs,
        &[
            "playlists",
            "export",
            "Road trip",
            "-o",
            exported.to_str().unwrap(),
        ],
    )
    .await;
    assert_ok(&out);
    let out = spotter(
        dirs,
        &[
            "playlists",
            "import",
            exported.to_str().unwrap(),
            "--name",
            "Again",
        ],
    )
    .await;
    assert_ok(&out);
    let again = json_lines(&spotter(dirs, &["playlists", "show", "Again", "--json"]).await);
    let titles: Vec<&str> = again.iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Karma Police", "Jóga", "French Disko"]);

    let out = spotter(dirs, &["playlists", "match", "Road trip"]).await;
    assert_ok(&out);
    assert!(
        stdout(&out).contains("3 entries, 0 matched"),
        "{}",
        stdout(&out)
    );

    // Unknown and ambiguous names fail with the reason.
    let out = spotter(dirs, &["playlists", "show", "Nope"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no playlist"), "{}", stderr(&out));
    let out = spotter(dirs, &["playlists", "import", file, "--name", "Again"]).await;
    assert_ok(&out);
    let out = spotter(dirs, &["playlists", "show", "Again"]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("2 playlists are named \"Again\""),
        "{}",
        stderr(&out)
    );
    // Another user's id is unknown like a missing one: never shown.
    let out = spotter(dirs, &["playlists", "show", "999999"]).await;
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_playlists_waits_for_the_run_and_exits_with_its_result() {
    // Nothing connected: the job cannot run, and says why.
    let instance = signed_in().await;
    let out = spotter(&instance.dirs, &["sync", "playlists", "--wait"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("is connected"), "{}", stderr(&out));
    drop(instance);

    // A Navidrome playlist to import: the run is waited for, succeeds, and its
    // playlist is there when the command returns.
    let fake = FakeSubsonic::start(FakeLibrary::generate(4, 1, 3)).await;
    let ids: Vec<String> = fake.snapshot().albums[0]
        .songs
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut settings = settings_for(None, None, None);
    settings.navidrome.base_url = Some(fake.base_url());
    let instance = signed_in_with(settings).await;
    let me = Me::new(&instance.api, &instance.owner);
    me.connect_navidrome(
        &instance.owner.access_token,
        fake.username(),
        fake.password(),
    )
    .await;
    me.settle().await;
    fake.add_playlist(fake.username(), "Kitchen", &ids[..3]);
    let out = spotter(&instance.dirs, &["sync", "playlists", "--wait"]).await;
    assert_ok(&out);
    assert!(
        stdout(&out).starts_with("Playlist sync succeeded"),
        "{}",
        stdout(&out)
    );
    let list = spotter(&instance.dirs, &["playlists", "list", "--json"]).await;
    assert_ok(&list);
    let kitchen = json_lines(&list)
        .into_iter()
        .find(|p| p["name"] == "Kitchen")
        .unwrap_or_else(|| panic!("{}", stdout(&list)));
    assert_eq!(kitchen["entries"], 3, "{kitchen}");
    assert_eq!(kitchen["matched"], 3, "{kitchen}");
    // A Navidrome playlist is there already: a push would make a second copy.
    let push = spotter(&instance.dirs, &["playlists", "push", "Kitchen"]).await;
    assert_eq!(push.status.code(), Some(1), "{}", stdout(&push));
    assert!(stderr(&push).contains("already there"), "{}", stderr(&push));
    let names: Vec<String> = fake.playlists().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Kitchen"]);
}
