//! Library sync: the user's Navidrome library mirrored into the store, incrementally.
//!
//! Every run lists all artists (one call) and all albums (pages of
//! `ALBUM_PAGE_SIZE`); only albums that are new or whose listing fingerprint changed
//! have their songs fetched again (a few at once). Rows the completed listing did not
//! see are deleted (`store::library`). Afterwards, listens without a library track are
//! linked to tracks that now match.

use futures::{StreamExt, TryStreamExt, stream};

use super::{MAX_PAGES_PER_RUN, ProviderFailure, SyncContext, SyncReport, offered};
use crate::{
    domains::connections::store::ConnectionState,
    providers::{
        ProviderError,
        navidrome::{ALBUM_PAGE_SIZE, Navidrome},
    },
    store::Provider,
};

/// `getAlbum` calls in flight at once.
pub const ALBUM_FETCH_CONCURRENCY: usize = 4;

pub async fn run(ctx: &SyncContext<'_>) -> SyncReport {
    let mut report = SyncReport::default();
    match sync(ctx).await {
        Ok(summary) => {
            report.summary = summary;
            if let Err(e) = ctx
                .store
                .connection_synced(ctx.user_id, Provider::Navidrome)
                .await
            {
                tracing::warn!(error = %e, "cannot record a sync time");
            }
        }
        Err(error) => {
            report.summary = "library sync failed".into();
            ctx.connections
                .record_failure(ctx.user_id, Provider::Navidrome, &error)
                .await;
            report.failures.push(ProviderFailure {
                provider: Provider::Navidrome,
                error,
            });
        }
    }
    report
}

async fn sync(ctx: &SyncContext<'_>) -> Result<String, ProviderError> {
    let connection = ctx
        .store
        .connection(ctx.user_id, Provider::Navidrome)
        .await?
        .filter(|c| c.state == ConnectionState::Connected)
        .ok_or_else(|| ProviderError::Unauthorized {
            reason: "Navidrome is not connected".into(),
        })?;
    let client = offered(&ctx.connections.clients().navidrome)?;
    let password = ctx.secret(Provider::Navidrome).await?;
    let nav = Navidrome::new(client, &connection.external_user, &password);
    let store = ctx.store;
    let user_id = ctx.user_id;
    let run = store.next_library_run(user_id).await?;

    ctx.progress.update(0, 0, "reading artists").await;
    let artists = nav.artists().await?;
    store.upsert_artists(user_id, run, &artists).await?;

    let known = store.album_fingerprints(user_id).await?;
    let (mut albums, mut fetched, mut tracks) = (0u64, 0u64, 0u64);
    let mut offset = 0u32;
    for _ in 0..MAX_PAGES_PER_RUN {
        let page = nav.albums_page(offset, ALBUM_PAGE_SIZE).await?;
        let (unchanged, changed): (Vec<_>, Vec<_>) = page
            .iter()
            .map(|l| &l.album)
            .partition(|a| known.get(&a.id) == Some(&a.fingerprint));
        let ids: Vec<&str> = unchanged.iter().map(|a| a.id.as_str()).collect();
        store.touch_albums(user_id, run, &ids).await?;
        let replaced: Vec<_> = stream::iter(changed.into_iter().cloned())
            .map(|album| {
                let nav = &nav;
                async move {
                    let songs = nav.album_songs(&album.id).await?;
                    Ok::<_, ProviderError>((
                        album,
                        songs.into_iter().map(|s| s.track).collect::<Vec<_>>(),
                    ))
                }
            })
            .buffered(ALBUM_FETCH_CONCURRENCY)
            .try_collect()
            .await?;
        fetched += replaced.len() as u64;
        tracks += replaced.iter().map(|(_, t)| t.len() as u64).sum::<u64>();
        store.replace_albums(user_id, run, &replaced).await?;
        albums += page.len() as u64;
        ctx.progress
            .update(
                albums,
                0,
                format!("{albums} albums listed, {fetched} read ({tracks} tracks)"),
            )
            .await;
        if (page.len() as u32) < ALBUM_PAGE_SIZE {
            break;
        }
        offset += ALBUM_PAGE_SIZE;
    }
    // Only a complete listing may delete.
    let deleted = store.delete_unseen(user_id, run).await?;
    if fetched > 0 || deleted > 0 {
        // Playlists are matched again against the changed library.
        store.bump_library_generation(user_id).await?;
    }
    let linked = store.link_listens_to_library(user_id).await?;
    let counts = store.library_counts(user_id).await?;
    Ok(format!(
        "{} artists, {} albums, {} tracks; {fetched} albums read, {deleted} removed, {linked} listens linked",
        counts.artists, counts.albums, counts.tracks
    ))
}
