//! History figures (issue 5): how fast the real `spotterd` imports a large listening
//! history, how that compares with the fastest plain SQLite insert of the same rows,
//! and how fast the history browser and the stats answer at that size.
//!
//! 1. A synthetic history (`common/listens.rs`, shared with `load.rs`), the same for
//!    every run of the same size on the same day (seeded): 1,000,000 listens of ~20,000 artists over 5 years. Artist popularity
//!    is Zipf-like (exponent 1.1), and so are each artist's albums and each album's
//!    tracks; most artists are discovered some time into the 5 years; half the plays
//!    continue the album of the play before. Listening grows over the years, with a
//!    daily rhythm (evenings most, nights least; weekends later) in UTC+1, some days
//!    without music and a quiet holiday each year. The newest listen is at most a day
//!    old, so rolling periods (week, month, year) are full.
//! 2. Import: the history as a ListenBrainz JSON-lines export in the temp directory,
//!    streamed through `History.Import` in 1 MiB chunks (the most a message may
//!    carry) by a fresh `spotterd` child process. The clock runs from the first
//!    message to the final progress message (`done`): listens per second, the
//!    daemon's CPU time and its peak resident memory (`VmHWM`).
//! 3. The physical limit: the same rows into the same schema (a new database made by
//!    the real migrations, WAL, `synchronous = NORMAL`, foreign keys on, like the
//!    daemon's) by this process through sqlx, one transaction per 5,000 rows as the
//!    daemon's import pages: `listens` rows (the FTS5 triggers fire) and their
//!    `listen_sources` rows, in two ways: `json_each` over one JSON array per page,
//!    and prepared multi-row `INSERT … VALUES` statements of 500 rows. Each without
//!    and with the daemon's aggregate statements per page (the three grouped
//!    `store::listens::{ADD_TOTALS, ADD_MONTHS, ADD_SLOTS}` after the listens, the
//!    per-source total after the sources). Match keys and source
//!    ids are computed beforehand (once per track, with the daemon's
//!    `normalize::match_key`): only the database work is timed.
//! 4. Queries at that size, over the socket from one client, each repeated (200
//!    times for pages, 30 for stats; a slow one stops after its time budget) for
//!    p50 and p99: pages of `ListListens` (first, deep, filtered, searched, jump to a
//!    date), `GetListen`, and every stats call.
//!
//! Targets (printed next to the figures, with a verdict each): import ≥ 100,000
//! listens/s; every page p99 ≤ 10 ms; every stats call p99 ≤ 100 ms; peak daemon RSS
//! during the import ≤ 150 MB.
//!
//! ```text
//! cargo build --release --bins
//! cargo bench -p spotter-e2e --bench history
//! ```
//!
//! As for `sync.rs`: `cargo bench` runs the `spotterd` next to this benchmark,
//! `target/release/spotterd` (build it first). Without `--bench` (`cargo nextest run
//! -p spotter-e2e --bench history` after `cargo build --bins`) a smoke run with 20,000
//! listens and few repetitions checks that every part still works, against
//! `target/debug/spotterd`; nextest sees one test, `smoke`. `SPOTTER_BENCH_LISTENS`
//! and `SPOTTER_BENCH_ARTISTS` override the sizes.

mod common;

use std::{
    future::Future,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use common::{
    Daemon, Measured, Stopwatch, cpu_time, daemon_build, fmt_count, fmt_duration, fmt_latency,
    full_run,
    listens::{COMMON_WORD, History, Play, UTC_OFFSET_MINUTES, Upload},
    print_setup, size_from_env, unix_now,
};
use hdrhistogram::Histogram;
use spotter_daemon::domains::history::import::PAGE;
use spotter_daemon::domains::history::store::listens::{
    ADD_MONTHS, ADD_SLOTS, ADD_SOURCE_TOTAL, ADD_TOTALS,
};
use spotter_e2e::{Api, Authed, OWNER, OWNER_PW, TestDirs, bin};
use spotter_proto::v1::{
    GetActivityRequest, GetDiscoveriesRequest, GetListenRequest, GetSummaryRequest, GetTopRequest,
    ListListensRequest, ListenFilter, Provider, StatsPeriod, StatsSubject,
    history_client::HistoryClient, stats_period::Kind as PeriodKind,
};
use sqlx::{
    AssertSqlSafe, Connection, SqlSafeStr, SqlStr, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous},
};
use tonic::Status;

