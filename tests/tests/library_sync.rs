//! Library sync (and Navidrome's last-played history) through the real daemon, booted
//! in-process on a temp socket, against a real Supysonic server and the fast fake
//! Subsonic server, with ListenBrainz listens linked to and merged with it.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use spotter_daemon::{
    config::Settings,
    crypto::{KeyInputs, SecretString},
    providers::{navidrome::Navidrome, subsonic::SubsonicClient},
    store::Store,
};
use spotter_e2e::{
    Api, Instance, Me, TestDirs,
    fakes::{
        Fault,
        listenbrainz::{FakeListenBrainz, TOKEN as LB_TOKEN, USER as LB_USER},
        settings_for,
        subsonic::{FakeLibrary, FakeSong, FakeSubsonic},
    },
    now,
    supysonic::Supysonic,
};
use spotter_proto::v1::{
    self, JobKind, Provider, SetupRequest, SignInMethod, connection, job, job_run,
};
use tonic::Code;

const DEADLINE: Duration = Duration::from_secs(25);

/// Settings pointing Navidrome (and ListenBrainz, if given) at local servers, one
/// job at a time: a connect makes both jobs due, and these tests are about what each
/// does, not about them running side by side (see
/// `library_and_history_syncs_running_side_by_side_both_succeed`).
fn settings(navidrome: &str, lb: Option<&FakeListenBrainz>) -> Settings {
    let mut s = settings_for(lb, None, None);
    s.navidrome.base_url = Some(navidrome.to_owned());
    s.sync.max_concurrent_jobs = 1;
    s
}

fn library_size(s: &v1::GetSummaryResponse) -> (u64, u64, u64) {
    (s.library_artists, s.library_albums, s.library_tracks)
}

fn succeeded(run: &v1::JobRun) {
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "run {} failed: {}",
        run.id,
        run.message
    );
}

fn sources(listen: &v1::Listen) -> Vec<i32> {
    let mut s = listen.sources.clone();
    s.sort_unstable();
    s
}

/// The user's mirrored tracks as (title, artist, album, album id), sorted.
async fn mirrored(store: &Store, user_id: i64) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT title, artist, album, album_id FROM library_tracks WHERE user_id = ? \
         ORDER BY title, artist, album",
    )
    .bind(user_id)
    .fetch_all(store.writer())
    .await
    .unwrap()
}

