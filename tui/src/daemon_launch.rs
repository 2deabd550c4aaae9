//! Personal mode's zero-set-up start: when nobody listens on the socket, start
//! `spotterd` in the background, detached from the terminal, and wait until it answers.
//!
//! The daemon outlives the TUI on purpose (the next `spotter` reuses it), so it gets
//! its own process group (terminal signals such as Ctrl-C and SIGHUP on hang-up go
//! to the foreground group only) and we never wait for it once it is ready.

use std::{
    env,
    ffi::OsString,
    fs::{self, DirBuilder, File, OpenOptions},
    io::{self, Read, Seek, SeekFrom, Write},
    os::unix::{
        fs::{DirBuilderExt, OpenOptionsExt},
        process::CommandExt,
    },
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use spotter_proto::locations::{Dirs, LocationError, Mode, SOCKET_ENV};

use crate::{
    client::{ClientError, DaemonClient, Timeouts, connect_and_handshake},
    socket::SocketTarget,
    status::DaemonStatus,
};

/// Overrides which daemon binary is started (packagers, tests).
pub const DAEMON_BIN_ENV: &str = "SPOTTER_DAEMON_BIN";
/// The daemon's executable name, looked up next to `spotter` and then on `PATH`.
pub const DAEMON_BIN_NAME: &str = "spotterd";
/// Log file of a daemon started by the TUI, inside the personal state directory.
pub const LOG_FILE_NAME: &str = "spotterd.log";
/// How long a freshly started daemon may take to answer (first run generates keys and
/// migrates the database).
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often readiness is probed while waiting.
pub const READY_POLL_INTERVAL: Duration = Duration::from_millis(75);
/// Lines of the log shown when the daemon fails to start.
pub const LOG_TAIL_LINES: usize = 20;
/// Bytes read from the end of the log to find those lines.
const LOG_TAIL_MAX_BYTES: u64 = 16 * 1024;

/// Why starting the daemon did not give us a working connection.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot find your state directory for the daemon log: {0}")]
    Location(#[from] LocationError),

    #[error("cannot create {path}: {source}")]
    StateDir { path: PathBuf, source: io::Error },

    #[error("cannot open the daemon log {path}: {source}")]
    Log { path: PathBuf, source: io::Error },

    #[error("cannot run {}: {source}", binary.display())]
    Spawn { binary: PathBuf, source: io::Error },

    #[error("{} exited ({status}) before it was ready", binary.display())]
    Exited {
        binary: PathBuf,
        status: ExitStatus,
        log: PathBuf,
        /// The last lines it wrote, oldest first.
        tail: Vec<String>,
    },

    #[error("{} did not become ready within {}s: {last}", binary.display(), after.as_secs())]
    NotReady {
        binary: PathBuf,
        after: Duration,
        log: PathBuf,
        last: ClientError,
    },
}

impl LaunchError {
    pub fn hint(&self) -> String {
        match self {
            LaunchError::Location(_) => {
                "set HOME (or XDG_STATE_HOME) so the daemon has a state directory".into()
            }
            LaunchError::StateDir { path, .. } | LaunchError::Log { path, .. } => {
                format!("check the ownership and permissions of {}", path.display())
            }
            LaunchError::Spawn { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                format!(
                    "install {DAEMON_BIN_NAME} next to spotter or on PATH, or point {DAEMON_BIN_ENV} at it"
                )
            }
            LaunchError::Spawn { binary, .. } => {
                format!("check that {} is an executable spotterd", binary.display())
            }
            LaunchError::Exited { log, .. } | LaunchError::NotReady { log, .. } => format!(
                "run `{DAEMON_BIN_NAME}` in a terminal to see the error; log at {}",
                log.display()
            ),
        }
    }

    /// The daemon's last log lines, when it died while starting.
    pub fn log_tail(&self) -> &[String] {
        match self {
            LaunchError::Exited { tail, .. } => tail,
            _ => &[],
        }
    }
}

/// Either side of "connect, else start and connect".
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Launch(#[from] LaunchError),
}

/// How to start a daemon: which binary, where its output goes, how long to wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launcher {
    pub binary: PathBuf,
    pub log: PathBuf,
    pub ready_timeout: Duration,
    pub timeouts: Timeouts,
}

impl Launcher {
    /// The launcher personal mode uses: binary from [`DAEMON_BIN_ENV`], else next to
    /// this executable, else `PATH`; log in the personal state directory.
    pub fn personal() -> Result<Self, LaunchError> {
        let state = Dirs::for_mode(Mode::Personal)?.state;
        Ok(Launcher {
            binary: choose_binary(env::var_os(DAEMON_BIN_ENV), env::current_exe().ok()),
            log: state.join(LOG_FILE_NAME),
            ready_timeout: READY_TIMEOUT,
            timeouts: Timeouts::default(),
        })
    }

