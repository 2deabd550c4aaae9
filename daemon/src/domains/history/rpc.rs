//! `spotter.v1.History`: the caller's timeline, its statistics, import and export.
//! Thin adapters over `store::{listens, history, stats}` and `service::import`,
//! always scoped to the caller's user id from the token.

use std::{pin::Pin, sync::Arc};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures::{Stream, StreamExt};
use spotter_proto::v1::{self, history_server::History, import_request::Part};
use tonic::{Request, Response, Status, Streaming};

use super::{
    export, import,
    store::{
        listens::{IMPORT_SOURCE, ListenRow},
        queries::{FilterError, ListenQuery, NEWEST, TextFilter, fts_expression},
        stats::{Range, Ranked, Subject},
    },
};
use crate::rpc::wire::{provider_from_wire, provider_to_wire};
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

const DAY: i64 = 86_400;

pub struct HistoryService {
    store: Store,
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
            store,
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

/// Bounds as reported back: unbounded ends shown as the first listen and now.
fn shown(range: Range, now: i64) -> (i64, i64) {
    (range.from.max(0), range.to.min(now + 1))
}

fn ranked_to_top(r: Ranked) -> v1::TopEntry {
    v1::TopEntry {
        artist: r.artist,
        album: r.album.unwrap_or_default(),
        title: r.title.unwrap_or_default(),
        listens: r.n.max(0) as u64,
    }
}

/// The local date of local day number `day` (days since 1970-01-01).
fn date_of(day: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(day * DAY)
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_default()
}

/// Activity from per-local-hour counts (hour numbers since the epoch, ascending).
pub(crate) fn activity(
    hours: &[(i64, i64)],
    first_day: Option<i64>,
    last_day: i64,
    today: i64,
) -> v1::GetActivityResponse {
    let mut by_hour = vec![0u64; 24];
    let mut days: Vec<(i64, u64)> = Vec::new();
    for &(h, n) in hours {
        let n = n.max(0) as u64;
        by_hour[h.rem_euclid(24) as usize] += n;
        let day = h.div_euclid(24);
        match days.last_mut() {
            Some((d, c)) if *d == day => *c += n,
            _ => days.push((day, n)),
        }
    }
    let listens = days.iter().map(|d| d.1).sum();
    // Streaks over days with listens (ascending).
    let (mut longest, mut longest_start, mut run, mut run_start) = (0u32, None, 0u32, 0i64);
    let mut prev: Option<i64> = None;
    for &(day, _) in &days {
        if prev == Some(day - 1) {
            run += 1;
        } else {
            run = 1;
            run_start = day;
        }
        if run > longest {
            longest = run;
            longest_start = Some(run_start);
        }
        prev = Some(day);
    }
    let current = match prev {
        Some(last) if last == today || last == today - 1 => run,
        _ => 0,
    };
    // Every day from the first (or the period's start) to the period's end, zeros
    // included, the most recent MAX_DAYS of them.
    let start = match (first_day, days.first()) {
        (Some(f), _) => f,
        (None, Some(&(d, _))) => d,
        (None, None) => last_day + 1,
    };
    let start = start.max(last_day - MAX_DAYS as i64 + 1);
    let mut counts = days.iter().peekable();
    let mut out = Vec::new();
    for day in start..=last_day {
        while counts.peek().is_some_and(|(d, _)| *d < day) {
            counts.next();
        }
        let n = match counts.peek() {
            Some(&&(d, n)) if d == day => n,
            _ => 0,
        };
        out.push(v1::DayCount {
            date: date_of(day),
            listens: n,
        });
    }
    v1::GetActivityResponse {
        days: out,
        hours: by_hour,
        listens,
        active_days: days.len() as u32,
        longest_streak: longest,
        longest_streak_start: longest_start.map(date_of).unwrap_or_default(),
        current_streak: current,
        from: 0,
        to: 0,
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
impl History for HistoryService {
    async fn list_recent_listens(
        &self,
        request: Request<v1::ListRecentListensRequest>,
    ) -> Result<Response<v1::ListRecentListensResponse>, Status> {
        let caller = Caller::of(&request)?;
        let r = request.get_ref();
        let size = clamp_page(r.page_size, DEFAULT_PAGE, MAX_PAGE);
        let before = decode_cursor(&r.before)?.unwrap_or(NEWEST);
        let rows = self
            .store
            .list_listens(caller.user_id, &ListenQuery::everything(), before, size)
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
        let (total, by_source) = self.store.listen_counts(caller.user_id).await?;
        let library = self.store.library_counts(caller.user_id).await?;
        let (artists, albums, tracks) = self.store.distinct_counts(caller.user_id).await?;
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
            .store
            .list_listens(caller.user_id, &query, before, size)
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
            .store
            .listen_detail(caller.user_id, request.get_ref().id)
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
        let entries = self
            .store
            .top(caller.user_id, subject, range, limit)
            .await?;
        let listens = self.store.count_listens(caller.user_id, range).await?;
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
        // Every offset in use is a whole number of quarter hours.
        let minutes = r.utc_offset_minutes.clamp(-18 * 60, 18 * 60);
        let offset = i64::from(minutes - minutes.rem_euclid(15)) * 60;
        let hours = self
            .store
            .hourly_counts(caller.user_id, range, offset)
            .await?;
        let local_day = |t: i64| (t + offset).div_euclid(DAY);
        let (from, to) = shown(range, now);
        let first_day = (range.from > 0).then(|| local_day(range.from));
        let mut out = activity(&hours, first_day, local_day(to - 1), local_day(now));
        out.from = from;
        out.to = to;
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
            .store
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
        let mut input = request.into_inner();
        let idle = self.imports.idle_timeout();
        let first = tokio::time::timeout(idle, input.message())
            .await
            .map_err(|_| import::stalled(idle))??;
        let start = match first {
            Some(v1::ImportRequest {
                part: Some(Part::Start(s)),
            }) => import::ImportStart {
                file_name: s.file_name,
                format: s.format,
                size: s.size,
                min_play_ms: s.min_play_ms,
            },
            _ => {
                return Err(Status::invalid_argument(
                    "an import starts with a message naming the file",
                ));
            }
        };
        let upload = input.map(|message| match message {
            Ok(v1::ImportRequest {
                part: Some(Part::Chunk(chunk)),
            }) => import::Upload::Chunk(chunk),
            Ok(_) => import::Upload::Unexpected,
            Err(_) => import::Upload::Interrupted,
        });
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
        let stream =
            export::stream(self.store.clone(), caller.user_id, query, format).map(|chunk| {
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
    fn activity_counts_days_hours_and_streaks() {
        // Local hours: day 10 at 01:00 and 23:00, day 11 at 05:00, day 13 at 00:00.
        let hours = [
            (10 * 24 + 1, 2),
            (10 * 24 + 23, 1),
            (11 * 24 + 5, 4),
            (13 * 24, 1),
        ];
        let a = activity(&hours, None, 14, 14);
        assert_eq!(a.listens, 8);
        assert_eq!(a.active_days, 3);
        assert_eq!(a.longest_streak, 2);
        assert_eq!(a.longest_streak_start, date_of(10));
        // Day 13 ends a run of one, and 13 is yesterday of day 14.
        assert_eq!(a.current_streak, 1);
        assert_eq!(a.hours[1], 2);
        assert_eq!(a.hours[23], 1);
        assert_eq!(a.hours[5], 4);
        assert_eq!(a.hours[0], 1);
        let days: Vec<u64> = a.days.iter().map(|d| d.listens).collect();
        assert_eq!(days, [3, 4, 0, 1, 0], "days 10..=14, zeros included");
        assert_eq!(a.days[0].date, "1970-01-11");
        // Nothing yesterday or today: no current streak.
        assert_eq!(activity(&hours, None, 20, 20).current_streak, 0);
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
