//! The playlists domain's logic: the caller's playlists, their entries and edits,
//! manual choices, re-matching, export, and the Navidrome actions, always scoped to
//! the caller (another user's playlist or entry is [`ServiceError::NotFound`] exactly
//! like a missing one).

use std::sync::Arc;

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{
    files::{self, Format, Track},
    matcher::{Candidate, MatchReport, Matcher},
    model::{Source, SourceRef},
    navidrome::{NavidromePlaylist, NavidromeSync},
    store::{
        edits::{EditError, EntryFilter, EntryRow, SongRow},
        playlists::{CreateError, PlaylistRow},
    },
};
use crate::{
    config::PlaylistsSettings,
    music_text::{MAX_NAME_BYTES, clean_name, has_control},
    service::ServiceError,
    store::Store,
};

/// The longest description kept, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 4096;
/// Entries read per query when exporting.
const EXPORT_PAGE: u32 = 1_000;
/// Bytes per exported chunk (about).
const EXPORT_CHUNK: usize = 64 * 1024;

/// A manual choice for an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Song(String),
    NotInLibrary,
}

pub struct Playlists {
    pub(super) store: Store,
    pub(super) matcher: Arc<Matcher>,
    navidrome: Arc<NavidromeSync>,
    pub(super) settings: PlaylistsSettings,
}

/// A playlist name as given: 1..=1024 bytes, no control characters.
pub fn check_name(name: &str) -> Result<&str, ServiceError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ServiceError::InvalidArgument(
            "a playlist needs a name".into(),
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(ServiceError::InvalidArgument(format!(
            "a playlist name is at most {MAX_NAME_BYTES} bytes"
        )));
    }
    if has_control(name) {
        return Err(ServiceError::InvalidArgument(
            "a playlist name cannot hold control characters".into(),
        ));
    }
    Ok(name)
}

