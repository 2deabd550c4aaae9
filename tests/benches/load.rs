//! Load figures (issue 10; SECURITY.md T12, denial of service from a local peer): does
//! the real `spotterd` keep answering many clients, without errors and at what
//! latency, while a large import runs for somebody else?
//!
//! 1. Setup: a fresh `spotterd` child process; the owner, then four local users: three
//!    for the clients, each with the same generated history of a few thousand listens
//!    (`common/listens.rs`, imported through `History.Import`), and one who imports
//!    later (with no history before). Then the clients: each its own connection
//!    (spread round-robin over the three users) and its own session (signed in one
//!    after the other, before any clock runs).
//! 2. Phase A, the baseline: every client makes the same fixed number of calls, one
//!    after the other, all clients at once, each after a pause drawn from 0 to 400 ms
//!    (200 ms on average: 100 clients then ask for about 450 calls a second, about
//!    40% of what the 2-core machine serves). Without pauses the clients saturate the
//!    daemon and every latency is mostly the queue (clients ÷ throughput, Little's
//!    law), which hides what the import does; `SPOTTER_BENCH_THINK_MS=0` runs them
//!    back to back all the same. The calls and pauses are drawn from a seeded mix (the
//!    same sequence for a client in both phases): `System.GetStatus`,
//!    `History.ListListens` (the first page, a page half-way down by cursor, a
//!    search), `History.GetTop` and `GetActivity`, `Sessions.ListSessions`,
//!    `Auth.Refresh` (with the client's current refresh token, which rotates), and
//!    `Auth.SignIn` (a new session; the client then signs the one it had out, so the
//!    number of sessions, which `ListSessions` returns, stays the same). Every call's
//!    latency goes into an HDR histogram per kind of call; every failed call (an error
//!    status, or an answer that cannot be right, such as a short first page) is
//!    counted per kind, and the first messages kept.
//! 3. Phase B: the same calls while the fourth user imports a large history
//!    (1,000,000 listens; ListenBrainz JSON lines streamed in 1 MiB chunks, as in
//!    `history.rs`). The import starts first; the clients start once its progress
//!    shows listens added, and the import then runs to its end. The output says
//!    whether it outlasted the clients (it should: the import must cover the whole of
//!    phase B).
//!
//! Figures: calls, errors, p50 and p99 per kind of call in both phases and their ratio
//! B / A; the daemon's peak resident memory (`VmHWM`, started afresh at each phase
//! where the kernel allows) and its CPU time; the import's rate overall and while the
//! clients ran. Errors are a correctness property (goal 0, with a verdict); nothing
//! here judges a time.
//!
//! The daemon runs with `auth.sign_in_attempts_per_minute = 1000` (the most allowed;
//! the default, 10, would refuse most of the sign-ins: every client runs as this one
//! Unix user, and the limit is per uid). The sign-ins of a whole run at the default
//! sizes stay under 1,000, so the limit never bites (the output counts them). `daemon.max_connections_per_uid` keeps its default (128)
//! while the clients and the two other connections fit under it; more clients raise
//! it, and the output says so.
//!
//! ```text
//! cargo build --release --bins
//! cargo bench -p spotter-e2e --bench load
//! ```
//!
//! As for `history.rs`: `cargo bench` runs the `spotterd` next to this benchmark,
//! `target/release/spotterd` (build it first). Without `--bench` (`cargo nextest run
//! -p spotter-e2e --bench load` after `cargo build --bins`) a smoke run with 10
//! clients of 20 calls and a 20,000-listen import checks that it all works, against
//! `target/debug/spotterd`, and fails on any error (never on a time); nextest sees one
//! test, `smoke`. `SPOTTER_BENCH_LISTENS` (the import), `SPOTTER_BENCH_CLIENTS`,
//! `SPOTTER_BENCH_CALLS` (per client) and `SPOTTER_BENCH_THINK_MS` (the mean pause)
//! override the sizes.

mod common;

use std::{
    future::Future,
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use common::{
    Daemon, Measured, Stopwatch, daemon_build, fmt_count, fmt_duration, fmt_latency, full_run,
    listens::{COMMON_WORD, History, UTC_OFFSET_MINUTES, Upload},
    print_setup, size_from_env,
};
use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng, rngs::StdRng};
use spotter_e2e::{Api, OWNER, OWNER_PW, TestDirs, USER_PW, bin};
use spotter_proto::v1::{
    CreateUserRequest, GetActivityRequest, GetStatusRequest, GetTopRequest, ImportProgress,
    ListListensRequest, ListSessionsRequest, ListenFilter, RefreshRequest, SignInMethod,
    SignInRequest, SignInResponse, SignOutRequest, StatsPeriod, StatsSubject,
    stats_period::Kind as PeriodKind, system_client::SystemClient,
};
use tokio::task::JoinSet;
use tonic::Status;

