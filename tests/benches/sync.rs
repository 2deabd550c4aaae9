//! Sync figures (issue 4): how fast the real `spotterd` pulls a large listening history
//! and a large library from local servers speaking the providers' wire formats, and
//! how much memory it needs doing so.
//!
//! 1. History sync: 100,000 scrobbles from a local Last.fm (`FakeLastFm`, https). The
//!    clock runs from `CompleteConnect` (connecting wakes the scheduler, which starts
//!    a history sync at once) to the end of that run: listens per second, and the
//!    daemon's peak resident memory (`VmHWM`). First with `lastfm.requests_per_second`
//!    raised to its maximum, which the daemon cannot reach: the daemon's own speed;
//!    then (full runs only) at the default pacing, 5 requests a second as Last.fm's
//!    terms ask, what a user gets: at most 5 × 200 = 1,000 listens a second.
//! 2. Library sync: 50,000 tracks (1,000 artists × 5 albums × 10 tracks) from a local
//!    Subsonic server (`FakeSubsonic`), after a first-run setup through Navidrome (which
//!    creates the owner and the Navidrome connection). The clock runs from `RunJob`
//!    to the end of the run: tracks per second and peak memory. Then a second run with
//!    nothing changed, which only reads the listing (unchanged albums are not re-read).
//!
//! Each scenario runs its own `spotterd` child process (the built binary, configured by
//! a config file as users configure it), so the memory figure is the daemon's own and
//! not this process's. The fake servers run in this process on the same machine and
//! take their share of the CPU: wall times are for daemon and server together, so the
//! CPU time of each is printed as well (the daemon's is the steadier figure on a busy
//! machine). Runs are followed through `Events.Subscribe`, not by polling.
//!
//! ```text
//! cargo build --release --bins
//! cargo bench -p spotter-e2e --bench sync
//! ```
//!
//! `cargo bench` builds this file with the release-derived `bench` profile and runs
//! the `spotterd` next to it, `target/release/spotterd`: build that first (a stale
//! one gives stale figures). Without `--bench` (`cargo test -p spotter-e2e --bench
//! sync`, or `cargo nextest run -p spotter-e2e --bench sync` after `cargo build
//! --bins`) a smoke run with 2,000 listens and 1,000 tracks checks that every part
//! still works, against `target/debug/spotterd`. For nextest the binary answers
//! libtest's `--list --format terse` with its one test, `smoke`.
//! `SPOTTER_BENCH_LISTENS` (scrobbles) and `SPOTTER_BENCH_ARTISTS` (library artists,
//! 50 tracks each) override the sizes of either kind of run.

mod common;

use std::{
    fs,
    path::PathBuf,
    time::{Duration, Instant},
};

use common::{
    Daemon, Measured, Stopwatch, daemon_build, fmt_count, fmt_duration, full_run, print_setup,
    size_from_env, toml_string, unix_now,
};
use spotter_e2e::{
    Api, Bearer, OWNER, OWNER_PW, TestDirs, bin,
    fakes::{
        lastfm::FakeLastFm,
        subsonic::{FakeLibrary, FakeSubsonic},
    },
};
use spotter_proto::v1::{
    self, BeginConnectRequest, CompleteConnectRequest, GetSummaryRequest, JobKind, ListJobsRequest,
    Provider, RunJobRequest, SetupRequest, SignInMethod, SubscribeRequest,
    event::{JobProgress, Kind, job_progress as progress},
    events_client::EventsClient,
    job_run,
};
use tonic::{Code, Streaming};

/// The one test this binary reports to a libtest-style runner (nextest).
const TEST_NAME: &str = "smoke";
/// Overrides the number of scrobbles of the history sync.
const LISTENS_ENV: &str = "SPOTTER_BENCH_LISTENS";
/// Overrides the number of artists of the library ([`ALBUMS_PER_ARTIST`] ×
/// [`TRACKS_PER_ALBUM`] tracks each).
const ARTISTS_ENV: &str = "SPOTTER_BENCH_ARTISTS";
/// The shape of the generated library: artists × this × [`TRACKS_PER_ALBUM`].
const ALBUMS_PER_ARTIST: usize = 5;
const TRACKS_PER_ALBUM: usize = 10;
/// `lastfm.requests_per_second` for the unpaced history sync: the most the daemon
/// accepts, far above what it can use, so the figure is the daemon's own speed.
const UNPACED_REQUESTS_PER_SECOND: u32 = 1_000;
/// Seconds between two generated scrobbles (far apart enough that none merge).
const SCROBBLE_STEP_SECS: i64 = 60;
/// Pause before asking again to start a run that found another in its way.
const RETRY: Duration = Duration::from_millis(20);
/// How long the scheduler may take to start the run that connecting asked for.
const START_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// The longest a single sync run may take before the benchmark gives up.
    run_timeout: Duration,
}