/// Songs of `library` whose artist and title (case-insensitively) no other song has,
/// so a listen of them can match only that song.
fn unique_songs(library: &FakeLibrary) -> Vec<FakeSong> {
    let key = |s: &FakeSong| (s.artist.to_lowercase(), s.title.to_lowercase());
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for song in library.albums.iter().flat_map(|a| &a.songs) {
        *counts.entry(key(song)).or_default() += 1;
    }
    library
        .albums
        .iter()
        .flat_map(|a| &a.songs)
        .filter(|s| counts[&key(s)] == 1)
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------
// Real Supysonic

#[tokio::test]
async fn supysonic_library_is_mirrored_and_a_play_becomes_one_linked_listen() {
    let server = tokio::task::spawn_blocking(Supysonic::start).await.unwrap();
    let [alice, _] = server.users();
    let dirs = TestDirs::new();
    let running = spotter_daemon::boot(
        dirs.config_with(settings(&server.base_url(), None), KeyInputs::default()),
    )
    .await
    .unwrap();
    let api = Api::connect(running.socket_path()).await;
    // First-run setup through Navidrome: alice is the owner, and her sign-in is her
    // Navidrome connection.
    let session = api
        .auth()
        .setup(SetupRequest {
            method: SignInMethod::Navidrome as i32,
            username: alice.name.into(),
            password: alice.password.into(),
            setup_code: String::new(),
            device_label: "e2e".into(),
        })
        .await
        .expect("Navidrome setup")
        .into_inner();
    let me = Me::new(&api, &session);
    let conn = me.connection(Provider::Navidrome).await;
    assert_eq!(conn.state, connection::State::Connected as i32);
    assert_eq!(conn.external_user, alice.name);

    // The scheduler syncs the new connection by itself.
    me.settle().await;
    let runs = me.runs(JobKind::LibrarySync).await;
    assert_eq!(runs.len(), 1, "{runs:#?}");
    succeeded(&runs[0]);
    assert!(
        runs[0].message.contains("2 albums read"),
        "{}",
        runs[0].message
    );
    let expected = (
        server.artists().len() as u64,
        server.albums().len() as u64,
        server.library().len() as u64,
    );
    assert_eq!(library_size(&me.summary().await), expected);
    let store = &running.state().store;
    let tracks = mirrored(store, me.id).await;
    let mut want: Vec<(&str, &str, &str)> = server
        .library()
        .iter()
        .map(|t| (t.title, t.artist, t.album))
        .collect();
    want.sort_unstable();
    let got: Vec<(&str, &str, &str)> = tracks
        .iter()
        .map(|(t, ar, al, _)| (t.as_str(), ar.as_str(), al.as_str()))
        .collect();
    assert_eq!(got, want, "the mirror is the server's library, exactly");

    // Nothing changed on the server: a rerun reads no album again.
    let run = me.run_job(JobKind::LibrarySync).await;
    succeeded(&run);
    assert!(run.message.contains("0 albums read"), "{}", run.message);
    assert!(run.message.contains("0 removed"), "{}", run.message);
    assert_eq!(library_size(&me.summary().await), expected);
    assert_eq!(mirrored(store, me.id).await, tracks);

    // alice plays a song; Supysonic reports it only through getNowPlaying.
    assert!(me.listens().await.is_empty());
    let song_id: String = sqlx::query_scalar(
        "SELECT id FROM library_tracks WHERE user_id = ? AND title = 'Closing Time'",
    )
    .bind(me.id)
    .fetch_one(store.writer())
    .await
    .unwrap();
    let played_from = now();
    let (status, bytes) = {
        let (port, id) = (server.port(), song_id.clone());
        tokio::task::spawn_blocking(move || {
            spotter_e2e::supysonic::stream(port, alice.name, alice.password, &id)
        })
        .await
        .unwrap()
    };
    assert_eq!(status, 200, "{}", server.logs());
    assert!(bytes > 10_000, "the audio came back ({bytes} bytes)");

    let run = me.run_job(JobKind::HistorySync).await;
    succeeded(&run);
    assert!(run.message.contains("navidrome: 1 new"), "{}", run.message);
    let listens = me.listens().await;
    assert_eq!(listens.len(), 1, "{listens:#?}");
    let l = &listens[0];
    assert_eq!(
        (l.title.as_str(), l.artist.as_str(), l.album.as_str()),
        ("Closing Time", "Beta Band", "Other Record")
    );
    assert_eq!(sources(l), [Provider::Navidrome as i32]);
    assert_eq!(l.track_id, song_id, "linked to the library track");
    assert!(
        (played_from - 120..=now()).contains(&l.played_at),
        "played at {} (streamed at {played_from})",
        l.played_at
    );

    // Still playing (or recently played) on the next runs: the same play, not a new one.
    for _ in 0..2 {
        let run = me.run_job(JobKind::HistorySync).await;
        succeeded(&run);
        assert!(run.message.contains("navidrome: 0 new"), "{}", run.message);
    }
    // …which Supysonic still reported as playing.
    let client = SubsonicClient::new(&server.base_url(), Duration::from_secs(10)).unwrap();
    let password = SecretString::new(alice.password);
    let playing = Navidrome::new(&client, alice.name, &password)
        .now_playing()
        .await
        .unwrap();
    assert_eq!(playing.len(), 1, "{playing:?}");
    assert_eq!(playing[0].track.id, song_id);
    let again = me.listens().await;
    assert_eq!(again.len(), 1, "{again:#?}");
    assert_eq!(again[0].id, l.id);
    let s = me.summary().await;
    assert_eq!(s.listens, 1);
    assert_eq!(s.listens_by_source.get("navidrome"), Some(&1));
    running.shutdown().await;
}

// ---------------------------------------------------------------------------------
// The fake Subsonic server

#[tokio::test]
async fn fake_library_second_sync_reads_only_changed_albums() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(50, 2, 5)).await;
    let i = Instance::with_settings(settings(&fake.base_url(), None)).await;
    let me = Me::new(&i.api, &i.owner);
    let store = &i.running.state().store;
    let conn = me
        .connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    assert_eq!(conn.state, connection::State::Connected as i32);
    assert_eq!(conn.external_user, fake.username());
    me.settle().await;

    // The connect-triggered run mirrored everything, reading each album once.
    let library = fake.snapshot();
    assert_eq!(library_size(&me.summary().await), (50, 100, 500));
    assert_eq!(fake.requests("getAlbum"), 100);
    let runs = me.runs(JobKind::LibrarySync).await;
    assert_eq!(runs.len(), 1, "{runs:#?}");
    succeeded(&runs[0]);
    assert!(
        runs[0]
            .message
            .starts_with("50 artists, 100 albums, 500 tracks; 100 albums read, 0 removed"),
        "{}",
        runs[0].message
    );
    for album in &library.albums {
        for song in &album.songs {
            let t = store.library_track(me.id, &song.id).await.unwrap().unwrap();
            assert_eq!(
                (t.title.as_str(), t.album_id.as_str(), t.isrc.as_deref()),
                (
                    song.title.as_str(),
                    album.id.as_str(),
                    Some(song.isrc.as_str())
                )
            );
        }
    }

    // Nothing changed: nothing is read again.
    let run = me.run_job(JobKind::LibrarySync).await;
    succeeded(&run);
    assert!(run.message.contains("0 albums read"), "{}", run.message);
    assert_eq!(fake.requests("getAlbum"), 100);
    assert_eq!(library_size(&me.summary().await), (50, 100, 500));

    // One album goes, one song is renamed, one album (by a new artist) arrives.
    let removed = library.albums[10].clone();
    let changed = library
        .albums
        .iter()
        .find(|a| a.artist_id != removed.artist_id)
        .unwrap()
        .clone();
    assert!(fake.remove_album(&removed.id));
    assert!(fake.rename_track(&changed.songs[2].id, "A Brand New Title"));
    let added = fake.add_album("Newcomer", "Debut", &["One", "Two", "Three"]);
    let before = fake.requests("getAlbum");
    let run = me.run_job(JobKind::LibrarySync).await;
    succeeded(&run);
    assert_eq!(
        fake.requests("getAlbum") - before,
        2,
        "only the changed and the new album are read"
    );
    assert!(
        run.message
            .starts_with("51 artists, 100 albums, 498 tracks; 2 albums read, 1 removed"),
        "{}",
        run.message
    );
    assert_eq!(library_size(&me.summary().await), (51, 100, 498));
    for song in &removed.songs {
        assert_eq!(store.library_track(me.id, &song.id).await.unwrap(), None);
    }
    let renamed = store
        .library_track(me.id, &changed.songs[2].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(renamed.title, "A Brand New Title");
    for (n, title) in ["One", "Two", "Three"].iter().enumerate() {
        let t = store
            .library_track(me.id, &format!("{added}-{}", n + 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (t.title.as_str(), t.artist.as_str(), t.album.as_str()),
            (*title, "Newcomer", "Debut")
        );
    }
    // The other songs of the changed album are still there, unchanged.
    let other = store
        .library_track(me.id, &changed.songs[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.title, changed.songs[0].title);
    i.running.shutdown().await;
}

#[tokio::test]
async fn listens_link_to_library_tracks_whichever_arrives_first() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(20, 2, 5)).await;
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    let songs = unique_songs(&fake.snapshot());
    let (early, late) = (&songs[3], &songs[40]);
    let t = now() - 3_600;
    lb.add_listen(LB_USER, &early.artist, &early.title, t);
    lb.add_listen(LB_USER, "Nobody Here", "Not In The Library", t + 600);
    let i = Instance::with_settings(settings(&fake.base_url(), Some(&lb))).await;
    let me = Me::new(&i.api, &i.owner);

    // Listens first: nothing to link to yet.
    me.connect_lb(LB_TOKEN).await;
    me.settle().await;
    let listens = me.listens().await;
    assert_eq!(listens.len(), 2, "{listens:#?}");
    assert!(
        listens.iter().all(|l| l.track_id.is_empty()),
        "{listens:#?}"
    );
    assert_eq!(library_size(&me.summary().await), (0, 0, 0));

    // The library sync links the listen it has a track for.
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    let runs = me.runs(JobKind::LibrarySync).await;
    assert!(
        runs.last().unwrap().message.ends_with("1 listens linked"),
        "{runs:#?}"
    );
    let by_title = |listens: &[v1::Listen], title: &str| {
        listens
            .iter()
            .find(|l| l.title.eq_ignore_ascii_case(title))
            .unwrap_or_else(|| panic!("no listen of {title}: {listens:#?}"))
            .clone()
    };
    let listens = me.listens().await;
    assert_eq!(by_title(&listens, &early.title).track_id, early.id);
    assert_eq!(by_title(&listens, "Not In The Library").track_id, "");

    // Library first: a listen is linked as it is recorded, whatever its spelling.
    lb.add_listen(
        LB_USER,
        &late.artist.to_uppercase(),
        &format!("{} (feat. Someone)", late.title.to_uppercase()),
        now() - 60,
    );
    let run = me.run_job(JobKind::HistorySync).await;
    succeeded(&run);
    let listens = me.listens().await;
    assert_eq!(listens.len(), 3, "{listens:#?}");
    let l = listens.iter().max_by_key(|l| l.played_at).unwrap();
    assert!(l.title.starts_with(&late.title.to_uppercase()), "{l:?}");
    assert_eq!(l.track_id, late.id);
    assert_eq!(by_title(&listens, &early.title).track_id, early.id);
    i.running.shutdown().await;
}

