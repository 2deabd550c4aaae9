//! What the end-to-end benchmarks (`sync.rs`, `history.rs`, `load.rs`) share: the
//! libtest-style command line (so that nextest can run their smoke test), the
//! `spotterd` child process, CPU time and memory read from `/proc`, number formatting,
//! and (in [`listens`]) a generated listening history and its import.
//!
//! Each benchmark binary includes this file with `mod common;` and uses a part of it.

// Each binary uses only some of these helpers.
#![allow(dead_code)]

pub mod listens;

use std::{
    fs::{self, File},
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use nix::sys::signal::Signal;
use spotter_e2e::{TestDirs, bin, signal, wait_exit, wait_ready};

/// How long the daemon gets to exit after SIGTERM.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// The command line

/// The arguments of a run of the one test named `test_name`, or `None` when there is
/// nothing to run.
///
/// nextest lists the tests first (`--list --format terse [--ignored]`: the test is
/// printed, not run), then runs each by name (`smoke --nocapture --exact`); `cargo
/// bench` passes `--bench`.
pub fn test_args(test_name: &str) -> Option<Vec<String>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        if !args.iter().any(|a| a == "--ignored") {
            println!("{test_name}: test");
        }
        return None;
    }
    selected(&args, test_name).then_some(args)
}

/// The body of every benchmark's `main`: the arguments (nothing to do when nextest
/// only lists the test or another one is selected), the plan they ask for, one
/// run on a two-worker runtime (the machine's two cores), its report printed, and
/// the whole time. Returns the plan and the report for checks after the print.
pub fn bench_main<P, R>(
    test_name: &str,
    plan_of: impl FnOnce(&[String]) -> P,
    run: impl AsyncFnOnce(&P) -> R,
    print: impl FnOnce(&R, &P),
) -> Option<(P, R)> {
    let args = test_args(test_name)?;
    let plan = plan_of(&args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let report = runtime.block_on(run(&plan));
    print(&report, &plan);
    println!("\n(whole benchmark: {})", fmt_duration(started.elapsed()));
    Some((plan, report))
}

/// Whether a libtest-style name filter (the first positional argument) selects the
/// one test, `test_name`; no filter selects it.
pub fn selected(args: &[String], test_name: &str) -> bool {
    // libtest options that take a value, so that the value is not read as a filter.
    const WITH_VALUE: [&str; 6] = [
        "--format",
        "--test-threads",
        "--skip",
        "--color",
        "--logfile",
        "-Z",
    ];
    let mut filter = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            iter.next();
        } else if !arg.starts_with('-') && filter.is_none() {
            filter = Some(arg.as_str());
        }
    }
    match filter {
        None => true,
        Some(f) if args.iter().any(|a| a == "--exact") => f == test_name,
        Some(f) => test_name.contains(f),
    }
}

/// Whether this is a full run (`cargo bench` passes `--bench`) rather than a smoke run.
pub fn full_run(args: &[String]) -> bool {
    args.iter().any(|a| a == "--bench")
}

/// A positive count from the environment variable `name`, if set.
pub fn size_from_env(name: &str) -> Option<usize> {
    let value = std::env::var(name).ok()?;
    match value.parse() {
        Ok(n) if n > 0 => Some(n),
        _ => panic!("{name}={value:?} is not a positive count"),
    }
}

/// The lines that say where the figures come from: the machine, the daemon binary and
/// this benchmark's build.
pub fn print_setup(daemon: &Path) {
    println!(
        "  machine  {} CPUs, {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_name()
    );
    println!("  daemon   {}", daemon.display());
    println!(
        "  build    this benchmark: {}",
        if cfg!(debug_assertions) {
            "debug (figures NOT representative)"
        } else {
            "release"
        }
    );
}

/// "release" or "debug": the build of the `spotterd` at `daemon`.
pub fn daemon_build(daemon: &Path) -> &'static str {
    if daemon.components().any(|c| c.as_os_str() == "release") {
        "release"
    } else {
        "debug"
    }
}

// ---------------------------------------------------------------------------------------
// Measuring

/// One measured run.
pub struct Measured {
    pub wall: Duration,
    /// CPU time (user + system) the daemon spent meanwhile.
    pub daemon_cpu: Duration,
    /// CPU time this process spent meanwhile: fake servers, TLS, the client.
    pub bench_cpu: Duration,
    /// The daemon's memory right after the run.
    pub memory: Memory,
}

/// Starts measuring a run of `daemon`.
pub struct Stopwatch {
    start: Instant,
    daemon_cpu: Duration,
    bench_cpu: Duration,
}

