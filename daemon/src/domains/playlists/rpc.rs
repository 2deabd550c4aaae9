//! `spotter.v1.Playlists`: thin adapters over [`Playlists`], always scoped to the
//! caller's user id from the token.

use std::{pin::Pin, sync::Arc, time::Duration};

use futures::{Stream, StreamExt};
use spotter_proto::v1::{
    self, import_playlist_request::Part, playlists_server::Playlists as PlaylistsRpc,
};
use tonic::{Request, Response, Status, Streaming};

use super::{
    files::Format,
    import::{self, ImportReport},
    matcher::Candidate,
    model::Source,
    service::{Choice, Playlists},
    store::{
        edits::{EntryFilter, EntryRow, SongRow},
        playlists::PlaylistRow,
    },
};
use crate::{
    domains::identity::caller::Caller,
    rpc::upload,
    service::{clamp_page, slots::UserSlots},
};

/// Entries per page of `GetPlaylist`.
pub const DEFAULT_PAGE: u32 = 200;
pub const MAX_PAGE: u32 = 1_000;
/// Songs `SearchLibrary` returns.
pub const DEFAULT_SEARCH: u32 = 20;
pub const MAX_SEARCH: u32 = 100;

pub struct PlaylistsService {
    playlists: Arc<Playlists>,
    imports: UserSlots,
    idle: Duration,
}

impl PlaylistsService {
    /// `max_imports`: imports running at once, all users together; `idle`: how long
    /// an upload may send nothing.
    pub fn new(playlists: Arc<Playlists>, max_imports: usize, idle: Duration) -> PlaylistsService {
        PlaylistsService {
            playlists,
            imports: UserSlots::new("a playlist import", "playlist imports", max_imports),
            idle,
        }
    }
}

fn u32_of(n: i64) -> u32 {
    n.clamp(0, i64::from(u32::MAX)) as u32
}

fn nav_state(s: &str) -> v1::navidrome_sync::State {
    use v1::navidrome_sync::State;
    match s {
        "in_sync" => State::InSync,
        "pending" => State::Pending,
        "changed_in_navidrome" => State::ChangedInNavidrome,
        "missing" => State::Missing,
        "failed" => State::Failed,
        _ => State::NotPushed,
    }
}

pub(crate) fn playlist_to_wire(p: PlaylistRow) -> v1::Playlist {
    let source = p.source();
    v1::Playlist {
        id: p.id,
        editable: source.is_some_and(Source::editable),
        source: source.map_or(v1::playlist::Source::Unspecified, Into::into) as i32,
        state: match p.state.as_str() {
            "inactive" => v1::playlist::State::Inactive,
            _ => v1::playlist::State::Active,
        } as i32,
        name: p.name,
        description: p.description,
        entries: u32_of(p.entries),
        matched: u32_of(p.matched),
        not_in_library: u32_of(p.not_in_library),
        to_review: u32_of(p.to_review),
        navidrome: Some(v1::NavidromeSync {
            state: nav_state(&p.nav_state) as i32,
            playlist_id: p.nav_id.unwrap_or_default(),
            name: p.nav_name.unwrap_or_default(),
            pushed_at: p.nav_pushed_at.unwrap_or(0),
            error: p.nav_error.unwrap_or_default(),
        }),
        created_at: p.created_at,
        updated_at: p.updated_at,
        source_synced_at: p.source_synced_at.unwrap_or(0),
        generated_by_source: p.generated_by_source,
    }
}

fn duration(ms: Option<i64>) -> u32 {
    u32_of(ms.unwrap_or(0))
}

pub(crate) fn entry_to_wire(e: EntryRow) -> v1::PlaylistEntry {
    let method: v1::MatchMethod = e.method().into();
    let song = match (&e.song_id, e.song_title) {
        (Some(id), Some(title)) => Some(v1::Song {
            id: id.clone(),
            artist: e.song_artist.unwrap_or_default(),
            title,
            album: e.song_album.unwrap_or_default(),
            duration_ms: duration(e.song_duration_ms),
        }),
        _ => None,
    };
    v1::PlaylistEntry {
        id: e.id,
        position: u32_of(e.position),
        artist: e.artist,
        title: e.title,
        album: e.album.unwrap_or_default(),
        duration_ms: duration(e.duration_ms),
        isrc: e.isrc.unwrap_or_default(),
        mbid: e.mbid.unwrap_or_default(),
        method: method as i32,
        confidence: e.confidence as f32,
        version_differs: e.version_differs,
        needs_review: e.needs_review,
        song,
    }
}

fn song_to_wire(s: SongRow) -> v1::Song {
    v1::Song {
        id: s.id,
        artist: s.artist,
        title: s.title,
        album: s.album,
        duration_ms: duration(s.duration_ms),
    }
}

fn candidate_to_wire(c: Candidate) -> v1::Candidate {
    v1::Candidate {
        song: Some(v1::Song {
            id: c.song.id,
            artist: c.song.artist,
            title: c.song.title,
            album: c.song.album,
            duration_ms: duration(c.song.duration_ms),
        }),
        score: c.score,
        version_differs: c.version_differs,
    }
}

