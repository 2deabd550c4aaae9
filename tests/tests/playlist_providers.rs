//! The playlist calls of the Spotify, ListenBrainz and Subsonic clients against the
//! local servers (`spotter_e2e::fakes`): paging over several pages, items that are no
//! tracks, rate limits with Retry-After, refused credentials (fatal), malformed
//! answers (a clear error), and Subsonic playlist writes in chunks.

use std::time::Duration;

use spotter_daemon::{
    crypto::SecretString,
    providers::{
        ProviderError,
        http::HttpSettings,
        listenbrainz::{ListenBrainzClient, ListenBrainzConfig},
        navidrome::Navidrome,
        spotify::{SCOPES, SpotifyClient, SpotifyConfig},
        subsonic::SubsonicClient,
    },
};
use spotter_e2e::fakes::{
    Fault,
    listenbrainz::{FakeListenBrainz, LbPlaylist, LbTrack, TOKEN as LB_TOKEN, USER as LB_USER},
    spotify::{self as fake, FakeSpotify, FakeTrack, Item},
    subsonic::{FakeLibrary, FakeSubsonic},
};

fn settings() -> HttpSettings {
    HttpSettings {
        allow_networks: vec!["127.0.0.0/8".parse().unwrap()],
        ..Default::default()
    }
}

fn spotify(sp: &FakeSpotify) -> SpotifyClient {
    SpotifyClient::new(
        SpotifyConfig {
            client_id: fake::CLIENT_ID.into(),
            redirect_uri: fake::REDIRECT_URI.into(),
            accounts_url: sp.accounts_url(),
            api_url: sp.api_url(),
        },
        &settings(),
    )
    .unwrap()
}

fn tracks(from: usize, n: usize) -> Vec<Item> {
    (from..from + n)
        .map(|i| {
            Item::Track(FakeTrack::new(
                i,
                &format!("Artist {}", i % 7),
                &format!("Song {i}"),
            ))
        })
        .collect()
}

#[tokio::test]
async fn spotify_playlists_tracks_and_liked_songs_are_read_over_every_page() {
    let sp = FakeSpotify::start().await;
    for n in 0..120 {
        sp.put_playlist(n, &format!("Playlist {n}"), Vec::new());
    }
    let mut items = tracks(0, 240);
    items.insert(3, Item::Local("my demo.mp3".into()));
    items.insert(50, Item::Episode("A podcast".into()));
    items.insert(150, Item::Gone);
    let big = sp.put_playlist(500, "Big", items);
    sp.set_liked(tracks(1000, 60));
    let client = spotify(&sp);
    let access = SecretString::new(sp.issue_access_token(SCOPES));

    let mut listed = Vec::new();
    let mut offset = Some(0);
    let mut pages = 0;
    while let Some(at) = offset {
        let page = client.playlists(&access, at).await.unwrap();
        listed.extend(page.items);
        offset = page.next_offset;
        pages += 1;
    }
    assert_eq!(pages, 3, "121 playlists are three pages of 50");
    assert_eq!(listed.len(), 121);
    let b = listed.iter().find(|p| p.id == big).unwrap();
    assert_eq!(b.name, "Big");
    assert_eq!(b.track_count, Some(243));
    assert!(b.version.as_deref().is_some_and(|v| v.starts_with("snap")));
    let meta = client.playlist(&access, &big).await.unwrap();
    assert_eq!(meta.version, b.version);
    assert_eq!(meta.description, "Big, described");

    let mut got = Vec::new();
    let mut offset = Some(0);
    pages = 0;
    while let Some(at) = offset {
        let page = client.playlist_tracks(&access, &big, at).await.unwrap();
        got.extend(page.items);
        offset = page.next_offset;
        pages += 1;
    }
    assert_eq!(pages, 3);
    // The local file, the episode and the vanished track are skipped, in order.
    assert_eq!(got.len(), 240);
    assert_eq!(got[0].title, "Song 0");
    assert_eq!(got[3].title, "Song 3");
    assert_eq!(got[239].title, "Song 239");
    assert_eq!(got[5].isrc.as_deref(), Some("QZTR00000005"));
    assert_eq!(got[5].album.as_deref(), Some("Artist 5 album"));
    assert_eq!(got[5].duration_ms, Some(200_005));
    assert_eq!(got[5].id.as_deref(), Some("tr00000000000000000005"));

    let first = client.saved_tracks(&access, 0).await.unwrap();
    assert_eq!((first.items.len(), first.next_offset), (50, Some(50)));
    let second = client.saved_tracks(&access, 50).await.unwrap();
    assert_eq!((second.items.len(), second.next_offset), (10, None));

    // Without the library scope Liked Songs are refused, not fatal.
    let narrow = SecretString::new(sp.issue_access_token("playlist-read-private"));
    let e = client.saved_tracks(&narrow, 0).await.unwrap_err();
    assert!(matches!(e, ProviderError::Refused { .. }), "{e:?}");
    assert!(!e.is_fatal());
    // An id that is not one is refused before anything is sent.
    assert!(matches!(
        client.playlist_tracks(&access, "../me", 0).await,
        Err(ProviderError::Invalid { .. })
    ));
}

