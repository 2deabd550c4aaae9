//! History sync: for each healthy connection, the plays newer than the source's
//! watermark, committed page by page with the watermark (see `store::listens`); then,
//! when the user opted in, listens from other sources submitted to ListenBrainz.
//!
//! Every source is walked **forward** (oldest new play first) so that the watermark
//! can advance with each committed page and a crash loses nothing:
//! - Spotify: `recently-played?after=<ms>`, following `cursors.after`;
//! - Last.fm: `user.getRecentTracks` over the fixed window `[watermark, now]`, its
//!   pages (numbered newest first) fetched from the last to the first;
//! - ListenBrainz: `min_ts` (the server returns the oldest listens after it);
//! - Navidrome: it only knows the last play of each song (`played`), read from the
//!   recently played albums; servers without `played` (Supysonic) report plays of the
//!   last minutes through `getNowPlaying`, which is used as a fallback.

use std::collections::HashSet;

use super::{MAX_PAGES_PER_RUN, ProviderFailure, SyncContext, SyncReport, offered};
use crate::{
    domains::{
        connections::store::{Connection, ConnectionState},
        history::store::listens::{DEDUPE_WINDOW_SECS, PageOutcome},
    },
    events,
    providers::{
        ProviderError, RemoteListen,
        listenbrainz::{MAX_LISTENS_PER_GET, MAX_LISTENS_PER_SUBMIT, SubmitListen},
        navidrome::Navidrome,
    },
    store::{Provider, now},
};

/// Sources in the order they are synced: ListenBrainz first, so that submission
/// afterwards knows what ListenBrainz already has.
const ORDER: [Provider; 4] = [
    Provider::ListenBrainz,
    Provider::LastFm,
    Provider::Spotify,
    Provider::Navidrome,
];

/// Recently played albums read from Navidrome per run, at most.
const NAVIDROME_RECENT_ALBUMS: u32 = 200;
const NAVIDROME_PAGE: u32 = 50;

/// Running totals of one run, for progress and the summary.
#[derive(Default)]
struct Tally {
    seen: u64,
    outcome: PageOutcome,
}

pub async fn run(ctx: &SyncContext<'_>) -> SyncReport {
    let mut report = SyncReport::default();
    let connections = match ctx.store.connections(ctx.user_id).await {
        Ok(c) => c,
        Err(e) => {
            report.failures.push(ProviderFailure {
                provider: Provider::Navidrome,
                error: e.into(),
            });
            return report;
        }
    };
    let mut tally = Tally::default();
    let mut parts = Vec::new();
    let mut listenbrainz_ok = false;
    for provider in ORDER {
        let Some(connection) = connections
            .iter()
            .find(|c| c.provider == provider && c.state == ConnectionState::Connected)
        else {
            continue;
        };
        let before = tally.outcome;
        let result = match provider {
            Provider::Spotify => spotify(ctx, &mut tally).await,
            Provider::LastFm => lastfm(ctx, connection, &mut tally).await,
            Provider::ListenBrainz => listenbrainz(ctx, connection, &mut tally).await,
            Provider::Navidrome => navidrome(ctx, connection, &mut tally).await,
        };
        match result {
            Ok(()) => {
                let added = tally.outcome.added - before.added;
                let merged = tally.outcome.merged - before.merged;
                parts.push(format!(
                    "{}: {added} new, {merged} merged",
                    provider.as_str()
                ));
                if added > 0 {
                    ctx.events
                        .publish(ctx.user_id, events::new_listens(provider.into(), added));
                }
                if let Err(e) = ctx.store.connection_synced(ctx.user_id, provider).await {
                    tracing::warn!(error = %e, "cannot record a sync time");
                }
                listenbrainz_ok |= provider == Provider::ListenBrainz;
            }
            Err(error) => {
                tracing::info!(user_id = ctx.user_id, provider = provider.as_str(), %error, "history sync failed");
                parts.push(format!("{}: failed", provider.as_str()));
                ctx.connections
                    .record_failure(ctx.user_id, provider, &error)
                    .await;
                report.failures.push(ProviderFailure { provider, error });
            }
        }
    }
    if listenbrainz_ok
        && let Some(lb) = connections
            .iter()
            .find(|c| c.provider == Provider::ListenBrainz && c.submit_listens)
    {
        match submit(ctx, lb).await {
            Ok(0) => {}
            Ok(n) => parts.push(format!("{n} submitted to listenbrainz")),
            Err(error) => {
                parts.push("listenbrainz submission: failed".into());
                ctx.connections
                    .record_failure(ctx.user_id, Provider::ListenBrainz, &error)
                    .await;
                report.failures.push(ProviderFailure {
                    provider: Provider::ListenBrainz,
                    error,
                });
            }
        }
    }
    report.summary = if parts.is_empty() {
        "no history source connected".into()
    } else {
        parts.join("; ")
    };
    report
}