impl Stopwatch {
    pub fn start(daemon: &Daemon) -> Stopwatch {
        Stopwatch {
            daemon_cpu: daemon.cpu_time(),
            bench_cpu: cpu_time("self").expect("this process's CPU time"),
            start: Instant::now(),
        }
    }

    pub fn stop(self, daemon: &Daemon) -> Measured {
        let wall = self.start.elapsed();
        Measured {
            wall,
            daemon_cpu: daemon.cpu_time().saturating_sub(self.daemon_cpu),
            bench_cpu: cpu_time("self")
                .expect("this process's CPU time")
                .saturating_sub(self.bench_cpu),
            memory: daemon.memory(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The daemon process

/// A `spotterd` child process on its own temp directories, killed if dropped while
/// still running (a panic half-way must not leave it behind).
pub struct Daemon {
    child: Child,
    dirs: TestDirs,
    log: PathBuf,
}

impl Daemon {
    /// Writes `config` to a file, starts `spotterd` with it (and `env`), its log in a
    /// file, and waits until it answers.
    pub async fn start(dirs: TestDirs, config: &str, env: &[(&str, &str)]) -> Daemon {
        let config_file = dirs.path("spotter.toml");
        fs::write(&config_file, config).expect("write the config file");
        let log = dirs.path("spotterd.log");
        let mut command = dirs.command(&bin("spotterd"));
        command
            .env("SPOTTER_CONFIG", &config_file)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(File::create(&log).expect("create the log file"));
        let child = command.spawn().expect("spawn spotterd");
        let mut daemon = Daemon { child, dirs, log };
        if let Err(e) = wait_ready(&daemon.socket(), Some(&mut daemon.child)).await {
            daemon.fail(&format!("spotterd did not start: {e:#}"));
        }
        daemon
    }

    pub fn socket(&self) -> PathBuf {
        self.dirs.socket()
    }

    /// The daemon's temp directories.
    pub fn dirs(&self) -> &TestDirs {
        &self.dirs
    }

    /// Current and peak resident memory of the daemon, from `/proc/<pid>/status`.
    pub fn memory(&self) -> Memory {
        let path = format!("/proc/{}/status", self.child.id());
        let status = fs::read_to_string(&path)
            .unwrap_or_else(|e| self.fail(&format!("cannot read {path}: {e}")));
        let mib = |field: &str| -> f64 {
            let kib: u64 = status
                .lines()
                .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix(" kB"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| self.fail(&format!("no {field} in {path}")));
            kib as f64 / 1024.0
        };
        Memory {
            rss_mib: mib("VmRSS:"),
            hwm_mib: mib("VmHWM:"),
        }
    }

    /// Starts the daemon's peak resident memory (`VmHWM`) afresh from its current
    /// resident memory, so that the next [`Daemon::memory`] gives the peak since now
    /// (writing 5 to `/proc/<pid>/clear_refs`, Linux 4.0 and later); false when the
    /// kernel does not allow it, and the peak stays the one since the start.
    pub fn reset_peak_memory(&self) -> bool {
        fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").is_ok()
    }

    /// CPU time (user + system, all threads) the daemon has used so far.
    pub fn cpu_time(&self) -> Duration {
        let pid = self.child.id().to_string();
        cpu_time(&pid).unwrap_or_else(|| self.fail(&format!("cannot read /proc/{pid}/stat")))
    }

    /// SIGTERM, then a clean exit within [`STOP_TIMEOUT`].
    pub async fn stop(mut self) {
        signal(&self.child, Signal::SIGTERM);
        let status = wait_exit(&mut self.child, STOP_TIMEOUT).await;
        if !status.success() {
            self.fail(&format!("spotterd exited with {status}"));
        }
    }

    /// Panics with `what` and the end of the daemon's log.
    pub fn fail(&self, what: &str) -> ! {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        panic!("{what}\n--- last lines of the spotterd log ---\n{tail}");
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub struct Memory {
    pub rss_mib: f64,
    pub hwm_mib: f64,
}

// ---------------------------------------------------------------------------------------
// Helpers

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `s` as a quoted TOML string.
pub fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// User + system CPU time of `/proc/<pid>` (`self` for this process), from its
/// `stat` (fields 14 and 15, in clock ticks: USER_HZ, 100 on Linux).
pub fn cpu_time(pid: &str) -> Option<Duration> {
    const USER_HZ: u64 = 100;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

pub fn cpu_name() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1e3)
    }
}

/// A latency with a useful precision: `0.42 ms`, `12.3 ms`, `1.25 s`.
pub fn fmt_latency(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms < 1.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1e3)
    }
}

/// A count rounded to a whole number with thousands separators: `1,234,567`.
pub fn fmt_count(value: f64) -> String {
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