/// The one test this binary reports to a libtest-style runner (nextest).
const TEST_NAME: &str = "smoke";
/// Override the listens imported in phase B, the clients, and the calls per client.
const LISTENS_ENV: &str = "SPOTTER_BENCH_LISTENS";
const CLIENTS_ENV: &str = "SPOTTER_BENCH_CLIENTS";
const CALLS_ENV: &str = "SPOTTER_BENCH_CALLS";
/// Overrides the clients' mean pause before a call, in milliseconds (0: none).
const THINK_ENV: &str = "SPOTTER_BENCH_THINK_MS";
/// The clients' users (client `i` is `USERS[i % 3]`) and the user importing in phase B.
const USERS: [&str; 3] = ["uma", "viktor", "wanda"];
const IMPORTER: &str = "xavier";
/// The seed of the clients' calls.
const SEED: u64 = 0x10ad_c0de;
/// Artists in a generated history: one per this many listens.
const LISTENS_PER_ARTIST: usize = 50;
/// Listens per page in the clients' `ListListens` calls.
const PAGE_SIZE: u32 = 50;
/// Page size of the untimed paging to the half-way cursor (the most allowed).
const DEEP_PAGE_SIZE: u32 = 500;
/// `auth.sign_in_attempts_per_minute` of the daemon under test: the most allowed.
const SIGN_IN_RATE: usize = 1_000;
/// `daemon.max_connections_per_uid` by default, and the connections this benchmark
/// opens besides the clients' (the owner's for the setup, the importer's).
const DEFAULT_CONNECTIONS_PER_UID: usize = 128;
const OTHER_CONNECTIONS: usize = 2;
/// Error messages kept per kind of call.
const MESSAGES_KEPT: usize = 3;
/// The longest the clients of a phase, or the wait for an import's first listens,
/// may take before the benchmark gives up.
const PHASE_TIMEOUT: Duration = Duration::from_secs(1_800);
const FIRST_LISTENS_TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    let Some((plan, report)) =
        common::bench_main(TEST_NAME, Plan::from_args, run, |report: &Report, plan| {
            report.print(plan)
        })
    else {
        return;
    };
    // Errors are a correctness property: the smoke run (CI) fails on any.
    if !plan.full {
        assert_eq!(
            report.errors(),
            0,
            "calls failed under load (messages above)"
        );
    }
}

/// Sizes of one run.
struct Plan {
    full: bool,
    clients: usize,
    /// Calls per client and phase (a sign-in adds the sign-out of the old session).
    calls: usize,
    /// A client's mean pause before each call (drawn uniformly from 0 to twice this).
    think: Duration,
    /// Listens of each client user's history, and of the import in phase B.
    user_listens: usize,
    import_listens: usize,
    /// The longest the import in phase B may take before the benchmark gives up.
    import_timeout: Duration,
}

impl Plan {
    /// `cargo bench` passes `--bench`; anything else is a smoke run.
    fn from_args(args: &[String]) -> Plan {
        let mut plan = if full_run(args) {
            Plan {
                full: true,
                clients: 100,
                calls: 200,
                think: Duration::from_millis(200),
                user_listens: 5_000,
                import_listens: 1_000_000,
                import_timeout: Duration::from_secs(1_800),
            }
        } else {
            Plan {
                full: false,
                clients: 10,
                calls: 20,
                think: Duration::from_millis(5),
                user_listens: 1_000,
                import_listens: 20_000,
                import_timeout: Duration::from_secs(300),
            }
        };
        plan.clients = size_from_env(CLIENTS_ENV).unwrap_or(plan.clients);
        plan.calls = size_from_env(CALLS_ENV).unwrap_or(plan.calls);
        plan.import_listens = size_from_env(LISTENS_ENV).unwrap_or(plan.import_listens);
        if let Ok(ms) = std::env::var(THINK_ENV) {
            let ms = ms
                .parse()
                .unwrap_or_else(|_| panic!("{THINK_ENV}={ms:?} is not a number of milliseconds"));
            plan.think = Duration::from_millis(ms);
        }
        plan
    }

    /// The daemon's connection limit per uid: the default unless the clients need more.
    fn connections_per_uid(&self) -> usize {
        DEFAULT_CONNECTIONS_PER_UID.max(self.clients + OTHER_CONNECTIONS)
    }
}

fn artists_for(listens: usize) -> usize {
    (listens / LISTENS_PER_ARTIST).max(10).min(listens)
}

// ---------------------------------------------------------------------------------------
// The calls

