//! Typed Navidrome library and last-played calls (`providers::navidrome`) against the
//! fast fake Subsonic server (a 50,000-track library, faults, mutations between calls)
//! and against a real Supysonic server (password-only auth, so every call there goes
//! through the client's token-auth fallback).

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use spotter_daemon::{
    crypto::SecretString,
    providers::library::LibraryTrack,
    providers::{
        ProviderError,
        navidrome::{ALBUM_PAGE_SIZE, AlbumListing, Navidrome},
        subsonic::SubsonicClient,
    },
};
use spotter_e2e::{
    fakes::{
        Fault,
        subsonic::{FakeLibrary, FakeSubsonic},
    },
    supysonic::Supysonic,
};

const TIMEOUT: Duration = Duration::from_secs(10);
/// 2024-05-01T12:34:56Z.
const PLAYED: i64 = 1_714_566_896;

fn client(base_url: &str) -> SubsonicClient {
    SubsonicClient::new(base_url, TIMEOUT).unwrap()
}

/// Every album, page after page, until a short page.
async fn all_albums(nd: &Navidrome<'_>, size: u32) -> Vec<AlbumListing> {
    let mut albums = Vec::new();
    loop {
        let page = nd.albums_page(albums.len() as u32, size).await.unwrap();
        let last = page.len() < size.min(ALBUM_PAGE_SIZE) as usize;
        albums.extend(page);
        if last {
            return albums;
        }
    }
}

/// Neither `Display` nor `Debug` of the error shows a secret or a query string.
fn assert_secret_free(err: &ProviderError, secrets: &[&str]) {
    spotter_e2e::assert_secret_free(err, secrets, &["t=", "s=", "p=", "enc:", "?", "http://"]);
}

// ---------------------------------------------------------------------------------
// The fake

#[tokio::test]
async fn fake_artists_and_album_pages_reach_every_album_exactly_once() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(1000, 5, 10)).await;
    let c = client(&fake.base_url());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    let expected = fake.snapshot();

    let artists = nd.artists().await.unwrap();
    assert_eq!(artists.len(), 1000);
    let by_id: HashMap<&str, _> = artists.iter().map(|a| (a.id.as_str(), a)).collect();
    for a in &expected.artists {
        let got = by_id[a.id.as_str()];
        assert_eq!(
            (got.name.as_str(), got.album_count, got.mbid.as_deref()),
            (a.name.as_str(), 5, Some(a.mbid.as_str()))
        );
    }

    let albums = all_albums(&nd, ALBUM_PAGE_SIZE).await;
    assert_eq!(
        fake.requests("getAlbumList2"),
        11,
        "10 full pages and an empty one"
    );
    assert_eq!(albums.len(), 5000);
    let ids: Vec<&str> = albums.iter().map(|a| a.album.id.as_str()).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        5000,
        "no album twice"
    );
    let expected_ids: Vec<&str> = expected.albums.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, expected_ids, "alphabetical order, as served");
    for (got, want) in albums.iter().zip(&expected.albums) {
        let a = &got.album;
        assert_eq!(
            (
                a.name.as_str(),
                a.artist.as_str(),
                a.artist_id.as_deref(),
                a.year,
                a.song_count
            ),
            (
                want.name.as_str(),
                want.artist.as_str(),
                Some(want.artist_id.as_str()),
                Some(i64::from(want.year)),
                10
            )
        );
        assert_eq!(got.played_at, None);
    }
    let prints: HashSet<&str> = albums
        .iter()
        .map(|a| a.album.fingerprint.as_str())
        .collect();
    assert_eq!(prints.len(), 5000, "fingerprints tell albums apart");

    // A size above the cap is capped; a size of 0 asks nothing.
    assert_eq!(nd.albums_page(0, 10_000).await.unwrap().len(), 500);
    let before = fake.requests("getAlbumList2");
    assert!(nd.albums_page(0, 0).await.unwrap().is_empty());
    assert_eq!(fake.requests("getAlbumList2"), before);

    // Small pages over a small library: offsets line up, the last page is short.
    let small = FakeSubsonic::start(FakeLibrary::generate(13, 3, 2)).await;
    let c = client(&small.base_url());
    let nd = Navidrome::new(&c, small.username(), &pw);
    let albums = all_albums(&nd, 7).await;
    assert_eq!(
        small.requests("getAlbumList2"),
        6,
        "5 pages of 7 and one of 4"
    );
    let ids: HashSet<String> = albums.into_iter().map(|a| a.album.id).collect();
    let expected: HashSet<String> = small.snapshot().albums.into_iter().map(|a| a.id).collect();
    assert_eq!((ids.len(), ids), (39, expected));
}

