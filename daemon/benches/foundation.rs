//! Foundation figures: what the daemon costs before any feature work.
//!
//! One run measures:
//! 1. `System.GetStatus` round trips to the real daemon, booted in-process on a temp dir;
//! 2. the same against the cheapest possible tonic service on the same transport, as a
//!    baseline, so our overhead reads as a ratio;
//! 3. seal and open throughput for credential-sized values;
//! 4. the `spotterd` binary's time from spawn to its first answered call;
//! 5. that daemon's resident memory when idle.
//!
//! ```text
//! cargo build --release -p spotter-daemon --bin spotterd
//! cargo bench -p spotter-daemon --bench foundation
//! ```
//!
//! `SPOTTER_BENCH_ITERS` sets the number of measured calls (default 20,000). Under
//! `cargo test --all-targets` (no `--bench` argument) a tiny smoke run only checks that
//! every part still works.

use std::{
    fmt::Write as _,
    fs,
    hint::black_box,
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use hdrhistogram::Histogram;
use hyper_util::rt::TokioIo;
use nix::{
    sys::signal::{Signal, kill},
    unistd::Pid,
};
use spotter_daemon::{
    Config,
    config::{DaemonSettings, Settings},
    crypto::{Key, KeyInputs, Keyring, registry::PROVIDER_CREDENTIALS_SECRET},
};
use spotter_proto::{
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
    locations::{APP_DIR, Dirs, Mode, SOCKET_ENV, SOCKET_FILE},
    v1::{
        DaemonMode, GetStatusRequest, GetStatusResponse,
        system_client::SystemClient,
        system_server::{System, SystemServer},
    },
};
use tokio::{
    io::AsyncReadExt,
    net::{UnixListener, UnixStream},
    process::{Child, Command},
    task::JoinHandle,
};
use tokio_stream::wrappers::UnixListenerStream;
use tonic::{
    Request, Response, Status,
    transport::{Channel, Endpoint, Server},
};

/// Environment variable overriding the number of measured calls per server.
const ITERS_ENV: &str = "SPOTTER_BENCH_ITERS";
/// Plaintext sizes for seal/open: a typical password or token, and a large credential.
const CRYPTO_SIZES: [usize; 2] = [64, 1024];
/// Calls per server before switching to the other one.
const BLOCK: u32 = 500;
/// How often the start-up probe retries; the resolution of the start-up figure.
const READY_POLL: Duration = Duration::from_millis(1);
/// Generous limits so a broken build fails the run instead of hanging it.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

fn main() -> Result<()> {
    let plan = Plan::from_args()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&plan))?;
    println!("{}", report.markdown(&plan));
    Ok(())
}

/// How much work each part does.
struct Plan {
    warmup: u32,
    iters: u32,
    crypto_budget: Duration,
    start_runs: usize,
    idle: Duration,
}

impl Plan {
    /// `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary
    /// without it and only needs to know that every part still works.
    fn from_args() -> Result<Plan> {
        if !std::env::args().any(|a| a == "--bench") {
            return Ok(Plan {
                warmup: 10,
                iters: 100,
                crypto_budget: Duration::from_millis(20),
                start_runs: 1,
                idle: Duration::from_millis(100),
            });
        }
        let iters = match std::env::var(ITERS_ENV) {
            Ok(v) => v
                .parse()
                .with_context(|| format!("{ITERS_ENV}={v:?} is not a positive count"))?,
            Err(_) => 20_000,
        };
        ensure!(iters > 0, "{ITERS_ENV} must be at least 1");
        Ok(Plan {
            warmup: 1_000,
            iters,
            crypto_budget: Duration::from_secs(1),
            start_runs: 5,
            idle: Duration::from_secs(1),
        })
    }
}

/// Every figure of one run.
struct Report {
    machine: Machine,
    ours: Latency,
    bare: Latency,
    crypto: Vec<CryptoRates>,
    /// `None` when the `spotterd` binary was not built.
    daemon: Option<DaemonFigures>,
}