#[tokio::test]
async fn navidrome_plays_become_listens_merged_with_listenbrainz() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(10, 2, 5)).await;
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    let songs = unique_songs(&fake.snapshot());
    let (shared, alone) = (&songs[1], &songs[30]);
    assert_ne!(shared.album_id, alone.album_id);
    let t = now() - 3_600;
    // The same play seen by both, 90 s apart.
    lb.add_listen(LB_USER, &shared.artist, &shared.title, t + 90);
    assert!(fake.set_played(&shared.id, t));
    // A play only Navidrome knows, and a ListenBrainz play of that song too far
    // from it to be the same one.
    assert!(fake.set_played(&alone.id, t + 600));
    lb.add_listen(LB_USER, &alone.artist, &alone.title, t + 600 + 400);
    let i = Instance::with_settings(settings(&fake.base_url(), Some(&lb))).await;
    let me = Me::new(&i.api, &i.owner);
    me.connect_lb(LB_TOKEN).await;
    me.settle().await;
    assert_eq!(me.summary().await.listens, 2);
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    let runs = me.runs(JobKind::HistorySync).await;
    succeeded(runs.last().unwrap());

    let check = |listens: Vec<v1::Listen>| {
        assert_eq!(listens.len(), 3, "{listens:#?}");
        let of = |title: &str| -> Vec<&v1::Listen> {
            listens.iter().filter(|l| l.title == title).collect()
        };
        let merged = of(&shared.title);
        assert_eq!(merged.len(), 1, "{listens:#?}");
        assert_eq!(
            sources(merged[0]),
            [Provider::Navidrome as i32, Provider::Listenbrainz as i32]
        );
        assert_eq!(merged[0].played_at, t + 90);
        assert_eq!(
            merged[0].album, shared.album,
            "Navidrome filled in the album"
        );
        assert_eq!(merged[0].track_id, shared.id);
        let mut apart: Vec<(i64, Vec<i32>)> = of(&alone.title)
            .iter()
            .map(|l| (l.played_at, sources(l)))
            .collect();
        apart.sort_unstable();
        assert_eq!(
            apart,
            [
                (t + 600, vec![Provider::Navidrome as i32]),
                (t + 1_000, vec![Provider::Listenbrainz as i32]),
            ]
        );
    };
    check(me.listens().await);
    let s = me.summary().await;
    assert_eq!(s.listens, 3);
    assert_eq!(s.listens_by_source.get("navidrome"), Some(&2));
    assert_eq!(s.listens_by_source.get("listenbrainz"), Some(&2));

    // Nothing new: nothing added, nothing merged twice.
    let run = me.run_job(JobKind::HistorySync).await;
    succeeded(&run);
    assert!(
        run.message.contains("navidrome: 0 new, 0 merged"),
        "{}",
        run.message
    );
    check(me.listens().await);

    // A new play of a song replaces its last play on Navidrome: a new listen.
    assert!(fake.set_played(&shared.id, t + 2_000));
    let run = me.run_job(JobKind::HistorySync).await;
    succeeded(&run);
    assert!(run.message.contains("navidrome: 1 new"), "{}", run.message);
    let listens = me.listens().await;
    assert_eq!(listens.len(), 4, "{listens:#?}");
    assert_eq!(listens[0].played_at, t + 2_000);
    assert_eq!(sources(&listens[0]), [Provider::Navidrome as i32]);
    assert_eq!(listens[0].track_id, shared.id);
    i.running.shutdown().await;
}

