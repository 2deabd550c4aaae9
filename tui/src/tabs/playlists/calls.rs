//! The Playlists service's calls for the tab. Import and export run whole inside
//! their call: playlist files are small (the daemon caps them), so the dialog
//! waits for the final count instead of following a stream.

use std::path::{Path, PathBuf};

use spotter_proto::v1::{
    ClearMatchRequest, CreatePlaylistRequest, DeletePlaylistRequest, DuplicatePlaylistRequest,
    ExportPlaylistRequest, GetCandidatesRequest, GetPlaylistRequest, ImportPlaylistProgress,
    ImportPlaylistRequest, ImportPlaylistStart, LinkRequest, ListNavidromePlaylistsRequest,
    ListPlaylistsRequest, MoveEntryRequest, PushRequest, RematchRequest, RemoveEntriesRequest,
    RenamePlaylistRequest, SearchLibraryRequest, SetMatchRequest, TakeNavidromeVersionRequest,
    UnsyncRequest, AddEntriesRequest, import_playlist_request, set_match_request,
};
use tokio::io::AsyncWriteExt as _;

use super::state::{Call, Choice, Reply};
use crate::{
    client::{Authenticator, ClientError, DaemonClient, upload::chunked_messages},
    tabs::history::import_stream::expand_tilde,
};

type Result<T = Reply> = std::result::Result<T, ClientError>;

/// Entries fetched per page.
pub const ENTRIES_PAGE: u32 = 200;
/// Library songs a search shows.
pub const SEARCH_LIMIT: u32 = 20;