#[tokio::test]
async fn spotify_playlist_failures_are_classified() {
    let sp = FakeSpotify::start().await;
    sp.put_playlist(1, "One", tracks(0, 3));
    let client = spotify(&sp);
    let access = SecretString::new(sp.issue_access_token(SCOPES));

    // A short Retry-After is waited out by the client.
    sp.faults().push(Fault::RetryAfter(429, 1));
    assert_eq!(client.playlists(&access, 0).await.unwrap().items.len(), 1);
    // A long one comes back for the scheduler, with the wait.
    sp.faults().push(Fault::RetryAfter(429, 3600));
    let e = client.playlists(&access, 0).await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)), "{e:?}");
    assert!(!e.is_fatal());
    // Malformed JSON is a clear error.
    sp.faults().push(Fault::MalformedJson);
    let e = client.playlists(&access, 0).await.unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    // A revoked token is fatal.
    sp.revoke();
    let e = client
        .playlist_tracks(&access, "pl00000000000000000001", 0)
        .await
        .unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
    assert!(!format!("{e} {e:?}").contains(access.expose()));
}

fn lb_playlist(
    n: usize,
    title: &str,
    created_for: Option<&str>,
    tracks: Vec<LbTrack>,
) -> LbPlaylist {
    LbPlaylist {
        mbid: format!("{n:08x}-1111-4111-8111-111111111111"),
        title: title.into(),
        creator: if created_for.is_some() {
            "troi-bot".into()
        } else {
            LB_USER.into()
        },
        created_for: created_for.map(str::to_string),
        public: n.is_multiple_of(2),
        tracks,
        modified: 0,
    }
}