#[tokio::test]
async fn fake_album_songs_parse_every_field() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(3, 2, 10)).await;
    let library = fake.snapshot();
    let played_album = &library.albums[1];
    let played_song = &played_album.songs[3];
    assert!(fake.set_played(&played_song.id, PLAYED));
    assert!(fake.set_played(&played_album.songs[0].id, PLAYED - 3600));

    let c = client(&fake.base_url());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    let mut saw_second_disc = false;
    for album in &library.albums {
        let songs = nd.album_songs(&album.id).await.unwrap();
        assert_eq!(songs.len(), album.songs.len());
        for (got, want) in songs.iter().zip(&album.songs) {
            assert_eq!(
                got.track,
                LibraryTrack {
                    id: want.id.clone(),
                    album_id: album.id.clone(),
                    title: want.title.clone(),
                    artist: want.artist.clone(),
                    album: album.name.clone(),
                    track_no: Some(i64::from(want.track)),
                    disc_no: Some(i64::from(want.disc)),
                    duration_ms: Some(i64::from(want.duration) * 1000),
                    isrc: Some(want.isrc.clone()),
                    mbid: Some(want.mbid.clone()),
                    path: Some(format!(
                        "{}/{}/{:02} {}.mp3",
                        album.artist, album.name, want.track, want.title
                    )),
                }
            );
            saw_second_disc |= want.disc == 2;
            let expected_play = if want.id == played_song.id {
                Some(PLAYED)
            } else if want.id == played_album.songs[0].id {
                Some(PLAYED - 3600)
            } else {
                None
            };
            assert_eq!(got.played_at, expected_play, "{}", want.id);
            assert_eq!(got.listen().map(|l| l.played_at), expected_play);
        }
        assert_eq!(
            nd.album_tracks(&album.id).await.unwrap(),
            songs.into_iter().map(|s| s.track).collect::<Vec<_>>()
        );
    }
    assert!(saw_second_disc);

    // The album's `played` is its latest song play; `recent` lists only played albums.
    let listed = nd.albums_page(0, 500).await.unwrap();
    let listed = listed
        .iter()
        .find(|a| a.album.id == played_album.id)
        .unwrap();
    assert_eq!(listed.played_at, Some(PLAYED));
    let recent = nd.recent_albums(0, 50).await.unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|a| (a.album.id.as_str(), a.played_at))
            .collect::<Vec<_>>(),
        [(played_album.id.as_str(), Some(PLAYED))]
    );
    let listen = nd.album_songs(&played_album.id).await.unwrap()[3]
        .listen()
        .unwrap();
    assert_eq!(listen.source_ref, format!("{}:{PLAYED}", played_song.id));
    assert_eq!(listen.isrc.as_deref(), Some(played_song.isrc.as_str()));
    assert!(nd.now_playing().await.unwrap().is_empty());
}

#[tokio::test]
async fn fake_fingerprints_follow_renames_but_not_plays() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(10, 3, 4)).await;
    let c = client(&fake.base_url());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    let prints = |albums: Vec<AlbumListing>| -> HashMap<String, String> {
        albums
            .into_iter()
            .map(|a| (a.album.id, a.album.fingerprint))
            .collect()
    };
    let before = prints(all_albums(&nd, 500).await);
    assert_eq!(prints(all_albums(&nd, 500).await), before, "stable");

    let library = fake.snapshot();
    let (renamed, played) = (&library.albums[4], &library.albums[7]);
    assert!(fake.rename_track(&renamed.songs[1].id, "A New Title"));
    assert!(fake.set_played(&played.songs[0].id, PLAYED));
    let after = prints(all_albums(&nd, 500).await);
    for (id, print) in &before {
        if *id == renamed.id {
            assert_ne!(after[id], *print, "a renamed song changes its album");
        } else {
            assert_eq!(after[id], *print, "{id} did not change");
        }
    }
    let songs = nd.album_songs(&renamed.id).await.unwrap();
    assert_eq!(songs[1].track.title, "A New Title");

    // A new album (by a new artist) shows up in both listings.
    let added = fake.add_album("Newcomer", "Debut", &["One", "Two", "Three"]);
    let albums = all_albums(&nd, 500).await;
    let listed = albums.iter().find(|a| a.album.id == added).unwrap();
    assert_eq!(
        (listed.album.name.as_str(), listed.album.song_count),
        ("Debut", 3)
    );
    assert!(
        nd.artists()
            .await
            .unwrap()
            .iter()
            .any(|a| a.name == "Newcomer" && a.album_count == 1)
    );
    let titles: Vec<String> = nd
        .album_tracks(&added)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(titles, ["One", "Two", "Three"]);
}

