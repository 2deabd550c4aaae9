//! ListenBrainz: the user's own playlists and the ones created for them (weekly jams,
//! explorations), in JSPF; recording MBIDs kept.

use super::follow::{Follow, FollowProgress, Listed, MAX_PAGES, Next, entry, offered};
use crate::{
    domains::playlists::model::SourceRef,
    providers::{ProviderError, playlist::RemotePlaylist},
    store::Provider,
};

pub(super) async fn follow(
    run: &mut Follow<'_>,
    progress: &impl FollowProgress,
) -> Result<(), ProviderError> {
    let client = offered(&run.connections().clients().listenbrainz)?.clone();
    let connection = run
        .store()
        .connection(run.user_id, Provider::ListenBrainz)
        .await?
        .ok_or_else(|| ProviderError::Unauthorized {
            reason: "ListenBrainz is not connected".into(),
        })?;
    let user = connection.external_user;
    let token = run
        .connections()
        .credential(run.user_id, Provider::ListenBrainz)
        .await?;

    let mut playlists: Vec<(RemotePlaylist, bool)> = Vec::new();
    for created_for in [false, true] {
        let mut offset = Some(0);
        for _ in 0..MAX_PAGES {
            let Some(at) = offset else { break };
            let page = client.playlists(&user, &token, created_for, at).await?;
            playlists.extend(page.items.into_iter().map(|p| (p, created_for)));
            offset = page.next_offset;
        }
        if offset.is_some() {
            return Err(ProviderError::malformed(
                "ListenBrainz never stopped listing playlists",
            ));
        }
    }
    for (i, (p, generated)) in playlists.into_iter().enumerate() {
        progress
            .step(i as u64, format!("listenbrainz: playlist “{}”", p.name))
            .await;
        let listed = Listed {
            source_ref: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            generated,
            version: p.version.clone(),
        };
        let Next::Read { id } = run.listed(&listed).await? else {
            continue;
        };
        // Gone between the listing and now: the next sync no longer lists it.
        let Some((full, tracks)) = client.playlist(&p.id, &token).await? else {
            continue;
        };
        let entries = tracks
            .iter()
            .map(|t| entry(t, t.id.clone().map(SourceRef::Identifier)))
            .collect();
        run.store_entries(id, &p.name, full.version.or(p.version), entries)
            .await?;
    }
    run.listing_complete().await
}