/// A kind of call: a row of the figures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    FirstPage,
    DeepPage,
    Search,
    Top,
    Activity,
    Sessions,
    Refresh,
    SignIn,
    SignOut,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Status,
        Kind::FirstPage,
        Kind::DeepPage,
        Kind::Search,
        Kind::Top,
        Kind::Activity,
        Kind::Sessions,
        Kind::Refresh,
        Kind::SignIn,
        Kind::SignOut,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::Status => "`System.GetStatus`",
            Kind::FirstPage => "`History.ListListens`, first page (50)",
            Kind::DeepPage => "`History.ListListens`, page half-way down (cursor)",
            Kind::Search => "`History.ListListens`, search",
            Kind::Top => "`History.GetTop` (any subject and period)",
            Kind::Activity => "`History.GetActivity` (year or all time)",
            Kind::Sessions => "`Sessions.ListSessions`",
            Kind::Refresh => "`Auth.Refresh`",
            Kind::SignIn => "`Auth.SignIn` (argon2id)",
            Kind::SignOut => "`Auth.SignOut` (the session a sign-in replaced)",
        }
    }
}

/// One call of a client's sequence, with what it asks.
#[derive(Clone, Copy)]
enum Op {
    Status,
    FirstPage,
    DeepPage,
    /// The user's word at this index.
    Search(usize),
    Top(StatsSubject, PeriodKind),
    Activity(PeriodKind),
    Sessions,
    Refresh,
    /// A sign-in, then the sign-out of the session it replaces.
    SignIn,
}

/// The mix: each call is of these kinds with these weights (per cent).
const MIX: [(Kind, u32); 9] = [
    (Kind::Status, 15),
    (Kind::FirstPage, 15),
    (Kind::DeepPage, 10),
    (Kind::Search, 10),
    (Kind::Top, 15),
    (Kind::Activity, 8),
    (Kind::Sessions, 12),
    (Kind::Refresh, 13),
    (Kind::SignIn, 2),
];

/// Client `client`'s calls, each with the pause before it: the same for every phase
/// and run of the same size.
fn schedule(client: usize, calls: usize, words: usize, think: Duration) -> Vec<(Duration, Op)> {
    const SUBJECTS: [StatsSubject; 3] = [
        StatsSubject::Artists,
        StatsSubject::Albums,
        StatsSubject::Tracks,
    ];
    const PERIODS: [PeriodKind; 4] = [
        PeriodKind::Week,
        PeriodKind::Month,
        PeriodKind::Year,
        PeriodKind::AllTime,
    ];
    let mut rng = StdRng::seed_from_u64(SEED ^ (client as u64).wrapping_mul(0x9e37_79b9));
    let total: u32 = MIX.iter().map(|(_, w)| w).sum();
    (0..calls)
        .map(|_| {
            let mut draw = rng.random_range(0..total);
            let kind = MIX
                .iter()
                .find(|&&(_, weight)| {
                    let hit = draw < weight;
                    draw = draw.saturating_sub(weight);
                    hit
                })
                .map_or(Kind::Status, |&(kind, _)| kind);
            let pause = think.mul_f64(2.0 * rng.random::<f64>());
            let op = match kind {
                Kind::FirstPage => Op::FirstPage,
                Kind::DeepPage => Op::DeepPage,
                Kind::Search => Op::Search(rng.random_range(0..words)),
                Kind::Top => Op::Top(
                    SUBJECTS[rng.random_range(0..SUBJECTS.len())],
                    PERIODS[rng.random_range(0..PERIODS.len())],
                ),
                Kind::Activity => Op::Activity(if rng.random_bool(0.5) {
                    PeriodKind::Year
                } else {
                    PeriodKind::AllTime
                }),
                Kind::Sessions => Op::Sessions,
                Kind::Refresh => Op::Refresh,
                Kind::SignIn => Op::SignIn,
                Kind::Status | Kind::SignOut => Op::Status,
            };
            (pause, op)
        })
        .collect()
}

/// What the calls of one user's clients need to know of their history.
struct UserData {
    name: &'static str,
    /// The cursor of a page half-way down the history.
    deep_cursor: String,
    /// Words searched for.
    words: Vec<String>,
}

/// Latencies (µs) and errors per kind of call.
struct Tally {
    calls: Vec<u64>,
    latency: Vec<Histogram<u64>>,
    errors: Vec<u64>,
    messages: Vec<Vec<String>>,
}

impl Tally {
    fn new() -> Tally {
        let n = Kind::ALL.len();
        Tally {
            calls: vec![0; n],
            latency: (0..n)
                .map(|_| Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("histogram"))
                .collect(),
            errors: vec![0; n],
            messages: vec![Vec::new(); n],
        }
    }