pub async fn run(client: &DaemonClient, auth: &Authenticator, call: Call) -> Result {
    let p = || client.playlists();
    Ok(match call {
        Call::List => {
            let request = auth.authorize(ListPlaylistsRequest {
                include_inactive: true,
            });
            let response = client
                .within_deadline("ListPlaylists", p().list_playlists(request))
                .await?;
            Reply::Playlists(response.playlists)
        }
        Call::Entries { id, offset } => {
            let request = auth.authorize(GetPlaylistRequest {
                id,
                offset,
                limit: ENTRIES_PAGE,
                filter: 0,
            });
            let response = client
                .within_deadline("GetPlaylist", p().get_playlist(request))
                .await?;
            Reply::Entries {
                playlist: response.playlist.unwrap_or_default(),
                offset,
                entries: response.entries,
                total: response.total,
            }
        }
        Call::Create { name } => {
            let request = auth.authorize(CreatePlaylistRequest {
                name,
                ..Default::default()
            });
            Reply::Created(
                client
                    .within_deadline("CreatePlaylist", p().create_playlist(request))
                    .await?,
            )
        }
        Call::Rename { id, name } => {
            let request = auth.authorize(RenamePlaylistRequest { id, name });
            Reply::Renamed(
                client
                    .within_deadline("RenamePlaylist", p().rename_playlist(request))
                    .await?,
            )
        }
        Call::Delete {
            id,
            name,
            delete_from_navidrome,
        } => {
            let request = auth.authorize(DeletePlaylistRequest {
                id,
                delete_from_navidrome,
            });
            client
                .within_deadline("DeletePlaylist", p().delete_playlist(request))
                .await?;
            Reply::Deleted { id, name }
        }
        Call::Duplicate { id } => {
            let request = auth.authorize(DuplicatePlaylistRequest {
                id,
                name: String::new(),
            });
            Reply::Duplicated(
                client
                    .within_deadline("DuplicatePlaylist", p().duplicate_playlist(request))
                    .await?,
            )
        }
        Call::Rematch { id } => {
            let request = auth.authorize(RematchRequest { id });
            Reply::Rematched(
                client
                    .within_deadline("Rematch", p().rematch(request))
                    .await?,
            )
        }
        Call::Push { id, overwrite } => {
            let request = auth.authorize(PushRequest {
                id,
                name: String::new(),
                overwrite,
            });
            Reply::Pushed(client.within_deadline("Push", p().push(request)).await?)
        }
        Call::TakeNavidromeVersion { id } => {
            let request = auth.authorize(TakeNavidromeVersionRequest { id });
            Reply::TookNavidromeVersion(
                client
                    .within_deadline("TakeNavidromeVersion", p().take_navidrome_version(request))
                    .await?,
            )
        }
        Call::NavidromePlaylists { id } => {
            let request = auth.authorize(ListNavidromePlaylistsRequest {});
            let response = client
                .within_deadline(
                    "ListNavidromePlaylists",
                    p().list_navidrome_playlists(request),
                )
                .await?;
            Reply::NavidromePlaylists {
                id,
                playlists: response.playlists,
            }
        }
        Call::Link { id, navidrome_id } => {
            let request = auth.authorize(LinkRequest {
                id,
                navidrome_playlist_id: navidrome_id,
            });
            Reply::Linked(client.within_deadline("Link", p().link(request)).await?)
        }
        Call::Unsync {
            id,
            delete_from_navidrome,
        } => {
            let request = auth.authorize(UnsyncRequest {
                id,
                delete_from_navidrome,
            });
            Reply::Unsynced(client.within_deadline("Unsync", p().unsync(request)).await?)
        }
        Call::Import { path, name } => Reply::Imported(import(client, auth, &path, name).await?),
        Call::Export { id, format, path } => {
            let (path, bytes) = export(client, auth, id, format, &path).await?;
            Reply::Exported { path, bytes }
        }
        Call::Search { query } => {
            let request = auth.authorize(SearchLibraryRequest {
                query: query.clone(),
                limit: SEARCH_LIMIT,
            });
            let response = client
                .within_deadline("SearchLibrary", p().search_library(request))
                .await?;
            Reply::Found {
                query,
                songs: response.songs,
            }
        }
        Call::Add {
            id,
            song_id,
            position,
        } => {
            let request = auth.authorize(AddEntriesRequest {
                id,
                song_ids: vec![song_id],
                position,
            });
            Reply::Edited(
                client
                    .within_deadline("AddEntries", p().add_entries(request))
                    .await?,
            )
        }
        Call::Remove { id, entry_id } => {
            let request = auth.authorize(RemoveEntriesRequest {
                id,
                entry_ids: vec![entry_id],
            });
            Reply::Edited(
                client
                    .within_deadline("RemoveEntries", p().remove_entries(request))
                    .await?,
            )
        }
        Call::Move { id, entry_id, to } => {
            let request = auth.authorize(MoveEntryRequest {
                id,
                entry_id,
                to_position: to,
            });
            Reply::Edited(
                client
                    .within_deadline("MoveEntry", p().move_entry(request))
                    .await?,
            )
        }
        Call::ReviewAt { id, filter, offset } => {
            let request = auth.authorize(GetPlaylistRequest {
                id,
                offset,
                limit: 1,
                filter: filter as i32,
            });
            let page = client
                .within_deadline("GetPlaylist", p().get_playlist(request))
                .await?;
            let entry = page.entries.into_iter().next();
            let candidates = match &entry {
                Some(entry) => {
                    let request = auth.authorize(GetCandidatesRequest {
                        playlist_id: id,
                        entry_id: entry.id,
                    });
                    client
                        .within_deadline("GetCandidates", p().get_candidates(request))
                        .await?
                        .candidates
                }
                None => Vec::new(),
            };
            Reply::ReviewAt {
                id,
                filter,
                offset,
                total: page.total,
                entry,
                candidates,
            }
        }
        Call::SetMatch {
            playlist_id,
            entry_id,
            choice,
        } => {
            let choice = match choice {
                Choice::Song(id) => set_match_request::Choice::SongId(id),
                Choice::NotInLibrary => set_match_request::Choice::NotInLibrary(true),
            };
            let request = auth.authorize(SetMatchRequest {
                playlist_id,
                entry_id,
                choice: Some(choice),
            });
            Reply::Matched(
                client
                    .within_deadline("SetMatch", p().set_match(request))
                    .await?,
            )
        }
        Call::ClearMatch {
            playlist_id,
            entry_id,
        } => {
            let request = auth.authorize(ClearMatchRequest {
                playlist_id,
                entry_id,
            });
            Reply::Matched(
                client
                    .within_deadline("ClearMatch", p().clear_match(request))
                    .await?,
            )
        }
    })
}