#[tokio::test]
async fn fake_recent_albums_are_ordered_by_latest_play() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(5, 2, 3)).await;
    let library = fake.snapshot();
    for (i, album) in library.albums.iter().take(6).enumerate() {
        // Album i was last played at PLAYED + i: the newest is album 5.
        fake.set_played(&album.songs[0].id, PLAYED - 1000);
        fake.set_played(&album.songs[2].id, PLAYED + i as i64);
    }
    let c = client(&fake.base_url());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    let mut recent = Vec::new();
    for offset in (0..).step_by(4) {
        let page = nd.recent_albums(offset, 4).await.unwrap();
        let done = page.len() < 4;
        recent.extend(page);
        if done {
            break;
        }
    }
    let got: Vec<(&str, Option<i64>)> = recent
        .iter()
        .map(|a| (a.album.id.as_str(), a.played_at))
        .collect();
    let want: Vec<(&str, Option<i64>)> = (0..6)
        .rev()
        .map(|i| (library.albums[i].id.as_str(), Some(PLAYED + i as i64)))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn fake_wrong_password_is_unauthorized_and_fatal() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(2, 1, 1)).await;
    let c = client(&fake.base_url());
    let wrong = "not-the-password&=?";
    for _ in 0..2 {
        let pw = SecretString::new(wrong);
        let err = Navidrome::new(&c, fake.username(), &pw)
            .artists()
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Unauthorized { .. }), "{err:?}");
        assert!(err.is_fatal());
        assert_secret_free(&err, &[wrong, &hex::encode(wrong), fake.password()]);

        let right = SecretString::new(fake.password());
        let err = Navidrome::new(&c, "mallory", &right)
            .album_songs("al-0-0")
            .await
            .unwrap_err();
        assert!(err.is_fatal(), "an unknown user: {err:?}");
        assert_secret_free(&err, &[fake.password(), &hex::encode(fake.password())]);

        // Second round: a server without token auth, through the password fallback.
        fake.disable_token_auth();
    }
    assert!(c.uses_password_auth());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    assert_eq!(nd.album_songs("al-0-0").await.unwrap().len(), 1);
}

#[tokio::test]
async fn fake_failures_map_to_provider_errors() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(2, 1, 1)).await;
    let c = client(&fake.base_url()).with_body_limit(64 * 1024);
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);

    fake.fault(Fault::Status(503));
    let err = nd.albums_page(0, 500).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.is_fatal());

    fake.fault(Fault::MalformedJson);
    let err = nd.album_songs("al-0-0").await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    fake.fault(Fault::Oversized(200 * 1024));
    let err = nd.artists().await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    // A valid envelope without the expected object.
    fake.fault(Fault::Body(
        200,
        r#"{"subsonic-response":{"status":"ok","version":"1.16.1"}}"#.into(),
    ));
    let err = nd.recent_albums(0, 10).await.unwrap_err();
    assert!(matches!(err, ProviderError::Malformed { .. }), "{err:?}");

    fake.fault(Fault::Status(429));
    let err = nd.now_playing().await.unwrap_err();
    assert!(matches!(err, ProviderError::RateLimited { .. }), "{err:?}");

    fake.fault(Fault::Body(200, FakeSubsonic::error_body(0, "boom")));
    let err = nd.artists().await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    assert!(!err.to_string().contains("boom"), "no upstream text: {err}");

    fake.fault(Fault::Delay(Duration::from_millis(50)));
    assert_eq!(
        nd.artists().await.unwrap().len(),
        2,
        "a slow answer is fine"
    );
    assert_eq!(fake.faults().pending(), 0);

    let dead = client("http://127.0.0.1:9");
    let err = Navidrome::new(&dead, fake.username(), &pw)
        .artists()
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
}