#[tokio::test]
async fn a_refused_navidrome_password_fails_the_library_job_and_parks_the_connection() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(3, 1, 2)).await;
    let i = Instance::with_settings(settings(&fake.base_url(), None)).await;
    let me = Me::new(&i.api, &i.owner);
    // ConnectNavidrome checks the password, so a wrong one cannot be stored: the
    // server starts refusing it afterwards (as after a password change).
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    assert_eq!(library_size(&me.summary().await), (3, 3, 6));
    for _ in 0..10 {
        fake.fault(Fault::Body(
            200,
            FakeSubsonic::error_body(40, "Wrong username or password"),
        ));
    }
    let run = me.run_job(JobKind::LibrarySync).await;
    assert_eq!(run.state, job_run::State::Failed as i32, "{}", run.message);
    assert!(run.error_fatal, "{}", run.message);
    assert!(run.message.contains("reconnect"), "{}", run.message);
    assert_eq!(fake.faults().pending(), 9, "one call, no retries");
    let conn = me.connection(Provider::Navidrome).await;
    assert_eq!(conn.state, connection::State::NeedsReconnect as i32);
    assert!(conn.last_error_fatal);
    assert!(!conn.last_error.is_empty());
    for kind in [JobKind::LibrarySync, JobKind::HistorySync] {
        let job = me.job(kind).await;
        assert_eq!(job.state, job::State::Blocked as i32, "{job:?}");
        assert!(job.blocked_reason.contains("reconnect"), "{job:?}");
        let e = me.start_job(kind).await.unwrap_err();
        assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    }
    // A failed run deletes nothing.
    assert_eq!(library_size(&me.summary().await), (3, 3, 6));

    // Reconnecting unblocks it.
    fake.faults().clear();
    let conn = me
        .connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    assert_eq!(conn.state, connection::State::Connected as i32);
    me.settle().await;
    let runs = me.runs(JobKind::LibrarySync).await;
    succeeded(runs.last().unwrap());
    assert_eq!(
        me.job(JobKind::LibrarySync).await.state,
        job::State::Idle as i32
    );
    i.running.shutdown().await;
}