/// The one test this binary reports to a libtest-style runner (nextest).
const TEST_NAME: &str = "smoke";
/// Overrides the number of listens.
const LISTENS_ENV: &str = "SPOTTER_BENCH_LISTENS";
/// Overrides the number of artists (default: one per [`LISTENS_PER_ARTIST`]).
const ARTISTS_ENV: &str = "SPOTTER_BENCH_ARTISTS";
const LISTENS_PER_ARTIST: usize = 50;
/// Rows per statement of the multi-row `VALUES` inserts.
const VALUES_ROWS: usize = 500;
/// Page size of the deep paging (the most `ListListens` returns).
const DEEP_PAGE_SIZE: u32 = 500;
/// The page size asked for in the timed page queries.
const PAGE_SIZE: u32 = 50;
/// The TUI's history page size.
const TUI_PAGE_SIZE: u32 = 200;
/// Fewest timed calls of a query, whatever its time budget.
const MIN_CALLS: usize = 10;
/// A new access token when the current one is older than this (they last 15 minutes).
const TOKEN_REFRESH: Duration = Duration::from_secs(600);

// The targets.
const TARGET_IMPORT_RATE: f64 = 100_000.0;
const TARGET_PAGE: Duration = Duration::from_millis(10);
const TARGET_STATS: Duration = Duration::from_millis(100);
const TARGET_RSS_MB: f64 = 150.0;

fn main() {
    common::bench_main(TEST_NAME, Plan::from_args, run, |report: &Report, plan| {
        report.print(plan)
    });
}

/// Sizes and limits of one run.
struct Plan {
    full: bool,
    listens: usize,
    artists: usize,
    /// Timed calls of each page query and of each stats query.
    page_calls: usize,
    stats_calls: usize,
    /// A query whose timed calls took this long stops (after [`MIN_CALLS`]).
    query_budget: Duration,
    /// The longest the import may take before the benchmark gives up.
    import_timeout: Duration,
}

impl Plan {
    /// `cargo bench` passes `--bench`; anything else is a smoke run.
    fn from_args(args: &[String]) -> Plan {
        let mut plan = if full_run(args) {
            Plan {
                full: true,
                listens: 1_000_000,
                artists: 0,
                page_calls: 200,
                stats_calls: 30,
                query_budget: Duration::from_secs(20),
                import_timeout: Duration::from_secs(1_800),
            }
        } else {
            Plan {
                full: false,
                listens: 20_000,
                artists: 0,
                page_calls: 20,
                stats_calls: 5,
                query_budget: Duration::from_secs(2),
                import_timeout: Duration::from_secs(120),
            }
        };
        plan.listens = size_from_env(LISTENS_ENV).unwrap_or(plan.listens);
        plan.artists = size_from_env(ARTISTS_ENV)
            .unwrap_or((plan.listens / LISTENS_PER_ARTIST).max(10))
            .min(plan.listens);
        plan
    }

    /// How deep the deep page is: half the history.
    fn deep(&self) -> usize {
        self.listens / 2
    }
}

async fn run(plan: &Plan) -> Report {
    let daemon = bin("spotterd");
    println!(
        "spotter history benchmark: {} sizes, {} listens, {} artists",
        if plan.full { "full" } else { "smoke" },
        fmt_count(plan.listens as f64),
        fmt_count(plan.artists as f64),
    );
    print_setup(&daemon);

    println!("\ngenerating the history ...");
    let started = Instant::now();
    let history = History::generate(plan.listens, plan.artists);
    let generated = started.elapsed();
    let dirs = TestDirs::new();
    let file = dirs.path("listens.jsonl");
    let file_bytes = history.write_listenbrainz(&file);
    println!(
        "  {} listens of {} artists ({} tracks in the catalogue) in {}; \
         {:.1} MB of ListenBrainz JSON lines written",
        fmt_count(history.plays.len() as f64),
        fmt_count(history.artists_heard() as f64),
        fmt_count(history.catalogue.tracks() as f64),
        fmt_duration(generated),
        file_bytes as f64 / 1e6,
    );

    // The physical limit first, with no daemon running.
    let mut plain = Vec::new();
    for method in [Method::JsonEach, Method::Values] {
        for aggregates in [false, true] {
            println!(
                "plain SQLite insert, {}, {} the aggregates ...",
                method.name(),
                if aggregates { "with" } else { "without" }
            );
            let figures = plain_insert(&history, method, aggregates).await;
            println!(
                "  {} listens/s ({})",
                fmt_count(figures.rate(history.plays.len())),
                fmt_duration(figures.wall)
            );
            plain.push(figures);
        }
    }

    println!("import through spotterd's History.Import ...");
    let daemon_process = Daemon::start(TestDirs::new(), "", &[]).await;
    let api = Api::connect(&daemon_process.socket()).await;
    let token = api.setup_owner(OWNER, OWNER_PW).await.access_token;
    let import = import(plan, &api, &token, &file, file_bytes, &daemon_process).await;
    println!(
        "  {} listens/s ({}), daemon peak RSS {:.1} MiB",
        fmt_count(plan.listens as f64 / import.wall.as_secs_f64()),
        fmt_duration(import.wall),
        import.memory.hwm_mib
    );
    drop(dirs);

    println!("queries at {} listens ...", fmt_count(plan.listens as f64));
    let mut session = Session {
        api,
        token,
        since: Instant::now(),
    };
    let queries = queries(plan, &history, &mut session, &daemon_process).await;
    let after_queries = daemon_process.memory();
    drop(session);
    daemon_process.stop().await;
    Report {
        daemon,
        listens: history.plays.len(),
        file_bytes,
        import,
        plain,
        queries,
        rss_after_queries_mib: after_queries.rss_mib,
    }
}