/// Where a source's first sync starts, in Unix seconds.
fn start_secs(ctx: &SyncContext<'_>) -> i64 {
    ctx.lookback_secs.map_or(0, |l| (now() - l).max(0))
}

async fn record(
    ctx: &SyncContext<'_>,
    tally: &mut Tally,
    source: Provider,
    listens: &[RemoteListen],
    watermark: Option<i64>,
    total: u64,
) -> Result<(), ProviderError> {
    let outcome = ctx
        .store
        .record_listens(ctx.user_id, source.as_str(), listens, watermark)
        .await?;
    tally.outcome += outcome;
    tally.seen += listens.len() as u64;
    ctx.progress
        .update(
            tally.seen,
            total,
            format!(
                "{}: {} listens read, {} new",
                source.as_str(),
                tally.seen,
                tally.outcome.added
            ),
        )
        .await;
    Ok(())
}

async fn spotify(ctx: &SyncContext<'_>, tally: &mut Tally) -> Result<(), ProviderError> {
    let client = offered(&ctx.connections.clients().spotify)?;
    // Spotify's cursor is in milliseconds; so is this source's watermark.
    let mut after = match ctx.store.watermark(ctx.user_id, "spotify").await? {
        Some(ms) => ms,
        None => start_secs(ctx) * 1000,
    };
    for _ in 0..MAX_PAGES_PER_RUN {
        let access = ctx.connections.spotify_access_token(ctx.user_id).await?;
        let page = client.recently_played(&access, after).await?;
        if page.listens.is_empty() {
            break;
        }
        let next = page.next_after_ms.filter(|n| *n > after);
        record(ctx, tally, Provider::Spotify, &page.listens, next, 0).await?;
        match next {
            Some(n) => after = n,
            None => break,
        }
    }
    Ok(())
}

async fn lastfm(
    ctx: &SyncContext<'_>,
    connection: &Connection,
    tally: &mut Tally,
) -> Result<(), ProviderError> {
    let client = offered(&ctx.connections.clients().lastfm)?;
    let session = ctx.secret(Provider::LastFm).await?;
    let from = match ctx.store.watermark(ctx.user_id, "lastfm").await? {
        Some(w) => Some(w),
        None => ctx.lookback_secs.map(|_| start_secs(ctx)),
    };
    // A fixed window: scrobbles arriving meanwhile cannot shift its pages.
    let to = now();
    let user = connection.external_user.as_str();
    let first = client
        .recent_tracks(user, Some(&session), from, Some(to), 1)
        .await?;
    let total = first.total;
    let pages = first.total_pages.min(MAX_PAGES_PER_RUN as u32);
    let mut first = Some(first);
    // Oldest page first, so the watermark only ever moves over committed pages.
    for page_no in (1..=pages).rev() {
        let page = match (page_no, first.take()) {
            (1, Some(p)) => p,
            (_, kept) => {
                first = kept;
                client
                    .recent_tracks(user, Some(&session), from, Some(to), page_no)
                    .await?
            }
        };
        let watermark = page.listens.iter().map(|l| l.played_at).max();
        record(
            ctx,
            tally,
            Provider::LastFm,
            &page.listens,
            watermark,
            total,
        )
        .await?;
    }
    Ok(())
}

async fn listenbrainz(
    ctx: &SyncContext<'_>,
    connection: &Connection,
    tally: &mut Tally,
) -> Result<(), ProviderError> {
    let client = offered(&ctx.connections.clients().listenbrainz)?;
    let token = ctx.secret(Provider::ListenBrainz).await?;
    let user = connection.external_user.as_str();
    let mut min_ts = match ctx.store.watermark(ctx.user_id, "listenbrainz").await? {
        Some(w) => w,
        None => start_secs(ctx),
    };
    for _ in 0..MAX_PAGES_PER_RUN {
        let page = client
            .listens(user, Some(&token), Some(min_ts), None, MAX_LISTENS_PER_GET)
            .await?;
        // `newest_ts` counts listens the client skipped as unusable too, so a page of
        // them still moves the walk forward.
        let Some(newest) = page.newest_ts else {
            break;
        };
        // `min_ts` is exclusive: restart one second before the newest so listens
        // sharing that second across a page boundary are not skipped (already seen
        // ones are recognised). A full page must move the walk forward; the last,
        // short one must not push the watermark past a second that may still get
        // listens.
        let full = page.received as u32 >= MAX_LISTENS_PER_GET;
        let next = if full {
            (newest - 1).max(min_ts + 1)
        } else {
            (newest - 1).max(min_ts)
        };
        record(
            ctx,
            tally,
            Provider::ListenBrainz,
            &page.listens,
            Some(next),
            0,
        )
        .await?;
        if !full {
            break;
        }
        min_ts = next;
    }
    Ok(())
}

