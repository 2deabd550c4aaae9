//! Pushing playlists to a real Supysonic server (its real playlists API: create,
//! update, get, delete; password-only auth) through the real daemon and the Playlists
//! RPCs: push, change here and push again (updated in place), change in Supysonic (a
//! conflict: nothing written), overwrite, take Navidrome's version, the sync job
//! keeping pushed playlists up to date and noticing a deleted one, link, and unsync
//! with delete.

use std::time::Duration;

use spotter_daemon::{
    config::Settings,
    crypto::{KeyInputs, SecretString},
    providers::{navidrome::Navidrome, subsonic::SubsonicClient},
};
use spotter_e2e::{Api, Authed, Me, TestDirs, supysonic::Supysonic};
use spotter_proto::v1::{
    AddEntriesRequest, CreatePlaylistRequest, GetPlaylistRequest, JobKind, LinkRequest,
    ListNavidromePlaylistsRequest, MoveEntryRequest, Playlist, PushRequest, RemoveEntriesRequest,
    SetupRequest, SignInMethod, TakeNavidromeVersionRequest, UnsyncRequest, job_run,
    navidrome_sync::State as NavState, playlist::Source, playlists_client::PlaylistsClient,
};
use tonic::Code;

/// Supysonic's playlist `id`: (name, comment, song ids).
async fn theirs(nd: &Navidrome<'_>, id: &str) -> Option<(String, String, Vec<String>)> {
    let (p, songs) = nd.playlist(id).await.unwrap()?;
    Some((p.name, p.comment, songs.into_iter().map(|s| s.id).collect()))
}

fn nav_state(p: &Playlist) -> NavState {
    p.navidrome.as_ref().unwrap().state()
}

fn nav_id(p: &Playlist) -> String {
    p.navidrome.as_ref().unwrap().playlist_id.clone()
}