// ---------------------------------------------------------------------------------------
// 2: the physical limit

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    /// One statement per table and page over `json_each` of one JSON array.
    JsonEach,
    /// Prepared `INSERT … VALUES (…), (…), …` statements of [`VALUES_ROWS`] rows.
    Values,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::JsonEach => "json_each",
            Method::Values => "multi-row VALUES",
        }
    }
}

struct PlainFigures {
    method: Method,
    aggregates: bool,
    wall: Duration,
    /// CPU time of this process (sqlx's SQLite thread does the work).
    cpu: Duration,
}

impl PlainFigures {
    fn rate(&self, rows: usize) -> f64 {
        rows as f64 / self.wall.as_secs_f64()
    }
}

/// The owner of every row of the plain database.
const PLAIN_USER: i64 = 1;

/// Inserts the history into a new database with the real schema, one transaction
/// per [`PAGE`] plays, as fast as sqlx lets this process.
async fn plain_insert(history: &History, method: Method, aggregates: bool) -> PlainFigures {
    let dirs = TestDirs::new();
    let options = SqliteConnectOptions::new()
        .filename(dirs.path("plain.db"))
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .expect("open the plain database");
    sqlx::migrate!("../migrations")
        .run(&mut conn)
        .await
        .expect("the migrations");
    sqlx::query(
        "INSERT INTO users (id, username, role, created_at) VALUES (?, 'bench', 'owner', 0)",
    )
    .bind(PLAIN_USER)
    .execute(&mut conn)
    .await
    .expect("the user");
    let created_at = unix_now();
    let mut statements = ValuesStatements::new(created_at);

    let cpu = cpu_time("self").expect("this process's CPU time");
    let started = Instant::now();
    let mut first_id = 1;
    for page in history.plays.chunks(PAGE) {
        let last_id = first_id + page.len() as i64 - 1;
        let mut tx = conn
            .begin_with("BEGIN IMMEDIATE")
            .await
            .expect("begin a page");
        match method {
            Method::JsonEach => {
                let rows = page_json(history, page, first_id);
                sqlx::query(
                    "INSERT INTO listens (id, user_id, played_at, artist, album, title, \
                       duration_ms, match_key, created_at) \
                     SELECT j.value ->> 0, ?1, j.value ->> 1, j.value ->> 2, j.value ->> 3, \
                       j.value ->> 4, j.value ->> 5, j.value ->> 6, ?2 \
                     FROM json_each(?3) j",
                )
                .bind(PLAIN_USER)
                .bind(created_at)
                .bind(rows.clone())
                .execute(&mut *tx)
                .await
                .expect("insert listens");
                if aggregates {
                    add_aggregates(&mut tx, first_id, last_id).await;
                }
                sqlx::query(
                    "INSERT INTO listen_sources (listen_id, user_id, source, source_ref) \
                     SELECT j.value ->> 0, ?1, 'import', j.value ->> 7 FROM json_each(?2) j",
                )
                .bind(PLAIN_USER)
                .bind(rows)
                .execute(&mut *tx)
                .await
                .expect("insert listen sources");
            }
            Method::Values => {
                let mut id = first_id;
                for rows in page.chunks(VALUES_ROWS) {
                    let mut insert = sqlx::query(statements.listens(rows.len()));
                    for (i, play) in rows.iter().enumerate() {
                        let (artist, album, track) = history.names(play);
                        insert = insert
                            .bind(id + i as i64)
                            .bind(play.at)
                            .bind(artist.name.clone())
                            .bind(album.name.clone())
                            .bind(track.title.clone())
                            .bind(i64::from(track.duration_ms))
                            .bind(track.key.clone());
                    }
                    insert.execute(&mut *tx).await.expect("insert listens");
                    id += rows.len() as i64;
                }
                if aggregates {
                    add_aggregates(&mut tx, first_id, last_id).await;
                }
                let mut id = first_id;
                for rows in page.chunks(VALUES_ROWS) {
                    let mut insert = sqlx::query(statements.sources(rows.len()));
                    for (i, play) in rows.iter().enumerate() {
                        let (_, _, track) = history.names(play);
                        insert = insert
                            .bind(id + i as i64)
                            .bind(format!("lb:{}:{}", play.at, track.key_hash));
                    }
                    insert
                        .execute(&mut *tx)
                        .await
                        .expect("insert listen sources");
                    id += rows.len() as i64;
                }
            }
        }
        if aggregates {
            sqlx::query(ADD_SOURCE_TOTAL)
                .bind(PLAIN_USER)
                .bind("import")
                .bind(page.len() as i64)
                .execute(&mut *tx)
                .await
                .expect("update the source total");
        }
        tx.commit().await.expect("commit a page");
        first_id = last_id + 1;
    }
    let wall = started.elapsed();
    let cpu = cpu_time("self")
        .expect("this process's CPU time")
        .saturating_sub(cpu);

    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM listens")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert_eq!(stored, history.plays.len() as i64, "plain insert");
    conn.close().await.expect("close the plain database");
    PlainFigures {
        method,
        aggregates,
        wall,
        cpu,
    }
}