/// A local failure (a file that cannot be read or written), shown like the
/// daemon's refusals: as its sentence.
fn local(message: String) -> ClientError {
    ClientError::Rpc {
        code: tonic::Code::InvalidArgument,
        message,
    }
}

fn typed_path(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    expand_tilde(path.trim(), home.as_deref())
}

/// Streams the file at `path` through `ImportPlaylist`; the daemon's final count.
async fn import(
    client: &DaemonClient,
    auth: &Authenticator,
    path: &str,
    name: String,
) -> Result<ImportPlaylistProgress> {
    let path = typed_path(path);
    let shown = path.display().to_string();
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| local(format!("cannot open {shown}: {e}")))?;
    let meta = file
        .metadata()
        .await
        .map_err(|e| local(format!("cannot read {shown}: {e}")))?;
    if !meta.is_file() {
        return Err(local(format!("{shown} is not a file")));
    }
    let (stream, read) = playlist_file_messages(file, &path, meta.len(), "auto", name);
    let producer = tokio::spawn(read);
    let response = client
        .within_deadline(
            "ImportPlaylist",
            client
                .playlists()
                .import_playlist(auth.authorize(stream)),
        )
        .await;
    let result = async {
        let mut messages = response?;
        loop {
            let progress = messages
                .message()
                .await
                .map_err(|s| ClientError::from_status(client.socket().to_path_buf(), &s))?;
            match progress {
                Some(progress) if progress.done => return Ok(progress),
                Some(_) => {}
                None => {
                    return Err(local(
                        "spotterd ended the import without its final count".into(),
                    ));
                }
            }
        }
    }
    .await;
    producer.abort();
    result
}

/// The messages of one `ImportPlaylist` call for `file` (shared with `spotter
/// playlists import`).
pub fn playlist_file_messages(
    file: tokio::fs::File,
    path: &Path,
    size: u64,
    format: &str,
    name: String,
) -> (
    impl futures::Stream<Item = ImportPlaylistRequest> + Send + 'static,
    impl Future<Output = std::io::Result<()>> + Send + 'static,
) {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let start = ImportPlaylistRequest {
        part: Some(import_playlist_request::Part::Start(ImportPlaylistStart {
            file_name,
            format: format.to_owned(),
            size,
            name,
        })),
    };
    let chunk = |bytes| ImportPlaylistRequest {
        part: Some(import_playlist_request::Part::Chunk(bytes)),
    };
    chunked_messages(file, start, chunk, |_| {})
}

/// Writes the export to `path`; the path as written and its size.
async fn export(
    client: &DaemonClient,
    auth: &Authenticator,
    id: i64,
    format: super::state::ExportFormat,
    path: &str,
) -> Result<(String, u64)> {
    let path = typed_path(path);
    let shown = path.display().to_string();
    let request = auth.authorize(ExportPlaylistRequest {
        id,
        format: format as i32,
    });
    let mut chunks = client
        .within_deadline("ExportPlaylist", client.playlists().export_playlist(request))
        .await?;
    let mut data = Vec::new();
    while let Some(chunk) = chunks
        .message()
        .await
        .map_err(|s| ClientError::from_status(client.socket().to_path_buf(), &s))?
    {
        data.extend_from_slice(&chunk.data);
    }
    let written = async {
        let mut file = tokio::fs::File::create(&path).await?;
        file.write_all(&data).await?;
        file.flush().await
    };
    written
        .await
        .map_err(|e| local(format!("cannot write {shown}: {e}")))?;
    Ok((shown, data.len() as u64))
}