    /// Starts the daemon on `socket` without waiting for it.
    pub fn spawn(&self, socket: &Path) -> Result<Launched, LaunchError> {
        let mut log = open_log(&self.log)?;
        // Separates this start from earlier ones in the appended log; best effort.
        let _ = writeln!(
            log,
            "--- spotter started {} at unix time {} ---",
            self.binary.display(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs()
        );
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let stderr = log.try_clone().map_err(|source| LaunchError::Log {
            path: self.log.clone(),
            source,
        })?;
        let child = Command::new(&self.binary)
            // The environment is inherited (XDG_*, config); the socket is set
            // explicitly so the daemon listens exactly where we will look, including
            // when it came from --socket rather than SPOTTER_SOCKET.
            .env(SOCKET_ENV, socket)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(stderr)
            // Own process group: Ctrl-C / hang-up in our terminal must not reach it.
            .process_group(0)
            .spawn()
            .map_err(|source| LaunchError::Spawn {
                binary: self.binary.clone(),
                source,
            })?;
        Ok(Launched {
            child,
            launcher: self.clone(),
            log_start,
        })
    }
}

/// A daemon we started and are waiting for.
#[derive(Debug)]
pub struct Launched {
    child: Child,
    launcher: Launcher,
    log_start: u64,
}

impl Launched {
    pub fn log(&self) -> &Path {
        &self.launcher.log
    }

    /// Polls until the daemon answers the handshake, it exits, or the time is up.
    /// Every probe checks who serves the socket, like any connection: a server of
    /// another user that appears there meanwhile is refused, not waited for.
    pub async fn wait_ready(
        mut self,
        target: &SocketTarget,
    ) -> Result<(DaemonClient, DaemonStatus), ReachError> {
        let timeouts = self.launcher.timeouts;
        let deadline = tokio::time::Instant::now() + self.launcher.ready_timeout;
        loop {
            let last = match connect_and_handshake(target, timeouts).await {
                Ok(connected) => return Ok(connected),
                // Not listening yet: keep waiting.
                Err(err) if err.daemon_absent() => err,
                // Listening but unusable (incompatible, hung, refused us): waiting
                // will not change that.
                Err(err) => return Err(err.into()),
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                // It may have exited because another client's daemon won the socket.
                if let Ok(connected) = connect_and_handshake(target, timeouts).await {
                    return Ok(connected);
                }
                return Err(LaunchError::Exited {
                    binary: self.launcher.binary.clone(),
                    status,
                    tail: read_tail(&self.launcher.log, self.log_start, LOG_TAIL_LINES),
                    log: self.launcher.log.clone(),
                }
                .into());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(LaunchError::NotReady {
                    binary: self.launcher.binary.clone(),
                    after: self.launcher.ready_timeout,
                    log: self.launcher.log.clone(),
                    last,
                }
                .into());
            }
            tokio::time::sleep(READY_POLL_INTERVAL).await;
        }
    }
}

/// Connects to the daemon at `target`; when nobody listens there, `allow_start` is
/// set and the target is personal, starts one first. `on_start` is told the log path
/// just before waiting, so a UI can say what is happening. A socket served by a uid
/// the target does not trust is refused, never started over.
pub async fn connect_or_start(
    target: &SocketTarget,
    allow_start: bool,
    on_start: impl FnOnce(&Path),
) -> Result<(DaemonClient, DaemonStatus), ReachError> {
    match connect_and_handshake(target, Timeouts::default()).await {
        Ok(connected) => Ok(connected),
        Err(err) if allow_start && target.mode == Mode::Personal && err.daemon_absent() => {
            let launched = Launcher::personal()?.spawn(&target.path)?;
            on_start(launched.log());
            launched.wait_ready(target).await
        }
        Err(err) => Err(err.into()),
    }
}

/// `override_bin` (from [`DAEMON_BIN_ENV`]) wins; else `spotterd` next to `current_exe`
/// if present (an unpacked release or `target/debug`); else whatever `PATH` finds.
fn choose_binary(override_bin: Option<OsString>, current_exe: Option<PathBuf>) -> PathBuf {
    if let Some(bin) = override_bin.filter(|b| !b.is_empty()) {
        return PathBuf::from(bin);
    }
    current_exe
        .and_then(|exe| exe.parent().map(|dir| dir.join(DAEMON_BIN_NAME)))
        .filter(|sibling| sibling.is_file())
        .unwrap_or_else(|| PathBuf::from(DAEMON_BIN_NAME))
}

/// Opens the log for appending, creating the state directory 0700 and the file 0600
/// (daemon output may name paths and users).
fn open_log(path: &Path) -> Result<File, LaunchError> {
    if let Some(dir) = path.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| LaunchError::StateDir {
                path: dir.to_path_buf(),
                source,
            })?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| LaunchError::Log {
            path: path.to_path_buf(),
            source,
        })
}

/// The last `lines` lines written to `path` after byte offset `start`.
fn read_tail(path: &Path, start: u64, lines: usize) -> Vec<String> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let from = start.max(len.saturating_sub(LOG_TAIL_MAX_BYTES));
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut all: Vec<&str> = text.lines().collect();
    if from > start && !all.is_empty() {
        // We cut into the middle of a line; drop the fragment.
        all.remove(0);
    }
    let skip = all.len().saturating_sub(lines);
    all[skip..].iter().map(|l| (*l).to_owned()).collect()
}

#[cfg(test)]
mod tests;