fn check_description(text: &str) -> Result<&str, ServiceError> {
    let text = text.trim();
    if text.len() > MAX_DESCRIPTION_BYTES {
        return Err(ServiceError::InvalidArgument(format!(
            "a description is at most {MAX_DESCRIPTION_BYTES} bytes"
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ServiceError::InvalidArgument(
            "a description cannot hold control characters".into(),
        ));
    }
    Ok(text)
}

impl From<CreateError> for ServiceError {
    fn from(e: CreateError) -> Self {
        match e {
            too @ CreateError::TooMany { .. } => ServiceError::ResourceExhausted(too.to_string()),
            CreateError::Store(e) => e.into(),
        }
    }
}

impl From<EditError> for ServiceError {
    fn from(e: EditError) -> Self {
        match e {
            too @ EditError::TooManyEntries { .. } => {
                ServiceError::ResourceExhausted(too.to_string())
            }
            no @ EditError::NotEditable => ServiceError::FailedPrecondition(no.to_string()),
            EditError::Store(e) => e.into(),
        }
    }
}

impl Playlists {
    pub fn new(
        store: Store,
        matcher: Arc<Matcher>,
        navidrome: Arc<NavidromeSync>,
        settings: PlaylistsSettings,
    ) -> Playlists {
        Playlists {
            store,
            matcher,
            navidrome,
            settings,
        }
    }

    pub async fn list(
        &self,
        user_id: i64,
        include_inactive: bool,
    ) -> Result<Vec<PlaylistRow>, ServiceError> {
        Ok(self.store.list_playlists(user_id, include_inactive).await?)
    }

    pub async fn playlist(&self, user_id: i64, id: i64) -> Result<PlaylistRow, ServiceError> {
        Ok(self.store.playlist(user_id, id).await?)
    }

    /// A playlist and a page of its (filtered) entries, with the filtered total.
    pub async fn get(
        &self,
        user_id: i64,
        id: i64,
        filter: EntryFilter,
        offset: u32,
        limit: u32,
    ) -> Result<(PlaylistRow, Vec<EntryRow>, u64), ServiceError> {
        let playlist = self.store.playlist(user_id, id).await?;
        let (entries, total) = self
            .store
            .entries_page(user_id, id, filter, offset, limit)
            .await?;
        Ok((playlist, entries, total))
    }

    /// The caller's library songs by id, all of them or `NotFound`.
    async fn songs(&self, user_id: i64, ids: &[String]) -> Result<Vec<SongRow>, ServiceError> {
        if ids.len() as u64 > self.settings.max_entries {
            return Err(EditError::TooManyEntries {
                would: ids.len() as u64,
                limit: self.settings.max_entries,
            }
            .into());
        }
        let songs = self.store.songs_to_add(user_id, ids).await?;
        if songs.len() != ids.len() {
            return Err(ServiceError::NotFound);
        }
        Ok(songs)
    }

    pub async fn create(
        &self,
        user_id: i64,
        name: &str,
        description: &str,
        song_ids: &[String],
    ) -> Result<PlaylistRow, ServiceError> {
        let name = check_name(name)?;
        let description = check_description(description)?;
        let songs = self.songs(user_id, song_ids).await?;
        let id = self
            .store
            .create_playlist(
                user_id,
                name,
                description,
                Source::Local,
                self.settings.max_playlists_per_user,
            )
            .await?;
        if !songs.is_empty() {
            self.store
                .insert_songs(user_id, id, &songs, None, self.settings.max_entries)
                .await?;
        }
        self.playlist(user_id, id).await
    }

    pub async fn rename(
        &self,
        user_id: i64,
        id: i64,
        name: &str,
    ) -> Result<PlaylistRow, ServiceError> {
        let name = check_name(name)?;
        self.store.rename_playlist(user_id, id, name).await?;
        self.playlist(user_id, id).await
    }

    /// Deletes a local or file playlist, dismisses an imported one; with
    /// `delete_from_navidrome`, a pushed playlist is deleted there first.
    pub async fn delete(
        &self,
        user_id: i64,
        id: i64,
        delete_from_navidrome: bool,
    ) -> Result<(), ServiceError> {
        let playlist = self.store.playlist(user_id, id).await?;
        if delete_from_navidrome && playlist.nav_id.is_some() {
            self.navidrome.unsync(user_id, id, true).await?;
        }
        Ok(self.store.delete_playlist(user_id, id).await?)
    }

    pub async fn duplicate(
        &self,
        user_id: i64,
        id: i64,
        name: &str,
    ) -> Result<PlaylistRow, ServiceError> {
        let name = if name.trim().is_empty() {
            let original = self.store.playlist(user_id, id).await?;
            clean_name(&format!("{} (copy)", original.name))
                .text
                .into_owned()
        } else {
            check_name(name)?.to_owned()
        };
        let copy = self
            .store
            .duplicate_playlist(user_id, id, &name, self.settings.max_playlists_per_user)
            .await?;
        self.playlist(user_id, copy).await
    }

    pub async fn add_entries(
        &self,
        user_id: i64,
        id: i64,
        song_ids: &[String],
        position: Option<u32>,
    ) -> Result<PlaylistRow, ServiceError> {
        // The playlist first: another user's is NOT_FOUND whatever the songs are.
        self.store.playlist(user_id, id).await?;
        let songs = self.songs(user_id, song_ids).await?;
        self.store
            .insert_songs(user_id, id, &songs, position, self.settings.max_entries)
            .await?;
        self.playlist(user_id, id).await
    }

    pub async fn remove_entries(
        &self,
        user_id: i64,
        id: i64,
        entry_ids: &[i64],
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.remove_entries(user_id, id, entry_ids).await?;
        self.playlist(user_id, id).await
    }

    pub async fn move_entry(
        &self,
        user_id: i64,
        id: i64,
        entry_id: i64,
        to: u32,
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.move_entry(user_id, id, entry_id, to).await?;
        self.playlist(user_id, id).await
    }

    pub async fn search(
        &self,
        user_id: i64,
        query: &str,
        limit: u32,
    ) -> Result<Vec<SongRow>, ServiceError> {
        if query.len() > MAX_NAME_BYTES {
            return Err(ServiceError::InvalidArgument(format!(
                "a search is at most {MAX_NAME_BYTES} bytes"
            )));
        }
        Ok(self.store.search_library(user_id, query, limit).await?)
    }

    pub async fn candidates(
        &self,
        user_id: i64,
        playlist_id: i64,
        entry_id: i64,
    ) -> Result<(EntryRow, Vec<Candidate>), ServiceError> {
        let entry = self.store.entry(user_id, playlist_id, entry_id).await?;
        let candidates = self
            .matcher
            .candidates(user_id, &entry.to_new_entry())
            .await?;
        Ok((entry, candidates))
    }

    /// Re-matches every playlist of the caller holding the track `entry_key`.
    async fn rematch_key(&self, user_id: i64, entry_key: &str) -> Result<(), ServiceError> {
        for playlist_id in self.store.playlists_with_key(user_id, entry_key).await? {
            self.matcher.match_playlist(user_id, playlist_id).await?;
        }
        Ok(())
    }

    /// Records a manual choice for the entry's track (every playlist of the caller
    /// holding it follows) and returns the entry as matched now.
    pub async fn set_match(
        &self,
        user_id: i64,
        playlist_id: i64,
        entry_id: i64,
        choice: Choice,
    ) -> Result<EntryRow, ServiceError> {
        let entry = self.store.entry(user_id, playlist_id, entry_id).await?;
        let song = match &choice {
            Choice::Song(id) => {
                self.songs(user_id, std::slice::from_ref(id)).await?;
                Some(id.as_str())
            }
            Choice::NotInLibrary => None,
        };
        self.store
            .set_choice(user_id, &entry.entry_key, song)
            .await?;
        self.rematch_key(user_id, &entry.entry_key).await?;
        Ok(self.store.entry(user_id, playlist_id, entry_id).await?)
    }

    pub async fn clear_match(
        &self,
        user_id: i64,
        playlist_id: i64,
        entry_id: i64,
    ) -> Result<EntryRow, ServiceError> {
        let entry = self.store.entry(user_id, playlist_id, entry_id).await?;
        self.store.clear_choice(user_id, &entry.entry_key).await?;
        self.rematch_key(user_id, &entry.entry_key).await?;
        Ok(self.store.entry(user_id, playlist_id, entry_id).await?)
    }

    /// Matches one playlist (`id`) or all of the caller's (`0`) now.
    pub async fn rematch(&self, user_id: i64, id: i64) -> Result<MatchReport, ServiceError> {
        if id == 0 {
            return self.matcher.rematch_user(user_id, true).await;
        }
        self.store.playlist(user_id, id).await?;
        self.matcher.match_playlist(user_id, id).await
    }

    pub async fn push(
        &self,
        user_id: i64,
        id: i64,
        name: &str,
        overwrite: bool,
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.playlist(user_id, id).await?;
        let name = match name.trim() {
            "" => None,
            n => Some(check_name(n)?.to_owned()),
        };
        self.navidrome.push(user_id, id, name, overwrite).await?;
        self.playlist(user_id, id).await
    }

    pub async fn take_navidrome_version(
        &self,
        user_id: i64,
        id: i64,
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.playlist(user_id, id).await?;
        self.navidrome.take_navidrome_version(user_id, id).await?;
        self.playlist(user_id, id).await
    }

    pub async fn navidrome_playlists(
        &self,
        user_id: i64,
    ) -> Result<Vec<NavidromePlaylist>, ServiceError> {
        self.navidrome.list_navidrome_playlists(user_id).await
    }

    pub async fn link(
        &self,
        user_id: i64,
        id: i64,
        navidrome_id: &str,
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.playlist(user_id, id).await?;
        let navidrome_id = navidrome_id.trim();
        if navidrome_id.is_empty() || navidrome_id.len() > 255 || has_control(navidrome_id) {
            return Err(ServiceError::InvalidArgument(
                "name the Navidrome playlist to link to by its id".into(),
            ));
        }
        self.navidrome.link(user_id, id, navidrome_id).await?;
        self.playlist(user_id, id).await
    }

    pub async fn unsync(
        &self,
        user_id: i64,
        id: i64,
        delete_from_navidrome: bool,
    ) -> Result<PlaylistRow, ServiceError> {
        self.store.playlist(user_id, id).await?;
        self.navidrome
            .unsync(user_id, id, delete_from_navidrome)
            .await?;
        self.playlist(user_id, id).await
    }

    /// The playlist as a file in `format`, in chunks of about 64 KiB, read a page of
    /// entries at a time.
    pub async fn export(
        &self,
        user_id: i64,
        id: i64,
        format: Format,
    ) -> Result<impl Stream<Item = Result<Vec<u8>, ServiceError>> + use<>, ServiceError> {
        let playlist = self.store.playlist(user_id, id).await?;
        let (tx, rx) = mpsc::channel(4);
        let store = self.store.clone();
        tokio::spawn(async move {
            let mut writer = files::Writer::new(format);
            let mut buf = writer.begin(&playlist.name);
            let mut offset = 0;
            loop {
                let page = store
                    .entries_page(user_id, id, EntryFilter::All, offset, EXPORT_PAGE)
                    .await;
                let (rows, _) = match page {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                };
                let n = rows.len() as u32;
                for row in rows {
                    buf.push_str(&writer.track(&track_of(row)));
                    if buf.len() >= EXPORT_CHUNK
                        && tx
                            .send(Ok(std::mem::take(&mut buf).into_bytes()))
                            .await
                            .is_err()
                    {
                        return;
                    }
                }
                if n < EXPORT_PAGE {
                    break;
                }
                offset += n;
            }
            buf.push_str(&writer.end());
            let _ = tx.send(Ok(buf.into_bytes())).await;
        });
        Ok(ReceiverStream::new(rx))
    }
}

/// An entry as exported: its own fields, and the matched song's path.
fn track_of(row: EntryRow) -> Track {
    let spotify_id = match row.source_ref.as_deref().and_then(SourceRef::from_stored) {
        Some(SourceRef::Spotify(id)) => Some(id),
        _ => None,
    };
    Track {
        path: row.song_id.as_ref().and(row.song_path),
        artist: row.artist,
        title: row.title,
        album: row.album.unwrap_or_default(),
        duration_ms: row.duration_ms,
        isrc: row.isrc,
        mbid: row.mbid,
        spotify_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_free_of_control_characters() {
        assert_eq!(check_name("  Road trip ").unwrap(), "Road trip");
        assert_eq!(check_name(&"é".repeat(512)).unwrap().len(), 1024);
        for bad in [
            "",
            "   ",
            "a\u{1b}[2Jb",
            "tab\there",
            "c1\u{85}x",
            &"n".repeat(1025),
        ] {
            let e = check_name(bad).unwrap_err();
            assert!(matches!(e, ServiceError::InvalidArgument(_)), "{bad:?}");
        }
        assert_eq!(check_description("two\nlines").unwrap(), "two\nlines");
        assert!(check_description("bell\u{7}").is_err());
        assert!(check_description(&"d".repeat(4097)).is_err());
    }

    #[test]
    fn a_copys_name_is_cut_on_a_character_boundary() {
        let name = format!("{} (copy)", "é".repeat(600));
        let cut = clean_name(&name).text;
        assert!(cut.len() <= MAX_NAME_BYTES);
        assert!(check_name(&cut).is_ok());
        assert_eq!(clean_name("Mix (copy)").text, "Mix (copy)");
    }

    #[test]
    fn an_exported_track_has_its_spotify_id_and_the_matched_songs_path() {
        let row = EntryRow {
            id: 1,
            position: 0,
            artist: "A".into(),
            title: "T".into(),
            album: None,
            duration_ms: Some(1000),
            isrc: None,
            mbid: None,
            source_ref: Some("spotify:abc".into()),
            entry_key: "k".into(),
            song_id: Some("s1".into()),
            method: "exact".into(),
            confidence: 1.0,
            version_differs: false,
            best_candidate: 0.0,
            needs_review: false,
            song_artist: Some("A".into()),
            song_title: Some("T".into()),
            song_album: None,
            song_duration_ms: None,
            song_path: Some("A/T.flac".into()),
        };
        let t = track_of(row.clone());
        assert_eq!(t.spotify_id.as_deref(), Some("abc"));
        assert_eq!(t.path.as_deref(), Some("A/T.flac"));
        // No song (any more): no path, whatever the join left behind.
        let t = track_of(EntryRow {
            song_id: None,
            source_ref: Some("path:/x.flac".into()),
            ..row
        });
        assert_eq!((t.spotify_id, t.path), (None, None));
    }
}