#[tokio::test]
async fn listenbrainz_playlists_are_paged_and_read_as_jspf() {
    let lb = FakeListenBrainz::start().await;
    lb.add_user(LB_USER, LB_TOKEN);
    for n in 0..30 {
        lb.put_playlist(lb_playlist(n, &format!("Mine {n}"), None, Vec::new()));
    }
    let tracks: Vec<LbTrack> = (0..5)
        .map(|i| LbTrack::new(i, "Björk", &format!("Jam {i}")))
        .collect();
    lb.put_playlist(lb_playlist(100, "Weekly Jams", Some(LB_USER), tracks));
    let client = ListenBrainzClient::new(
        ListenBrainzConfig {
            api_url: lb.api_url(),
        },
        &settings(),
    )
    .unwrap();
    let token = SecretString::new(LB_TOKEN);

    let first = client.playlists(LB_USER, &token, false, 0).await.unwrap();
    assert_eq!(first.items.len(), 25);
    assert_eq!(first.next_offset, Some(25));
    let second = client.playlists(LB_USER, &token, false, 25).await.unwrap();
    assert_eq!((second.items.len(), second.next_offset), (5, None));
    // Private playlists are listed with the owner's token.
    assert_eq!(second.total, Some(30));
    let made = client.playlists(LB_USER, &token, true, 0).await.unwrap();
    assert_eq!(made.items.len(), 1);
    let jams = &made.items[0];
    assert_eq!(jams.name, "Weekly Jams");
    assert!(jams.version.is_some());

    let (full, got) = client.playlist(&jams.id, &token).await.unwrap().unwrap();
    assert_eq!(full.id, jams.id);
    assert_eq!(got.len(), 5);
    assert_eq!(got[2].title, "Jam 2");
    assert_eq!(got[2].artist, "Björk");
    assert_eq!(
        got[2].mbid.as_deref(),
        Some("00000002-0000-4000-8000-000000000000")
    );
    assert_eq!(got[2].duration_ms, Some(180_002));
    // Gone: None, not an error.
    assert!(
        client
            .playlist("ffffffff-1111-4111-8111-111111111111", &token)
            .await
            .unwrap()
            .is_none()
    );

    lb.faults().push(Fault::MalformedJson);
    let e = client
        .playlists(LB_USER, &token, false, 0)
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Malformed { .. }), "{e:?}");
    lb.faults().push(Fault::ResetIn(3600));
    let e = client
        .playlists(LB_USER, &token, false, 0)
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)), "{e:?}");
    lb.faults().push(Fault::Status(401));
    let e = client.playlist(&jams.id, &token).await.unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
    // An unknown user is fatal too: renamed or deleted.
    let e = client
        .playlists("nobody", &token, false, 0)
        .await
        .unwrap_err();
    assert!(e.is_fatal(), "{e:?}");
}

#[tokio::test]
async fn subsonic_playlists_are_created_replaced_and_deleted_in_chunks() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(30, 2, 10)).await;
    let songs: Vec<String> = fake
        .snapshot()
        .albums
        .iter()
        .flat_map(|a| a.songs.iter().map(|s| s.id.clone()))
        .take(250)
        .collect();
    assert_eq!(songs.len(), 250);
    let client = SubsonicClient::new(&fake.base_url(), Duration::from_secs(10)).unwrap();
    let password = SecretString::new(fake.password());
    let nav = Navidrome::new(&client, fake.username(), &password);

    let id = nav
        .create_playlist("Mix", "from spotter", &songs)
        .await
        .unwrap();
    let (p, got) = nav.playlist(&id).await.unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.comment.as_str()),
        ("Mix", "from spotter")
    );
    let got: Vec<String> = got.into_iter().map(|t| t.id).collect();
    assert_eq!(got, songs, "all 250 in order, over three requests");
    assert!(fake.requests("updatePlaylist") >= 2);

    let reversed: Vec<String> = songs.iter().rev().take(120).cloned().collect();
    nav.replace_playlist(&id, "Mix 2", "again", &reversed)
        .await
        .unwrap();
    let (p, got) = nav.playlist(&id).await.unwrap().unwrap();
    assert_eq!(p.name, "Mix 2");
    assert_eq!(got.into_iter().map(|t| t.id).collect::<Vec<_>>(), reversed);
    assert_eq!(nav.playlists().await.unwrap().len(), 1, "replaced in place");

    // An old server answers createPlaylist with nothing: found by listing again.
    fake.set_create_answers_empty();
    let other = nav.create_playlist("Mix", "", &songs[..3]).await.unwrap();
    assert_ne!(other, id);
    assert_eq!(nav.playlist(&other).await.unwrap().unwrap().1.len(), 3);

    assert!(nav.delete_playlist(&id).await.unwrap());
    assert!(!nav.delete_playlist(&id).await.unwrap());
    assert!(nav.playlist(&id).await.unwrap().is_none());
}