async fn run(plan: &Plan) -> Result<Report> {
    let machine = Machine::detect();
    machine.print(plan);

    section(&format!(
        "System.GetStatus over a Unix socket: one client per server, sequential calls, \
         the servers alternating every {BLOCK} calls"
    ));
    println!(
        "  {:<12}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}",
        "server", "p50", "p90", "p99", "p99.9", "max", "calls/s"
    );
    let (ours, bare) = compare_get_status(plan).await?;
    ours.print_row("spotterd");
    bare.print_row("bare tonic");
    println!(
        "  {:<12}{:>11}{:>11}{:>11}{:>11}",
        "ours/bare",
        ratio(ours.p50, bare.p50),
        ratio(ours.p90, bare.p90),
        ratio(ours.p99, bare.p99),
        ratio(ours.p999, bare.p999),
    );

    section("Seal and open (AES-256-GCM envelope), one thread");
    println!(
        "  {:<10}{:>14}{:>12}{:>14}{:>12}",
        "plaintext", "seal ops/s", "seal MB/s", "open ops/s", "open MB/s"
    );
    let mut crypto = Vec::new();
    for size in CRYPTO_SIZES {
        let rates = crypto_rates(size, plan.crypto_budget)?;
        rates.print_row();
        crypto.push(rates);
    }

    section("spotterd binary: spawn to first answered GetStatus, then idle memory");
    let daemon = match spotterd_path() {
        Some(bin) => {
            println!("  binary: {}", bin.display());
            let figures = daemon_figures(&bin, plan).await?;
            figures.print();
            Some(figures)
        }
        None => {
            println!(
                "  skipped: no spotterd next to this benchmark; run \
                 `cargo build --release -p spotter-daemon --bin spotterd` first"
            );
            None
        }
    };

    Ok(Report {
        machine,
        ours,
        bare,
        crypto,
        daemon,
    })
}

fn section(title: &str) {
    println!("\n{title}");
}

// ---------------------------------------------------------------------------------------
// Machine facts

struct Machine {
    cores: usize,
    cpu: String,
    kernel: String,
    profile: &'static str,
}

