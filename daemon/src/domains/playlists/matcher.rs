//! Playlist entries matched to songs of the user's whole library mirror.
//!
//! Per entry, in order: the user's manual choice (kept by entry key across re-syncs
//! and re-matches: a song, or "not in my library"); a library song the entry names
//! itself (a Navidrome playlist, a song added here); a library file an M3U line names;
//! then the track matcher (`music_text::matching`: ISRC, MusicBrainz id, exact, fuzzy).
//!
//! The matcher's index of a user's library is built once per library generation (a
//! library sync that changed something bumps it) and kept for the most recently used
//! `playlists.index_cache_users` users. Building and matching run on the blocking
//! pool: neither holds up the async workers.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex},
};

use unicode_normalization::UnicodeNormalization;

pub use crate::domains::library::store::LibrarySong;
use crate::{
    config::PlaylistsSettings,
    domains::playlists::{
        model::{Method, NewEntry, SourceRef},
        store::{EntryMatch, MatchRow},
    },
    music_text::matching::{self, LibraryIndex, fold::parse_title},
    service::ServiceError,
    store::{Store, StoreError},
};

/// A library song offered for an entry, with its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub song: LibrarySong,
    pub score: f32,
    /// The song is another version (live, remix, demo, …) than the entry names.
    pub version_differs: bool,
}

/// What a (re-)match did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchReport {
    pub playlists: u32,
    pub entries: u32,
    /// Entries with a song after the match.
    pub matched: u32,
    /// Entries whose song changed.
    pub changed: u32,
}

impl std::ops::AddAssign for MatchReport {
    fn add_assign(&mut self, o: MatchReport) {
        self.playlists += o.playlists;
        self.entries += o.entries;
        self.matched += o.matched;
        self.changed += o.changed;
    }
}

/// One user's library, indexed.
struct UserLibrary {
    generation: i64,
    index: LibraryIndex,
    ids: HashSet<Box<str>>,
    /// Folded library path → song id.
    paths: HashMap<String, Box<str>>,
}

/// A path folded for comparison: forward slashes, no `file://`, NFC, lowercase.
fn fold_path(path: &str) -> String {
    let p = path.trim();
    let p = p.strip_prefix("file://").unwrap_or(p);
    p.replace('\\', "/")
        .nfc()
        .collect::<String>()
        .to_lowercase()
}

impl UserLibrary {
    fn build(generation: i64, songs: Vec<LibrarySong>, threshold: f32) -> UserLibrary {
        let mut ids = HashSet::with_capacity(songs.len());
        let mut paths = HashMap::new();
        let matcher_songs: Vec<matching::Song> = songs
            .into_iter()
            .map(|s| {
                ids.insert(Box::from(s.id.as_str()));
                if let Some(p) = s.path.as_deref().filter(|p| !p.trim().is_empty()) {
                    let folded = fold_path(p);
                    paths.insert(
                        folded.trim_start_matches('/').to_owned(),
                        Box::from(s.id.as_str()),
                    );
                }
                matching::Song {
                    id: s.id,
                    artist: s.artist,
                    title: s.title,
                    album: s.album,
                    duration_secs: s
                        .duration_ms
                        .filter(|ms| *ms > 0)
                        .map(|ms| ((ms + 500) / 1000) as u32),
                    isrc: s.isrc,
                    mbid: s.mbid,
                }
            })
            .collect();
        let index = LibraryIndex::build(&matcher_songs).with_threshold(threshold);
        UserLibrary {
            generation,
            index,
            ids,
            paths,
        }
    }

    /// The library song a file path names: the longest trailing part of the path that
    /// is a whole library path ("/home/me/Music/A/B/01.flac" finds "A/B/01.flac").
    fn by_path(&self, path: &str) -> Option<&str> {
        let folded = fold_path(path);
        let parts: Vec<&str> = folded.split('/').filter(|p| !p.is_empty()).collect();
        (0..parts.len()).find_map(|skip| self.paths.get(&parts[skip..].join("/")).map(|id| &**id))
    }

