//! Playlists through the real daemon on a temp socket: local playlists edited, files
//! imported (JSPF, M3U8, Exportify CSV) and matched against a library mirrored by a
//! real library sync from the fake Subsonic server, exported and imported again,
//! manual choices kept across re-imports and re-matches, every RPC scoped to its
//! caller, and the limits.

use std::path::{Path, PathBuf};

use spotter_daemon::config::Settings;
use spotter_e2e::{
    Api, Instance, Me,
    fakes::{settings_for, subsonic::FakeSubsonic},
    playlists::{entries, export, import, import_bytes, library_server},
};
use spotter_proto::v1::{
    self, AddEntriesRequest, ClearMatchRequest, CreatePlaylistRequest, DeletePlaylistRequest,
    DuplicatePlaylistRequest, GetCandidatesRequest, GetPlaylistRequest, LinkRequest,
    ListPlaylistsRequest, MatchMethod, MoveEntryRequest, PushRequest, RematchRequest,
    RemoveEntriesRequest, RenamePlaylistRequest, SearchLibraryRequest, SetMatchRequest,
    TakeNavidromeVersionRequest, UnsyncRequest, export_playlist_request::Format,
    get_playlist_request::Filter, set_match_request::Choice,
};
use tonic::{Code, Status};

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/playlists")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn settings(navidrome: &FakeSubsonic) -> Settings {
    let mut s = settings_for(None, None, None);
    s.navidrome.base_url = Some(navidrome.base_url());
    s.sync.max_concurrent_jobs = 1;
    s
}

/// A daemon whose owner's library holds the test library (synced for real).
async fn with_library(adjust: impl FnOnce(&mut Settings)) -> (FakeSubsonic, Instance) {
    let fake = library_server().await;
    let mut s = settings(&fake);
    adjust(&mut s);
    let i = Instance::with_settings(s).await;
    let me = Me::new(&i.api, &i.owner);
    me.connect_navidrome(&i.owner.access_token, fake.username(), fake.password())
        .await;
    me.settle().await;
    assert_eq!(me.summary().await.library_tracks, 12);
    (fake, i)
}

async fn search(api: &Api, token: &str, query: &str) -> Vec<v1::Song> {
    api.playlists_as(token)
        .search_library(SearchLibraryRequest {
            query: query.into(),
            limit: 0,
        })
        .await
        .expect("search")
        .into_inner()
        .songs
}

async fn song_id(api: &Api, token: &str, query: &str) -> String {
    let songs = search(api, token, query).await;
    assert_eq!(songs.len(), 1, "{query}: {songs:#?}");
    songs[0].id.clone()
}

async fn all(api: &Api, token: &str, id: i64) -> (v1::Playlist, Vec<v1::PlaylistEntry>) {
    entries(api, token, id, Filter::All, 200)
        .await
        .expect("get")
}

fn titles(entries: &[v1::PlaylistEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.title.as_str()).collect()
}

fn by_title<'a>(entries: &'a [v1::PlaylistEntry], title: &str) -> &'a v1::PlaylistEntry {
    entries
        .iter()
        .find(|e| e.title == title)
        .unwrap_or_else(|| panic!("no entry {title}: {entries:#?}"))
}

fn method(e: &v1::PlaylistEntry) -> MatchMethod {
    MatchMethod::try_from(e.method).unwrap()
}

fn dense(entries: &[v1::PlaylistEntry]) -> bool {
    entries
        .iter()
        .enumerate()
        .all(|(i, e)| e.position == i as u32)
}