/// The daemon's aggregate statements for the listens `first_id..=last_id`.
async fn add_aggregates(conn: &mut SqliteConnection, first_id: i64, last_id: i64) {
    for sql in [ADD_TOTALS, ADD_MONTHS, ADD_SLOTS] {
        sqlx::query(sql)
            .bind(first_id)
            .bind(last_id)
            .execute(&mut *conn)
            .await
            .expect("update the aggregates");
    }
}

/// A page as one JSON array of
/// `[id, played_at, artist, album, title, duration_ms, match_key, source_ref]`.
fn page_json(history: &History, page: &[Play], first_id: i64) -> Arc<str> {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(page.len() * 160);
    out.push('[');
    let json = |out: &mut String, s: &str| {
        out.push_str(&serde_json::to_string(s).expect("a JSON string"));
    };
    for (i, play) in page.iter().enumerate() {
        let (artist, album, track) = history.names(play);
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{},{},", first_id + i as i64, play.at);
        json(&mut out, &artist.name);
        out.push(',');
        json(&mut out, &album.name);
        out.push(',');
        json(&mut out, &track.title);
        let _ = write!(out, ",{},", track.duration_ms);
        json(&mut out, &track.key);
        let _ = write!(out, ",\"lb:{}:{}\"]", play.at, track.key_hash);
    }
    out.push(']');
    out.into()
}

/// The multi-row statements, by row count (one text each, so sqlx prepares each once).
struct ValuesStatements {
    created_at: i64,
    listens: Vec<Option<Arc<str>>>,
    sources: Vec<Option<Arc<str>>>,
}

impl ValuesStatements {
    fn new(created_at: i64) -> Self {
        ValuesStatements {
            created_at,
            listens: vec![None; VALUES_ROWS + 1],
            sources: vec![None; VALUES_ROWS + 1],
        }
    }

    fn listens(&mut self, rows: usize) -> SqlStr {
        let created_at = self.created_at;
        let sql = self.listens[rows].get_or_insert_with(|| {
            let row = format!("(?, {PLAIN_USER}, ?, ?, ?, ?, ?, ?, {created_at})");
            format!(
                "INSERT INTO listens (id, user_id, played_at, artist, album, title, duration_ms, \
                 match_key, created_at) VALUES {}",
                vec![row; rows].join(", ")
            )
            .into()
        });
        AssertSqlSafe(sql.clone()).into_sql_str()
    }