impl Plan {
    /// `cargo bench` passes `--bench`; anything else is a smoke run. The sizes can be
    /// overridden with [`LISTENS_ENV`] and [`ARTISTS_ENV`].
    fn from_args(args: &[String]) -> Plan {
        let mut plan = if full_run(args) {
            Plan {
                full: true,
                listens: 100_000,
                artists: 1_000,
                run_timeout: Duration::from_secs(600),
            }
        } else {
            Plan {
                full: false,
                listens: 2_000,
                artists: 20,
                run_timeout: Duration::from_secs(60),
            }
        };
        plan.listens = size_from_env(LISTENS_ENV).unwrap_or(plan.listens);
        plan.artists = size_from_env(ARTISTS_ENV).unwrap_or(plan.artists);
        plan
    }

    fn tracks(&self) -> usize {
        self.artists * ALBUMS_PER_ARTIST * TRACKS_PER_ALBUM
    }
}

/// Every figure of one run.
struct Report {
    daemon: PathBuf,
    history: HistoryFigures,
    /// The same at the default `lastfm.requests_per_second` (full runs only).
    history_paced: Option<HistoryFigures>,
    library: LibraryFigures,
}

struct HistoryFigures {
    /// `lastfm.requests_per_second`; `None` for the default.
    requests_per_second: Option<u32>,
    listens: u64,
    run: Measured,
}

struct LibraryFigures {
    tracks: u64,
    albums: usize,
    first: Measured,
    again: Measured,
    /// `getAlbum` calls of the second run: albums read again.
    again_album_reads: usize,
}

async fn run(plan: &Plan) -> Report {
    let daemon = bin("spotterd");
    println!(
        "spotter sync benchmark: {} sizes, {} listens, {} tracks",
        if plan.full { "full" } else { "smoke" },
        fmt_count(plan.listens as f64),
        fmt_count(plan.tracks() as f64),
    );
    print_setup(&daemon);

    println!(
        "\nhistory sync from a local Last.fm, lastfm.requests_per_second = \
         {UNPACED_REQUESTS_PER_SECOND} ..."
    );
    let history = history_sync(plan, Some(UNPACED_REQUESTS_PER_SECOND)).await;
    println!("  done in {}", fmt_duration(history.run.wall));
    // The default pacing only stretches the run (a page per request, so many requests
    // a second): worth one measurement, not a smoke run's time.
    let history_paced = if plan.full {
        println!("history sync again, at the default lastfm.requests_per_second ...");
        let paced = history_sync(plan, None).await;
        println!("  done in {}", fmt_duration(paced.run.wall));
        Some(paced)
    } else {
        None
    };
    println!("library sync from a local Subsonic server ...");
    let library = library_sync(plan).await;
    println!(
        "  done in {}, again in {}",
        fmt_duration(library.first.wall),
        fmt_duration(library.again.wall)
    );
    Report {
        daemon,
        history,
        history_paced,
        library,
    }
}

