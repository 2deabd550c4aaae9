//! The Playlists calls the playlist tests make: a client as one user, file import as
//! a stream of chunks, export gathered into one file, and a library to match against
//! (a fake Subsonic server with known songs, mirrored by a real library sync).

use spotter_proto::v1::{
    self, ExportPlaylistRequest, GetPlaylistRequest, ImportPlaylistProgress, ImportPlaylistRequest,
    ImportPlaylistStart, export_playlist_request::Format, get_playlist_request::Filter,
    import_playlist_request::Part, playlists_client::PlaylistsClient,
};
use tokio_stream::StreamExt;
use tonic::Status;

use crate::{
    Api, Authed,
    fakes::subsonic::{FakeLibrary, FakeSubsonic},
};

impl Api {
    pub fn playlists_as(&self, token: &str) -> PlaylistsClient<Authed> {
        PlaylistsClient::with_interceptor(self.channel.clone(), crate::Bearer(token.into()))
    }
}

/// The songs of [`library_server`]'s library: (artist, album, titles).
pub const LIBRARY: &[(&str, &str, &[&str])] = &[
    (
        "Daft Punk",
        "Discovery",
        &[
            "One More Time",
            "Aerodynamic",
            "Digital Love",
            "Harder, Better, Faster, Stronger",
        ],
    ),
    ("Mylène Farmer", "L'autre...", &["Désenchantée", "Regrets"]),
    (
        "Air",
        "Moon Safari",
        &["La femme d'argent", "Sexy Boy", "Kelly Watch the Stars"],
    ),
    (
        "Rick Astley",
        "Whenever You Need Somebody",
        &["Never Gonna Give You Up"],
    ),
    ("The Beatles", "Let It Be", &["Let It Be", "Get Back"]),
];

/// A fake Subsonic server holding exactly [`LIBRARY`].
pub async fn library_server() -> FakeSubsonic {
    let fake = FakeSubsonic::start(FakeLibrary::default()).await;
    for (artist, album, titles) in LIBRARY {
        fake.add_album(artist, album, titles);
    }
    fake
}

/// Streams `bytes` through `ImportPlaylist` in `chunk`-byte messages; every progress
/// message, or the error the stream ended with.
pub async fn import_bytes(
    api: &Api,
    token: &str,
    file_name: &str,
    name: &str,
    bytes: &[u8],
    chunk: usize,
) -> Result<Vec<ImportPlaylistProgress>, Status> {
    let mut messages = vec![ImportPlaylistRequest {
        part: Some(Part::Start(ImportPlaylistStart {
            file_name: file_name.into(),
            format: String::new(),
            size: bytes.len() as u64,
            name: name.into(),
        })),
    }];
    messages.extend(bytes.chunks(chunk.max(1)).map(|c| ImportPlaylistRequest {
        part: Some(Part::Chunk(c.to_vec())),
    }));
    let mut stream = api
        .playlists_as(token)
        .import_playlist(tokio_stream::iter(messages))
        .await?
        .into_inner();
    let mut out = Vec::new();
    while let Some(message) = stream.next().await {
        out.push(message?);
    }
    Ok(out)
}

/// Imports `bytes` and returns the final report (which must say `done`).
pub async fn import(
    api: &Api,
    token: &str,
    file_name: &str,
    bytes: &[u8],
) -> ImportPlaylistProgress {
    let progress = import_bytes(api, token, file_name, "", bytes, 100)
        .await
        .unwrap_or_else(|e| panic!("import {file_name}: {e:?}"));
    let last = progress.last().cloned().expect("a final report");
    assert!(
        last.done,
        "{file_name}: the last message is the final report"
    );
    assert!(last.playlist_id > 0, "{last:?}");
    last
}

/// The playlist exported in `format`, as one file.
pub async fn export(api: &Api, token: &str, id: i64, format: Format) -> Result<Vec<u8>, Status> {
    let mut stream = api
        .playlists_as(token)
        .export_playlist(ExportPlaylistRequest {
            id,
            format: format as i32,
        })
        .await?
        .into_inner();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend(chunk?.data);
    }
    Ok(out)
}

/// Every entry of the playlist passing `filter`, read a page of `page` at a time.
pub async fn entries(
    api: &Api,
    token: &str,
    id: i64,
    filter: Filter,
    page: u32,
) -> Result<(v1::Playlist, Vec<v1::PlaylistEntry>), Status> {
    let mut out = Vec::new();
    loop {
        let r = api
            .playlists_as(token)
            .get_playlist(GetPlaylistRequest {
                id,
                offset: out.len() as u32,
                limit: page,
                filter: filter as i32,
            })
            .await?
            .into_inner();
        let done = r.entries.is_empty() || out.len() + r.entries.len() >= r.total as usize;
        out.extend(r.entries);
        if done {
            return Ok((r.playlist.expect("a playlist"), out));
        }
    }
}