#[tokio::test]
async fn another_user_sees_none_of_the_library() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(4, 2, 3)).await;
    let i = Instance::with_settings(settings(&fake.base_url(), None)).await;
    let me = Me::new(&i.api, &i.owner);
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    assert_eq!(library_size(&me.summary().await), (4, 8, 24));

    let bob_session = i.user("bob").await;
    let bob = Me::new(&i.api, &bob_session);
    assert_eq!(library_size(&bob.summary().await), (0, 0, 0));
    assert_eq!(
        bob.connection(Provider::Navidrome).await.state,
        connection::State::NotConnected as i32
    );
    let e = bob.start_job(JobKind::LibrarySync).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
    assert!(bob.jobs().await.recent_runs.is_empty());

    // With his own connection (the same Navidrome account), bob gets his own mirror;
    // the owner's is untouched by his sync.
    fake.rename_track(&fake.snapshot().albums[0].songs[0].id, "Only In Bob's Copy");
    bob.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    bob.settle().await;
    assert_eq!(library_size(&bob.summary().await), (4, 8, 24));
    let store = &i.running.state().store;
    let renamed = |tracks: Vec<(String, String, String, String)>| {
        tracks
            .iter()
            .filter(|(t, ..)| t == "Only In Bob's Copy")
            .count()
    };
    assert_eq!(renamed(mirrored(store, bob.id).await), 1);
    assert_eq!(renamed(mirrored(store, me.id).await), 0);
    assert_eq!(library_size(&me.summary().await), (4, 8, 24));
    i.running.shutdown().await;
}

