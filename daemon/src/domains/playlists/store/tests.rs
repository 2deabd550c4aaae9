//! Playlist rows, counts, paged and filtered entries, edits (dense positions, all or
//! nothing), choices and the library search, always scoped to one user.

use super::{
    edits::{EditError, EntryFilter, SongRow},
    playlists::CreateError,
};
use crate::{
    domains::{
        identity::users::Role,
        playlists::model::{NewEntry, Source},
    },
    music_text::normalize::match_key,
    store::{Store, StoreError},
};

struct Fixture {
    store: Store,
    ann: i64,
    bob: i64,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).await.unwrap();
    let mut ids = Vec::new();
    for name in ["ann", "bob"] {
        ids.push(
            store
                .create_account(name, Role::User, None, false)
                .await
                .unwrap()
                .id,
        );
    }
    Fixture {
        store,
        ann: ids[0],
        bob: ids[1],
        _dir: dir,
    }
}

async fn add_track(store: &Store, user: i64, id: &str, artist: &str, title: &str, album: &str) {
    sqlx::query(
        "INSERT OR IGNORE INTO library_albums (user_id, id, name, artist, song_count, fingerprint, seen_run)
         VALUES (?, ?, ?, ?, 1, '', 1)",
    )
    .bind(user)
    .bind(album)
    .bind(album)
    .bind(artist)
    .execute(store.writer())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO library_tracks (user_id, id, album_id, title, artist, album, duration_ms, match_key)
         VALUES (?, ?, ?, ?, ?, ?, 200000, ?)",
    )
    .bind(user)
    .bind(id)
    .bind(album)
    .bind(title)
    .bind(artist)
    .bind(album)
    .bind(match_key(artist, title))
    .execute(store.writer())
    .await
    .unwrap();
}

fn song(id: &str) -> SongRow {
    SongRow {
        id: id.into(),
        artist: format!("Artist {id}"),
        title: format!("Title {id}"),
        album: "Album".into(),
        duration_ms: Some(1000),
    }
}

fn entry(title: &str) -> NewEntry {
    NewEntry {
        artist: "Someone".into(),
        title: title.into(),
        ..NewEntry::default()
    }
}

async fn titles(store: &Store, user: i64, playlist: i64) -> Vec<(i64, String)> {
    let (rows, total) = store
        .entries_page(user, playlist, EntryFilter::All, 0, 1000)
        .await
        .unwrap();
    assert_eq!(total as usize, rows.len());
    rows.into_iter().map(|r| (r.position, r.title)).collect()
}

fn positions_dense(rows: &[(i64, String)]) -> bool {
    rows.iter().enumerate().all(|(i, (p, _))| *p == i as i64)
}

