//! Playlist sync through the real daemon (booted in-process on a temp socket) against
//! the local Spotify, ListenBrainz and Subsonic servers: the first sync imports every
//! playlist over all its pages (Liked Songs too), a playlist changed at the source
//! follows it, a deleted one becomes inactive, a dismissed one never comes back, and a
//! rate-limited source backs off and recovers.

use spotter_daemon::{config::Settings, store::Store};
use spotter_e2e::{
    Instance, Me,
    fakes::{
        Fault,
        listenbrainz::{FakeListenBrainz, LbPlaylist, LbTrack, TOKEN as LB_TOKEN, USER as LB_USER},
        settings_for,
        spotify::{FakeSpotify, FakeTrack, Item},
        subsonic::{FakeLibrary, FakeSubsonic},
    },
    now,
};
use spotter_proto::v1::{BeginConnectRequest, CompleteConnectRequest, JobKind, Provider, job_run};

/// (source_ref, name, state, generated_by_source, entries) of the user's playlists
/// from `source`, by source_ref.
async fn playlists(
    store: &Store,
    user_id: i64,
    source: &str,
) -> Vec<(String, String, String, bool, i64)> {
    sqlx::query_as(
        "SELECT p.source_ref, p.name, p.state, p.generated_by_source, \
           (SELECT count(*) FROM playlist_entries e WHERE e.playlist_id = p.id) \
         FROM playlists p WHERE p.user_id = ? AND p.source = ? ORDER BY p.source_ref",
    )
    .bind(user_id)
    .bind(source)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

/// The titles of a source playlist's entries, in order.
async fn titles(store: &Store, user_id: i64, source_ref: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT e.title FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id \
         WHERE p.user_id = ? AND p.source_ref = ? ORDER BY e.position",
    )
    .bind(user_id)
    .bind(source_ref)
    .fetch_all(store.pool())
    .await
    .unwrap()
}

fn succeeded(run: &spotter_proto::v1::JobRun) {
    assert_eq!(
        run.state,
        job_run::State::Succeeded as i32,
        "run {} failed: {}",
        run.id,
        run.message
    );
}

fn songs(from: usize, n: usize) -> Vec<Item> {
    (from..from + n)
        .map(|i| {
            Item::Track(FakeTrack::new(
                i,
                &format!("Artist {}", i % 5),
                &format!("Song {i}"),
            ))
        })
        .collect()
}

fn item_titles(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Track(t) => Some(t.name.clone()),
            _ => None,
        })
        .collect()
}

async fn connect_spotify(i: &Instance, sp: &FakeSpotify) {
    let mut c = i.api.connections_as(&i.owner.access_token);
    let began = c
        .begin_connect(BeginConnectRequest {
            provider: Provider::Spotify as i32,
        })
        .await
        .unwrap()
        .into_inner();
    c.complete_connect(CompleteConnectRequest {
        provider: Provider::Spotify as i32,
        flow_id: String::new(),
        redirected_url: sp.approve(&began.authorize_url),
    })
    .await
    .unwrap();
}

fn one_at_a_time(mut s: Settings) -> Settings {
    s.sync.max_concurrent_jobs = 1;
    s
}

