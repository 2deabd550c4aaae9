//! `spotter.v1.History`: the caller's timeline, its statistics, import and export.
//! Thin adapters over `store::{listens, history, stats}` and `service::import`,
//! always scoped to the caller's user id from the token.

use std::{pin::Pin, sync::Arc};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::{Stream, StreamExt};
use spotter_proto::v1::{self, history_server::History as HistoryRpc, import_request::Part};
use tonic::{Request, Response, Status, Streaming};

use super::{
    export, import,
    service::{DAY, History, Summary, shown},
    store::{
        listens::{IMPORT_SOURCE, ListenRow},
        queries::{FilterError, ListenQuery, NEWEST, TextFilter, fts_expression},
        stats::{Range, Ranked, Subject},
    },
};
use crate::rpc::{
    upload,
    wire::{provider_from_wire, provider_to_wire},
};
use crate::{
    domains::identity::caller::Caller,
    events::EventBus,
    service::clamp_page,
    store::{Provider, Store, now},
};

/// Page size bounds of `ListRecentListens`.
pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;
/// Page size bounds of `ListListens`.
pub const MAX_LIST_PAGE: u32 = 500;
/// Default and longest list `GetTop` returns.
pub const DEFAULT_TOP: u32 = 10;
pub const MAX_TOP: u32 = 100;
/// Default and longest list `GetDiscoveries` returns.
pub const DEFAULT_DISCOVERIES: u32 = 50;
pub const MAX_DISCOVERIES: u32 = 500;
/// Days `GetActivity` returns at most (the most recent).
pub const MAX_DAYS: usize = 3660;

pub struct HistoryService {
    history: History,
    imports: import::Importer,
}

impl HistoryService {
    pub fn new(
        store: Store,
        events: Arc<EventBus>,
        import_min_play_secs: u64,
        limits: import::ImportLimits,
    ) -> Self {
        HistoryService {
            imports: import::Importer::new(
                store.clone(),
                events,
                import_min_play_secs * 1000,
                limits,
            ),
            history: History::new(store),
        }
    }
}

/// `played_at:id` of the last row of a page, base64url (opaque to clients).
fn encode_cursor(played_at: i64, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{played_at}:{id}"))
}

fn decode_cursor(cursor: &str) -> Result<Option<(i64, i64)>, Status> {
    if cursor.is_empty() {
        return Ok(None);
    }
    let bad = || Status::invalid_argument("the page cursor is not one this server issued");
    if cursor.len() > 64 {
        return Err(bad());
    }
    let text = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    Ok(Some((
        at.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    )))
}

fn next_cursor(rows: &[ListenRow], size: u32) -> String {
    match rows.last() {
        Some(last) if rows.len() as u32 == size => encode_cursor(last.played_at, last.id),
        _ => String::new(),
    }
}

pub(crate) fn listen_to_wire(l: ListenRow) -> v1::Listen {
    let names: Vec<&str> = l.sources.split(',').filter(|s| !s.is_empty()).collect();
    v1::Listen {
        id: l.id,
        played_at: l.played_at,
        sources: names
            .iter()
            .filter_map(|n| Provider::parse(n))
            .map(|p| provider_to_wire(p) as i32)
            .collect(),
        imported: names.contains(&IMPORT_SOURCE),
        artist: l.artist,
        album: l.album.unwrap_or_default(),
        title: l.title,
        duration_ms: l.duration_ms.unwrap_or(0).clamp(0, u32::MAX as i64) as u32,
        track_id: l.track_id.unwrap_or_default(),
    }
}