impl Machine {
    fn detect() -> Machine {
        let cpu = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                    .map(|(_, name)| name.trim().to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|k| k.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        Machine {
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            kernel,
            // Only the flag is visible from inside; `cargo bench` builds with the
            // release-derived `bench` profile, where it is off.
            profile: if cfg!(debug_assertions) {
                "debug (debug_assertions on: figures are NOT representative)"
            } else {
                "release (debug_assertions off)"
            },
        }
    }

    fn print(&self, plan: &Plan) {
        println!("spotter foundation benchmark");
        println!("  cores    {} (nproc)", self.cores);
        println!("  cpu      {}", self.cpu);
        println!("  kernel   Linux {}", self.kernel);
        println!("  build    {}", self.profile);
        println!(
            "  plan     {} warm-up + {} measured calls per server; {:?} per crypto figure; \
             {} daemon starts of each kind",
            plan.warmup, plan.iters, plan.crypto_budget, plan.start_runs
        );
    }
}

// ---------------------------------------------------------------------------------------
// 1 and 2: GetStatus round trips

/// Latency distribution of one series of sequential calls.
struct Latency {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    p999: Duration,
    max: Duration,
    calls_per_sec: f64,
}

impl Latency {
    fn print_row(&self, label: &str) {
        println!(
            "  {label:<12}{:>11}{:>11}{:>11}{:>11}{:>11}{:>11}",
            fmt_duration(self.p50),
            fmt_duration(self.p90),
            fmt_duration(self.p99),
            fmt_duration(self.p999),
            fmt_duration(self.max),
            fmt_count(self.calls_per_sec),
        );
    }
}

/// Times `GetStatus` against the real daemon, booted in-process exactly as `spotterd`
/// boots it, and against the bare baseline. Both run at once and are called in
/// alternating blocks, so drift in background load (builds on a shared machine) hits
/// both alike instead of skewing the ratio.
async fn compare_get_status(plan: &Plan) -> Result<(Latency, Latency)> {
    // `SPOTTER_SOCKET` wins over the configured socket; refuse rather than boot a
    // daemon on whatever path the caller's environment names.
    ensure!(
        std::env::var_os(SOCKET_ENV).is_none_or(|v| v.is_empty()),
        "unset {SOCKET_ENV} before running this benchmark"
    );
    let dir = tempfile::tempdir()?;
    let daemon = spotter_daemon::boot(daemon_config(dir.path())?).await?;
    let bare_socket = dir.path().join("bare.sock");
    let bare_server = serve_bare_tonic(&bare_socket)?;

    let mut clients = [
        connect(daemon.socket_path()).await?,
        connect(&bare_socket).await?,
    ];
    let mut series = [Series::new()?, Series::new()?];
    for client in &mut clients {
        for _ in 0..plan.warmup {
            client.get_status(status_request()).await?;
        }
    }
    let mut left = plan.iters;
    while left > 0 {
        let block = left.min(BLOCK);
        for (client, series) in clients.iter_mut().zip(&mut series) {
            series.record(client, block).await?;
        }
        left -= block;
    }

    // Graceful shutdown waits for open connections, so close ours first.
    drop(clients);
    daemon.shutdown().await;
    // Nothing to flush or close gracefully in a constant service.
    bare_server.abort();
    let [ours, bare] = series;
    Ok((ours.latency(), bare.latency()))
}

fn daemon_config(dir: &Path) -> Result<Config> {
    let dirs = Dirs {
        config: dir.join("config"),
        data: dir.join("data"),
        state: dir.join("state"),
    };
    let settings = Settings {
        daemon: DaemonSettings {
            socket: Some(dir.join("s.sock")),
            ..Default::default()
        },
        ..Default::default()
    };
    let key_inputs = KeyInputs {
        generated_key_path: Some(dirs.config.join("encryption-key")),
        ..Default::default()
    };
    Ok(Config::resolve(
        Mode::Personal,
        None,
        dirs,
        settings,
        key_inputs,
    )?)
}

/// The baseline: tonic with nothing of ours in it, on the same transport.
fn serve_bare_tonic(socket: &Path) -> Result<JoinHandle<Result<(), tonic::transport::Error>>> {
    let incoming = UnixListenerStream::new(UnixListener::bind(socket)?);
    Ok(tokio::spawn(
        Server::builder()
            .add_service(SystemServer::new(BareSystem(typical_status())))
            .serve_with_incoming(incoming),
    ))
}

/// The cheapest possible `System` service: a constant answer; no state, no store, no
/// peer lookup, no extra services or layers.
struct BareSystem(GetStatusResponse);

#[tonic::async_trait]
impl System for BareSystem {
    async fn get_status(
        &self,
        _request: Request<GetStatusRequest>,
    ) -> Result<Response<GetStatusResponse>, Status> {
        Ok(Response::new(self.0.clone()))
    }
}

/// An answer shaped like the daemon's, so both servers put the same bytes on the wire
/// and the ratio measures work rather than message size.
fn typical_status() -> GetStatusResponse {
    GetStatusResponse {
        daemon_version: env!("CARGO_PKG_VERSION").into(),
        protocol_version: PROTOCOL_VERSION,
        min_protocol_version: MIN_PROTOCOL_VERSION,
        pid: std::process::id(),
        uptime_seconds: 1,
        schema_version: 1,
        mode: DaemonMode::Personal as i32,
        peer_uid: 1000,
        encryption_key_id: "0123abcd".into(),
    }
}

/// A client over the Unix socket at `path`, connected eagerly.
async fn connect(path: &Path) -> Result<SystemClient<Channel>> {
    let path = path.to_path_buf();
    // The URI only supplies the `:authority` the daemon expects; the connector ignores
    // it and dials the socket.
    let channel = Endpoint::try_from("http://localhost")?
        .connect_with_connector(tower::service_fn(move |_| {
            let p = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(p).await?)) }
        }))
        .await?;
    Ok(SystemClient::new(channel))
}

fn status_request() -> Request<GetStatusRequest> {
    Request::new(GetStatusRequest {
        client_protocol_version: PROTOCOL_VERSION,
    })
}

/// One server's call timings, accumulated over several blocks.
struct Series {
    /// Nanoseconds, 1 ns to 60 s at 3 significant digits; slower calls saturate.
    histogram: Histogram<u64>,
    /// Wall time spent inside this server's blocks, for calls per second.
    busy: Duration,
    calls: u32,
}

impl Series {
    fn new() -> Result<Series> {
        Ok(Series {
            histogram: Histogram::new_with_bounds(1, 60_000_000_000, 3)?,
            busy: Duration::ZERO,
            calls: 0,
        })
    }