    /// Times `call`; its answer, or `None` (counted as an error) when it failed.
    async fn timed<T>(
        &mut self,
        kind: Kind,
        call: impl Future<Output = Result<tonic::Response<T>, Status>>,
    ) -> Option<T> {
        let started = Instant::now();
        let result = call.await;
        let elapsed = started.elapsed();
        self.calls[kind as usize] += 1;
        self.latency[kind as usize].saturating_record(elapsed.as_micros().max(1) as u64);
        match result {
            Ok(response) => Some(response.into_inner()),
            Err(s) => {
                self.error(kind, format!("{:?}: {}", s.code(), s.message()));
                None
            }
        }
    }

    fn error(&mut self, kind: Kind, message: String) {
        self.errors[kind as usize] += 1;
        let kept = &mut self.messages[kind as usize];
        if kept.len() < MESSAGES_KEPT {
            kept.push(message);
        }
    }

    fn merge(&mut self, other: Tally) {
        for k in 0..Kind::ALL.len() {
            self.calls[k] += other.calls[k];
            self.errors[k] += other.errors[k];
            self.latency[k]
                .add(&other.latency[k])
                .expect("histograms of the same bounds");
            for m in &other.messages[k] {
                if self.messages[k].len() < MESSAGES_KEPT {
                    self.messages[k].push(m.clone());
                }
            }
        }
    }

    fn total_calls(&self) -> u64 {
        self.calls.iter().sum()
    }

    fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Every call's latency together.
    fn all(&self) -> Histogram<u64> {
        let mut all = Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("histogram");
        for h in &self.latency {
            all.add(h).expect("histograms of the same bounds");
        }
        all
    }
}

/// One client: its own connection and session.
struct Client {
    api: Api,
    user: usize,
    tokens: SignInResponse,
}

impl Client {
    async fn run(&mut self, ops: &[(Duration, Op)], user: &UserData, tally: &mut Tally) {
        for &(pause, op) in ops {
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
            self.call(op, user, tally).await;
        }
    }

    async fn call(&mut self, op: Op, user: &UserData, tally: &mut Tally) {
        let token = self.tokens.access_token.clone();
        let mut history = self.api.history_as(&token);
        let page = |filter: Option<ListenFilter>, cursor: &str| ListListensRequest {
            filter,
            page_size: PAGE_SIZE,
            cursor: cursor.to_owned(),
            at: 0,
        };
        match op {
            Op::Status => {
                let mut system = SystemClient::new(self.api.channel.clone());
                let request = GetStatusRequest {
                    client_protocol_version: spotter_proto::PROTOCOL_VERSION,
                };
                tally.timed(Kind::Status, system.get_status(request)).await;
            }
            Op::FirstPage => {
                let request = page(None, "");
                let got = tally
                    .timed(Kind::FirstPage, history.list_listens(request))
                    .await;
                if let Some(r) = got
                    && r.listens.len() != PAGE_SIZE as usize
                {
                    let n = r.listens.len();
                    tally.error(Kind::FirstPage, format!("a first page of {n} listens"));
                }
            }
            Op::DeepPage => {
                let request = page(None, &user.deep_cursor);
                let got = tally
                    .timed(Kind::DeepPage, history.list_listens(request))
                    .await;
                if let Some(r) = got
                    && r.listens.is_empty()
                {
                    tally.error(Kind::DeepPage, "an empty page half-way down".into());
                }
            }
            Op::Search(word) => {
                let filter = ListenFilter {
                    query: user.words[word].clone(),
                    ..Default::default()
                };
                let request = page(Some(filter), "");
                let got = tally
                    .timed(Kind::Search, history.list_listens(request))
                    .await;
                if let Some(r) = got
                    && r.listens.is_empty()
                {
                    let word = &user.words[word];
                    tally.error(Kind::Search, format!("nothing found for {word:?}"));
                }
            }
            Op::Top(subject, kind) => {
                let request = GetTopRequest {
                    period: period(kind),
                    subject: subject as i32,
                    limit: 0,
                };
                tally.timed(Kind::Top, history.get_top(request)).await;
            }
            Op::Activity(kind) => {
                let request = GetActivityRequest {
                    period: period(kind),
                    utc_offset_minutes: UTC_OFFSET_MINUTES,
                };
                tally
                    .timed(Kind::Activity, history.get_activity(request))
                    .await;
            }
            Op::Sessions => {
                let mut sessions = self.api.sessions_as(&token);
                let got = tally
                    .timed(
                        Kind::Sessions,
                        sessions.list_sessions(ListSessionsRequest {}),
                    )
                    .await;
                if let Some(r) = got
                    && !r.sessions.iter().any(|s| s.current)
                {
                    tally.error(Kind::Sessions, "the caller's session is not listed".into());
                }
            }
            Op::Refresh => {
                let request = RefreshRequest {
                    refresh_token: self.tokens.refresh_token.clone(),
                };
                let got = tally
                    .timed(Kind::Refresh, self.api.auth().refresh(request))
                    .await;
                if let Some(tokens) = got {
                    self.tokens = tokens;
                }
            }
            Op::SignIn => {
                let request = sign_in_request(user.name);
                let got = tally
                    .timed(Kind::SignIn, self.api.auth().sign_in(request))
                    .await;
                if let Some(tokens) = got {
                    let mut auth = self.api.auth_as(&token);
                    tally
                        .timed(Kind::SignOut, auth.sign_out(SignOutRequest {}))
                        .await;
                    self.tokens = tokens;
                }
            }
        }
    }
}