    fn sources(&mut self, rows: usize) -> SqlStr {
        let sql = self.sources[rows].get_or_insert_with(|| {
            let row = format!("(?, {PLAIN_USER}, 'import', ?)");
            format!(
                "INSERT INTO listen_sources (listen_id, user_id, source, source_ref) VALUES {}",
                vec![row; rows].join(", ")
            )
            .into()
        });
        AssertSqlSafe(sql.clone()).into_sql_str()
    }
}

// ---------------------------------------------------------------------------------------
// 3: import through the daemon

/// Streams `file` through `History.Import` as a client does and waits for the final
/// progress message.
async fn import(
    plan: &Plan,
    api: &Api,
    token: &str,
    file: &Path,
    size: u64,
    daemon: &Daemon,
) -> Measured {
    let stopwatch = Stopwatch::start(daemon);
    let upload = Upload::start(api.history_as(token), file, size)
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("Import: {s:?}")));
    let last = tokio::time::timeout(plan.import_timeout, upload.finish())
        .await
        .unwrap_or_else(|_| {
            daemon.fail(&format!(
                "the import did not end within {:?}",
                plan.import_timeout
            ))
        })
        .unwrap_or_else(|s| daemon.fail(&format!("Import: {s:?}")));
    let measured = stopwatch.stop(daemon);
    let n = plan.listens as u64;
    if (last.plays, last.added, last.bad) != (n, n, 0) {
        daemon.fail(&format!(
            "the import read {} plays, added {}, found {} bad rows ({:?}); expected {n} plays, \
             all added",
            last.plays, last.added, last.bad, last.bad_rows
        ));
    }
    measured
}

// ---------------------------------------------------------------------------------------
// 4: queries

/// The owner's session; a new token before the current one runs out.
struct Session {
    api: Api,
    token: String,
    since: Instant,
}

impl Session {
    async fn history(&mut self) -> HistoryClient<Authed> {
        if self.since.elapsed() > TOKEN_REFRESH {
            self.token = self
                .api
                .sign_in(OWNER, OWNER_PW)
                .await
                .expect("sign in again")
                .access_token;
            self.since = Instant::now();
        }
        self.api.history_as(&self.token)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    /// A page of listens (or one listen): target [`TARGET_PAGE`].
    Page,
    /// A stats call: target [`TARGET_STATS`].
    Stats,
}

struct QueryFigures {
    label: String,
    group: Group,
    /// Rows (listens, entries, days) the last call returned.
    rows: usize,
    /// Microseconds per call.
    latency: Histogram<u64>,
}

impl QueryFigures {
    fn p99(&self) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(0.99))
    }

    fn target(&self) -> Duration {
        match self.group {
            Group::Page => TARGET_PAGE,
            Group::Stats => TARGET_STATS,
        }
    }

    fn met(&self) -> bool {
        self.p99() <= self.target()
    }
}

/// Times `call` (given the call's number; returns the rows it got): one untimed
/// call first, then the plan's number of calls for `group`, fewer when they take
/// longer than the plan's budget.
async fn timed<F, Fut>(
    plan: &Plan,
    daemon: &Daemon,
    group: Group,
    label: String,
    mut call: F,
) -> QueryFigures
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<usize, Status>>,
{
    let calls = match group {
        Group::Page => plan.page_calls,
        Group::Stats => plan.stats_calls,
    };
    let mut rows = call(0)
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("{label}: {s:?}")));
    let mut latency = Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("histogram");
    let started = Instant::now();
    for i in 1..=calls {
        if i > MIN_CALLS && started.elapsed() > plan.query_budget {
            break;
        }
        let t = Instant::now();
        rows = call(i)
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("{label}: {s:?}")));
        latency.saturating_record(t.elapsed().as_micros().max(1) as u64);
    }
    let figures = QueryFigures {
        label,
        group,
        rows,
        latency,
    };
    println!(
        "  {}: p50 {}, p99 {} ({} calls)",
        figures.label,
        fmt_latency(Duration::from_micros(
            figures.latency.value_at_quantile(0.5)
        )),
        fmt_latency(figures.p99()),
        figures.latency.len()
    );
    figures
}

fn list_request(
    filter: Option<ListenFilter>,
    page_size: u32,
    cursor: &str,
    at: i64,
) -> ListListensRequest {
    ListListensRequest {
        filter,
        page_size,
        cursor: cursor.to_owned(),
        at,
    }
}