    /// Makes `calls` sequential calls, timing each.
    async fn record(&mut self, client: &mut SystemClient<Channel>, calls: u32) -> Result<()> {
        let block = Instant::now();
        for _ in 0..calls {
            let call = Instant::now();
            client.get_status(status_request()).await?;
            self.histogram
                .saturating_record(call.elapsed().as_nanos() as u64);
        }
        self.busy += block.elapsed();
        self.calls += calls;
        Ok(())
    }

    fn latency(&self) -> Latency {
        let at = |q: f64| Duration::from_nanos(self.histogram.value_at_quantile(q));
        Latency {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: Duration::from_nanos(self.histogram.max()),
            calls_per_sec: f64::from(self.calls) / self.busy.as_secs_f64(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3: seal and open

struct Rate {
    ops_per_sec: f64,
    mb_per_sec: f64,
}

struct CryptoRates {
    size: usize,
    seal: Rate,
    open: Rate,
}

impl CryptoRates {
    fn print_row(&self) {
        println!(
            "  {:<10}{:>14}{:>12.1}{:>14}{:>12.1}",
            fmt_size(self.size),
            fmt_count(self.seal.ops_per_sec),
            self.seal.mb_per_sec,
            fmt_count(self.open.ops_per_sec),
            self.open.mb_per_sec,
        );
    }
}

fn crypto_rates(size: usize, budget: Duration) -> Result<CryptoRates> {
    let keyring = Keyring::new(Key::generate());
    let at = PROVIDER_CREDENTIALS_SECRET.at(
        "42",
        spotter_daemon::crypto::Owner {
            user_id: Some("7"),
            provider: Some("spotify"),
        },
    );
    let plaintext = "x".repeat(size);
    let seal = rate(
        size,
        budget,
        || Ok(keyring.seal(at, black_box(&plaintext))?),
    )?;
    let envelope = keyring.seal(at, &plaintext)?;
    let open = rate(size, budget, || Ok(keyring.open(at, black_box(&envelope))?))?;
    Ok(CryptoRates { size, seal, open })
}

/// Runs `op` until `budget` has passed. The clock is read once per batch so that
/// `Instant::now` stays out of the figure.
fn rate<T>(bytes: usize, budget: Duration, mut op: impl FnMut() -> Result<T>) -> Result<Rate> {
    const BATCH: u32 = 64;
    let started = Instant::now();
    let mut ops: u64 = 0;
    while started.elapsed() < budget {
        for _ in 0..BATCH {
            black_box(op()?);
        }
        ops += u64::from(BATCH);
    }
    let ops_per_sec = ops as f64 / started.elapsed().as_secs_f64();
    Ok(Rate {
        ops_per_sec,
        mb_per_sec: ops_per_sec * bytes as f64 / 1e6,
    })
}

// ---------------------------------------------------------------------------------------
// 4 and 5: the spotterd binary

/// `spotterd` of the same profile, if built: benches run from `target/<profile>/deps/`
/// and cargo puts binaries one level up.
fn spotterd_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe.parent()?.parent()?.join("spotterd");
    bin.is_file().then_some(bin)
}

struct DaemonFigures {
    /// Fresh directories: key generation, database creation, every migration.
    first: Vec<Duration>,
    /// The directories of a previous start: key read, database opened, nothing to migrate.
    warm: Vec<Duration>,
    memory: Memory,
}

impl DaemonFigures {
    fn print(&self) {
        println!("  {:<34}{:>11}{:>11}", "start to ready", "min", "median");
        for (label, runs) in [
            ("first start (key + migrations)", &self.first),
            ("warm start (existing database)", &self.warm),
        ] {
            let (min, median) = min_median(runs);
            println!(
                "  {label:<34}{:>11}{:>11}",
                fmt_duration(min),
                fmt_duration(median)
            );
        }
        println!(
            "  idle memory: VmRSS {:.1} MiB, VmHWM {:.1} MiB",
            self.memory.rss_mib, self.memory.hwm_mib
        );
        println!(
            "  (includes exec, dynamic linking and one client connection; page cache warm; \
             probe resolution {READY_POLL:?})"
        );
    }
}

async fn daemon_figures(bin: &Path, plan: &Plan) -> Result<DaemonFigures> {
    let mut first = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..plan.start_runs {
        let home = XdgHome::new()?;
        let (daemon, took) = start_daemon(bin, &home).await?;
        first.push(took);
        stop_daemon(daemon).await?;
        let (daemon, took) = start_daemon(bin, &home).await?;
        warm.push(took);
        stop_daemon(daemon).await?;
    }
    let memory = idle_memory(bin, plan).await?;
    Ok(DaemonFigures {
        first,
        warm,
        memory,
    })
}

/// Memory of a warm-started daemon that has answered one call and then sat idle.
async fn idle_memory(bin: &Path, plan: &Plan) -> Result<Memory> {
    let home = XdgHome::new()?;
    let (daemon, _) = start_daemon(bin, &home).await?;
    stop_daemon(daemon).await?;
    let (daemon, _) = start_daemon(bin, &home).await?;
    tokio::time::sleep(plan.idle).await;
    let memory = Memory::of(daemon.id().context("spotterd has no pid")?);
    stop_daemon(daemon).await?;
    memory
}

/// Fresh XDG base directories for one daemon's whole life, removed on drop.
struct XdgHome {
    root: tempfile::TempDir,
}

impl XdgHome {
    fn new() -> Result<XdgHome> {
        let root = tempfile::tempdir()?;
        // XDG_RUNTIME_DIR must exist (the daemon creates only its own subdirectory).
        // The temp dir itself is 0700, as the specification requires.
        fs::create_dir(root.path().join("run"))?;
        Ok(XdgHome { root })
    }

    fn vars(&self) -> [(&'static str, PathBuf); 4] {
        let dir = |name: &str| self.root.path().join(name);
        [
            ("XDG_RUNTIME_DIR", dir("run")),
            ("XDG_CONFIG_HOME", dir("config")),
            ("XDG_DATA_HOME", dir("data")),
            ("XDG_STATE_HOME", dir("state")),
        ]
    }

    /// Where a personal-mode daemon with these directories listens.
    fn socket(&self) -> PathBuf {
        self.root.path().join("run").join(APP_DIR).join(SOCKET_FILE)
    }
}

/// Spawns `spotterd` and returns once a `GetStatus` succeeds, with the time it took.
async fn start_daemon(bin: &Path, home: &XdgHome) -> Result<(Child, Duration)> {
    let mut command = Command::new(bin);
    command
        .envs(home.vars())
        // Only warnings, so the pipe stays near-empty but a failure still explains itself.
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // A failed run must not leave a daemon behind.
        .kill_on_drop(true);
    // The child must not pick up the caller's socket, config, key or systemd hand-over.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("SPOTTER_") {
            command.env_remove(name);
        }
    }
    for name in [
        "CREDENTIALS_DIRECTORY",
        "LISTEN_FDS",
        "LISTEN_PID",
        "LISTEN_FDNAMES",
        "NOTIFY_SOCKET",
    ] {
        command.env_remove(name);
    }

    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    wait_until_ready(&mut child, &home.socket()).await?;
    Ok((child, started.elapsed()))
}

/// Polls the socket until a `GetStatus` succeeds: the moment a client can use it.
async fn wait_until_ready(child: &mut Child, socket: &Path) -> Result<()> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(mut client) = connect(socket).await
            && client.get_status(status_request()).await.is_ok()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                pipe.read_to_string(&mut stderr).await?;
            }
            bail!("spotterd exited ({status}) before it was ready:\n{stderr}");
        }
        ensure!(
            Instant::now() < deadline,
            "spotterd was not ready within {READY_TIMEOUT:?}"
        );
        tokio::time::sleep(READY_POLL).await;
    }
}