#[tokio::test]
async fn fake_album_removed_between_listing_and_fetch_is_empty() {
    let fake = FakeSubsonic::start(FakeLibrary::generate(4, 2, 3)).await;
    let c = client(&fake.base_url());
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, fake.username(), &pw);
    let albums = all_albums(&nd, 500).await;
    let gone = &albums[2].album.id;
    assert!(fake.remove_album(gone));

    let before = fake.requests("getAlbum");
    assert!(nd.album_songs(gone).await.unwrap().is_empty());
    assert!(nd.album_tracks(gone).await.unwrap().is_empty());
    assert_eq!(fake.requests("getAlbum"), before + 2, "it was asked");
    assert_eq!(nd.album_songs(&albums[3].album.id).await.unwrap().len(), 3);

    let relisted = all_albums(&nd, 500).await;
    assert_eq!(relisted.len(), albums.len() - 1);
    assert!(relisted.iter().all(|a| a.album.id != *gone));
}

/// The fake's point: a whole 50,000-track library walks in seconds.
#[tokio::test]
async fn fake_serves_a_50000_track_library_quickly() {
    let started = Instant::now();
    let library = FakeLibrary::generate(1000, 5, 10);
    let generated = started.elapsed();
    assert_eq!(library.track_count(), 50_000);
    let fake = FakeSubsonic::start(library).await;
    let c = client(&fake.base_url());
    let username = fake.username();
    let pw = SecretString::new(fake.password());
    let nd = Navidrome::new(&c, username, &pw);

    let walk = Instant::now();
    let ids: Vec<String> = all_albums(&nd, ALBUM_PAGE_SIZE)
        .await
        .into_iter()
        .map(|a| a.album.id)
        .collect();
    // Four workers, like a sync with bounded concurrency.
    let mut workers = tokio::task::JoinSet::new();
    for chunk in ids.chunks(ids.len().div_ceil(4)) {
        let (c, pw, chunk) = (c.clone(), pw.clone(), chunk.to_vec());
        workers.spawn(async move {
            let nd = Navidrome::new(&c, username, &pw);
            let mut tracks = Vec::new();
            for id in chunk {
                tracks.extend(nd.album_tracks(&id).await.unwrap());
            }
            tracks
        });
    }
    let mut tracks = Vec::new();
    while let Some(part) = workers.join_next().await {
        tracks.extend(part.unwrap());
    }
    let walked = walk.elapsed();
    assert_eq!(tracks.len(), 50_000);
    assert_eq!(
        tracks.iter().map(|t| &t.id).collect::<HashSet<_>>().len(),
        50_000
    );
    assert!(tracks.iter().all(|t| t.isrc.is_some() && t.mbid.is_some()));
    assert_eq!(fake.requests("getAlbum"), 5000);
    eprintln!("generated 50,000 tracks in {generated:?}; listed and fetched them in {walked:?}");
    assert!(
        walked < Duration::from_secs(120),
        "walking the fake took {walked:?}"
    );
}

// ---------------------------------------------------------------------------------
// Real Supysonic