#[tokio::test]
async fn spotify_playlists_are_imported_and_follow_their_source() {
    let sp = FakeSpotify::start().await;
    for n in 0..60 {
        sp.put_playlist(n, &format!("Playlist {n:02}"), songs(n * 10, 3));
    }
    let mut road_items = songs(1000, 230);
    road_items.insert(10, Item::Local("demo.mp3".into()));
    road_items.insert(20, Item::Episode("A show".into()));
    road_items.insert(30, Item::Gone);
    let road = sp.put_playlist(100, "Road", road_items);
    sp.set_liked(songs(5000, 70));
    let i = Instance::with_settings(one_at_a_time(settings_for(None, None, Some(&sp)))).await;
    let me = Me::new(&i.api, &i.owner);
    connect_spotify(&i, &sp).await;
    me.settle().await;
    let store = &i.running.state().store;

    // The connect made playlist sync due: it ran by itself and imported everything.
    let runs = me.runs(JobKind::PlaylistSync).await;
    assert_eq!(runs.len(), 1, "{runs:#?}");
    succeeded(&runs[0]);
    let all = playlists(store, me.id, "spotify").await;
    assert_eq!(all.len(), 62, "60 + Road + Liked Songs");
    let get = |r: &str| all.iter().find(|p| p.0 == r).cloned().unwrap();
    assert_eq!(
        get(&road).4,
        230,
        "every page, the local file, episode and gone track skipped"
    );
    assert_eq!(get(&road).1, "Road");
    let liked = get("liked");
    assert_eq!(
        (liked.1.as_str(), liked.3, liked.4),
        ("Liked Songs", true, 70)
    );
    assert!(!get(&road).3);
    assert!(all.iter().all(|p| p.2 == "active"));

    // Tracks added, removed and reordered at the source; one playlist deleted; one
    // dismissed here (and changed there).
    sp.edit_playlist(&road, |items| {
        items.retain(
            |i| !matches!(i, Item::Track(t) if t.name == "Song 1000" || t.name == "Song 1001"),
        );
        items.extend(songs(2000, 3));
        items.swap(0, 5);
    });
    let want = item_titles(&sp_items(&sp, &road));
    let gone = sp.put_playlist(7, "Playlist 07", songs(70, 3));
    sp.delete_playlist(&gone);
    let dismissed = "pl00000000000000000009";
    sqlx::query("UPDATE playlists SET state = 'dismissed' WHERE user_id = ? AND source_ref = ?")
        .bind(me.id)
        .bind(dismissed)
        .execute(store.writer())
        .await
        .unwrap();
    sp.edit_playlist(dismissed, |items| items.extend(songs(3000, 5)));
    let reads_before = sp.requests(spotter_e2e::fakes::spotify::Endpoint::PlaylistTracks);

    let run = me.run_job(JobKind::PlaylistSync).await;
    succeeded(&run);
    assert_eq!(
        titles(store, me.id, &road).await,
        want,
        "follows the source, in order"
    );
    assert_eq!(want.len(), 231);
    let all = playlists(store, me.id, "spotify").await;
    let get = |r: &str| all.iter().find(|p| p.0 == r).cloned().unwrap();
    assert_eq!(
        get(&gone).2,
        "inactive",
        "deleted at the source: kept, inactive"
    );
    assert_eq!(get(dismissed).2, "dismissed", "never resurrected");
    assert_eq!(get(dismissed).4, 3, "nor re-read");
    assert_eq!(get("pl00000000000000000003").2, "active");
    // Only Road's tracks were read again (3 pages): unchanged snapshots are skipped.
    let reads = sp.requests(spotter_e2e::fakes::spotify::Endpoint::PlaylistTracks) - reads_before;
    assert_eq!(reads, 3);

    // Rate limited beyond what the client waits out: the run fails (not fatally),
    // the job backs off, and the next run recovers.
    sp.faults().push(Fault::RetryAfter(429, 120));
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(run.state, job_run::State::Failed as i32, "{}", run.message);
    assert!(!run.error_fatal);
    assert!(run.message.contains("retrying in"), "{}", run.message);
    let job = me.job(JobKind::PlaylistSync).await;
    assert!(
        job.next_run_at >= now() + 100,
        "backs off at least as long as asked"
    );
    assert_eq!(job.failures, 1);
    sp.edit_playlist(&road, |items| items.truncate(10));
    let run = me.run_job(JobKind::PlaylistSync).await;
    succeeded(&run);
    assert_eq!(
        titles(store, me.id, &road).await,
        item_titles(&sp_items(&sp, &road))
    );
    assert_eq!(me.job(JobKind::PlaylistSync).await.failures, 0);

    // A revoked grant is fatal: the connection waits for the user.
    sp.revoke();
    let run = me.run_job(JobKind::PlaylistSync).await;
    assert_eq!(run.state, job_run::State::Failed as i32);
    assert!(run.error_fatal, "{}", run.message);
    i.running.shutdown().await;
}

fn sp_items(sp: &FakeSpotify, id: &str) -> Vec<Item> {
    sp.playlist_items(id)
}

fn lb_playlist(n: usize, title: &str, created_for: bool, tracks: usize) -> LbPlaylist {
    LbPlaylist {
        mbid: format!("{n:08x}-2222-4222-8222-222222222222"),
        title: title.into(),
        creator: if created_for {
            "troi-bot".into()
        } else {
            LB_USER.into()
        },
        created_for: created_for.then(|| LB_USER.to_string()),
        public: true,
        tracks: (0..tracks)
            .map(|i| LbTrack::new(n * 100 + i, "Portishead", &format!("{title} {i}")))
            .collect(),
        modified: 0,
    }
}