/// SIGTERM, as systemd and the TUI stop it, then waits for a clean exit so the next
/// run finds the lock free and the socket removed.
async fn stop_daemon(mut child: Child) -> Result<()> {
    let pid = child.id().context("spotterd already exited")?;
    kill(Pid::from_raw(i32::try_from(pid)?), Signal::SIGTERM)?;
    let status = tokio::time::timeout(STOP_TIMEOUT, child.wait())
        .await
        .with_context(|| format!("spotterd did not stop within {STOP_TIMEOUT:?}"))??;
    ensure!(status.success(), "spotterd exited with {status}");
    Ok(())
}

struct Memory {
    rss_mib: f64,
    hwm_mib: f64,
}

impl Memory {
    /// Current (VmRSS) and peak (VmHWM) resident set of `pid`.
    fn of(pid: u32) -> Result<Memory> {
        let status = fs::read_to_string(format!("/proc/{pid}/status"))?;
        let mib = |field: &str| -> Result<f64> {
            let kib: u64 = status
                .lines()
                .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix(" kB"))
                .with_context(|| format!("no {field} in /proc/{pid}/status"))?
                .trim()
                .parse()?;
            Ok(kib as f64 / 1024.0)
        };
        Ok(Memory {
            rss_mib: mib("VmRSS:")?,
            hwm_mib: mib("VmHWM:")?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// The README block

impl Report {
    fn markdown(&self, plan: &Plan) -> String {
        let m = &self.machine;
        let mut out = String::from("\nMarkdown for the README:\n\n");
        let _ = writeln!(
            out,
            "Measured by `cargo bench -p spotter-daemon --bench foundation` on {} cores \
             ({}), Linux {}, {} build; {} sequential calls per server from one client after {} \
             warm-up calls, the two servers alternating every {BLOCK} calls.\n",
            m.cores,
            m.cpu,
            m.kernel,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            plan.iters,
            plan.warmup,
        );
        out.push_str(
            "| `System.GetStatus` over the Unix socket | p50 | p90 | p99 | p99.9 | max | calls/s |\n\
             |---|--:|--:|--:|--:|--:|--:|\n",
        );
        for (label, l) in [
            ("spotterd (in-process)", &self.ours),
            ("bare tonic (baseline)", &self.bare),
        ] {
            let _ = writeln!(
                out,
                "| {label} | {} | {} | {} | {} | {} | {} |",
                fmt_duration(l.p50),
                fmt_duration(l.p90),
                fmt_duration(l.p99),
                fmt_duration(l.p999),
                fmt_duration(l.max),
                fmt_count(l.calls_per_sec),
            );
        }
        let _ = writeln!(
            out,
            "| overhead, ours / bare | {} | {} | {} | {} | | |\n",
            ratio(self.ours.p50, self.bare.p50),
            ratio(self.ours.p90, self.bare.p90),
            ratio(self.ours.p99, self.bare.p99),
            ratio(self.ours.p999, self.bare.p999),
        );

        out.push_str("| Measure | Figure |\n|---|--:|\n");
        for c in &self.crypto {
            for (op, r) in [("Seal", &c.seal), ("Open", &c.open)] {
                let _ = writeln!(
                    out,
                    "| {op} {} credential | {} ops/s ({:.1} MB/s) |",
                    fmt_size(c.size),
                    fmt_count(r.ops_per_sec),
                    r.mb_per_sec
                );
            }
        }
        match &self.daemon {
            Some(d) => {
                for (label, runs) in [
                    ("first start: key + migrations", &d.first),
                    ("warm start: existing database", &d.warm),
                ] {
                    let (min, median) = min_median(runs);
                    let _ = writeln!(
                        out,
                        "| `spotterd` spawn to ready, {label} (min / median of {}) | {} / {} |",
                        runs.len(),
                        fmt_duration(min),
                        fmt_duration(median)
                    );
                }
                let _ = writeln!(
                    out,
                    "| `spotterd` idle memory, VmRSS / VmHWM | {:.1} MiB / {:.1} MiB |",
                    d.memory.rss_mib, d.memory.hwm_mib
                );
            }
            None => {
                out.push_str("| `spotterd` start-up and memory | skipped (spotterd not built) |\n")
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Formatting

fn min_median(runs: &[Duration]) -> (Duration, Duration) {
    let mut sorted = runs.to_vec();
    sorted.sort();
    (sorted[0], sorted[sorted.len() / 2])
}

fn ratio(ours: Duration, bare: Duration) -> String {
    format!("{:.2}×", ours.as_secs_f64() / bare.as_secs_f64())
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn fmt_size(bytes: usize) -> String {
    if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} B")
    }
}

/// A rate rounded to a whole number with thousands separators: `1,234,567`.
fn fmt_count(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