impl Report {
    fn print(&self, plan: &Plan) {
        let h = &self.history;
        let l = &self.library;
        println!(
            "\n| sync ({} build of spotterd) | items | wall time | rate | daemon CPU | \
             daemon peak RSS | fake server + client CPU |",
            daemon_build(&self.daemon)
        );
        println!("|---|--:|--:|--:|--:|--:|--:|");
        let row = |label: &str, items: u64, unit: &str, m: &Measured| {
            println!(
                "| {label} | {} {unit}s | {} | {} {unit}s/s | {} | {:.1} MiB | {} |",
                fmt_count(items as f64),
                fmt_duration(m.wall),
                fmt_count(items as f64 / m.wall.as_secs_f64()),
                fmt_duration(m.daemon_cpu),
                m.memory.hwm_mib,
                fmt_duration(m.bench_cpu),
            );
        };
        for h in [Some(h), self.history_paced.as_ref()].into_iter().flatten() {
            let pacing = match h.requests_per_second {
                Some(n) => format!("lastfm.requests_per_second = {n}"),
                None => "default lastfm.requests_per_second".into(),
            };
            row(
                &format!("history, Last.fm format (https), first sync, {pacing}"),
                h.listens,
                "listen",
                &h.run,
            );
        }
        row(
            "library, Subsonic format, first sync",
            l.tracks,
            "track",
            &l.first,
        );
        row(
            &format!(
                "library, again, nothing changed ({} of {} albums re-read)",
                fmt_count(l.again_album_reads as f64),
                fmt_count(l.albums as f64)
            ),
            l.tracks,
            "track",
            &l.again,
        );
        println!(
            "\nPeak RSS is the daemon's VmHWM since it started; after the runs VmRSS is \
             {:.1} MiB (history daemon) and {:.1} MiB (library daemon).",
            h.run.memory.rss_mib, l.again.memory.rss_mib,
        );
        if !plan.full {
            println!("(smoke sizes; `cargo bench -p spotter-e2e --bench sync` for the figures)");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1: history sync

/// A first history sync of [`Plan::listens`] scrobbles; `requests_per_second` sets
/// `lastfm.requests_per_second` (`None`: the default).
async fn history_sync(plan: &Plan, requests_per_second: Option<u32>) -> HistoryFigures {
    let fm = FakeLastFm::start().await;
    let n = plan.listens;
    // All in the past, the newest an hour ago.
    fm.add_scrobbles(
        n,
        unix_now() - 3_600 - n as i64 * SCROBBLE_STEP_SECS,
        SCROBBLE_STEP_SECS,
    );

    let dirs = TestDirs::new();
    let ca_file = dirs.path("lastfm-ca.pem");
    fs::write(&ca_file, fm.ca_pem()).expect("write the fake Last.fm's CA");
    let mut config = format!(
        "[sync]\n\
         lookback_days = 0\n\n\
         [providers]\n\
         ca_file = {}\n\n\
         [lastfm]\n\
         api_key = {}\n\
         api_url = {}\n\
         auth_url = {}\n",
        toml_string(ca_file.to_str().expect("UTF-8 temp path")),
        toml_string(fm.api_key()),
        toml_string(&fm.api_url()),
        toml_string(&fm.auth_url()),
    );
    if let Some(n) = requests_per_second {
        config.push_str(&format!("requests_per_second = {n}\n"));
    }
    let daemon = Daemon::start(
        dirs,
        &config,
        &[("SPOTTER_LASTFM_SHARED_SECRET", fm.shared_secret())],
    )
    .await;
    let api = Api::connect(&daemon.socket()).await;
    let token = api.setup_owner(OWNER, OWNER_PW).await.access_token;

    // Desktop auth: begin, approve on the fake, complete.
    let mut connections = api.connections_as(&token);
    let began = connections
        .begin_connect(BeginConnectRequest {
            provider: Provider::Lastfm as i32,
        })
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("BeginConnect(LASTFM): {s:?}")))
        .into_inner();
    let url = url::Url::parse(&began.authorize_url).expect("authorize URL");
    let lastfm_token = url
        .query_pairs()
        .find_map(|(k, v)| (k == "token").then(|| v.into_owned()))
        .unwrap_or_else(|| daemon.fail(&format!("no token in {}", began.authorize_url)));
    fm.approve(&lastfm_token, fm.user());

    let mut watch = Watch::open(&daemon, &token).await;
    let stopwatch = Stopwatch::start(&daemon);
    connections
        .complete_connect(CompleteConnectRequest {
            provider: Provider::Lastfm as i32,
            flow_id: began.flow_id,
            redirected_url: String::new(),
        })
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("CompleteConnect(LASTFM): {s:?}")));
    // The scheduler, woken by the new connection, starts the run.
    let run_id = watch.started(JobKind::HistorySync, &daemon).await;
    let message = watch.succeeded(&api, &token, run_id, plan, &daemon).await;
    let run = stopwatch.stop(&daemon);

    let listens = summary(&api, &token, &daemon).await.listens;
    if listens != n as u64 {
        daemon.fail(&format!(
            "history sync stored {listens} listens, expected {n} ({message})"
        ));
    }
    drop(watch);
    drop(connections);
    drop(api);
    daemon.stop().await;
    HistoryFigures {
        requests_per_second,
        listens,
        run,
    }
}