#[tokio::test]
async fn edits_keep_positions_dense_and_another_users_ids_are_not_found() {
    let f = fixture().await;
    let s = &f.store;
    let p = s
        .create_playlist(f.ann, "Mix", "", Source::Local, 10)
        .await
        .unwrap();
    s.insert_songs(f.ann, p, &[song("a"), song("b"), song("c")], None, 100)
        .await
        .unwrap();
    s.insert_songs(f.ann, p, &[song("x"), song("y")], Some(1), 100)
        .await
        .unwrap();
    let rows = titles(s, f.ann, p).await;
    let names: Vec<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        names,
        ["Title a", "Title x", "Title y", "Title b", "Title c"]
    );
    assert!(positions_dense(&rows));

    let (page, _) = s
        .entries_page(f.ann, p, EntryFilter::All, 0, 10)
        .await
        .unwrap();
    let id_of = |t: &str| page.iter().find(|r| r.title == t).unwrap().id;
    // Move the first to the end (clamped), then the last to the front.
    s.move_entry(f.ann, p, id_of("Title a"), 99).await.unwrap();
    s.move_entry(f.ann, p, id_of("Title c"), 0).await.unwrap();
    let rows = titles(s, f.ann, p).await;
    let names: Vec<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        names,
        ["Title c", "Title x", "Title y", "Title b", "Title a"]
    );
    assert!(positions_dense(&rows));

    // Bob cannot touch Ann's playlist or entries: not found, and nothing changes.
    let bob = f.bob;
    assert!(matches!(
        s.remove_entries(bob, p, &[id_of("Title x")]).await,
        Err(EditError::Store(StoreError::NotFound))
    ));
    assert!(matches!(
        s.move_entry(bob, p, id_of("Title x"), 0).await,
        Err(EditError::Store(StoreError::NotFound))
    ));
    assert!(matches!(
        s.insert_songs(bob, p, &[song("z")], None, 100).await,
        Err(EditError::Store(StoreError::NotFound))
    ));
    assert!(matches!(
        s.playlist(bob, p).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.entry(bob, p, id_of("Title x")).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.rename_playlist(bob, p, "mine").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_playlist(bob, p).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.duplicate_playlist(bob, p, "copy", 10).await,
        Err(CreateError::Store(StoreError::NotFound))
    ));
    assert!(s.list_playlists(bob, true).await.unwrap().is_empty());

    // An entry of another playlist of the same user is not found either, and a
    // removal naming one is refused whole.
    let other = s
        .create_playlist(f.ann, "Other", "", Source::Local, 10)
        .await
        .unwrap();
    s.insert_songs(f.ann, other, &[song("o")], None, 100)
        .await
        .unwrap();
    let (o, _) = s
        .entries_page(f.ann, other, EntryFilter::All, 0, 10)
        .await
        .unwrap();
    assert!(matches!(
        s.entry(f.ann, p, o[0].id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.remove_entries(f.ann, p, &[id_of("Title x"), o[0].id])
            .await,
        Err(EditError::Store(StoreError::NotFound))
    ));
    assert_eq!(titles(s, f.ann, p).await.len(), 5);

    s.remove_entries(f.ann, p, &[id_of("Title x"), id_of("Title b")])
        .await
        .unwrap();
    let rows = titles(s, f.ann, p).await;
    let names: Vec<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(names, ["Title c", "Title y", "Title a"]);
    assert!(positions_dense(&rows));
}

#[tokio::test]
async fn limits_refuse_and_keep_what_was_there() {
    let f = fixture().await;
    let s = &f.store;
    let p = s
        .create_playlist(f.ann, "One", "", Source::Local, 2)
        .await
        .unwrap();
    s.create_playlist(f.ann, "Two", "", Source::File, 2)
        .await
        .unwrap();
    let too_many = s
        .create_playlist(f.ann, "Three", "", Source::Local, 2)
        .await
        .unwrap_err();
    assert!(too_many.to_string().contains("max_playlists_per_user"));
    // Another user has a limit of their own.
    s.create_playlist(f.bob, "Bob's", "", Source::Local, 2)
        .await
        .unwrap();

    s.insert_songs(f.ann, p, &[song("a"), song("b")], None, 3)
        .await
        .unwrap();
    let err = s
        .insert_songs(f.ann, p, &[song("c"), song("d")], None, 3)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        EditError::TooManyEntries { would: 4, limit: 3 }
    ));
    assert_eq!(titles(s, f.ann, p).await.len(), 2);
}

#[tokio::test]
async fn counts_filters_and_paging() {
    let f = fixture().await;
    let s = &f.store;
    let p = s
        .create_playlist(f.ann, "Imported", "", Source::File, 10)
        .await
        .unwrap();
    let entries: Vec<NewEntry> = (0..6).map(|i| entry(&format!("T{i}"))).collect();
    s.replace_entries(f.ann, p, &entries).await.unwrap();
    // T0 matched exactly, T1 fuzzy and unsure, T2 another version, T3 unmatched with
    // a candidate, T4 not in the library, T5 unmatched without candidates.
    for (title, song, method, confidence, version, best) in [
        ("T0", Some("s0"), "exact", 1.0, 0, 0.0),
        ("T1", Some("s1"), "fuzzy", 0.75, 0, 0.0),
        ("T2", Some("s2"), "fuzzy", 0.95, 1, 0.0),
        ("T3", None, "none", 0.0, 0, 0.6),
        ("T4", None, "not_in_library", 0.0, 0, 0.0),
    ] {
        sqlx::query(
            "UPDATE playlist_entries SET song_id = ?, method = ?, confidence = ?,
             version_differs = ?, best_candidate = ? WHERE title = ? AND playlist_id = ?",
        )
        .bind(song)
        .bind(method)
        .bind(confidence)
        .bind(version)
        .bind(best)
        .bind(title)
        .bind(p)
        .execute(s.writer())
        .await
        .unwrap();
    }
    let row = s.playlist(f.ann, p).await.unwrap();
    assert_eq!(
        (row.entries, row.matched, row.not_in_library, row.to_review),
        (6, 3, 1, 3)
    );
    let listed = s.list_playlists(f.ann, false).await.unwrap();
    assert_eq!(listed, vec![row]);

    let filtered = |filter| async move {
        let (rows, total) = s.entries_page(f.ann, p, filter, 0, 100).await.unwrap();
        (rows.into_iter().map(|r| r.title).collect::<Vec<_>>(), total)
    };
    assert_eq!(
        filtered(EntryFilter::Unmatched).await,
        (vec!["T3".to_owned(), "T5".to_owned()], 2)
    );
    assert_eq!(
        filtered(EntryFilter::Review).await,
        (vec!["T1".into(), "T2".into(), "T3".into()], 3)
    );
    let (page, total) = s
        .entries_page(f.ann, p, EntryFilter::All, 2, 3)
        .await
        .unwrap();
    assert_eq!(total, 6);
    assert_eq!(
        page.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(),
        ["T2", "T3", "T4"]
    );
    assert!(page[0].needs_review && page[1].needs_review && !page[2].needs_review);
}