fn report_to_wire(r: ImportReport) -> v1::ImportPlaylistProgress {
    v1::ImportPlaylistProgress {
        format: r.format,
        bytes_read: r.bytes_read,
        size: r.size,
        entries: r.entries,
        bad: r.bad,
        bad_rows: r
            .bad_rows
            .into_iter()
            .map(|b| v1::BadRow {
                line: b.line,
                reason: b.reason,
            })
            .collect(),
        done: r.done,
        playlist_id: r.playlist_id,
        matched: r.matched,
    }
}

/// Song ids as given: a bounded, non-empty id each.
fn check_song_ids(ids: &[String]) -> Result<(), Status> {
    if ids.iter().any(|id| id.is_empty() || id.len() > 255) {
        return Err(Status::invalid_argument("a song id is 1..=255 bytes"));
    }
    Ok(())
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl PlaylistsRpc for PlaylistsService {
    async fn list_playlists(
        &self,
        request: Request<v1::ListPlaylistsRequest>,
    ) -> Result<Response<v1::ListPlaylistsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let rows = self
            .playlists
            .list(caller.user_id, request.get_ref().include_inactive)
            .await?;
        Ok(Response::new(v1::ListPlaylistsResponse {
            playlists: rows.into_iter().map(playlist_to_wire).collect(),
        }))
    }

    async fn get_playlist(
        &self,
        request: Request<v1::GetPlaylistRequest>,
    ) -> Result<Response<v1::GetPlaylistResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        use v1::get_playlist_request::Filter;
        let filter = match Filter::try_from(r.filter) {
            Ok(Filter::All) => EntryFilter::All,
            Ok(Filter::Unmatched) => EntryFilter::Unmatched,
            Ok(Filter::Review) => EntryFilter::Review,
            Err(_) => return Err(Status::invalid_argument("unknown entry filter")),
        };
        let limit = clamp_page(r.limit, DEFAULT_PAGE, MAX_PAGE);
        let (playlist, entries, total) = self
            .playlists
            .get(caller.user_id, r.id, filter, r.offset, limit)
            .await?;
        Ok(Response::new(v1::GetPlaylistResponse {
            playlist: Some(playlist_to_wire(playlist)),
            entries: entries.into_iter().map(entry_to_wire).collect(),
            total: u32_of(total as i64),
        }))
    }

    async fn create_playlist(
        &self,
        request: Request<v1::CreatePlaylistRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        check_song_ids(&r.song_ids)?;
        let p = self
            .playlists
            .create(caller.user_id, &r.name, &r.description, &r.song_ids)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn rename_playlist(
        &self,
        request: Request<v1::RenamePlaylistRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self.playlists.rename(caller.user_id, r.id, &r.name).await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn delete_playlist(
        &self,
        request: Request<v1::DeletePlaylistRequest>,
    ) -> Result<Response<v1::DeletePlaylistResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        self.playlists
            .delete(caller.user_id, r.id, r.delete_from_navidrome)
            .await?;
        Ok(Response::new(v1::DeletePlaylistResponse {}))
    }

    async fn duplicate_playlist(
        &self,
        request: Request<v1::DuplicatePlaylistRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self
            .playlists
            .duplicate(caller.user_id, r.id, &r.name)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn add_entries(
        &self,
        request: Request<v1::AddEntriesRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        check_song_ids(&r.song_ids)?;
        if r.song_ids.is_empty() {
            return Err(Status::invalid_argument("name at least one song to add"));
        }
        let p = self
            .playlists
            .add_entries(caller.user_id, r.id, &r.song_ids, r.position)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn remove_entries(
        &self,
        request: Request<v1::RemoveEntriesRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        if r.entry_ids.is_empty() {
            return Err(Status::invalid_argument(
                "name at least one entry to remove",
            ));
        }
        let p = self
            .playlists
            .remove_entries(caller.user_id, r.id, &r.entry_ids)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn move_entry(
        &self,
        request: Request<v1::MoveEntryRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self
            .playlists
            .move_entry(caller.user_id, r.id, r.entry_id, r.to_position)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn search_library(
        &self,
        request: Request<v1::SearchLibraryRequest>,
    ) -> Result<Response<v1::SearchLibraryResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let limit = clamp_page(r.limit, DEFAULT_SEARCH, MAX_SEARCH);
        let songs = self
            .playlists
            .search(caller.user_id, &r.query, limit)
            .await?;
        Ok(Response::new(v1::SearchLibraryResponse {
            songs: songs.into_iter().map(song_to_wire).collect(),
        }))
    }

    async fn get_candidates(
        &self,
        request: Request<v1::GetCandidatesRequest>,
    ) -> Result<Response<v1::GetCandidatesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let (entry, candidates) = self
            .playlists
            .candidates(caller.user_id, r.playlist_id, r.entry_id)
            .await?;
        Ok(Response::new(v1::GetCandidatesResponse {
            entry: Some(entry_to_wire(entry)),
            candidates: candidates.into_iter().map(candidate_to_wire).collect(),
        }))
    }

    async fn set_match(
        &self,
        request: Request<v1::SetMatchRequest>,
    ) -> Result<Response<v1::PlaylistEntry>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        use v1::set_match_request::Choice as Wire;
        let choice = match &r.choice {
            Some(Wire::SongId(id)) => {
                check_song_ids(std::slice::from_ref(id))?;
                Choice::Song(id.clone())
            }
            Some(Wire::NotInLibrary(true)) => Choice::NotInLibrary,
            _ => {
                return Err(Status::invalid_argument(
                    "choose a song, or say it is not in your library",
                ));
            }
        };
        let e = self
            .playlists
            .set_match(caller.user_id, r.playlist_id, r.entry_id, choice)
            .await?;
        Ok(Response::new(entry_to_wire(e)))
    }

    async fn clear_match(
        &self,
        request: Request<v1::ClearMatchRequest>,
    ) -> Result<Response<v1::PlaylistEntry>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let e = self
            .playlists
            .clear_match(caller.user_id, r.playlist_id, r.entry_id)
            .await?;
        Ok(Response::new(entry_to_wire(e)))
    }

    async fn rematch(
        &self,
        request: Request<v1::RematchRequest>,
    ) -> Result<Response<v1::RematchResponse>, Status> {
        let caller = Caller::of(&request)?;
        let m = self
            .playlists
            .rematch(caller.user_id, request.get_ref().id)
            .await?;
        Ok(Response::new(v1::RematchResponse {
            playlists: m.playlists,
            entries: m.entries,
            matched: m.matched,
            changed: m.changed,
        }))
    }

    async fn push(
        &self,
        request: Request<v1::PushRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self
            .playlists
            .push(caller.user_id, r.id, &r.name, r.overwrite)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn take_navidrome_version(
        &self,
        request: Request<v1::TakeNavidromeVersionRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let p = self
            .playlists
            .take_navidrome_version(caller.user_id, request.get_ref().id)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn list_navidrome_playlists(
        &self,
        request: Request<v1::ListNavidromePlaylistsRequest>,
    ) -> Result<Response<v1::ListNavidromePlaylistsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let list = self.playlists.navidrome_playlists(caller.user_id).await?;
        Ok(Response::new(v1::ListNavidromePlaylistsResponse {
            playlists: list
                .into_iter()
                .map(|p| v1::NavidromePlaylist {
                    id: p.id,
                    name: p.name,
                    song_count: p.song_count,
                    changed: p.changed,
                    linked_playlist_id: p.linked_playlist_id.unwrap_or(0),
                })
                .collect(),
        }))
    }

    async fn link(
        &self,
        request: Request<v1::LinkRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self
            .playlists
            .link(caller.user_id, r.id, &r.navidrome_playlist_id)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    async fn unsync(
        &self,
        request: Request<v1::UnsyncRequest>,
    ) -> Result<Response<v1::Playlist>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let p = self
            .playlists
            .unsync(caller.user_id, r.id, r.delete_from_navidrome)
            .await?;
        Ok(Response::new(playlist_to_wire(p)))
    }

    type ImportPlaylistStream = BoxStream<v1::ImportPlaylistProgress>;

    async fn import_playlist(
        &self,
        request: Request<Streaming<v1::ImportPlaylistRequest>>,
    ) -> Result<Response<Self::ImportPlaylistStream>, Status> {
        let user_id = Caller::of(&request)?.user_id;
        let idle = self.idle;
        let (start, upload) = upload::receive(
            request.into_inner(),
            idle,
            |m: v1::ImportPlaylistRequest| match m.part {
                Some(Part::Start(s)) => Some(import::ImportStart {
                    file_name: s.file_name,
                    format: s.format,
                    size: s.size,
                    name: s.name,
                }),
                _ => None,
            },
            |m| match m.part {
                Some(Part::Chunk(chunk)) => Some(chunk),
                _ => None,
            },
        )
        .await?;
        let reports = self
            .playlists
            .import(&self.imports, idle, user_id, start, upload)
            .await?;
        Ok(Response::new(Box::pin(reports.map(|report| {
            report.map(report_to_wire).map_err(Status::from)
        }))))
    }

    type ExportPlaylistStream = BoxStream<v1::ExportChunk>;

    async fn export_playlist(
        &self,
        request: Request<v1::ExportPlaylistRequest>,
    ) -> Result<Response<Self::ExportPlaylistStream>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        use v1::export_playlist_request::Format as Wire;
        let format = match Wire::try_from(r.format) {
            Ok(Wire::Unspecified | Wire::Jspf) => Format::Jspf,
            Ok(Wire::M3u8) => Format::M3u,
            Ok(Wire::Csv) => Format::Csv,
            Err(_) => return Err(Status::invalid_argument("unknown export format")),
        };
        let stream = self
            .playlists
            .export(caller.user_id, r.id, format)
            .await?
            .map(|chunk| {
                chunk
                    .map(|data| v1::ExportChunk { data })
                    .map_err(Status::from)
            });
        Ok(Response::new(Box::pin(stream)))
    }
}
