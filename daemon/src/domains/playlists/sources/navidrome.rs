//! Navidrome: the user's own playlists (`getPlaylists` / `getPlaylist`). Their songs
//! are library songs, so entries name them by id. Playlists spotter pushed or linked
//! are not imported back.

use super::follow::{Follow, FollowProgress, Listed, Next, entry, offered};
use crate::{
    domains::{connections::store::ConnectionState, playlists::model::SourceRef},
    providers::{ProviderError, navidrome::Navidrome, playlist::RemoteTrack},
    store::Provider,
};

pub(super) async fn follow(
    run: &mut Follow<'_>,
    progress: &impl FollowProgress,
) -> Result<(), ProviderError> {
    let client = offered(&run.connections().clients().navidrome)?.clone();
    let connection = run
        .store()
        .connection(run.user_id, Provider::Navidrome)
        .await?
        .filter(|c| c.state == ConnectionState::Connected)
        .ok_or_else(|| ProviderError::Unauthorized {
            reason: "Navidrome is not connected".into(),
        })?;
    let password = run
        .connections()
        .credential(run.user_id, Provider::Navidrome)
        .await?;
    let nav = Navidrome::new(&client, &connection.external_user, &password);
    let targets = run.store().navidrome_targets(run.user_id).await?;
    let playlists = nav.playlists().await?;
    for (i, p) in playlists.into_iter().enumerate() {
        // Others' public playlists are theirs; ours pushed there are ours already.
        let owned = p
            .owner
            .as_deref()
            .is_none_or(|o| o == connection.external_user);
        if !owned || targets.contains_key(&p.id) {
            continue;
        }
        progress
            .step(i as u64, format!("navidrome: playlist “{}”", p.name))
            .await;
        let listed = Listed {
            source_ref: p.id.clone(),
            name: p.name.clone(),
            description: p.comment.clone(),
            generated: false,
            version: p.changed.clone(),
        };
        let Next::Read { id } = run.listed(&listed).await? else {
            continue;
        };
        let Some((full, songs)) = nav.playlist(&p.id).await? else {
            continue;
        };
        let entries = songs
            .iter()
            .map(|s| {
                let track = RemoteTrack {
                    id: Some(s.id.clone()),
                    artist: s.artist.clone(),
                    title: s.title.clone(),
                    album: Some(s.album.clone()),
                    duration_ms: s.duration_ms,
                    isrc: s.isrc.clone(),
                    mbid: s.mbid.clone(),
                };
                entry(&track, Some(SourceRef::Song(s.id.clone())))
            })
            .collect();
        run.store_entries(id, &p.name, full.changed.or(p.changed), entries)
            .await?;
    }
    run.listing_complete().await
}