fn sign_in_request(username: &str) -> SignInRequest {
    SignInRequest {
        method: SignInMethod::Local as i32,
        username: username.into(),
        password: USER_PW.into(),
        device_label: "load benchmark".into(),
    }
}

fn period(kind: PeriodKind) -> Option<StatsPeriod> {
    Some(StatsPeriod {
        kind: kind as i32,
        from: 0,
        to: 0,
    })
}

/// Every client through its sequence at once; the clients back, and the tally.
async fn phase(
    clients: Vec<Client>,
    schedules: &Arc<Vec<Vec<(Duration, Op)>>>,
    users: &Arc<Vec<UserData>>,
    daemon: &Daemon,
) -> (Vec<Client>, Tally) {
    let mut tasks = JoinSet::new();
    for (i, mut client) in clients.into_iter().enumerate() {
        let schedules = Arc::clone(schedules);
        let users = Arc::clone(users);
        tasks.spawn(async move {
            let mut tally = Tally::new();
            client
                .run(&schedules[i], &users[client.user], &mut tally)
                .await;
            (i, client, tally)
        });
    }
    let mut back: Vec<(usize, Client)> = Vec::new();
    let mut tally = Tally::new();
    let joined = tokio::time::timeout(PHASE_TIMEOUT, async {
        while let Some(done) = tasks.join_next().await {
            let (i, client, t) = done.expect("a client task");
            back.push((i, client));
            tally.merge(t);
        }
    })
    .await;
    if joined.is_err() {
        daemon.fail(&format!(
            "the clients did not finish within {PHASE_TIMEOUT:?}"
        ));
    }
    back.sort_by_key(|(i, _)| *i);
    (back.into_iter().map(|(_, c)| c).collect(), tally)
}

// ---------------------------------------------------------------------------------------
// The run

