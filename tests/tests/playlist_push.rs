//! Pushing playlists to a real Supysonic server (its real playlists API: create,
//! update, get, delete; password-only auth) through the real daemon: push, change
//! here and push again (updated in place), change in Supysonic (a conflict, nothing
//! written), overwrite, take Navidrome's version, the sync job keeping pushed
//! playlists up to date and noticing a deleted one, link and unsync with delete.
//!
//! The push calls go through the daemon's `NavidromeSync` (what the Playlists RPCs
//! call), the job through the Jobs RPC.

use std::time::Duration;

use spotter_daemon::{
    config::Settings,
    crypto::{KeyInputs, SecretString},
    domains::playlists::model::{NewEntry, SourceRef},
    providers::{navidrome::Navidrome, subsonic::SubsonicClient},
    service::ServiceError,
    store::{Store, now},
};
use spotter_e2e::{Api, Me, TestDirs, supysonic::Supysonic};
use spotter_proto::v1::{JobKind, SetupRequest, SignInMethod, job_run};

/// (nav_id, nav_state, source) of a playlist.
async fn nav(store: &Store, user_id: i64, id: i64) -> (Option<String>, String, String) {
    sqlx::query_as("SELECT nav_id, nav_state, source FROM playlists WHERE user_id = ? AND id = ?")
        .bind(user_id)
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// Supysonic's playlist `id`: (name, comment, song ids).
async fn theirs(nd: &Navidrome<'_>, id: &str) -> Option<(String, String, Vec<String>)> {
    let (p, songs) = nd.playlist(id).await.unwrap()?;
    Some((p.name, p.comment, songs.into_iter().map(|s| s.id).collect()))
}

/// Entries naming library songs by id, as a local playlist holds them.
fn entries(songs: &[(String, String, String)]) -> Vec<NewEntry> {
    songs
        .iter()
        .map(|(id, artist, title)| NewEntry {
            artist: artist.clone(),
            title: title.clone(),
            source_ref: Some(SourceRef::Song(id.clone())),
            ..NewEntry::default()
        })
        .collect()
}

#[tokio::test]
async fn playlists_are_pushed_to_supysonic_and_kept_in_sync_without_clobbering() {
    let server = tokio::task::spawn_blocking(Supysonic::start).await.unwrap();
    let [alice, _] = server.users();
    let mut settings = Settings::default();
    settings.navidrome.base_url = Some(server.base_url());
    settings.sync.max_concurrent_jobs = 1;
    let dirs = TestDirs::new();
    let running = spotter_daemon::boot(dirs.config_with(settings, KeyInputs::default()))
        .await
        .unwrap();
    let api = Api::connect(running.socket_path()).await;
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
    me.settle().await;
    let state = running.state();
    let store = &state.store;
    let push = &state.navidrome_sync;

    let songs: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, artist, title FROM library_tracks WHERE user_id = ? ORDER BY title",
    )
    .bind(me.id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(songs.len(), 4, "the library was mirrored");
    let ids: Vec<String> = songs.iter().map(|s| s.0.clone()).collect();

    // A local playlist of three songs.
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO playlists (user_id, name, source, created_at, updated_at) \
         VALUES (?, 'Road Trip', 'local', ?, ?) RETURNING id",
    )
    .bind(me.id)
    .bind(t)
    .bind(t)
    .fetch_one(store.writer())
    .await
    .unwrap();
    store
        .replace_entries(me.id, id, &entries(&songs[..3]))
        .await
        .unwrap();
    state.matcher.match_playlist(me.id, id).await.unwrap();

    let client = SubsonicClient::new(&server.base_url(), Duration::from_secs(10)).unwrap();
    let password = SecretString::new(alice.password);
    let nd = Navidrome::new(&client, alice.name, &password);

    // Push: created with the matched songs in order, the name and where it came from.
    push.push(me.id, id, None, false).await.unwrap();
    let (nav_id, nav_state, _) = nav(store, me.id, id).await;
    let nav_id = nav_id.expect("pushed");
    assert_eq!(nav_state, "in_sync");
    let (name, comment, got) = theirs(&nd, &nav_id).await.unwrap();
    assert_eq!(name, "Road Trip");
    assert_eq!(comment, "playlist “Road Trip”, synced by spotter");
    assert_eq!(got, ids[..3]);

    // Changed here: pushed again into the same playlist, under a new name.
    let reordered = vec![songs[3].clone(), songs[1].clone(), songs[0].clone()];
    store
        .replace_entries(me.id, id, &entries(&reordered))
        .await
        .unwrap();
    state.matcher.match_playlist(me.id, id).await.unwrap();
    push.push(me.id, id, Some("Road Trip (home)".into()), false)
        .await
        .unwrap();
    let (name, _, got) = theirs(&nd, &nav_id).await.unwrap();
    assert_eq!(name, "Road Trip (home)");
    assert_eq!(got, vec![ids[3].clone(), ids[1].clone(), ids[0].clone()]);
    assert_eq!(
        nav(store, me.id, id).await.0.as_deref(),
        Some(nav_id.as_str())
    );
    assert_eq!(nd.playlists().await.unwrap().len(), 1, "updated in place");

    // Changed in Supysonic: the next push writes nothing and says so.
    client
        .get_json(
            alice.name,
            &password,
            "updatePlaylist",
            &[("playlistId", &nav_id), ("songIdToAdd", &ids[2])],
        )
        .await
        .unwrap();
    let e = push.push(me.id, id, None, false).await.unwrap_err();
    assert!(matches!(e, ServiceError::FailedPrecondition(_)), "{e:?}");
    assert_eq!(nav(store, me.id, id).await.1, "changed_in_navidrome");
    assert_eq!(
        theirs(&nd, &nav_id).await.unwrap().2.len(),
        4,
        "not clobbered"
    );
    // The sync job leaves it for the user to decide.
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(nav(store, me.id, id).await.1, "changed_in_navidrome");
    assert_eq!(theirs(&nd, &nav_id).await.unwrap().2.len(), 4);
    // …and never imports our own pushed playlist back as a Navidrome one.
    let imported: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM playlists WHERE user_id = ? AND source = 'navidrome'",
    )
    .bind(me.id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(imported, 0);

    // Overwrite resolves it.
    push.push(me.id, id, None, true).await.unwrap();
    assert_eq!(nav(store, me.id, id).await.1, "in_sync");
    assert_eq!(theirs(&nd, &nav_id).await.unwrap().2.len(), 3);

    // Changed there again, noticed by the job; taking Navidrome's version resolves it:
    // its songs become the entries.
    client
        .get_json(
            alice.name,
            &password,
            "updatePlaylist",
            &[("playlistId", &nav_id), ("songIndexToRemove", "0")],
        )
        .await
        .unwrap();
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(nav(store, me.id, id).await.1, "changed_in_navidrome");
    push.take_navidrome_version(me.id, id).await.unwrap();
    let (_, nav_state, source) = nav(store, me.id, id).await;
    assert_eq!((nav_state.as_str(), source.as_str()), ("in_sync", "local"));
    let ours = store.matched_song_ids(me.id, id).await.unwrap();
    assert_eq!(ours, vec![ids[1].clone(), ids[0].clone()]);

    // A change here is pushed by the sync job.
    store
        .replace_entries(me.id, id, &entries(&songs))
        .await
        .unwrap();
    state.matcher.match_playlist(me.id, id).await.unwrap();
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert!(
        run.message.contains("navidrome: 1 pushed"),
        "{}",
        run.message
    );
    assert_eq!(theirs(&nd, &nav_id).await.unwrap().2, ids);

    // Deleted in Supysonic: the job marks it missing; a push creates it again.
    assert!(nd.delete_playlist(&nav_id).await.unwrap());
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(nav(store, me.id, id).await.1, "missing");
    push.push(me.id, id, None, false).await.unwrap();
    let (again, nav_state, _) = nav(store, me.id, id).await;
    let again = again.unwrap();
    assert_ne!(again, nav_id);
    assert_eq!(nav_state, "in_sync");
    assert_eq!(theirs(&nd, &again).await.unwrap().2, ids);

    // Link: another playlist pushes into an existing Supysonic playlist.
    let mine = nd
        .create_playlist("Made in Supysonic", "", &ids[..1])
        .await
        .unwrap();
    let listed = push.list_navidrome_playlists(me.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed
            .iter()
            .find(|p| p.id == again)
            .unwrap()
            .linked_playlist_id,
        Some(id)
    );
    assert_eq!(
        listed
            .iter()
            .find(|p| p.id == mine)
            .unwrap()
            .linked_playlist_id,
        None
    );
    let other: i64 = sqlx::query_scalar(
        "INSERT INTO playlists (user_id, name, source, created_at, updated_at) \
         VALUES (?, 'Other', 'local', ?, ?) RETURNING id",
    )
    .bind(me.id)
    .bind(t)
    .bind(t)
    .fetch_one(store.writer())
    .await
    .unwrap();
    store
        .replace_entries(me.id, other, &entries(&songs[2..]))
        .await
        .unwrap();
    state.matcher.match_playlist(me.id, other).await.unwrap();
    // The target of another playlist cannot be linked twice.
    assert!(matches!(
        push.link(me.id, other, &again).await,
        Err(ServiceError::AlreadyExists(_))
    ));
    push.link(me.id, other, &mine).await.unwrap();
    let (name, _, got) = theirs(&nd, &mine).await.unwrap();
    assert_eq!(name, "Made in Supysonic", "linking keeps its name");
    assert_eq!(got, ids[2..]);

    // Unsync: forgotten here; with delete, gone there too.
    push.unsync(me.id, other, false).await.unwrap();
    assert_eq!(
        nav(store, me.id, other).await,
        (None, "not_pushed".into(), "local".into())
    );
    assert!(theirs(&nd, &mine).await.is_some());
    push.unsync(me.id, id, true).await.unwrap();
    assert_eq!(nav(store, me.id, id).await.0, None);
    assert!(theirs(&nd, &again).await.is_none());
    // Another user's playlist is not found.
    assert!(matches!(
        push.push(me.id + 1000, id, None, false).await,
        Err(ServiceError::NotFound)
    ));
    running.shutdown().await;
}