fn period(kind: PeriodKind) -> Option<StatsPeriod> {
    Some(StatsPeriod {
        kind: kind as i32,
        from: 0,
        to: 0,
    })
}

async fn queries(
    plan: &Plan,
    history: &History,
    session: &mut Session,
    daemon: &Daemon,
) -> Vec<QueryFigures> {
    let mut out = Vec::new();

    // Pages.
    let client = session.history().await;
    let page = |filter: Option<ListenFilter>, size: u32, cursor: String, at: i64| {
        let mut client = client.clone();
        async move {
            client
                .list_listens(list_request(filter, size, &cursor, at))
                .await
                .map(|r| r.into_inner().listens.len())
        }
    };
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            format!("first page ({PAGE_SIZE})"),
            |_| page(None, PAGE_SIZE, String::new(), 0),
        )
        .await,
    );
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            format!("first page ({TUI_PAGE_SIZE}, the TUI's page size)"),
            |_| page(None, TUI_PAGE_SIZE, String::new(), 0),
        )
        .await,
    );

    // Page on to half the history once, then time the page there.
    let deep = plan.deep();
    let started = Instant::now();
    let (mut cursor, mut seen, mut calls) = (String::new(), 0, 0);
    let mut pager = client.clone();
    while seen < deep {
        let r = pager
            .list_listens(list_request(None, DEEP_PAGE_SIZE, &cursor, 0))
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("ListListens (paging on): {s:?}")))
            .into_inner();
        seen += r.listens.len();
        calls += 1;
        cursor = r.next_cursor;
        if cursor.is_empty() {
            daemon.fail(&format!("the timeline ended after {seen} listens"));
        }
    }
    println!(
        "  paged to listen {} in {} calls of {DEEP_PAGE_SIZE}: {}",
        fmt_count(seen as f64),
        calls,
        fmt_duration(started.elapsed())
    );
    let deep_ids: Vec<i64> = pager
        .list_listens(list_request(None, PAGE_SIZE, &cursor, 0))
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("ListListens (deep page): {s:?}")))
        .into_inner()
        .listens
        .iter()
        .map(|l| l.id)
        .collect();
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            format!("deep page (after {} listens)", fmt_count(seen as f64)),
            |_| page(None, PAGE_SIZE, cursor.clone(), 0),
        )
        .await,
    );
    let middle = history.start + (history.end - history.start) / 2;
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            "jump to a date (`at` in the middle)".into(),
            |_| page(None, PAGE_SIZE, String::new(), middle),
        )
        .await,
    );

    let (artist, artist_plays) = history.mid_artist();
    let by_artist = ListenFilter {
        artist: artist.name.to_string(),
        ..Default::default()
    };
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            format!(
                "artist filter, mid-popularity artist \"{}\" ({} listens)",
                artist.name,
                fmt_count(artist_plays as f64)
            ),
            |_| page(Some(by_artist.clone()), PAGE_SIZE, String::new(), 0),
        )
        .await,
    );
    let imported = ListenFilter {
        imported: true,
        ..Default::default()
    };
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            "source filter: imported (every listen)".into(),
            |_| page(Some(imported.clone()), PAGE_SIZE, String::new(), 0),
        )
        .await,
    );
    let lastfm = ListenFilter {
        sources: vec![Provider::Lastfm as i32],
        ..Default::default()
    };
    out.push(
        timed(
            plan,
            daemon,
            Group::Page,
            "source filter: Last.fm (no listen)".into(),
            |_| page(Some(lastfm.clone()), PAGE_SIZE, String::new(), 0),
        )
        .await,
    );
    for word in [artist.word.as_str(), COMMON_WORD] {
        let search = ListenFilter {
            query: word.to_owned(),
            ..Default::default()
        };
        out.push(
            timed(
                plan,
                daemon,
                Group::Page,
                format!(
                    "search \"{word}\" (~{} matching listens)",
                    fmt_count(history.plays_matching(word) as f64)
                ),
                |_| page(Some(search.clone()), PAGE_SIZE, String::new(), 0),
            )
            .await,
        );
    }
    out.push(
        timed(plan, daemon, Group::Page, "GetListen".into(), |i| {
            let mut client = client.clone();
            let id = deep_ids[i % deep_ids.len()];
            async move {
                client
                    .get_listen(GetListenRequest { id })
                    .await
                    .map(|r| usize::from(r.into_inner().listen.is_some()))
            }
        })
        .await,
    );

    // Stats.
    let periods = [
        ("week", PeriodKind::Week),
        ("month", PeriodKind::Month),
        ("year", PeriodKind::Year),
        ("all time", PeriodKind::AllTime),
    ];
    let subjects = [
        ("artists", StatsSubject::Artists),
        ("albums", StatsSubject::Albums),
        ("tracks", StatsSubject::Tracks),
    ];
    for (subject_name, subject) in subjects {
        for (period_name, kind) in periods {
            let client = session.history().await;
            out.push(
                timed(
                    plan,
                    daemon,
                    Group::Stats,
                    format!("GetTop {subject_name}, {period_name}"),
                    |_| {
                        let mut client = client.clone();
                        async move {
                            client
                                .get_top(GetTopRequest {
                                    period: period(kind),
                                    subject: subject as i32,
                                    limit: 0,
                                })
                                .await
                                .map(|r| r.into_inner().entries.len())
                        }
                    },
                )
                .await,
            );
        }
    }
    for (period_name, kind) in [
        ("year", PeriodKind::Year),
        ("all time", PeriodKind::AllTime),
    ] {
        let client = session.history().await;
        out.push(
            timed(
                plan,
                daemon,
                Group::Stats,
                format!("GetActivity, {period_name} (UTC+1)"),
                |_| {
                    let mut client = client.clone();
                    async move {
                        client
                            .get_activity(GetActivityRequest {
                                period: period(kind),
                                utc_offset_minutes: UTC_OFFSET_MINUTES,
                            })
                            .await
                            .map(|r| r.into_inner().days.len())
                    }
                },
            )
            .await,
        );
    }
    for (subject_name, subject) in subjects {
        let client = session.history().await;
        out.push(
            timed(
                plan,
                daemon,
                Group::Stats,
                format!("GetDiscoveries {subject_name}, year"),
                |_| {
                    let mut client = client.clone();
                    async move {
                        client
                            .get_discoveries(GetDiscoveriesRequest {
                                period: period(PeriodKind::Year),
                                subject: subject as i32,
                                limit: 0,
                            })
                            .await
                            .map(|r| r.into_inner().discoveries.len())
                    }
                },
            )
            .await,
        );
    }
    let client = session.history().await;
    let summary = client
        .clone()
        .get_summary(GetSummaryRequest {})
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("GetSummary: {s:?}")))
        .into_inner();
    if summary.listens != plan.listens as u64 || summary.artists != history.artists_heard() as u64 {
        daemon.fail(&format!(
            "GetSummary: {} listens of {} artists, expected {} of {}",
            summary.listens,
            summary.artists,
            plan.listens,
            history.artists_heard()
        ));
    }
    out.push(
        timed(plan, daemon, Group::Stats, "GetSummary".into(), |_| {
            let mut client = client.clone();
            async move {
                client
                    .get_summary(GetSummaryRequest {})
                    .await
                    .map(|r| usize::from(r.into_inner().listens > 0))
            }
        })
        .await,
    );
    out
}