async fn run(plan: &Plan) -> Report {
    let daemon_path = bin("spotterd");
    println!(
        "spotter load benchmark: {} sizes, {} clients × {} calls per phase (a pause of 0 to {} \
         before each), users' histories of {} listens, {} listens imported in phase B",
        if plan.full { "full" } else { "smoke" },
        plan.clients,
        plan.calls,
        fmt_duration(plan.think * 2),
        fmt_count(plan.user_listens as f64),
        fmt_count(plan.import_listens as f64),
    );
    print_setup(&daemon_path);

    println!("\ngenerating the histories ...");
    let started = Instant::now();
    let files = TestDirs::new();
    let small = History::generate(plan.user_listens, artists_for(plan.user_listens));
    let small_file = files.path("user.jsonl");
    let small_bytes = small.write_listenbrainz(&small_file);
    let words = vec![small.mid_artist().0.word.clone(), COMMON_WORD.to_owned()];
    drop(small);
    let big_file = files.path("import.jsonl");
    let big_bytes = History::generate(plan.import_listens, artists_for(plan.import_listens))
        .write_listenbrainz(&big_file);
    println!(
        "  {:.1} + {:.1} MB of ListenBrainz JSON lines in {}",
        small_bytes as f64 / 1e6,
        big_bytes as f64 / 1e6,
        fmt_duration(started.elapsed())
    );

    let per_uid = plan.connections_per_uid();
    let mut config = format!("[auth]\nsign_in_attempts_per_minute = {SIGN_IN_RATE}\n");
    if per_uid != DEFAULT_CONNECTIONS_PER_UID {
        config.push_str(&format!(
            "[daemon]\nmax_connections_per_uid = {per_uid}\nmax_connections = {}\n",
            per_uid.max(1_024)
        ));
        println!(
            "  {} clients: daemon.max_connections_per_uid raised from {} to {per_uid}",
            plan.clients, DEFAULT_CONNECTIONS_PER_UID
        );
    }
    let daemon = Daemon::start(TestDirs::new(), &config, &[]).await;
    let admin = Api::connect(&daemon.socket()).await;
    let owner = admin.setup_owner(OWNER, OWNER_PW).await.access_token;
    let mut sign_ins = 1;
    for username in USERS.into_iter().chain([IMPORTER]) {
        admin
            .admin_as(&owner)
            .create_user(CreateUserRequest {
                username: username.into(),
                password: USER_PW.into(),
            })
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("CreateUser {username}: {s:?}")));
    }

    println!(
        "importing {} listens for each client user ...",
        fmt_count(plan.user_listens as f64)
    );
    let mut users = Vec::new();
    for name in USERS {
        let token = admin
            .sign_in(name, USER_PW)
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("SignIn {name}: {s:?}")))
            .access_token;
        sign_ins += 1;
        let upload = Upload::start(admin.history_as(&token), &small_file, small_bytes)
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("Import for {name}: {s:?}")));
        let done = upload
            .finish()
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("Import for {name}: {s:?}")));
        let n = plan.user_listens as u64;
        if (done.plays, done.added) != (n, n) {
            daemon.fail(&format!(
                "{name}'s import read {} plays and added {}, expected {n}",
                done.plays, done.added
            ));
        }
        let deep_cursor = half_way(&admin, &token, plan.user_listens / 2, &daemon).await;
        admin
            .auth_as(&token)
            .sign_out(SignOutRequest {})
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("SignOut {name}: {s:?}")));
        users.push(UserData {
            name,
            deep_cursor,
            words: words.clone(),
        });
    }
    let users = Arc::new(users);

    println!("connecting and signing in {} clients ...", plan.clients);
    let mut clients = Vec::new();
    for i in 0..plan.clients {
        let api = Api::connect(&daemon.socket()).await;
        let user = i % USERS.len();
        let tokens = api
            .sign_in(USERS[user], USER_PW)
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("SignIn of client {i}: {s:?}")));
        sign_ins += 1;
        clients.push(Client { api, user, tokens });
    }
    let importer = Api::connect(&daemon.socket()).await;
    let importer_token = importer
        .sign_in(IMPORTER, USER_PW)
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("SignIn {IMPORTER}: {s:?}")))
        .access_token;
    sign_ins += 1;

    let schedules: Vec<Vec<(Duration, Op)>> = (0..plan.clients)
        .map(|i| schedule(i, plan.calls, words.len(), plan.think))
        .collect();
    let per_phase = schedules
        .iter()
        .flatten()
        .filter(|(_, op)| matches!(op, Op::SignIn))
        .count();
    sign_ins += 2 * per_phase;
    println!(
        "  {sign_ins} sign-ins in the whole run ({per_phase} in each phase); {SIGN_IN_RATE} a \
         minute allowed{}",
        if sign_ins > SIGN_IN_RATE {
            ", so some may be refused (and counted as errors)"
        } else {
            ""
        }
    );
    let schedules = Arc::new(schedules);
    let setup_memory = daemon.memory();

    // Phase A.
    println!(
        "phase A: {} clients × {} calls, no import ...",
        plan.clients, plan.calls
    );
    let peaks_reset = daemon.reset_peak_memory();
    let stopwatch = Stopwatch::start(&daemon);
    let (mut clients, tally_a) = phase(clients, &schedules, &users, &daemon).await;
    let measured_a = stopwatch.stop(&daemon);
    println!(
        "  {} ({} calls, {} errors)",
        fmt_duration(measured_a.wall),
        tally_a.total_calls(),
        tally_a.total_errors()
    );

    // Fresh tokens, as phase A had (untimed).
    for (i, client) in clients.iter_mut().enumerate() {
        let request = RefreshRequest {
            refresh_token: client.tokens.refresh_token.clone(),
        };
        client.tokens = client
            .api
            .auth()
            .refresh(request)
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("Refresh of client {i}: {s:?}")))
            .into_inner();
    }

    // Phase B: the import first; the clients once it is adding listens.
    println!(
        "phase B: the same calls while {IMPORTER} imports {} listens ...",
        fmt_count(plan.import_listens as f64)
    );
    daemon.reset_peak_memory();
    let import_started = Instant::now();
    let upload = Upload::start(importer.history_as(&importer_token), &big_file, big_bytes)
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("Import: {s:?}")));
    let added = Arc::new(AtomicU64::new(0));
    let ended: Arc<Mutex<Option<Instant>>> = Arc::default();
    let watcher = {
        let (added, ended) = (Arc::clone(&added), Arc::clone(&ended));
        tokio::spawn(async move {
            let last = upload
                .finish_with(|p| added.store(p.added, Ordering::Relaxed))
                .await;
            *ended.lock().expect("the import's end") = Some(Instant::now());
            last
        })
    };
    let waited = Instant::now();
    while added.load(Ordering::Relaxed) == 0 && !watcher.is_finished() {
        if waited.elapsed() > FIRST_LISTENS_TIMEOUT {
            daemon.fail("the import added nothing in its first two minutes");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let added_before = added.load(Ordering::Relaxed);
    let stopwatch = Stopwatch::start(&daemon);
    let clients_started = Instant::now();
    let (clients, tally_b) = phase(clients, &schedules, &users, &daemon).await;
    let measured_b = stopwatch.stop(&daemon);
    let clients_ended = Instant::now();
    let added_after = added.load(Ordering::Relaxed);
    println!(
        "  {} ({} calls, {} errors)",
        fmt_duration(measured_b.wall),
        tally_b.total_calls(),
        tally_b.total_errors()
    );
    let last: ImportProgress = tokio::time::timeout(plan.import_timeout, watcher)
        .await
        .unwrap_or_else(|_| {
            daemon.fail(&format!(
                "the import did not end within {:?}",
                plan.import_timeout
            ))
        })
        .expect("the import task")
        .unwrap_or_else(|s| daemon.fail(&format!("Import: {s:?}")));
    let import_ended = ended
        .lock()
        .expect("the import's end")
        .expect("the import ended");
    let n = plan.import_listens as u64;
    if (last.plays, last.added, last.bad) != (n, n, 0) {
        daemon.fail(&format!(
            "the import read {} plays, added {}, found {} bad rows ({:?}); expected {n} plays, \
             all added",
            last.plays, last.added, last.bad, last.bad_rows
        ));
    }
    let end_memory = daemon.memory();
    drop(clients);
    drop(admin);
    drop(importer);
    daemon.stop().await;

    Report {
        daemon: daemon_path,
        setup_peak_mib: setup_memory.hwm_mib,
        peaks_reset,
        a: PhaseFigures {
            tally: tally_a,
            measured: measured_a,
        },
        b: PhaseFigures {
            tally: tally_b,
            measured: measured_b,
        },
        b_peak_with_import_mib: end_memory.hwm_mib,
        import: ImportFigures {
            listens: plan.import_listens,
            bytes: big_bytes,
            wall: import_ended - import_started,
            added_while_clients: added_after - added_before,
            clients_window: clients_ended - clients_started,
            ended_before_clients: clients_ended
                .checked_duration_since(import_ended)
                .filter(|d| !d.is_zero()),
        },
        sign_ins,
    }
}

/// Pages (untimed) to listen `depth` of the user's timeline; the cursor there.
async fn half_way(api: &Api, token: &str, depth: usize, daemon: &Daemon) -> String {
    let mut history = api.history_as(token);
    let (mut cursor, mut seen) = (String::new(), 0);
    while seen < depth.max(1) {
        let size = DEEP_PAGE_SIZE.min((depth - seen).max(1) as u32);
        let r = history
            .list_listens(ListListensRequest {
                filter: None,
                page_size: size,
                cursor: cursor.clone(),
                at: 0,
            })
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("ListListens (paging on): {s:?}")))
            .into_inner();
        seen += r.listens.len();
        cursor = r.next_cursor;
        if cursor.is_empty() {
            daemon.fail(&format!("the timeline ended after {seen} listens"));
        }
    }
    cursor
}

