//! Spotify: the user's playlists (50 a page) and their tracks (100 a page), and Liked
//! Songs as a playlist (`source_ref` "liked").

use super::follow::{Follow, FollowProgress, Listed, MAX_PAGES, Next, entry, offered};
use crate::{
    domains::playlists::model::SourceRef,
    providers::{
        ProviderError,
        playlist::{Page, RemotePlaylist, RemoteTrack},
    },
};

/// The `source_ref` of Liked Songs.
pub const LIKED: &str = "liked";

pub(super) async fn follow(
    run: &mut Follow<'_>,
    progress: &impl FollowProgress,
) -> Result<(), ProviderError> {
    let client = offered(&run.connections().clients().spotify)?.clone();
    let connections = run.connections.clone();
    let user_id = run.user_id;

    let mut playlists: Vec<RemotePlaylist> = Vec::new();
    let mut offset = Some(0);
    for _ in 0..MAX_PAGES {
        let Some(at) = offset else { break };
        let access = run.connections().spotify_access_token(user_id).await?;
        let page = client.playlists(&access, at).await?;
        playlists.extend(page.items);
        offset = page.next_offset;
    }
    if offset.is_some() {
        return Err(ProviderError::malformed(
            "Spotify never stopped listing playlists",
        ));
    }
    let total = playlists.len() as u64 + 1;
    for (i, p) in playlists.into_iter().enumerate() {
        progress
            .step(i as u64, format!("spotify: playlist “{}”", p.name))
            .await;
        let listed = Listed {
            source_ref: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            generated: false,
            version: p.version.clone(),
        };
        let Next::Read { id } = run.listed(&listed).await? else {
            continue;
        };
        let mut tracks = Vec::new();
        let max = run.settings.max_entries as usize;
        read_all(
            |at| {
                let (client, connections) = (&client, &connections);
                let pid = p.id.clone();
                async move {
                    let access = connections.spotify_access_token(user_id).await?;
                    client.playlist_tracks(&access, &pid, at).await
                }
            },
            &mut tracks,
            max,
        )
        .await?;
        let entries = tracks
            .iter()
            .map(|t| entry(t, t.id.clone().map(SourceRef::Spotify)))
            .collect();
        run.store_entries(id, &p.name, p.version, entries).await?;
    }

    // Liked Songs: Spotify gives it no version, so it is read every time.
    progress
        .step(total - 1, "spotify: Liked Songs".into())
        .await;
    let liked = Listed {
        source_ref: LIKED.into(),
        name: "Liked Songs".into(),
        description: "Your Liked Songs on Spotify".into(),
        generated: true,
        version: None,
    };
    let dismissed = run.known.get(LIKED).is_some_and(|k| k.dismissed);
    if dismissed {
        run.listed.insert(LIKED.into());
    } else {
        let mut tracks = Vec::new();
        let max = run.settings.max_entries as usize;
        let read = read_all(
            |at| {
                let (client, connections) = (&client, &connections);
                async move {
                    let access = connections.spotify_access_token(user_id).await?;
                    client.saved_tracks(&access, at).await
                }
            },
            &mut tracks,
            max,
        )
        .await;
        match read {
            Ok(()) => {
                if let Next::Read { id } = run.listed(&liked).await? {
                    let entries = tracks
                        .iter()
                        .map(|t| entry(t, t.id.clone().map(SourceRef::Spotify)))
                        .collect();
                    run.store_entries(id, &liked.name, None, entries).await?;
                }
            }
            // No permission for Liked Songs: the rest is followed all the same.
            Err(ProviderError::Refused { detail }) => {
                run.listed.insert(LIKED.into());
                run.report.notes.push(detail);
            }
            Err(e) => return Err(e),
        }
    }
    run.listing_complete().await
}

/// Reads every page `fetch(offset)` gives into `into`, stopping a page past `max`.
pub(super) async fn read_all<F, Fut>(
    mut fetch: F,
    into: &mut Vec<RemoteTrack>,
    max: usize,
) -> Result<(), ProviderError>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<Page<RemoteTrack>, ProviderError>>,
{
    let mut offset = Some(0);
    for _ in 0..MAX_PAGES {
        let Some(at) = offset else { return Ok(()) };
        let page = fetch(at).await?;
        into.extend(page.items);
        if into.len() > max {
            return Ok(());
        }
        offset = page.next_offset;
    }
    Err(ProviderError::malformed(
        "Spotify never stopped listing tracks",
    ))
}