// ---------------------------------------------------------------------------------------
// The report

struct Report {
    daemon: PathBuf,
    listens: usize,
    file_bytes: u64,
    import: Measured,
    plain: Vec<PlainFigures>,
    queries: Vec<QueryFigures>,
    rss_after_queries_mib: f64,
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "**not met**" }
}

impl Report {
    fn import_rate(&self) -> f64 {
        self.listens as f64 / self.import.wall.as_secs_f64()
    }

    /// Peak daemon RSS in MB (10^6 bytes), as the target is given.
    fn peak_mb(&self) -> f64 {
        self.import.memory.hwm_mib * 1.048_576
    }

    /// The fastest plain insert with or without the aggregates.
    fn best_plain(&self, aggregates: bool) -> Option<&PlainFigures> {
        self.plain
            .iter()
            .filter(|p| p.aggregates == aggregates)
            .min_by_key(|p| p.wall)
    }

    fn print(&self, plan: &Plan) {
        let n = self.listens;
        println!(
            "\n| import of {} listens ({} build of spotterd; ListenBrainz JSON lines, {:.0} MB) \
             | wall time | rate | CPU | peak RSS | target |",
            fmt_count(n as f64),
            daemon_build(&self.daemon),
            self.file_bytes as f64 / 1e6,
        );
        println!("|---|--:|--:|--:|--:|---|");
        let m = &self.import;
        println!(
            "| spotterd, `History.Import` over the socket (1 MiB chunks, pages of {}) | {} | \
             {} listens/s | daemon {}, client {} | {:.1} MiB ({:.0} MB) | ≥ {} listens/s: {}; \
             ≤ {TARGET_RSS_MB:.0} MB: {} |",
            fmt_count(PAGE as f64),
            fmt_duration(m.wall),
            fmt_count(self.import_rate()),
            fmt_duration(m.daemon_cpu),
            fmt_duration(m.bench_cpu),
            m.memory.hwm_mib,
            self.peak_mb(),
            fmt_count(TARGET_IMPORT_RATE),
            verdict(self.import_rate() >= TARGET_IMPORT_RATE),
            verdict(self.peak_mb() <= TARGET_RSS_MB),
        );
        for p in &self.plain {
            let how = match p.method {
                Method::JsonEach => "`json_each` of one JSON array per page".to_owned(),
                Method::Values => format!("multi-row `VALUES`, {VALUES_ROWS} rows a statement"),
            };
            println!(
                "| plain SQLite, {how}, {} the aggregate statements | {} | {} listens/s | \
                 {} (this process) | | |",
                if p.aggregates { "with" } else { "without" },
                fmt_duration(p.wall),
                fmt_count(p.rate(n)),
                fmt_duration(p.cpu),
            );
        }
        println!();
        for aggregates in [true, false] {
            if let Some(best) = self.best_plain(aggregates) {
                println!(
                    "spotterd / physical limit {} the aggregates: {:.2}× ({} vs {} listens/s, \
                     plain SQLite by {})",
                    if aggregates { "with" } else { "without" },
                    self.import_rate() / best.rate(n),
                    fmt_count(self.import_rate()),
                    fmt_count(best.rate(n)),
                    best.method.name(),
                );
            }
        }
        println!(
            "Peak RSS is the daemon's VmHWM from its start to the end of the import (the \
             daemon started for it); after the queries VmRSS is {:.1} MiB.",
            self.rss_after_queries_mib
        );

        println!(
            "\n| query at {} listens (one client over the socket) | calls | rows | p50 | p99 \
             | max | target (p99) | |",
            fmt_count(n as f64)
        );
        println!("|---|--:|--:|--:|--:|--:|--:|---|");
        for q in &self.queries {
            println!(
                "| {} | {} | {} | {} | {} | {} | ≤ {} | {} |",
                q.label,
                q.latency.len(),
                fmt_count(q.rows as f64),
                fmt_latency(Duration::from_micros(q.latency.value_at_quantile(0.5))),
                fmt_latency(q.p99()),
                fmt_latency(Duration::from_micros(q.latency.max())),
                fmt_latency(q.target()),
                verdict(q.met()),
            );
        }

        println!("\nTargets:");
        println!(
            "- import ≥ {} listens/s: {} listens/s: {}",
            fmt_count(TARGET_IMPORT_RATE),
            fmt_count(self.import_rate()),
            verdict(self.import_rate() >= TARGET_IMPORT_RATE)
        );
        for (group, what) in [
            (Group::Page, "every page p99 ≤ 10 ms"),
            (Group::Stats, "every stats query p99 ≤ 100 ms"),
        ] {
            let of_group: Vec<&QueryFigures> =
                self.queries.iter().filter(|q| q.group == group).collect();
            let missed: Vec<&str> = of_group
                .iter()
                .filter(|q| !q.met())
                .map(|q| q.label.as_str())
                .collect();
            let worst = of_group.iter().max_by_key(|q| q.p99());
            let worst = worst.map_or(String::new(), |q| {
                format!("worst p99 {} ({})", fmt_latency(q.p99()), q.label)
            });
            if missed.is_empty() {
                println!("- {what}: {worst}: met");
            } else {
                println!(
                    "- {what}: {worst}: **not met** ({} of {} miss: {})",
                    missed.len(),
                    of_group.len(),
                    missed.join("; ")
                );
            }
        }
        println!(
            "- peak daemon RSS during the import ≤ {TARGET_RSS_MB:.0} MB: {:.0} MB: {}",
            self.peak_mb(),
            verdict(self.peak_mb() <= TARGET_RSS_MB)
        );
        if !plan.full {
            println!(
                "(smoke sizes: the targets are for 1,000,000 listens; \
                 `cargo bench -p spotter-e2e --bench history` for the figures)"
            );
        }
    }
}