#[tokio::test]
async fn supysonic_library_walk_matches_the_generated_library() {
    let server = tokio::task::spawn_blocking(Supysonic::start).await.unwrap();
    let [alice, _] = server.users();
    let c = client(&server.base_url());
    let pw = SecretString::new(alice.password);
    let nd = Navidrome::new(&c, alice.name, &pw);

    let artists = nd.artists().await.unwrap();
    assert!(c.uses_password_auth(), "Supysonic only takes passwords");
    let mut names: Vec<&str> = artists.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, server.artists());
    assert!(
        artists
            .iter()
            .all(|a| a.album_count == 1 && a.mbid.is_none())
    );

    let albums = all_albums(&nd, ALBUM_PAGE_SIZE).await;
    let names: Vec<&str> = albums.iter().map(|a| a.album.name.as_str()).collect();
    assert_eq!(names, server.albums(), "every album, by name");
    // Offsets on a real server: one album per page.
    let first = nd.albums_page(0, 1).await.unwrap();
    let second = nd.albums_page(1, 1).await.unwrap();
    assert!(nd.albums_page(2, 1).await.unwrap().is_empty());
    assert_eq!(
        [first[0].album.id.as_str(), second[0].album.id.as_str()],
        [albums[0].album.id.as_str(), albums[1].album.id.as_str()]
    );
    // Fingerprints are stable across listings.
    let again = all_albums(&nd, ALBUM_PAGE_SIZE).await;
    assert_eq!(again, albums);

    let mut seen = Vec::new();
    for listing in &albums {
        let a = &listing.album;
        let want: Vec<_> = server
            .library()
            .iter()
            .filter(|t| t.album == a.name)
            .collect();
        assert_eq!(a.artist, want[0].artist);
        assert_eq!(a.year, Some(i64::from(want[0].year)));
        assert_eq!(a.song_count, want.len() as i64);
        assert!(a.artist_id.is_some());
        assert_eq!(listing.played_at, None);

        let songs = nd.album_songs(&a.id).await.unwrap();
        assert_eq!(songs.len(), want.len());
        for (song, t) in songs.iter().zip(&want) {
            let s = &song.track;
            assert_eq!(
                (
                    s.title.as_str(),
                    s.artist.as_str(),
                    s.album.as_str(),
                    s.album_id.as_str()
                ),
                (t.title, t.artist, t.album, a.id.as_str())
            );
            assert_eq!(s.track_no, Some(i64::from(t.track)));
            // The generated files hold about one second of audio.
            assert_eq!(s.duration_ms, Some(1000), "{}", t.title);
            assert_eq!((s.isrc.as_deref(), s.mbid.as_deref()), (None, None));
            assert_eq!(song.played_at, None, "Supysonic does not report `played`");
            seen.push(s.title.clone());
        }
    }
    seen.sort_unstable();
    let mut titles: Vec<&str> = server.library().iter().map(|t| t.title).collect();
    titles.sort_unstable();
    assert_eq!(seen, titles, "every track of the library");

    // An album id Supysonic does not know: error 70, an empty album. Its ids are
    // UUIDs; anything else is a generic error 0 ("ValueError: …"), not a 70.
    let unknown = nd
        .album_songs("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap();
    assert!(unknown.is_empty());
    let err = nd.album_songs("999999").await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { .. }), "{err:?}");
    // Nobody has played anything yet.
    assert!(nd.now_playing().await.unwrap().is_empty());
    assert!(nd.recent_albums(0, 10).await.unwrap().is_empty());

    let wrong = SecretString::new("not-alices-password");
    let err = Navidrome::new(&c, alice.name, &wrong)
        .artists()
        .await
        .unwrap_err();
    assert!(err.is_fatal(), "{err:?}");
    assert_secret_free(&err, &["not-alices-password", alice.password]);
}

#[tokio::test]
async fn supysonic_now_playing_and_recent_albums_after_a_stream() {
    let server = tokio::task::spawn_blocking(Supysonic::start).await.unwrap();
    let [alice, bob] = server.users();
    let c = client(&server.base_url());
    let pw = SecretString::new(alice.password);
    let nd = Navidrome::new(&c, alice.name, &pw);

    let albums = all_albums(&nd, ALBUM_PAGE_SIZE).await;
    let album = albums
        .iter()
        .find(|a| a.album.name == "Other Record")
        .unwrap();
    let songs = nd.album_tracks(&album.album.id).await.unwrap();
    let song = songs.iter().find(|s| s.title == "Closing Time").unwrap();

    let (status, bytes) =
        spotter_e2e::supysonic::stream(server.port(), alice.name, alice.password, &song.id);
    assert_eq!(status, 200, "{}", server.logs());
    assert!(bytes > 10_000, "the audio came back ({bytes} bytes)");

    // Everyone sees what alice is playing, bob included.
    let bob_pw = SecretString::new(bob.password);
    for (user, pw) in [(alice.name, &pw), (bob.name, &bob_pw)] {
        let playing = Navidrome::new(&c, user, pw).now_playing().await.unwrap();
        assert_eq!(playing.len(), 1, "as {user}: {playing:?}");
        let p = &playing[0];
        assert_eq!(p.username, alice.name);
        assert_eq!(p.track.id, song.id);
        assert_eq!(p.track.title, "Closing Time");
        assert_eq!(p.track.album_id, album.album.id);
        assert_eq!(p.track.duration_ms, Some(1000));
        assert!((0..=3).contains(&p.minutes_ago), "{}", p.minutes_ago);
    }

    let recent = nd.recent_albums(0, 10).await.unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|a| a.album.id.as_str())
            .collect::<Vec<_>>(),
        [album.album.id.as_str()]
    );
    // Supysonic keeps plays but does not report them: no `played` anywhere.
    assert_eq!(recent[0].played_at, None);
    assert!(
        nd.album_songs(&album.album.id)
            .await
            .unwrap()
            .iter()
            .all(|s| s.played_at.is_none())
    );
}