#[tokio::test]
async fn delete_removes_local_playlists_and_dismisses_imported_ones() {
    let f = fixture().await;
    let s = &f.store;
    let local = s
        .create_playlist(f.ann, "Local", "", Source::Local, 10)
        .await
        .unwrap();
    s.delete_playlist(f.ann, local).await.unwrap();
    let gone: i64 = sqlx::query_scalar("SELECT count(*) FROM playlists WHERE id = ?")
        .bind(local)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(gone, 0);

    let imported: i64 = sqlx::query_scalar(
        "INSERT INTO playlists (user_id, name, source, source_ref, created_at, updated_at)
         VALUES (?, 'Discover', 'spotify', 'sp1', 0, 0) RETURNING id",
    )
    .bind(f.ann)
    .fetch_one(s.writer())
    .await
    .unwrap();
    s.replace_entries(f.ann, imported, &[entry("a")])
        .await
        .unwrap();
    assert!(matches!(
        s.insert_songs(f.ann, imported, &[song("x")], None, 10)
            .await,
        Err(EditError::NotEditable)
    ));
    // "Duplicate as local" copies entries and their matches.
    sqlx::query("UPDATE playlist_entries SET song_id = 'x', method = 'manual', confidence = 1")
        .execute(s.writer())
        .await
        .unwrap();
    let copy = s
        .duplicate_playlist(f.ann, imported, "Mine", 10)
        .await
        .unwrap();
    let (rows, _) = s
        .entries_page(f.ann, copy, EntryFilter::All, 0, 10)
        .await
        .unwrap();
    assert_eq!(rows[0].song_id.as_deref(), Some("x"));
    assert_eq!(rows[0].method, "manual");
    assert!(s.playlist(f.ann, copy).await.unwrap().editable());

    s.delete_playlist(f.ann, imported).await.unwrap();
    let state: String = sqlx::query_scalar("SELECT state FROM playlists WHERE id = ?")
        .bind(imported)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(state, "dismissed");
    assert!(matches!(
        s.playlist(f.ann, imported).await,
        Err(StoreError::NotFound)
    ));
    let listed: Vec<i64> = s
        .list_playlists(f.ann, true)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(listed, [copy]);
}