// ---------------------------------------------------------------------------------------
// The report

struct PhaseFigures {
    tally: Tally,
    /// From the first call to the last answer; memory at the end (peak since the
    /// phase began where the kernel let it be reset).
    measured: Measured,
}

struct ImportFigures {
    listens: usize,
    bytes: u64,
    /// From the first message to the final progress message.
    wall: Duration,
    /// Listens the import added while phase B's clients ran, and how long they ran.
    added_while_clients: u64,
    clients_window: Duration,
    /// Set when the import ended before the clients did: by how much.
    ended_before_clients: Option<Duration>,
}

struct Report {
    daemon: PathBuf,
    setup_peak_mib: f64,
    /// Whether each phase's peak memory is its own (else: since the daemon started).
    peaks_reset: bool,
    a: PhaseFigures,
    b: PhaseFigures,
    /// Peak memory from the start of phase B to the end of the import.
    b_peak_with_import_mib: f64,
    import: ImportFigures,
    sign_ins: usize,
}

fn p(h: &Histogram<u64>, q: f64) -> Duration {
    Duration::from_micros(h.value_at_quantile(q))
}

fn ratio(b: Duration, a: Duration) -> String {
    if a.is_zero() {
        String::new()
    } else {
        format!("{:.2}×", b.as_secs_f64() / a.as_secs_f64())
    }
}

impl Report {
    fn errors(&self) -> u64 {
        self.a.tally.total_errors() + self.b.tally.total_errors()
    }