/// Polls `done` until it holds.
async fn poll(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Another writer on the database file (here a write transaction held open on a
/// connection of its own, as an offline tool would) while a history sync commits a
/// page: the sync waits for it (the store's busy timeout) rather than failing.
#[tokio::test]
async fn a_history_page_waits_for_another_writer_instead_of_failing() {
    use sqlx::{Connection, sqlite::SqliteConnectOptions};
    let fake = FakeSubsonic::start(FakeLibrary::generate(1, 1, 1)).await;
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    lb.add_listens(LB_USER, 10, now() - 7_200, 60);
    let i = Instance::with_settings(settings(&fake.base_url(), Some(&lb))).await;
    let me = Me::new(&i.api, &i.owner);
    me.connect_lb(LB_TOKEN).await;
    me.settle().await;
    assert_eq!(me.summary().await.listens, 10);

    for n in 0..5 {
        lb.add_listen(
            LB_USER,
            "Late Artist",
            &format!("Late {n}"),
            now() - 600 + n * 60,
        );
    }
    let mut other = sqlx::SqliteConnection::connect_with(
        &SqliteConnectOptions::new().filename(i.dirs.database()),
    )
    .await
    .unwrap();
    let path = format!("/1/user/{LB_USER}/listens");
    let (asked, answered) = (lb.requests(&path), lb.listens_queries().len());
    lb.fault(Fault::Delay(Duration::from_millis(500)));
    let run_id = me.start_job(JobKind::HistorySync).await.unwrap();
    // The sync waits for its page; meanwhile someone else starts writing.
    poll("the sync never asked for listens", || {
        lb.requests(&path) > asked
    })
    .await;
    let writer = other.begin_with("BEGIN IMMEDIATE").await.unwrap();
    poll("the page was never answered", || {
        lb.listens_queries().len() > answered
    })
    .await;
    // Time for the sync to reach its commit and meet the lock (no RPC meanwhile: they
    // would wait for it too).
    tokio::time::sleep(Duration::from_millis(500)).await;
    writer.rollback().await.unwrap();

    let run = me.wait_run(run_id).await;
    succeeded(&run);
    assert_eq!(me.summary().await.listens, 15);
    i.running.shutdown().await;
}