#[tokio::test]
async fn the_library_search_is_folded_bounded_and_scoped() {
    let f = fixture().await;
    let s = &f.store;
    add_track(s, f.ann, "1", "Mylène Farmer", "Désenchantée", "L'autre...").await;
    add_track(s, f.ann, "2", "Daft Punk", "One More Time", "Discovery").await;
    add_track(s, f.ann, "3", "Daft Punk", "Aerodynamic", "Discovery").await;
    add_track(s, f.bob, "4", "Daft Punk", "Digital Love", "Discovery").await;
    let ids = |rows: Vec<SongRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s
            .search_library(f.ann, "mylene DESENCHANTEE", 20)
            .await
            .unwrap()),
        ["1"]
    );
    let mut daft = ids(s.search_library(f.ann, "daft", 20).await.unwrap());
    daft.sort();
    assert_eq!(daft, ["2", "3"]);
    assert_eq!(
        ids(s.search_library(f.ann, "discovery one", 20).await.unwrap()),
        ["2"]
    );
    assert_eq!(s.search_library(f.ann, "daft", 1).await.unwrap().len(), 1);
    assert!(
        s.search_library(f.ann, "digital", 20)
            .await
            .unwrap()
            .is_empty()
    );
    // Wildcards are text.
    assert!(s.search_library(f.ann, "%", 20).await.unwrap().is_empty());
    assert!(s.search_library(f.ann, "  ", 20).await.unwrap().is_empty());
    // Songs to add: another user's id is left out.
    let found = s
        .songs_to_add(f.ann, &["2".into(), "4".into(), "1".into()])
        .await
        .unwrap();
    assert_eq!(ids(found), ["2", "1"]);
}

#[tokio::test]
async fn choices_are_per_user_and_found_by_key() {
    let f = fixture().await;
    let s = &f.store;
    let p = s
        .create_playlist(f.ann, "P", "", Source::File, 10)
        .await
        .unwrap();
    let e = entry("Song");
    s.replace_entries(f.ann, p, std::slice::from_ref(&e))
        .await
        .unwrap();
    assert_eq!(s.playlists_with_key(f.ann, &e.key()).await.unwrap(), [p]);
    assert!(
        s.playlists_with_key(f.bob, &e.key())
            .await
            .unwrap()
            .is_empty()
    );
    s.set_choice(f.ann, &e.key(), Some("x")).await.unwrap();
    s.set_choice(f.ann, &e.key(), None).await.unwrap();
    let choice: Option<Option<String>> = sqlx::query_scalar(
        "SELECT song_id FROM playlist_choices WHERE user_id = ? AND entry_key = ?",
    )
    .bind(f.ann)
    .bind(e.key())
    .fetch_optional(s.pool())
    .await
    .unwrap();
    assert_eq!(choice, Some(None));
    s.clear_choice(f.ann, &e.key()).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM playlist_choices")
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(left, 0);
}

mod sources {
    use std::collections::HashSet;

    use super::*;
    use crate::domains::playlists::store::sources::{SourcePlaylist, Upserted};

    fn listed(source_ref: &str, name: &str) -> SourcePlaylist {
        SourcePlaylist {
            source_ref: source_ref.into(),
            name: name.into(),
            description: String::new(),
            generated: false,
        }
    }

    async fn state(store: &Store, id: i64) -> (String, String) {
        sqlx::query_as("SELECT name, state FROM playlists WHERE id = ?")
            .bind(id)
            .fetch_one(store.pool())
            .await
            .unwrap()
    }

    fn followed(u: Upserted) -> (i64, bool) {
        match u {
            Upserted::Follow { id, created } => (id, created),
            Upserted::Dismissed => panic!("dismissed"),
        }
    }