    fn print(&self, plan: &Plan) {
        let (a, b) = (&self.a.tally, &self.b.tally);
        println!(
            "\n| call ({} clients × {} calls; {} build of spotterd) | calls | errors A / B | \
             p50 A | p50 B | p50 B/A | p99 A | p99 B | p99 B/A |",
            plan.clients,
            plan.calls,
            daemon_build(&self.daemon)
        );
        println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        let row = |label: &str, calls: String, errors: String, ha: &Histogram<u64>, hb| {
            let (a50, b50, a99, b99) = (p(ha, 0.5), p(hb, 0.5), p(ha, 0.99), p(hb, 0.99));
            println!(
                "| {label} | {calls} | {errors} | {} | {} | {} | {} | {} | {} |",
                fmt_latency(a50),
                fmt_latency(b50),
                ratio(b50, a50),
                fmt_latency(a99),
                fmt_latency(b99),
                ratio(b99, a99),
            );
        };
        for kind in Kind::ALL {
            let k = kind as usize;
            let calls = if a.calls[k] == b.calls[k] {
                fmt_count(a.calls[k] as f64)
            } else {
                format!(
                    "{} / {}",
                    fmt_count(a.calls[k] as f64),
                    fmt_count(b.calls[k] as f64)
                )
            };
            row(
                kind.label(),
                calls,
                format!("{} / {}", a.errors[k], b.errors[k]),
                &a.latency[k],
                &b.latency[k],
            );
        }
        row(
            "**all calls**",
            format!(
                "{} / {}",
                fmt_count(a.total_calls() as f64),
                fmt_count(b.total_calls() as f64)
            ),
            format!("{} / {}", a.total_errors(), b.total_errors()),
            &a.all(),
            &b.all(),
        );

        println!(
            "\n| phase | wall time | calls/s | daemon CPU | bench CPU | daemon VmRSS at the end | daemon peak RSS |"
        );
        println!("|---|--:|--:|--:|--:|--:|--:|");
        for (name, f, peak) in [
            ("A: no import", &self.a, self.a.measured.memory.hwm_mib),
            (
                "B: while importing (peak until the import's end)",
                &self.b,
                self.b_peak_with_import_mib,
            ),
        ] {
            let m = &f.measured;
            println!(
                "| {name} | {} | {} | {} | {} | {:.1} MiB | {:.1} MiB |",
                fmt_duration(m.wall),
                fmt_count(f.tally.total_calls() as f64 / m.wall.as_secs_f64()),
                fmt_duration(m.daemon_cpu),
                fmt_duration(m.bench_cpu),
                m.memory.rss_mib,
                peak,
            );
        }
        let whole = self
            .setup_peak_mib
            .max(self.a.measured.memory.hwm_mib)
            .max(self.b_peak_with_import_mib);
        println!(
            "Daemon peak RSS (VmHWM) over the whole run: {whole:.1} MiB (setup: {:.1} MiB){}.",
            self.setup_peak_mib,
            if self.peaks_reset {
                ""
            } else {
                "; the kernel did not let the peak be reset, so each phase's is the peak \
                 since the daemon started"
            }
        );

        let i = &self.import;
        println!(
            "\nImport of {} listens ({:.0} MB) in phase B: {}, {} listens/s overall; {} \
             listens/s while the clients ran ({} listens in {}).",
            fmt_count(i.listens as f64),
            i.bytes as f64 / 1e6,
            fmt_duration(i.wall),
            fmt_count(i.listens as f64 / i.wall.as_secs_f64()),
            fmt_count(i.added_while_clients as f64 / i.clients_window.as_secs_f64()),
            fmt_count(i.added_while_clients as f64),
            fmt_duration(i.clients_window),
        );
        match i.ended_before_clients {
            None => println!("The import ran for the whole of phase B."),
            Some(early) => println!(
                "NOTE: the import ended {} before the clients did: the end of phase B ran \
                 without it (import more listens: {LISTENS_ENV}).",
                fmt_duration(early)
            ),
        }
        println!(
            "Sign-ins: {} in the whole run; the daemon was configured to allow \
             {SIGN_IN_RATE} a minute (auth.sign_in_attempts_per_minute).",
            self.sign_ins
        );

        let errors = self.errors();
        if errors > 0 {
            println!("\nFirst errors:");
            for (phase, tally) in [("A", a), ("B", b)] {
                for kind in Kind::ALL {
                    for m in &tally.messages[kind as usize] {
                        println!("- phase {phase}, {}: {m}", kind.label());
                    }
                }
            }
        }
        println!(
            "\nErrors: {errors} of {} calls (goal 0): {}",
            fmt_count((a.total_calls() + b.total_calls()) as f64),
            if errors == 0 { "met" } else { "**not met**" }
        );
        if !plan.full {
            println!("(smoke sizes: `cargo bench -p spotter-e2e --bench load` for the figures)");
        }
    }
}