// ---------------------------------------------------------------------------------------
// 2: library sync

async fn library_sync(plan: &Plan) -> LibraryFigures {
    let library = FakeLibrary::generate(plan.artists, ALBUMS_PER_ARTIST, TRACKS_PER_ALBUM);
    let tracks = library.track_count();
    let albums = library.albums.len();
    let fake = FakeSubsonic::start(library).await;

    let dirs = TestDirs::new();
    let config = format!(
        "[navidrome]\nbase_url = {}\n",
        toml_string(&fake.base_url())
    );
    let daemon = Daemon::start(dirs, &config, &[]).await;
    let api = Api::connect(&daemon.socket()).await;
    // First-run setup through Navidrome: the owner, and their Navidrome connection.
    let token = api
        .auth()
        .setup(SetupRequest {
            method: SignInMethod::Navidrome as i32,
            username: fake.username().into(),
            password: fake.password().into(),
            setup_code: String::new(),
            device_label: "bench".into(),
        })
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("Navidrome setup: {s:?}")))
        .into_inner()
        .access_token;

    let mut watch = Watch::open(&daemon, &token).await;
    let stopwatch = Stopwatch::start(&daemon);
    let run_id = run_now(&api, &token, JobKind::LibrarySync, &daemon).await;
    let message = watch.succeeded(&api, &token, run_id, plan, &daemon).await;
    let first = stopwatch.stop(&daemon);
    let stored = summary(&api, &token, &daemon).await.library_tracks;
    if stored != tracks as u64 {
        daemon.fail(&format!(
            "library sync stored {stored} tracks, expected {tracks} ({message})"
        ));
    }

    // Nothing changed: only the listing is read again.
    let album_reads = fake.requests("getAlbum");
    let stopwatch = Stopwatch::start(&daemon);
    let run_id = run_now(&api, &token, JobKind::LibrarySync, &daemon).await;
    let message = watch.succeeded(&api, &token, run_id, plan, &daemon).await;
    let again = stopwatch.stop(&daemon);
    let again_album_reads = fake.requests("getAlbum") - album_reads;
    let stored = summary(&api, &token, &daemon).await.library_tracks;
    if stored != tracks as u64 {
        daemon.fail(&format!(
            "second library sync left {stored} tracks, expected {tracks} ({message})"
        ));
    }
    drop(watch);
    drop(api);
    daemon.stop().await;
    LibraryFigures {
        tracks: stored,
        albums,
        first,
        again,
        again_album_reads,
    }
}

// ---------------------------------------------------------------------------------------
// Jobs