#[tokio::test]
async fn a_local_playlist_is_created_edited_and_deleted() {
    let (_fake, i) = with_library(|_| {}).await;
    let token = &i.owner.access_token;
    let api = &i.api;
    let mut pl = api.playlists_as(token);

    // The library search folds case and diacritics, and finds albums too.
    let desenchantee = song_id(api, token, "mylene DESENCHANTEE").await;
    assert_eq!(search(api, token, "discovery").await.len(), 4);
    assert!(search(api, token, "no such words").await.is_empty());
    let one_more = song_id(api, token, "one more time").await;
    let sexy = song_id(api, token, "sexy boy").await;
    let get_back = song_id(api, token, "get back").await;

    for (name, why) in [
        ("", "empty"),
        ("a\u{1b}[2Jb", "control"),
        (&"n".repeat(1025)[..], "long"),
    ] {
        let e = pl
            .create_playlist(CreatePlaylistRequest {
                name: name.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Code::InvalidArgument, "{why}: {e:?}");
    }
    let created = pl
        .create_playlist(CreatePlaylistRequest {
            name: "Road".into(),
            description: "for the car".into(),
            song_ids: vec![desenchantee.clone(), one_more.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.source, v1::playlist::Source::Local as i32);
    assert!(created.editable);
    assert_eq!((created.entries, created.matched), (2, 2));
    let id = created.id;

    let p = pl
        .add_entries(AddEntriesRequest {
            id,
            song_ids: vec![sexy.clone(), get_back.clone()],
            position: Some(1),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.entries, 4);
    let (_, e) = all(api, token, id).await;
    assert_eq!(
        titles(&e),
        ["Désenchantée", "Sexy Boy", "Get Back", "One More Time"]
    );
    assert!(dense(&e));
    let first = &e[0];
    assert_eq!(method(first), MatchMethod::SongId);
    assert_eq!(first.confidence, 1.0);
    let song = first.song.as_ref().expect("the matched song");
    assert_eq!(
        (song.id.as_str(), song.artist.as_str(), song.album.as_str()),
        (desenchantee.as_str(), "Mylène Farmer", "L'autre...")
    );
    assert!(song.duration_ms > 0);

    // A song not in the caller's library is not found, and nothing is added.
    let e2 = pl
        .add_entries(AddEntriesRequest {
            id,
            song_ids: vec![sexy.clone(), "no-such-song".into()],
            position: None,
        })
        .await
        .unwrap_err();
    assert_eq!(e2.code(), Code::NotFound);
    assert_eq!(all(api, token, id).await.1.len(), 4);

    // Move the last to the front, then the front past the end (clamped).
    pl.move_entry(MoveEntryRequest {
        id,
        entry_id: e[3].id,
        to_position: 0,
    })
    .await
    .unwrap();
    pl.move_entry(MoveEntryRequest {
        id,
        entry_id: e[3].id,
        to_position: 99,
    })
    .await
    .unwrap();
    pl.move_entry(MoveEntryRequest {
        id,
        entry_id: e[2].id,
        to_position: 1,
    })
    .await
    .unwrap();
    let (_, e) = all(api, token, id).await;
    assert_eq!(
        titles(&e),
        ["Désenchantée", "Get Back", "Sexy Boy", "One More Time"]
    );
    assert!(dense(&e));

    let p = pl
        .remove_entries(RemoveEntriesRequest {
            id,
            entry_ids: vec![e[1].id, e[3].id],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.entries, 2);
    let (_, e) = all(api, token, id).await;
    assert_eq!(titles(&e), ["Désenchantée", "Sexy Boy"]);
    assert!(dense(&e));

    let p = pl
        .rename_playlist(RenamePlaylistRequest {
            id,
            name: "Road trip".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(p.name, "Road trip");
    assert_eq!(p.description, "for the car");
    let listed = pl
        .list_playlists(ListPlaylistsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .playlists;
    assert_eq!(listed, vec![p]);

    pl.delete_playlist(DeletePlaylistRequest {
        id,
        delete_from_navidrome: false,
    })
    .await
    .unwrap();
    assert!(
        pl.list_playlists(ListPlaylistsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .playlists
            .is_empty()
    );
    let gone = pl
        .get_playlist(GetPlaylistRequest {
            id,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    i.running.shutdown().await;
}

#[tokio::test]
async fn files_are_imported_matched_listed_unmatched_and_exported_back() {
    let (_fake, i) = with_library(|_| {}).await;
    let token = &i.owner.access_token;
    let api = &i.api;

    // M3U8: #EXTINF names, a plain path named after its file; one song not here.
    let m3u = import(api, token, "road-trip.m3u8", &fixture("road-trip.m3u8")).await;
    assert_eq!((m3u.format.as_str(), m3u.entries, m3u.bad), ("m3u", 4, 0));
    assert_eq!(m3u.matched, 3, "{m3u:?}");
    let (p, e) = all(api, token, m3u.playlist_id).await;
    assert_eq!(p.name, "Road Trip");
    assert_eq!(p.source, v1::playlist::Source::File as i32);
    assert!(p.editable);
    assert_eq!((p.entries, p.matched), (4, 3));
    assert_eq!(by_title(&e, "One More Time").duration_ms, 320_000);
    let missing = by_title(&e, "Not In The Library");
    assert_eq!(method(missing), MatchMethod::None);
    assert!(missing.song.is_none());
    let rick = by_title(&e, "Never Gonna Give You Up");
    assert_eq!(rick.artist, "Rick Astley");
    assert!(rick.song.is_some(), "{rick:?}");

    // JSPF: its title names it; folded names and version suffixes still match; a
    // track that is not an object is reported by its number.
    let jspf = import(api, token, "weekly.jspf", &fixture("weekly.jspf")).await;
    assert_eq!(
        (jspf.format.as_str(), jspf.entries, jspf.bad),
        ("jspf", 4, 1)
    );
    assert_eq!(jspf.bad_rows[0].line, 4);
    assert_eq!(jspf.matched, 3, "{jspf:?}");
    let (p, e) = all(api, token, jspf.playlist_id).await;
    assert_eq!(p.name, "Weekly Jams");
    let mylene = by_title(&e, "Desenchantee");
    assert_eq!(mylene.mbid, "11111111-2222-3333-4444-555555555555");
    assert_eq!(mylene.song.as_ref().unwrap().title, "Désenchantée");
    assert_eq!(
        by_title(&e, "Let It Be - Remastered 2009")
            .song
            .as_ref()
            .unwrap()
            .title,
        "Let It Be"
    );

    // Exportify CSV: the name asked for wins; a row without a title is reported by
    // its line; the unmatched entry is listed, not dropped.
    let csv = import_bytes(api, token, "liked.csv", "Liked", &fixture("liked.csv"), 64)
        .await
        .unwrap();
    let last = csv.last().unwrap();
    assert!(last.done);
    assert_eq!(
        (last.format.as_str(), last.entries, last.bad),
        ("csv", 3, 1)
    );
    assert_eq!(last.bad_rows[0].line, 5);
    assert_eq!(last.matched, 2);
    let csv_id = last.playlist_id;
    let (p, e) = all(api, token, csv_id).await;
    assert_eq!(p.name, "Liked");
    assert_eq!(by_title(&e, "Never Gonna Give You Up").isrc, "GBARL9300135");
    assert_eq!(
        by_title(&e, "Get Lucky (feat. Pharrell Williams)").artist,
        "Daft Punk, Pharrell Williams"
    );
    let (_, unmatched) = entries(api, token, csv_id, Filter::Unmatched, 10)
        .await
        .unwrap();
    assert_eq!(titles(&unmatched), ["Get Lucky (feat. Pharrell Williams)"]);

    // A CSV without the needed columns is a clear error, and no playlist is made.
    let before = api
        .playlists_as(token)
        .list_playlists(ListPlaylistsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .playlists
        .len();
    let err = import_bytes(
        api,
        token,
        "no-title.csv",
        "",
        &fixture("no-title.csv"),
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("no title column"), "{err:?}");
    let err = import_bytes(
        api,
        token,
        "junk.bin",
        "",
        &[0u8, 159, 146, 150, 0xff, 1, 2],
        3,
    )
    .await
    .map(|p| p.last().cloned());
    // Junk is read as a list of paths (one odd entry) or refused; never a crash.
    if let Ok(Some(last)) = err {
        assert!(last.done);
    }
    let after = api
        .playlists_as(token)
        .list_playlists(ListPlaylistsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .playlists
        .len();
    assert!(after <= before + 1);

    // Export round trip: every format reads back with the same entries and matches.
    for (format, name) in [
        (Format::Jspf, "out.jspf"),
        (Format::M3u8, "out.m3u8"),
        (Format::Csv, "out.csv"),
    ] {
        for source in [m3u.playlist_id, jspf.playlist_id, csv_id] {
            let bytes = export(api, token, source, format).await.unwrap();
            let again = import(api, token, name, &bytes).await;
            let (orig_p, orig) = all(api, token, source).await;
            let (copy_p, copy) = all(api, token, again.playlist_id).await;
            let names = |e: &[v1::PlaylistEntry]| {
                e.iter()
                    .map(|e| (e.artist.clone(), e.title.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&copy), names(&orig), "{format:?} of {}", orig_p.name);
            assert_eq!(
                copy_p.matched, orig_p.matched,
                "{format:?} of {}",
                orig_p.name
            );
            if format != Format::Csv {
                assert_eq!(copy_p.name, orig_p.name);
            }
        }
    }
    let m3u8 = String::from_utf8(
        export(api, token, m3u.playlist_id, Format::M3u8)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(m3u8.starts_with("#EXTM3U\n#PLAYLIST:Road Trip\n"), "{m3u8}");
    assert!(
        m3u8.contains("#EXTINF:320,Daft Punk - One More Time\n"),
        "{m3u8}"
    );
    assert!(m3u8.contains("# not in the library\n"), "{m3u8}");
    let csv_text =
        String::from_utf8(export(api, token, csv_id, Format::Csv).await.unwrap()).unwrap();
    assert!(
        csv_text
            .starts_with("Track URI,Track Name,Artist Name(s),Album Name,Track Duration (ms),ISRC"),
        "{csv_text}"
    );
    assert!(csv_text.contains("spotify:track:4uLU6hMCjMI75M1A2tKUQC"));
    let jspf_text = String::from_utf8(
        export(api, token, jspf.playlist_id, Format::Jspf)
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(jspf_text.contains(
        "\"identifier\":[\"https://musicbrainz.org/recording/11111111-2222-3333-4444-555555555555\"]"
    ));
    i.running.shutdown().await;
}

#[tokio::test]
async fn manual_choices_survive_reimport_rematch_and_duplication() {
    let (_fake, i) = with_library(|_| {}).await;
    let token = &i.owner.access_token;
    let api = &i.api;
    let mut pl = api.playlists_as(token);
    let first = import(api, token, "weekly.jspf", &fixture("weekly.jspf")).await;
    let (_, e) = all(api, token, first.playlist_id).await;
    let unknown = by_title(&e, "Unknown Song").clone();
    let kelly = by_title(&e, "Kelly Watch The Stars").clone();
    assert_eq!(method(&unknown), MatchMethod::None);

    // Candidates for an entry come scored, best first.
    let c = pl
        .get_candidates(GetCandidatesRequest {
            playlist_id: first.playlist_id,
            entry_id: kelly.id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(c.entry.unwrap().id, kelly.id);
    assert!(c.candidates.windows(2).all(|w| w[0].score >= w[1].score));

    // "Not in my library" for the unknown song; another song for Kelly.
    let regrets = song_id(api, token, "regrets").await;
    let marked = pl
        .set_match(SetMatchRequest {
            playlist_id: first.playlist_id,
            entry_id: unknown.id,
            choice: Some(Choice::NotInLibrary(true)),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(method(&marked), MatchMethod::NotInLibrary);
    let chosen = pl
        .set_match(SetMatchRequest {
            playlist_id: first.playlist_id,
            entry_id: kelly.id,
            choice: Some(Choice::SongId(regrets.clone())),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(method(&chosen), MatchMethod::Manual);
    assert_eq!(chosen.song.as_ref().unwrap().id, regrets);
    let p = all(api, token, first.playlist_id).await.0;
    assert_eq!((p.matched, p.not_in_library), (3, 1));
    // "Not in my library" entries are neither unmatched nor dropped.
    let (_, unmatched) = entries(api, token, first.playlist_id, Filter::Unmatched, 10)
        .await
        .unwrap();
    assert!(unmatched.is_empty(), "{unmatched:#?}");

    // The same file imported again finds both choices; so does a re-match.
    let second = import(api, token, "weekly.jspf", &fixture("weekly.jspf")).await;
    let rematched = pl
        .rematch(RematchRequest { id: 0 })
        .await
        .unwrap()
        .into_inner();
    assert!(rematched.playlists >= 2, "{rematched:?}");
    for id in [first.playlist_id, second.playlist_id] {
        let (_, e) = all(api, token, id).await;
        assert_eq!(
            method(by_title(&e, "Unknown Song")),
            MatchMethod::NotInLibrary
        );
        let k = by_title(&e, "Kelly Watch The Stars");
        assert_eq!(method(k), MatchMethod::Manual);
        assert_eq!(k.song.as_ref().unwrap().id, regrets);
    }

    // Duplicate as local: an editable copy with the matches.
    let copy = pl
        .duplicate_playlist(DuplicatePlaylistRequest {
            id: second.playlist_id,
            name: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(copy.name, "Weekly Jams (copy)");
    assert_eq!(copy.source, v1::playlist::Source::Local as i32);
    assert_eq!((copy.entries, copy.matched, copy.not_in_library), (4, 3, 1));

    // Clearing the choice matches the entry again at once, in every playlist.
    let cleared = pl
        .clear_match(ClearMatchRequest {
            playlist_id: first.playlist_id,
            entry_id: kelly.id,
        })
        .await
        .unwrap()
        .into_inner();
    assert_ne!(method(&cleared), MatchMethod::Manual);
    assert_eq!(
        cleared.song.as_ref().unwrap().title,
        "Kelly Watch the Stars"
    );
    let (_, e) = all(api, token, second.playlist_id).await;
    assert_eq!(
        by_title(&e, "Kelly Watch The Stars")
            .song
            .as_ref()
            .unwrap()
            .title,
        "Kelly Watch the Stars"
    );
    i.running.shutdown().await;
}

/// Every call naming a playlist or an entry, as `token`; the status of each.
async fn every_call(
    api: &Api,
    token: &str,
    id: i64,
    entry: i64,
    song: &str,
) -> Vec<(&'static str, Code)> {
    let mut pl = api.playlists_as(token);
    let code = |r: Result<(), Status>| r.err().map_or(Code::Ok, |e| e.code());
    let mut out = Vec::new();
    macro_rules! call {
        ($name:literal, $e:expr) => {
            out.push(($name, code($e.await.map(|_| ()))));
        };
    }
    call!(
        "GetPlaylist",
        pl.get_playlist(GetPlaylistRequest {
            id,
            ..Default::default()
        })
    );
    call!(
        "RenamePlaylist",
        pl.rename_playlist(RenamePlaylistRequest {
            id,
            name: "x".into()
        })
    );
    call!(
        "DuplicatePlaylist",
        pl.duplicate_playlist(DuplicatePlaylistRequest {
            id,
            name: String::new()
        })
    );
    call!(
        "AddEntries",
        pl.add_entries(AddEntriesRequest {
            id,
            song_ids: vec![song.into()],
            position: None
        })
    );
    call!(
        "RemoveEntries",
        pl.remove_entries(RemoveEntriesRequest {
            id,
            entry_ids: vec![entry]
        })
    );
    call!(
        "MoveEntry",
        pl.move_entry(MoveEntryRequest {
            id,
            entry_id: entry,
            to_position: 0
        })
    );
    call!(
        "GetCandidates",
        pl.get_candidates(GetCandidatesRequest {
            playlist_id: id,
            entry_id: entry
        })
    );
    call!(
        "SetMatch(song)",
        pl.set_match(SetMatchRequest {
            playlist_id: id,
            entry_id: entry,
            choice: Some(Choice::SongId(song.into()))
        })
    );
    call!(
        "SetMatch(not in library)",
        pl.set_match(SetMatchRequest {
            playlist_id: id,
            entry_id: entry,
            choice: Some(Choice::NotInLibrary(true))
        })
    );
    call!(
        "ClearMatch",
        pl.clear_match(ClearMatchRequest {
            playlist_id: id,
            entry_id: entry
        })
    );
    call!("Rematch", pl.rematch(RematchRequest { id }));
    call!(
        "Push",
        pl.push(PushRequest {
            id,
            name: String::new(),
            overwrite: true
        })
    );
    call!(
        "TakeNavidromeVersion",
        pl.take_navidrome_version(TakeNavidromeVersionRequest { id })
    );
    call!(
        "Link",
        pl.link(LinkRequest {
            id,
            navidrome_playlist_id: "nd-1".into()
        })
    );
    call!(
        "Unsync",
        pl.unsync(UnsyncRequest {
            id,
            delete_from_navidrome: true
        })
    );
    out.push((
        "ExportPlaylist",
        code(export(api, token, id, Format::Jspf).await.map(|_| ())),
    ));
    call!(
        "DeletePlaylist",
        pl.delete_playlist(DeletePlaylistRequest {
            id,
            delete_from_navidrome: true
        })
    );
    out
}

#[tokio::test]
async fn another_user_gets_not_found_for_every_call_naming_a_playlist_or_entry() {
    let (_fake, i) = with_library(|_| {}).await;
    let ann = &i.owner.access_token;
    let api = &i.api;
    let bob_session = i.user("bob").await;
    let bob = &bob_session.access_token;
    let song = song_id(api, ann, "one more time").await;
    let mine = api
        .playlists_as(ann)
        .create_playlist(CreatePlaylistRequest {
            name: "Private".into(),
            description: String::new(),
            song_ids: vec![song.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    let (_, e) = all(api, ann, mine.id).await;
    let entry = e[0].id;
    let imported = import(api, ann, "weekly.jspf", &fixture("weekly.jspf")).await;
    let (_, other_entries) = all(api, ann, imported.playlist_id).await;
    let before = all(api, ann, mine.id).await;

    // Bob: every call naming Ann's playlist (or her entry in it) is NOT_FOUND, as it
    // is for a playlist that does not exist.
    for (rpc, code) in every_call(api, bob, mine.id, entry, &song).await {
        assert_eq!(code, Code::NotFound, "bob calling {rpc} on ann's playlist");
    }
    for (rpc, code) in every_call(api, bob, 987_654, 987_654, &song).await {
        assert_eq!(code, Code::NotFound, "{rpc} on a missing playlist");
    }
    // Ann, naming an entry of another playlist of hers: not found either.
    let mut pl = api.playlists_as(ann);
    let foreign = other_entries[0].id;
    let errs = [
        pl.get_candidates(GetCandidatesRequest {
            playlist_id: mine.id,
            entry_id: foreign,
        })
        .await
        .err(),
        pl.set_match(SetMatchRequest {
            playlist_id: mine.id,
            entry_id: foreign,
            choice: Some(Choice::NotInLibrary(true)),
        })
        .await
        .err(),
        pl.clear_match(ClearMatchRequest {
            playlist_id: mine.id,
            entry_id: foreign,
        })
        .await
        .err(),
        pl.remove_entries(RemoveEntriesRequest {
            id: mine.id,
            entry_ids: vec![foreign],
        })
        .await
        .err(),
        pl.move_entry(MoveEntryRequest {
            id: mine.id,
            entry_id: foreign,
            to_position: 0,
        })
        .await
        .err(),
    ];
    for e in errs {
        assert_eq!(e.expect("refused").code(), Code::NotFound);
    }
    // Nothing of Ann's changed.
    assert_eq!(all(api, ann, mine.id).await, before);
    assert_eq!(all(api, ann, imported.playlist_id).await.1, other_entries);

    // Bob's lists hold nothing of Ann's: no playlists, no songs of her library.
    let mut bob_pl = api.playlists_as(bob);
    assert!(
        bob_pl
            .list_playlists(ListPlaylistsRequest {
                include_inactive: true
            })
            .await
            .unwrap()
            .into_inner()
            .playlists
            .is_empty()
    );
    assert!(search(api, bob, "one more time").await.is_empty());
    assert!(search(api, bob, "daft").await.is_empty());
    // Bob cannot make Ann's song his: it is not in his library.
    let e = bob_pl
        .create_playlist(CreatePlaylistRequest {
            name: "Bob's".into(),
            description: String::new(),
            song_ids: vec![song],
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::NotFound);
    // Rematch of "all" is Bob's all: nothing.
    let r = bob_pl
        .rematch(RematchRequest { id: 0 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((r.playlists, r.entries), (0, 0));
    i.running.shutdown().await;
}

#[tokio::test]
async fn limits_give_clear_errors_and_lose_nothing() {
    let (_fake, i) = with_library(|s| {
        s.playlists.max_import_bytes = 1_024;
        s.playlists.max_entries = 3;
        s.playlists.max_playlists_per_user = 2;
    })
    .await;
    let token = &i.owner.access_token;
    let api = &i.api;
    let mut pl = api.playlists_as(token);

    // A file over the size cap, whether it says so up front or not.
    let big = format!("#EXTM3U\n{}", "#EXTINF:1,A - B\nx.flac\n".repeat(80));
    assert!(big.len() > 1_024);
    let e = import_bytes(api, token, "big.m3u", "", big.as_bytes(), 100)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("playlists.max_import_bytes"), "{e:?}");
    // Too many entries for one playlist.
    let e = import_bytes(
        api,
        token,
        "four.m3u",
        "",
        b"a.flac\nb.flac\nc.flac\nd.flac\n",
        100,
    )
    .await
    .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("playlists.max_entries"), "{e:?}");
    let listed = || async {
        api.playlists_as(token)
            .list_playlists(ListPlaylistsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .playlists
    };
    assert!(listed().await.is_empty(), "a refused import leaves nothing");

    let songs: Vec<String> = search(api, token, "discovery")
        .await
        .into_iter()
        .map(|s| s.id)
        .collect();
    let p = pl
        .create_playlist(CreatePlaylistRequest {
            name: "Three".into(),
            description: String::new(),
            song_ids: songs[..3].to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    let e = pl
        .add_entries(AddEntriesRequest {
            id: p.id,
            song_ids: vec![songs[3].clone()],
            position: Some(0),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("playlists.max_entries"), "{e:?}");
    let (_, kept) = all(api, token, p.id).await;
    assert_eq!(kept.len(), 3);
    assert!(dense(&kept));

    import(api, token, "two.m3u", b"a.flac\n").await;
    let e = pl
        .create_playlist(CreatePlaylistRequest {
            name: "One too many".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert!(e.message().contains("max_playlists_per_user"), "{e:?}");
    let e = pl
        .duplicate_playlist(DuplicatePlaylistRequest {
            id: p.id,
            name: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted);
    assert_eq!(listed().await.len(), 2);
    i.running.shutdown().await;
}

#[tokio::test]
async fn pages_and_filters_walk_a_long_playlist() {
    let (_fake, i) = with_library(|_| {}).await;
    let token = &i.owner.access_token;
    let api = &i.api;
    // 120 entries: every library song 10 times, and an unknown one every 5th.
    let mut m3u = String::from("#EXTM3U\n");
    for n in 0..120 {
        if n % 5 == 0 {
            m3u.push_str(&format!(
                "#EXTINF:100,Nobody {n} - Unknown {n}\nnowhere/{n}.flac\n"
            ));
        } else {
            let (artist, _, titles) = spotter_e2e::playlists::LIBRARY[n % 5];
            m3u.push_str(&format!(
                "#EXTINF:100,{artist} - {}\nx/{n}.flac\n",
                titles[0]
            ));
        }
    }
    let done = import(api, token, "long.m3u", m3u.as_bytes()).await;
    assert_eq!((done.entries, done.matched), (120, 96));
    for page in [1, 7, 50, 1000] {
        let (p, e) = entries(api, token, done.playlist_id, Filter::All, page)
            .await
            .unwrap();
        assert_eq!(e.len(), 120, "page {page}");
        assert!(dense(&e));
        assert_eq!((p.entries, p.matched), (120, 96));
    }
    let (_, unmatched) = entries(api, token, done.playlist_id, Filter::Unmatched, 7)
        .await
        .unwrap();
    assert_eq!(unmatched.len(), 24);
    assert!(
        unmatched
            .iter()
            .all(|e| e.song.is_none() && e.position % 5 == 0)
    );
    let r = api
        .playlists_as(token)
        .get_playlist(GetPlaylistRequest {
            id: done.playlist_id,
            offset: 20,
            limit: 2,
            filter: Filter::Unmatched as i32,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.total, 24);
    assert_eq!(
        r.entries.iter().map(|e| e.position).collect::<Vec<_>>(),
        [100, 105]
    );
    let (p, review) = entries(api, token, done.playlist_id, Filter::Review, 50)
        .await
        .unwrap();
    assert_eq!(review.len() as u32, p.to_review);
    assert!(review.iter().all(|e| e.needs_review));
    i.running.shutdown().await;
}

#[tokio::test]
async fn a_stalled_or_cut_short_upload_imports_nothing() {
    let mut s = Settings::default();
    s.history.import_idle_timeout_secs = 1;
    let i = Instance::with_settings(s).await;
    let token = &i.owner.access_token;
    let api = &i.api;

    // Announced 100 bytes, sent 20, then silence: ended after the idle timeout.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(v1::ImportPlaylistRequest {
        part: Some(v1::import_playlist_request::Part::Start(
            v1::ImportPlaylistStart {
                file_name: "slow.m3u".into(),
                format: String::new(),
                size: 100,
                name: String::new(),
            },
        )),
    })
    .await
    .unwrap();
    tx.send(v1::ImportPlaylistRequest {
        part: Some(v1::import_playlist_request::Part::Chunk(
            b"a.flac\nb.flac\nc.flac\n".to_vec(),
        )),
    })
    .await
    .unwrap();
    let mut stream = api
        .playlists_as(token)
        .import_playlist(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let error = loop {
        match stream.message().await {
            Ok(Some(p)) => assert!(!p.done, "{p:?}"),
            Ok(None) => panic!("the import ended without an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(error.code(), Code::DeadlineExceeded, "{error:?}");
    drop(tx);

    // The stream ends before the bytes announced arrived: nothing is imported.
    let whole = import_bytes(api, token, "whole.m3u", "", b"a.flac\n", 100)
        .await
        .map(|_| ());
    assert!(whole.is_ok(), "a whole file imports: {whole:?}");
    let mut messages = vec![v1::ImportPlaylistRequest {
        part: Some(v1::import_playlist_request::Part::Start(
            v1::ImportPlaylistStart {
                file_name: "short.m3u".into(),
                format: String::new(),
                size: 1_000,
                name: String::new(),
            },
        )),
    }];
    messages.push(v1::ImportPlaylistRequest {
        part: Some(v1::import_playlist_request::Part::Chunk(
            b"x.flac\n".to_vec(),
        )),
    });
    let mut stream = api
        .playlists_as(token)
        .import_playlist(tokio_stream::iter(messages))
        .await
        .unwrap()
        .into_inner();
    let error = loop {
        match stream.message().await {
            Ok(Some(p)) => assert!(!p.done, "{p:?}"),
            Ok(None) => panic!("the import ended without an error"),
            Err(e) => break e,
        }
    };
    assert_eq!(error.code(), Code::Aborted, "{error:?}");
    assert!(error.message().contains("7 of the 1000 bytes"), "{error:?}");
    let listed = api
        .playlists_as(token)
        .list_playlists(ListPlaylistsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .playlists;
    assert_eq!(
        listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["whole"],
        "only the whole file made a playlist"
    );
    i.running.shutdown().await;
}