    #[tokio::test]
    async fn a_source_playlist_is_one_row_per_user_renamed_in_place_and_never_resurrected() {
        let f = fixture().await;
        let s = &f.store;
        let (id, created) = followed(
            s.upsert_source_playlist(f.ann, Source::Spotify, &listed("p1", "Road"))
                .await
                .unwrap(),
        );
        assert!(created);
        let again = s
            .upsert_source_playlist(f.ann, Source::Spotify, &listed("p1", "Road trip"))
            .await
            .unwrap();
        assert_eq!(followed(again), (id, false));
        assert_eq!(state(s, id).await, ("Road trip".into(), "active".into()));
        // The same source id is another row for another user, and another source.
        let (bobs, _) = followed(
            s.upsert_source_playlist(f.bob, Source::Spotify, &listed("p1", "Bob's"))
                .await
                .unwrap(),
        );
        let (lbs, _) = followed(
            s.upsert_source_playlist(f.ann, Source::ListenBrainz, &listed("p1", "LB"))
                .await
                .unwrap(),
        );
        assert_eq!(HashSet::from([id, bobs, lbs]).len(), 3);
        assert_eq!(state(s, id).await.0, "Road trip");

        // Dismissed by the user: left alone, whatever the source says.
        s.delete_playlist(f.ann, id).await.unwrap();
        assert_eq!(state(s, id).await.1, "dismissed");
        let dismissed = s
            .upsert_source_playlist(f.ann, Source::Spotify, &listed("p1", "Road trip 2"))
            .await
            .unwrap();
        assert_eq!(dismissed, Upserted::Dismissed);
        assert_eq!(state(s, id).await, ("Road trip".into(), "dismissed".into()));
        assert_eq!(s.playlist_count(f.ann).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn unlisted_playlists_become_inactive_and_come_back_when_listed_again() {
        let f = fixture().await;
        let s = &f.store;
        let mut ids = Vec::new();
        for r in ["a", "b", "c"] {
            ids.push(
                followed(
                    s.upsert_source_playlist(f.ann, Source::Spotify, &listed(r, r))
                        .await
                        .unwrap(),
                )
                .0,
            );
        }
        let (bobs, _) = followed(
            s.upsert_source_playlist(f.bob, Source::Spotify, &listed("a", "a"))
                .await
                .unwrap(),
        );
        s.delete_playlist(f.ann, ids[2]).await.unwrap();

        // A complete listing holding only "b": "a" goes inactive; the dismissed "c"
        // stays dismissed; bob's "a" is not ann's business.
        let only_b = HashSet::from(["b".to_string()]);
        let gone = s
            .deactivate_unlisted(f.ann, Source::Spotify, &only_b)
            .await
            .unwrap();
        assert_eq!(gone, 1);
        assert_eq!(state(s, ids[0]).await.1, "inactive");
        assert_eq!(state(s, ids[1]).await.1, "active");
        assert_eq!(state(s, ids[2]).await.1, "dismissed");
        assert_eq!(state(s, bobs).await.1, "active");
        // Listing it again changes nothing more.
        let again = s
            .deactivate_unlisted(f.ann, Source::Spotify, &only_b)
            .await
            .unwrap();
        assert_eq!(again, 0);

        let back = s
            .upsert_source_playlist(f.ann, Source::Spotify, &listed("a", "a"))
            .await
            .unwrap();
        assert_eq!(followed(back), (ids[0], false));
        assert_eq!(state(s, ids[0]).await.1, "active");
    }

    #[tokio::test]
    async fn source_text_is_stored_clean_and_bounded() {
        let f = fixture().await;
        let s = &f.store;
        let hostile = SourcePlaylist {
            source_ref: "r".repeat(1_000),
            name: format!("Evil\u{1b}]0;x\u{7}{}", "n".repeat(5_000)),
            description: "d".repeat(10_000),
            generated: true,
        };
        let (id, _) = followed(
            s.upsert_source_playlist(f.ann, Source::Spotify, &hostile)
                .await
                .unwrap(),
        );
        let (name, description, source_ref): (String, String, String) =
            sqlx::query_as("SELECT name, description, source_ref FROM playlists WHERE id = ?")
                .bind(id)
                .fetch_one(s.pool())
                .await
                .unwrap();
        assert!(name.starts_with("Evil]0;x"), "{name:?}");
        assert!(!name.chars().any(char::is_control));
        assert_eq!(name.chars().count(), 1_024);
        assert_eq!(description.len(), 4_096);
        assert_eq!(source_ref.len(), 255);
        let blank = s
            .upsert_source_playlist(f.ann, Source::Spotify, &listed("blank", " \u{0} "))
            .await
            .unwrap();
        assert_eq!(state(s, followed(blank).0).await.0, "Untitled");
    }

    #[tokio::test]
    async fn pushed_navidrome_playlists_are_the_callers_only() {
        let f = fixture().await;
        let s = &f.store;
        for (user, nav) in [(f.ann, "nd-1"), (f.bob, "nd-2")] {
            sqlx::query(
                "INSERT INTO playlists (user_id, name, source, created_at, updated_at, nav_id) \
                 VALUES (?, 'x', 'local', 0, 0, ?)",
            )
            .bind(user)
            .bind(nav)
            .execute(s.writer())
            .await
            .unwrap();
        }
        let ann: Vec<String> = s
            .navidrome_targets(f.ann)
            .await
            .unwrap()
            .into_keys()
            .collect();
        assert_eq!(ann, ["nd-1"]);
    }
}