#[tokio::test]
async fn listenbrainz_and_navidrome_playlists_are_imported_and_followed() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    for n in 0..30 {
        lb.put_playlist(lb_playlist(n, &format!("Mine {n}"), false, 2));
    }
    lb.put_playlist(lb_playlist(99, "Weekly Jams", true, 4));
    let fake = FakeSubsonic::start(FakeLibrary::generate(10, 2, 5)).await;
    let library = fake.snapshot();
    let ids: Vec<&str> = library.albums[0]
        .songs
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mix = fake.add_playlist(fake.username(), "Kitchen", &ids[..4]);
    let theirs = fake.add_playlist("someone-else", "Not mine", &ids[..2]);
    let pushed = fake.add_playlist(fake.username(), "Pushed by spotter", &ids[..1]);

    let mut s = one_at_a_time(settings_for(Some(&lb), None, None));
    s.navidrome.base_url = Some(fake.base_url());
    let i = Instance::with_settings(s).await;
    let me = Me::new(&i.api, &i.owner);
    let store = &i.running.state().store;
    // A playlist of ours already pushed to Navidrome is never imported back.
    let t = now();
    sqlx::query(
        "INSERT INTO playlists (user_id, name, source, created_at, updated_at, nav_id, nav_state) \
         VALUES (?, 'Ours', 'local', ?, ?, ?, 'in_sync')",
    )
    .bind(me.id)
    .bind(t)
    .bind(t)
    .bind(&pushed)
    .execute(store.writer())
    .await
    .unwrap();
    me.connect_lb(LB_TOKEN).await;
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    // The library sync changed the library: playlist sync ran again after it.
    let library = me.runs(JobKind::LibrarySync).await;
    succeeded(&library[0]);
    let after = me.runs(JobKind::PlaylistSync).await;
    assert!(
        after
            .iter()
            .any(|r| r.started_at >= library[0].finished_at && r.id > library[0].id),
        "{after:#?}"
    );
    let run = me.run_job(JobKind::PlaylistSync).await;
    succeeded(&run);

    let lbs = playlists(store, me.id, "listenbrainz").await;
    assert_eq!(
        lbs.len(),
        31,
        "two pages of own playlists and the created-for one"
    );
    let jams = lbs.iter().find(|p| p.1 == "Weekly Jams").unwrap();
    assert!(jams.3, "created for the user: generated by the source");
    assert_eq!(jams.4, 4);
    let mbids: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT e.mbid FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id \
         WHERE p.user_id = ? AND p.name = 'Weekly Jams' ORDER BY e.position",
    )
    .bind(me.id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        mbids[1].as_deref(),
        Some("000026ad-0000-4000-8000-000000000000")
    );

    let navs = playlists(store, me.id, "navidrome").await;
    assert_eq!(
        navs.len(),
        1,
        "only the user's own, not the pushed one: {navs:?}"
    );
    assert_eq!((navs[0].0.as_str(), navs[0].4), (mix.as_str(), 4));
    assert!(navs.iter().all(|p| p.0 != theirs));
    // Navidrome entries name library songs: matched by id.
    let matched: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT e.song_id, e.method FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id \
         WHERE p.user_id = ? AND p.source = 'navidrome' ORDER BY e.position",
    )
    .bind(me.id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(
        matched
            .iter()
            .map(|m| m.0.as_deref().unwrap_or(""))
            .collect::<Vec<_>>(),
        ids[..4].to_vec()
    );

    // Changes at both sources follow; a ListenBrainz playlist deleted becomes inactive.
    lb.put_playlist(lb_playlist(3, "Mine 3", false, 6));
    lb.delete_playlist(&lb_playlist(4, "", false, 0).mbid);
    fake.edit_playlist(&mix, |p| {
        p.songs.reverse();
        p.songs.pop();
    });
    let run = me.run_job(JobKind::PlaylistSync).await;
    succeeded(&run);
    let lbs = playlists(store, me.id, "listenbrainz").await;
    let by_name = |n: &str| lbs.iter().find(|p| p.1 == n).cloned().unwrap();
    assert_eq!(by_name("Mine 3").4, 6);
    assert_eq!(by_name("Mine 4").2, "inactive");
    let navs = playlists(store, me.id, "navidrome").await;
    assert_eq!(navs[0].4, 3);
    let order: Vec<String> = sqlx::query_scalar(
        "SELECT e.song_id FROM playlist_entries e JOIN playlists p ON p.id = e.playlist_id \
         WHERE p.user_id = ? AND p.source = 'navidrome' ORDER BY e.position",
    )
    .bind(me.id)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(order, vec![ids[3], ids[2], ids[1]]);
    i.running.shutdown().await;
}