/// The playlist's entries: (entry id, matched song id).
async fn entries(c: &mut PlaylistsClient<Authed>, id: i64) -> Vec<(i64, String)> {
    c.get_playlist(GetPlaylistRequest {
        id,
        limit: 100,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .entries
    .into_iter()
    .map(|e| (e.id, e.song.map(|s| s.id).unwrap_or_default()))
    .collect()
}

async fn push(c: &mut PlaylistsClient<Authed>, id: i64, name: &str, overwrite: bool) -> Playlist {
    c.push(PushRequest {
        id,
        name: name.into(),
        overwrite,
    })
    .await
    .unwrap()
    .into_inner()
}

async fn get(c: &mut PlaylistsClient<Authed>, id: i64) -> Playlist {
    c.get_playlist(GetPlaylistRequest {
        id,
        limit: 1,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .playlist
    .unwrap()
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
    let mut c = api.playlists_as(&me.token);
    let store = &running.state().store;

    let ids: Vec<String> =
        sqlx::query_scalar("SELECT id FROM library_tracks WHERE user_id = ? ORDER BY title")
            .bind(me.id)
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(ids.len(), 4, "the library was mirrored");

    // A local playlist of three songs.
    let created = c
        .create_playlist(CreatePlaylistRequest {
            name: "Road Trip".into(),
            description: String::new(),
            song_ids: ids[..3].to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    let id = created.id;
    assert_eq!(nav_state(&created), NavState::NotPushed);

    let client = SubsonicClient::new(&server.base_url(), Duration::from_secs(10)).unwrap();
    let password = SecretString::new(alice.password);
    let nd = Navidrome::new(&client, alice.name, &password);

    // Push: created with the matched songs in order, the name and where it came from.
    let p = push(&mut c, id, "", false).await;
    assert_eq!(nav_state(&p), NavState::InSync);
    let target = nav_id(&p);
    let (name, comment, got) = theirs(&nd, &target).await.unwrap();
    assert_eq!(name, "Road Trip");
    assert_eq!(comment, "playlist “Road Trip”, synced by spotter");
    assert_eq!(got, ids[..3]);

    // Changed here (one removed, one added, one moved): pushed again into the same
    // playlist, under a new name.
    let e = entries(&mut c, id).await;
    c.remove_entries(RemoveEntriesRequest {
        id,
        entry_ids: vec![e[2].0],
    })
    .await
    .unwrap();
    c.add_entries(AddEntriesRequest {
        id,
        song_ids: vec![ids[3].clone()],
        position: None,
    })
    .await
    .unwrap();
    let last = entries(&mut c, id).await[2].0;
    c.move_entry(MoveEntryRequest {
        id,
        entry_id: last,
        to_position: 0,
    })
    .await
    .unwrap();
    let want = vec![ids[3].clone(), ids[0].clone(), ids[1].clone()];
    let p = push(&mut c, id, "Road Trip (home)", false).await;
    assert_eq!(nav_state(&p), NavState::InSync);
    assert_eq!(nav_id(&p), target, "updated in place");
    let (name, _, got) = theirs(&nd, &target).await.unwrap();
    assert_eq!(name, "Road Trip (home)");
    assert_eq!(got, want);
    assert_eq!(nd.playlists().await.unwrap().len(), 1);

    // Changed in Supysonic: the next push writes nothing and says so.
    client
        .get_json(
            alice.name,
            &password,
            "updatePlaylist",
            &[("playlistId", &target), ("songIdToAdd", &ids[2])],
        )
        .await
        .unwrap();
    let p = push(&mut c, id, "", false).await;
    assert_eq!(nav_state(&p), NavState::ChangedInNavidrome);
    assert_eq!(
        theirs(&nd, &target).await.unwrap().2.len(),
        4,
        "not clobbered"
    );
    // The sync job leaves it for the user to decide…
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(
        nav_state(&get(&mut c, id).await),
        NavState::ChangedInNavidrome
    );
    assert_eq!(theirs(&nd, &target).await.unwrap().2.len(), 4);
    // …and never imports our own pushed playlist back as a Navidrome one.
    let listed = c
        .list_playlists(spotter_proto::v1::ListPlaylistsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .playlists;
    assert_eq!(listed.len(), 1, "{listed:#?}");

    // Overwrite resolves it.
    let p = push(&mut c, id, "", true).await;
    assert_eq!(nav_state(&p), NavState::InSync);
    assert_eq!(theirs(&nd, &target).await.unwrap().2, want);

    // Changed there again, noticed by the job; taking Navidrome's version resolves it:
    // its songs become the entries.
    client
        .get_json(
            alice.name,
            &password,
            "updatePlaylist",
            &[("playlistId", &target), ("songIndexToRemove", "0")],
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
    assert_eq!(
        nav_state(&get(&mut c, id).await),
        NavState::ChangedInNavidrome
    );
    let p = c
        .take_navidrome_version(TakeNavidromeVersionRequest { id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(nav_state(&p), NavState::InSync);
    assert_eq!(p.source(), Source::Local);
    let ours: Vec<String> = entries(&mut c, id).await.into_iter().map(|e| e.1).collect();
    assert_eq!(ours, want[1..]);

    // A change here is pushed by the sync job.
    c.add_entries(AddEntriesRequest {
        id,
        song_ids: vec![ids[2].clone()],
        position: None,
    })
    .await
    .unwrap();
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
    assert_eq!(
        theirs(&nd, &target).await.unwrap().2,
        vec![ids[0].clone(), ids[1].clone(), ids[2].clone()]
    );

    // Deleted in Supysonic: the job marks it missing; a push creates it again.
    assert!(nd.delete_playlist(&target).await.unwrap());
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "{}",
        run.message
    );
    assert_eq!(nav_state(&get(&mut c, id).await), NavState::Missing);
    let p = push(&mut c, id, "", false).await;
    assert_eq!(nav_state(&p), NavState::InSync);
    let again = nav_id(&p);
    assert_ne!(again, target);
    assert_eq!(theirs(&nd, &again).await.unwrap().2.len(), 3);

    // Link: another playlist pushes into an existing Supysonic playlist.
    let mine = nd
        .create_playlist("Made in Supysonic", "", &ids[..1])
        .await
        .unwrap();
    let navs = c
        .list_navidrome_playlists(ListNavidromePlaylistsRequest {})
        .await
        .unwrap()
        .into_inner()
        .playlists;
    assert_eq!(navs.len(), 2);
    assert_eq!(
        navs.iter()
            .find(|p| p.id == again)
            .unwrap()
            .linked_playlist_id,
        id
    );
    assert_eq!(
        navs.iter()
            .find(|p| p.id == mine)
            .unwrap()
            .linked_playlist_id,
        0
    );
    let other = c
        .create_playlist(CreatePlaylistRequest {
            name: "Other".into(),
            description: String::new(),
            song_ids: ids[2..].to_vec(),
        })
        .await
        .unwrap()
        .into_inner()
        .id;
    // The target of another playlist cannot be linked twice.
    let refused = c
        .link(LinkRequest {
            id: other,
            navidrome_playlist_id: again.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::AlreadyExists, "{refused:?}");
    let p = c
        .link(LinkRequest {
            id: other,
            navidrome_playlist_id: mine.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(nav_state(&p), NavState::InSync);
    let (name, _, got) = theirs(&nd, &mine).await.unwrap();
    assert_eq!(name, "Made in Supysonic", "linking keeps its name");
    assert_eq!(got, ids[2..]);

    // Unsync: forgotten here; with delete, gone there too.
    let p = c
        .unsync(UnsyncRequest {
            id: other,
            delete_from_navidrome: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(nav_state(&p), NavState::NotPushed);
    assert!(theirs(&nd, &mine).await.is_some());
    c.unsync(UnsyncRequest {
        id,
        delete_from_navidrome: true,
    })
    .await
    .unwrap();
    assert!(theirs(&nd, &again).await.is_none());

    // A playlist that is not the caller's is not found.
    let e = c
        .push(PushRequest {
            id: id + 1000,
            name: String::new(),
            overwrite: true,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    running.shutdown().await;
}