/// A wire filter as a store query; text becomes a quoted FTS5 expression.
pub(crate) fn query_from_wire(filter: Option<&v1::ListenFilter>) -> Result<ListenQuery, Status> {
    let mut query = ListenQuery::everything();
    let Some(f) = filter else {
        return Ok(query);
    };
    query.fts = fts_expression(&TextFilter {
        query: &f.query,
        artist: &f.artist,
        album: &f.album,
        title: &f.title,
    })
    .map_err(|e: FilterError| Status::invalid_argument(e.to_string()))?;
    for source in &f.sources {
        let provider = provider_from_wire(*source)?;
        query.sources.push(provider.as_str().to_owned());
    }
    if f.imported {
        query.sources.push(IMPORT_SOURCE.to_owned());
    }
    if f.from != 0 {
        query.from = f.from;
    }
    if f.to != 0 {
        query.to = f.to;
    }
    if query.from >= query.to {
        return Err(Status::invalid_argument(
            "the date range is empty: `from` must be before `to`",
        ));
    }
    Ok(query)
}

fn subject_from_wire(value: i32) -> Result<Subject, Status> {
    match v1::StatsSubject::try_from(value) {
        Ok(v1::StatsSubject::Unspecified | v1::StatsSubject::Artists) => Ok(Subject::Artists),
        Ok(v1::StatsSubject::Albums) => Ok(Subject::Albums),
        Ok(v1::StatsSubject::Tracks) => Ok(Subject::Tracks),
        Err(_) => Err(Status::invalid_argument("unknown stats subject")),
    }
}

/// The period's `[from, to)` at `now`.
pub(crate) fn period_range(period: Option<&v1::StatsPeriod>, now: i64) -> Result<Range, Status> {
    use v1::stats_period::Kind;
    let Some(p) = period else {
        return Ok(Range::ALL);
    };
    let rolling = |days: i64| Range {
        from: now - days * DAY,
        to: now + 1,
    };
    match Kind::try_from(p.kind) {
        Ok(Kind::Unspecified | Kind::AllTime) => Ok(Range::ALL),
        Ok(Kind::Week) => Ok(rolling(7)),
        Ok(Kind::Month) => Ok(rolling(30)),
        Ok(Kind::Year) => Ok(rolling(365)),
        Ok(Kind::Custom) if p.from < p.to => Ok(Range {
            from: p.from,
            to: p.to,
        }),
        Ok(Kind::Custom) => Err(Status::invalid_argument(
            "a custom period needs `from` before `to`",
        )),
        Err(_) => Err(Status::invalid_argument("unknown stats period")),
    }
}

fn ranked_to_top(r: Ranked) -> v1::TopEntry {
    v1::TopEntry {
        artist: r.artist,
        album: r.album.unwrap_or_default(),
        title: r.title.unwrap_or_default(),
        listens: r.n.max(0) as u64,
    }
}