    /// The verdict on one entry, given the user's choice for its key, if any.
    fn decide(&self, row: &MatchRow, choice: Option<&Option<String>>) -> EntryMatch {
        let verdict = |song_id: Option<String>, method: Method, confidence: f32| EntryMatch {
            entry_id: row.id,
            song_id,
            method,
            confidence,
            version_differs: false,
            best_candidate: 0.0,
        };
        match choice {
            Some(None) => return verdict(None, Method::NotInLibrary, 0.0),
            Some(Some(id)) if self.ids.contains(id.as_str()) => {
                return verdict(Some(id.clone()), Method::Manual, 1.0);
            }
            // A chosen song gone from the library: matched automatically meanwhile,
            // the choice kept for when it comes back.
            _ => {}
        }
        let entry = row.entry();
        match &entry.source_ref {
            Some(SourceRef::Song(id)) if self.ids.contains(id.as_str()) => {
                return verdict(Some(id.clone()), Method::SongId, 1.0);
            }
            Some(SourceRef::Path(path)) => {
                if let Some(id) = self.by_path(path) {
                    return verdict(Some(id.to_owned()), Method::Path, 1.0);
                }
            }
            _ => {}
        }
        let m = self.index.match_entry(&entry.to_matcher());
        EntryMatch {
            entry_id: row.id,
            best_candidate: match m.song {
                Some(_) => 0.0,
                None => m.candidates.first().map_or(0.0, |c| c.1),
            },
            song_id: m.song,
            method: Method::of(m.method),
            confidence: m.confidence,
            version_differs: m.version_differs,
        }
    }
}

/// Matches playlists against the library; shared by the domain's service, its
/// sources and Navidrome sync, and the playlist sync job.
pub struct Matcher {
    store: Store,
    threshold: f32,
    capacity: usize,
    /// Most recently used first.
    cache: Mutex<VecDeque<(i64, Arc<UserLibrary>)>>,
    /// One index build at a time (each takes a core for up to a second or so).
    build: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("threshold", &self.threshold)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

fn internal(e: tokio::task::JoinError) -> ServiceError {
    ServiceError::Internal(Box::new(e))
}

impl Matcher {
    pub fn new(store: Store, settings: &PlaylistsSettings) -> Matcher {
        Matcher {
            store,
            threshold: settings.match_threshold,
            capacity: settings.index_cache_users.max(1) as usize,
            cache: Mutex::new(VecDeque::new()),
            build: tokio::sync::Mutex::new(()),
        }
    }

    fn cached(&self, user_id: i64, generation: i64) -> Option<Arc<UserLibrary>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let at = cache.iter().position(|(u, _)| *u == user_id)?;
        let (u, lib) = cache.remove(at)?;
        if lib.generation != generation {
            return None;
        }
        cache.push_front((u, lib.clone()));
        Some(lib)
    }