async fn navidrome(
    ctx: &SyncContext<'_>,
    connection: &Connection,
    tally: &mut Tally,
) -> Result<(), ProviderError> {
    let client = offered(&ctx.connections.clients().navidrome)?;
    let password = ctx.secret(Provider::Navidrome).await?;
    let nav = Navidrome::new(client, &connection.external_user, &password);
    let watermark = match ctx.store.watermark(ctx.user_id, "navidrome").await? {
        Some(w) => w,
        None => start_secs(ctx),
    };
    let mut listens = Vec::new();
    let mut offset = 0;
    'albums: while offset < NAVIDROME_RECENT_ALBUMS {
        let albums = nav.recent_albums(offset, NAVIDROME_PAGE).await?;
        for listing in &albums {
            // Most recently played first: past the watermark, nothing older is new.
            if listing.played_at.is_some_and(|p| p <= watermark) {
                break 'albums;
            }
            for song in nav.album_songs(&listing.album.id).await? {
                if let Some(played_at) = song.played_at.filter(|p| *p > watermark) {
                    listens.push(RemoteListen {
                        played_at,
                        artist: song.track.artist.clone(),
                        album: Some(song.track.album.clone()),
                        title: song.track.title.clone(),
                        duration_ms: song.track.duration_ms,
                        isrc: song.track.isrc.clone(),
                        recording_mbid: song.track.mbid.clone(),
                        source_ref: format!("{}:{played_at}", song.track.id),
                    });
                }
            }
        }
        if albums.is_empty()
            || (albums.len() as u32) < NAVIDROME_PAGE
            || albums.iter().all(|a| a.played_at.is_none())
        {
            break;
        }
        offset += NAVIDROME_PAGE;
    }
    // Servers without `played`: plays of the last minutes, from getNowPlaying. Its
    // times are minute-accurate, so a play already recorded near that time is the
    // same play.
    let with_times: HashSet<String> = listens.iter().map(|l| l.source_ref.clone()).collect();
    let t = now();
    for entry in nav.now_playing().await? {
        if !entry
            .username
            .eq_ignore_ascii_case(&connection.external_user)
        {
            continue;
        }
        let played_at = t - entry.minutes_ago.max(0) * 60;
        if played_at <= watermark
            || with_times
                .iter()
                .any(|r| r.starts_with(&format!("{}:", entry.track.id)))
            || ctx
                .store
                .has_listen_near(
                    ctx.user_id,
                    "navidrome",
                    &entry.track.artist,
                    &entry.track.title,
                    played_at,
                    DEDUPE_WINDOW_SECS,
                )
                .await?
        {
            continue;
        }
        listens.push(RemoteListen {
            played_at,
            artist: entry.track.artist.clone(),
            album: Some(entry.track.album.clone()),
            title: entry.track.title.clone(),
            duration_ms: entry.track.duration_ms,
            isrc: entry.track.isrc.clone(),
            recording_mbid: entry.track.mbid.clone(),
            source_ref: format!("{}:np{played_at}", entry.track.id),
        });
    }
    listens.sort_by_key(|l| l.played_at);
    let newest = listens.iter().map(|l| l.played_at).max();
    record(ctx, tally, Provider::Navidrome, &listens, newest, 0).await?;
    Ok(())
}

/// Sends the user's listens that ListenBrainz does not have, ≤ 1,000 per request,
/// each at most once (marked right after ListenBrainz accepted it; ListenBrainz
/// itself ignores an identical listen should a crash fall between the two).
async fn submit(ctx: &SyncContext<'_>, _lb: &Connection) -> Result<u64, ProviderError> {
    let client = offered(&ctx.connections.clients().listenbrainz)?;
    let token = ctx.secret(Provider::ListenBrainz).await?;
    let mut sent = 0u64;
    for _ in 0..MAX_PAGES_PER_RUN {
        let batch = ctx
            .store
            .listens_to_submit(ctx.user_id, MAX_LISTENS_PER_SUBMIT as u32)
            .await?;
        if batch.is_empty() {
            break;
        }
        let listens: Vec<SubmitListen> = batch
            .iter()
            .map(|l| SubmitListen {
                listened_at: l.played_at,
                artist: l.artist.clone(),
                title: l.title.clone(),
                album: l.album.clone(),
                duration_ms: l.duration_ms,
                isrc: l.isrc.clone(),
                recording_mbid: l.mbid.clone(),
            })
            .collect();
        client.submit_listens(&token, &listens).await?;
        let ids: Vec<i64> = batch.iter().map(|l| l.id).collect();
        ctx.store.mark_submitted(ctx.user_id, &ids).await?;
        sent += ids.len() as u64;
    }
    Ok(sent)
}