fn report_to_wire(r: import::ImportReport) -> v1::ImportProgress {
    v1::ImportProgress {
        format: r.format,
        bytes_read: r.bytes_read,
        size: r.size,
        plays: r.plays,
        added: r.added,
        merged: r.merged,
        duplicates: r.duplicates,
        skipped: r.skipped,
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
        cut: r.cut,
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl HistoryRpc for HistoryService {
    async fn list_recent_listens(
        &self,
        request: Request<v1::ListRecentListensRequest>,
    ) -> Result<Response<v1::ListRecentListensResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let size = clamp_page(r.page_size, DEFAULT_PAGE, MAX_PAGE);
        let before = decode_cursor(&r.before)?.unwrap_or(NEWEST);
        let rows = self
            .history
            .listens(caller.user_id, &ListenQuery::everything(), before, size)
            .await?;
        let next_before = next_cursor(&rows, size);
        Ok(Response::new(v1::ListRecentListensResponse {
            listens: rows.into_iter().map(listen_to_wire).collect(),
            next_before,
        }))
    }

    async fn get_summary(
        &self,
        request: Request<v1::GetSummaryRequest>,
    ) -> Result<Response<v1::GetSummaryResponse>, Status> {
        let caller = Caller::of(&request)?;
        let Summary {
            listens: total,
            by_source,
            library,
            artists,
            albums,
            tracks,
        } = self.history.summary(caller.user_id).await?;
        Ok(Response::new(v1::GetSummaryResponse {
            listens: total.max(0) as u64,
            listens_by_source: by_source
                .into_iter()
                .map(|(s, n)| (s, n.max(0) as u64))
                .collect(),
            library_artists: library.artists.max(0) as u64,
            library_albums: library.albums.max(0) as u64,
            library_tracks: library.tracks.max(0) as u64,
            artists: artists.max(0) as u64,
            albums: albums.max(0) as u64,
            tracks: tracks.max(0) as u64,
        }))
    }

    async fn list_listens(
        &self,
        request: Request<v1::ListListensRequest>,
    ) -> Result<Response<v1::ListListensResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let size = clamp_page(r.page_size, DEFAULT_PAGE, MAX_LIST_PAGE);
        let query = query_from_wire(r.filter.as_ref())?;
        let before = match decode_cursor(&r.cursor)? {
            Some(c) => c,
            // At or before `at`: strictly before (at + 1, 0).
            None if r.at != 0 => (r.at.saturating_add(1), 0),
            None => NEWEST,
        };
        let rows = self
            .history
            .listens(caller.user_id, &query, before, size)
            .await?;
        let next_cursor = next_cursor(&rows, size);
        Ok(Response::new(v1::ListListensResponse {
            listens: rows.into_iter().map(listen_to_wire).collect(),
            next_cursor,
        }))
    }

    async fn get_listen(
        &self,
        request: Request<v1::GetListenRequest>,
    ) -> Result<Response<v1::ListenDetails>, Status> {
        let caller = Caller::of(&request)?;
        let d = self
            .history
            .listen(caller.user_id, request.get_ref().id)
            .await?;
        Ok(Response::new(v1::ListenDetails {
            isrc: d.listen.isrc.clone().unwrap_or_default(),
            recording_mbid: d.listen.mbid.clone().unwrap_or_default(),
            listen: Some(listen_to_wire(d.listen)),
            sources: d
                .sources
                .into_iter()
                .map(|(source, source_ref)| v1::ListenSource { source, source_ref })
                .collect(),
            track_listens: d.track_listens.max(0) as u64,
            first_listened_at: d.track_first_at,
            library_album: d.library_album.unwrap_or_default(),
        }))
    }

    async fn get_top(
        &self,
        request: Request<v1::GetTopRequest>,
    ) -> Result<Response<v1::GetTopResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let now = now();
        let range = period_range(r.period.as_ref(), now)?;
        let subject = subject_from_wire(r.subject)?;
        let limit = clamp_page(r.limit, DEFAULT_TOP, MAX_TOP);
        let (entries, listens) = self
            .history
            .top(caller.user_id, subject, range, limit)
            .await?;
        let (from, to) = shown(range, now);
        Ok(Response::new(v1::GetTopResponse {
            entries: entries.into_iter().map(ranked_to_top).collect(),
            listens: listens.max(0) as u64,
            from,
            to,
        }))
    }

    async fn get_activity(
        &self,
        request: Request<v1::GetActivityRequest>,
    ) -> Result<Response<v1::GetActivityResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let now = now();
        let range = period_range(r.period.as_ref(), now)?;
        let a = self
            .history
            .activity(caller.user_id, range, r.utc_offset_minutes, now)
            .await?;
        let out = v1::GetActivityResponse {
            days: a
                .days
                .into_iter()
                .map(|d| v1::DayCount {
                    date: d.date,
                    listens: d.listens,
                })
                .collect(),
            hours: a.hours,
            listens: a.listens,
            active_days: a.active_days,
            longest_streak: a.longest_streak,
            longest_streak_start: a.longest_streak_start,
            current_streak: a.current_streak,
            from: a.from,
            to: a.to,
        };
        Ok(Response::new(out))
    }

    async fn get_discoveries(
        &self,
        request: Request<v1::GetDiscoveriesRequest>,
    ) -> Result<Response<v1::GetDiscoveriesResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let now = now();
        let range = period_range(r.period.as_ref(), now)?;
        let subject = subject_from_wire(r.subject)?;
        let limit = clamp_page(r.limit, DEFAULT_DISCOVERIES, MAX_DISCOVERIES);
        let (rows, total) = self
            .history
            .discoveries(caller.user_id, subject, range, limit)
            .await?;
        let (from, to) = shown(range, now);
        Ok(Response::new(v1::GetDiscoveriesResponse {
            discoveries: rows
                .into_iter()
                .map(|r| v1::Discovery {
                    artist: r.artist,
                    album: r.album.unwrap_or_default(),
                    title: r.title.unwrap_or_default(),
                    first_listened_at: r.first_at,
                    listens: r.n.max(0) as u64,
                })
                .collect(),
            total: total.max(0) as u64,
            from,
            to,
        }))
    }

    type ImportStream = BoxStream<v1::ImportProgress>;

    async fn import(
        &self,
        request: Request<Streaming<v1::ImportRequest>>,
    ) -> Result<Response<Self::ImportStream>, Status> {
        let user_id = Caller::of(&request)?.user_id;
        let (start, upload) = upload::receive(
            request.into_inner(),
            self.imports.idle_timeout(),
            |m: v1::ImportRequest| match m.part {
                Some(Part::Start(s)) => Some(import::ImportStart {
                    file_name: s.file_name,
                    format: s.format,
                    size: s.size,
                    min_play_ms: s.min_play_ms,
                }),
                _ => None,
            },
            |m| match m.part {
                Some(Part::Chunk(chunk)) => Some(chunk),
                _ => None,
            },
        )
        .await?;
        let reports = self.imports.start(user_id, start, upload).await?;
        Ok(Response::new(Box::pin(reports.map(|report| {
            report.map(report_to_wire).map_err(Status::from)
        }))))
    }

    type ExportStream = BoxStream<v1::ExportChunk>;

    async fn export(
        &self,
        request: Request<v1::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let query = query_from_wire(r.filter.as_ref())?;
        let format = match v1::export_request::Format::try_from(r.format) {
            Ok(v1::export_request::Format::Csv) => export::Format::Csv,
            Ok(_) => export::Format::JsonLines,
            Err(_) => return Err(Status::invalid_argument("unknown export format")),
        };
        let stream = self
            .history
            .export(caller.user_id, query, format)
            .map(|chunk| {
                chunk
                    .map(|data| v1::ExportChunk { data })
                    .map_err(Status::from)
            });
        Ok(Response::new(Box::pin(stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(1_700_000_000, 42);
        assert_eq!(decode_cursor(&c).unwrap(), Some((1_700_000_000, 42)));
        assert_eq!(decode_cursor("").unwrap(), None);
        for bad in ["%%%", "bm90LWEtY3Vyc29y", &"A".repeat(100)] {
            assert_eq!(
                decode_cursor(bad).unwrap_err().code(),
                tonic::Code::InvalidArgument
            );
        }
    }

    #[test]
    fn periods_resolve_and_reject_empty_custom_ranges() {
        use v1::stats_period::Kind;
        let p = |kind: Kind, from, to| v1::StatsPeriod {
            kind: kind as i32,
            from,
            to,
        };
        let now = 1_000_000_000;
        assert_eq!(period_range(None, now).unwrap(), Range::ALL);
        assert_eq!(
            period_range(Some(&p(Kind::Week, 0, 0)), now).unwrap(),
            Range {
                from: now - 7 * DAY,
                to: now + 1
            }
        );
        assert_eq!(
            period_range(Some(&p(Kind::Custom, 5, 9)), now).unwrap(),
            Range { from: 5, to: 9 }
        );
        assert!(period_range(Some(&p(Kind::Custom, 9, 9)), now).is_err());
        let unknown = v1::StatsPeriod {
            kind: 77,
            from: 0,
            to: 0,
        };
        assert!(period_range(Some(&unknown), now).is_err());
    }
}