/// Starts a run of `kind` now. If one is already running (the scheduler was first),
/// that run is the one measured: it does the same work and started moments ago.
async fn run_now(api: &Api, token: &str, kind: JobKind, daemon: &Daemon) -> i64 {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match api
            .jobs_as(token)
            .run_job(RunJobRequest {
                kind: kind as i32,
                ..Default::default()
            })
            .await
        {
            Ok(r) => return r.into_inner().run_id,
            Err(s) if s.code() == Code::AlreadyExists => {
                let running = list_jobs(api, token, daemon)
                    .await
                    .jobs
                    .into_iter()
                    .find(|j| j.kind == kind as i32)
                    .and_then(|j| j.current)
                    .filter(|r| r.state == job_run::State::Running as i32);
                if let Some(run) = running {
                    return run.id;
                }
                // It finished in between: ask again.
            }
            Err(s) => daemon.fail(&format!("RunJob({kind:?}): {s:?}")),
        }
        if Instant::now() > deadline {
            daemon.fail(&format!("RunJob({kind:?}) kept finding a run in the way"));
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// The caller's event stream, on a connection of its own. The runs are followed
/// through it rather than by polling `ListJobs`: it costs the daemon nothing while it
/// works (`ListJobs` writes to the database, and polling it every 20 ms made the
/// 100,000-listen sync fail with a busy database), and the timings are exact.
struct Watch {
    stream: Streaming<v1::Event>,
}

/// What the event stream brought.
enum Next {
    Progress(JobProgress),
    /// The daemon dropped events this stream did not read (`resync_required`).
    Missed,
    TimedOut,
}

impl Watch {
    async fn open(daemon: &Daemon, token: &str) -> Watch {
        let channel = spotter_e2e::channel(&daemon.socket())
            .await
            .unwrap_or_else(|e| daemon.fail(&format!("connect for events: {e:#}")));
        let stream = EventsClient::with_interceptor(channel, Bearer(token.into()))
            .subscribe(SubscribeRequest {
                after_seq: 0,
                epoch: 0,
            })
            .await
            .unwrap_or_else(|s| daemon.fail(&format!("Events.Subscribe: {s:?}")))
            .into_inner();
        Watch { stream }
    }

    /// The next job event, heartbeats and other events skipped.
    async fn next(&mut self, deadline: Instant, daemon: &Daemon) -> Next {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = match tokio::time::timeout(left, self.stream.message()).await {
                Err(_) => return Next::TimedOut,
                Ok(Err(s)) => daemon.fail(&format!("the event stream failed: {s:?}")),
                Ok(Ok(None)) => daemon.fail("the event stream ended"),
                Ok(Ok(Some(event))) => event,
            };
            match event.kind {
                Some(Kind::JobProgress(p)) => return Next::Progress(p),
                Some(Kind::ResyncRequired(_)) => return Next::Missed,
                _ => {}
            }
        }
    }

    /// The id of the next run of `kind` to start (announced as queued).
    async fn started(&mut self, kind: JobKind, daemon: &Daemon) -> i64 {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.next(deadline, daemon).await {
                Next::Progress(p) if p.job_kind() == kind => {
                    return p.job_id.parse().unwrap_or_else(|_| {
                        daemon.fail(&format!("job id {:?} is not a run id", p.job_id))
                    });
                }
                Next::Progress(_) => {}
                Next::Missed => daemon.fail("events were lost before the run started"),
                Next::TimedOut => {
                    daemon.fail(&format!("no {kind:?} run started within {START_TIMEOUT:?}"))
                }
            }
        }
    }

    /// Waits for run `run_id` to end and returns its closing message; fails unless
    /// it succeeded.
    async fn succeeded(
        &mut self,
        api: &Api,
        token: &str,
        run_id: i64,
        plan: &Plan,
        daemon: &Daemon,
    ) -> String {
        let deadline = Instant::now() + plan.run_timeout;
        let id = run_id.to_string();
        let mut progress = "no progress reported".to_string();
        loop {
            match self.next(deadline, daemon).await {
                Next::Progress(p) if p.job_id == id => match p.state() {
                    progress::State::Succeeded => return p.message,
                    state @ (progress::State::Failed | progress::State::Cancelled) => {
                        daemon.fail(&format!("run {run_id} ended {state:?}: {}", p.message))
                    }
                    _ => progress = format!("{} of {}: {}", p.done, p.total, p.message),
                },
                Next::Progress(_) => {}
                // The end may be among the lost events: ask for the run instead.
                Next::Missed => {
                    let jobs = list_jobs(api, token, daemon).await;
                    let run = jobs.recent_runs.iter().find(|r| r.id == run_id);
                    match run.map(v1::JobRun::state) {
                        Some(job_run::State::Succeeded) => {
                            return run.map(|r| r.message.clone()).unwrap_or_default();
                        }
                        Some(job_run::State::Running) | None => {}
                        Some(state) => daemon.fail(&format!(
                            "run {run_id} ended {state:?}: {}",
                            run.map(|r| r.message.as_str()).unwrap_or_default()
                        )),
                    }
                }
                Next::TimedOut => daemon.fail(&format!(
                    "run {run_id} did not end within {:?} (last progress: {progress})",
                    plan.run_timeout
                )),
            }
        }
    }
}

async fn list_jobs(api: &Api, token: &str, daemon: &Daemon) -> v1::ListJobsResponse {
    api.jobs_as(token)
        .list_jobs(ListJobsRequest {})
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("ListJobs: {s:?}")))
        .into_inner()
}

async fn summary(api: &Api, token: &str, daemon: &Daemon) -> v1::GetSummaryResponse {
    api.history_as(token)
        .get_summary(GetSummaryRequest {})
        .await
        .unwrap_or_else(|s| daemon.fail(&format!("GetSummary: {s:?}")))
        .into_inner()
}