    /// The user's library index for the current library generation.
    async fn library(&self, user_id: i64) -> Result<Arc<UserLibrary>, ServiceError> {
        let generation = self.store.library_generation(user_id).await?;
        if let Some(lib) = self.cached(user_id, generation) {
            return Ok(lib);
        }
        let _building = self.build.lock().await;
        if let Some(lib) = self.cached(user_id, generation) {
            return Ok(lib);
        }
        let songs = self.store.library_songs(user_id).await?;
        let threshold = self.threshold;
        let lib = Arc::new(
            tokio::task::spawn_blocking(move || UserLibrary::build(generation, songs, threshold))
                .await
                .map_err(internal)?,
        );
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(u, _)| *u != user_id);
        cache.push_front((user_id, lib.clone()));
        cache.truncate(self.capacity);
        Ok(lib)
    }

    /// Matches every entry of the user's playlist and stores the verdicts. `NotFound`
    /// when the playlist is not the user's.
    pub async fn match_playlist(
        &self,
        user_id: i64,
        playlist_id: i64,
    ) -> Result<MatchReport, ServiceError> {
        let lib = self.library(user_id).await?;
        let rows = self.store.entries_to_match(user_id, playlist_id).await?;
        let choices = self
            .store
            .choices_for_playlist(user_id, playlist_id)
            .await?;
        let generation = lib.generation;
        let matches = tokio::task::spawn_blocking(move || {
            rows.iter()
                .map(|r| lib.decide(r, choices.get(&r.entry_key)))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(internal)?;
        let changed = self
            .store
            .write_matches(user_id, playlist_id, generation, &matches)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::NotFound,
                e => e.into(),
            })?;
        Ok(MatchReport {
            playlists: 1,
            entries: matches.len() as u32,
            matched: matches.iter().filter(|m| m.song_id.is_some()).count() as u32,
            changed,
        })
    }

    /// Matches the user's playlists that were matched against an older library (all
    /// of them with `force`).
    pub async fn rematch_user(
        &self,
        user_id: i64,
        force: bool,
    ) -> Result<MatchReport, ServiceError> {
        let generation = self.store.library_generation(user_id).await?;
        let mut report = MatchReport::default();
        for id in self
            .store
            .playlists_to_rematch(user_id, generation, force)
            .await?
        {
            match self.match_playlist(user_id, id).await {
                Ok(r) => report += r,
                // Deleted meanwhile.
                Err(ServiceError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// The best library songs for an entry, best first (at most
    /// [`matching::MAX_CANDIDATES`]).
    pub async fn candidates(
        &self,
        user_id: i64,
        entry: &NewEntry,
    ) -> Result<Vec<Candidate>, ServiceError> {
        let lib = self.library(user_id).await?;
        let m = lib.index.match_entry(&entry.to_matcher());
        let ids: Vec<&str> = m.candidates.iter().map(|(id, _)| id.as_str()).collect();
        let mut songs: HashMap<String, LibrarySong> = self
            .store
            .library_songs_by_id(user_id, &ids)
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        let version = parse_title(&entry.title).version.kind;
        Ok(m.candidates
            .iter()
            .filter_map(|(id, score)| {
                let song = songs.remove(id)?;
                let version_differs = parse_title(&song.title).version.kind != version;
                Some(Candidate {
                    song,
                    score: *score,
                    version_differs,
                })
            })
            .collect())
    }

    /// One song of the user's library, if it exists.
    pub async fn song(
        &self,
        user_id: i64,
        song_id: &str,
    ) -> Result<Option<LibrarySong>, ServiceError> {
        Ok(self
            .store
            .library_songs_by_id(user_id, &[song_id])
            .await?
            .pop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn song(id: &str, artist: &str, title: &str, path: Option<&str>) -> LibrarySong {
        LibrarySong {
            id: id.into(),
            artist: artist.into(),
            title: title.into(),
            album: "Album".into(),
            duration_ms: Some(200_000),
            isrc: None,
            mbid: None,
            path: path.map(Into::into),
        }
    }

    fn row(id: i64, artist: &str, title: &str, source_ref: Option<SourceRef>) -> MatchRow {
        let e = NewEntry {
            artist: artist.into(),
            title: title.into(),
            source_ref,
            ..NewEntry::default()
        };
        MatchRow {
            id,
            artist: e.artist.clone(),
            title: e.title.clone(),
            album: None,
            duration_ms: None,
            isrc: None,
            mbid: None,
            source_ref: e.source_ref.as_ref().map(SourceRef::to_stored),
            entry_key: e.key(),
            song_id: None,
        }
    }

    fn library() -> UserLibrary {
        UserLibrary::build(
            3,
            vec![
                song(
                    "s1",
                    "Portishead",
                    "Roads",
                    Some("Portishead/Dummy/05 Roads.flac"),
                ),
                song("s2", "Portishead", "Glory Box", None),
                song(
                    "s3",
                    "Massive Attack",
                    "Teardrop",
                    Some("Massive Attack/Mezzanine/03 Teardrop.mp3"),
                ),
            ],
            matching::DEFAULT_THRESHOLD,
        )
    }

    #[test]
    fn a_manual_choice_wins_and_not_in_library_is_kept() {
        let lib = library();
        let r = row(1, "Portishead", "Roads", None);
        let chosen = lib.decide(&r, Some(&Some("s2".into())));
        assert_eq!(
            (chosen.song_id.as_deref(), chosen.method),
            (Some("s2"), Method::Manual)
        );
        let refused = lib.decide(&r, Some(&None));
        assert_eq!(
            (refused.song_id, refused.method),
            (None, Method::NotInLibrary)
        );
        // A chosen song no longer in the library: matched automatically meanwhile.
        let gone = lib.decide(&r, Some(&Some("gone".into())));
        assert_eq!(
            (gone.song_id.as_deref(), gone.method),
            (Some("s1"), Method::Exact)
        );
    }

    #[test]
    fn song_ids_and_file_paths_match_directly() {
        let lib = library();
        let by_id = lib.decide(&row(1, "?", "?", Some(SourceRef::Song("s3".into()))), None);
        assert_eq!(
            (by_id.song_id.as_deref(), by_id.method),
            (Some("s3"), Method::SongId)
        );
        let by_path = lib.decide(
            &row(
                2,
                "",
                "",
                Some(SourceRef::Path(
                    r"C:\Music\Portishead\Dummy\05 Roads.flac".into(),
                )),
            ),
            None,
        );
        assert_eq!(
            (by_path.song_id.as_deref(), by_path.method),
            (Some("s1"), Method::Path)
        );
        let url = lib.decide(
            &row(
                3,
                "",
                "",
                Some(SourceRef::Path(
                    "file:///srv/music/massive attack/MEZZANINE/03 Teardrop.mp3".into(),
                )),
            ),
            None,
        );
        assert_eq!(url.song_id.as_deref(), Some("s3"));
        // An unknown id or path falls back to the text.
        let unknown = lib.decide(
            &row(
                4,
                "Portishead",
                "Glory Box",
                Some(SourceRef::Song("nope".into())),
            ),
            None,
        );
        assert_eq!(
            (unknown.song_id.as_deref(), unknown.method),
            (Some("s2"), Method::Exact)
        );
        let nothing = lib.decide(&row(5, "Nobody", "Nothing At All", None), None);
        assert_eq!((nothing.song_id, nothing.method), (None, Method::None));
    }

    mod with_store {
        use super::super::*;
        use crate::domains::identity::users::Role;
        use crate::providers::library::{LibraryAlbum, LibraryTrack};

        async fn setup() -> (Store, i64, i64, tempfile::TempDir) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("t.db")).await.unwrap();
            let ann = store
                .create_account("ann", Role::User, None, false)
                .await
                .unwrap()
                .id;
            let bob = store
                .create_account("bob", Role::User, None, false)
                .await
                .unwrap()
                .id;
            (store, ann, bob, dir)
        }

        async fn set_library(store: &Store, user: i64, run: i64, songs: &[(&str, &str, &str)]) {
            let album = LibraryAlbum {
                id: "al".into(),
                name: "Album".into(),
                artist: "Various".into(),
                artist_id: None,
                year: None,
                song_count: songs.len() as i64,
                fingerprint: format!("{run}"),
            };
            let tracks = songs
                .iter()
                .map(|(id, artist, title)| LibraryTrack {
                    id: (*id).into(),
                    album_id: "al".into(),
                    title: (*title).into(),
                    artist: (*artist).into(),
                    album: "Album".into(),
                    track_no: None,
                    disc_no: None,
                    duration_ms: None,
                    isrc: None,
                    mbid: None,
                })
                .collect();
            store
                .replace_albums(user, run, &[(album, tracks)])
                .await
                .unwrap();
            store.bump_library_generation(user).await.unwrap();
        }

        async fn playlist(store: &Store, user: i64, name: &str) -> i64 {
            let mut tx = store.begin_write().await.unwrap();
            let id = sqlx::query_scalar(
                "INSERT INTO playlists (user_id, name, source, created_at, updated_at, nav_state) \
                 VALUES (?, ?, 'local', 0, 0, 'in_sync') RETURNING id",
            )
            .bind(user)
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
            id
        }

        async fn choose(store: &Store, user: i64, key: &str, song: Option<&str>) {
            let mut tx = store.begin_write().await.unwrap();
            sqlx::query(
                "INSERT OR REPLACE INTO playlist_choices (user_id, entry_key, song_id, chosen_at) \
                 VALUES (?, ?, ?, 0)",
            )
            .bind(user)
            .bind(key)
            .bind(song)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }

        fn entry(artist: &str, title: &str) -> NewEntry {
            NewEntry {
                artist: artist.into(),
                title: title.into(),
                ..NewEntry::default()
            }
        }

        async fn songs(store: &Store, user: i64, pl: i64) -> Vec<(Option<String>, String)> {
            let rows: Vec<(Option<String>, String)> = sqlx::query_as(
                "SELECT song_id, method FROM playlist_entries WHERE user_id = ? AND playlist_id = ? \
                 ORDER BY position",
            )
            .bind(user)
            .bind(pl)
            .fetch_all(store.pool())
            .await
            .unwrap();
            rows
        }

        fn pair(song: Option<&str>, method: &str) -> (Option<String>, String) {
            (song.map(Into::into), method.into())
        }

        #[tokio::test]
        async fn entries_match_the_whole_library_and_choices_survive_a_resync() {
            let (store, ann, bob, _dir) = setup().await;
            set_library(
                &store,
                ann,
                1,
                &[
                    ("s1", "Portishead", "Roads"),
                    ("s2", "Portishead", "Glory Box"),
                ],
            )
            .await;
            let pl = playlist(&store, ann, "Trip").await;
            let entries = [
                entry("Portishead", "Roads"),
                entry("Portishead", "Glory Box - 2014 Remaster"),
                entry("Tricky", "Hell Is Round The Corner"),
            ];
            store.replace_entries(ann, pl, &entries).await.unwrap();
            let matcher = Matcher::new(store.clone(), &PlaylistsSettings::default());
            let report = matcher.match_playlist(ann, pl).await.unwrap();
            assert_eq!((report.entries, report.matched, report.changed), (3, 2, 2));
            assert_eq!(
                songs(&store, ann, pl).await,
                [
                    pair(Some("s1"), "exact"),
                    pair(Some("s2"), "exact"),
                    pair(None, "none")
                ]
            );

            // Choices by entry key: kept when the source gives the list again.
            choose(&store, ann, &entries[0].key(), None).await;
            choose(&store, ann, &entries[2].key(), Some("s2")).await;
            let resynced = [entries[2].clone(), entries[0].clone()];
            store.replace_entries(ann, pl, &resynced).await.unwrap();
            matcher.match_playlist(ann, pl).await.unwrap();
            assert_eq!(
                songs(&store, ann, pl).await,
                [pair(Some("s2"), "manual"), pair(None, "not_in_library")]
            );
            let nav: String = sqlx::query_scalar("SELECT nav_state FROM playlists WHERE id = ?")
                .bind(pl)
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(
                nav, "pending",
                "a pushed playlist whose songs changed is pushed again"
            );

            // Another user: not found, and nothing of ann's touched.
            assert!(matches!(
                matcher.match_playlist(bob, pl).await,
                Err(ServiceError::NotFound)
            ));
            assert!(matches!(
                store.replace_entries(bob, pl, &entries).await,
                Err(StoreError::NotFound)
            ));
            assert_eq!(songs(&store, ann, pl).await.len(), 2);
            assert_eq!(
                matcher.rematch_user(bob, true).await.unwrap(),
                MatchReport::default()
            );
        }

        #[tokio::test]
        async fn a_changed_library_rematches_only_what_is_behind() {
            let (store, ann, _bob, _dir) = setup().await;
            set_library(&store, ann, 1, &[("s1", "Portishead", "Roads")]).await;
            let pl = playlist(&store, ann, "Trip").await;
            store
                .replace_entries(ann, pl, &[entry("Massive Attack", "Teardrop")])
                .await
                .unwrap();
            let matcher = Matcher::new(store.clone(), &PlaylistsSettings::default());
            assert_eq!(matcher.rematch_user(ann, false).await.unwrap().playlists, 1);
            assert_eq!(songs(&store, ann, pl).await, [pair(None, "none")]);
            // Nothing changed since: nothing to do.
            assert_eq!(matcher.rematch_user(ann, false).await.unwrap().playlists, 0);

            set_library(
                &store,
                ann,
                2,
                &[
                    ("s1", "Portishead", "Roads"),
                    ("s9", "Massive Attack", "Teardrop"),
                ],
            )
            .await;
            let report = matcher.rematch_user(ann, false).await.unwrap();
            assert_eq!(
                (report.playlists, report.matched, report.changed),
                (1, 1, 1)
            );
            assert_eq!(songs(&store, ann, pl).await, [pair(Some("s9"), "exact")]);

            let candidates = matcher
                .candidates(ann, &entry("Massive Attack", "Teardrop (Live)"))
                .await
                .unwrap();
            assert_eq!(candidates[0].song.id, "s9");
            assert!(candidates[0].version_differs);
            assert_eq!(
                matcher.song(ann, "s9").await.unwrap().unwrap().title,
                "Teardrop"
            );
            assert_eq!(matcher.song(ann, "nope").await.unwrap(), None);
        }
    }
}
