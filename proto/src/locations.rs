//! Where spotter keeps things: the socket, and the per-user (personal mode) and system
//! directories. Both binaries call [`resolve_socket`], so they always agree.

use std::{
    env,
    ffi::OsString,
    path::{Path, PathBuf},
};

/// Overrides the socket path for both `spotterd` and `spotter`.
pub const SOCKET_ENV: &str = "SPOTTER_SOCKET";
/// Socket file name inside the runtime directory.
pub const SOCKET_FILE: &str = "spotterd.sock";
/// Application directory name under each XDG base directory.
pub const APP_DIR: &str = "spotter";

/// System mode locations (systemd `RuntimeDirectory=`, `StateDirectory=`, `/etc`).
pub const SYSTEM_RUNTIME_DIR: &str = "/run/spotter";
pub const SYSTEM_STATE_DIR: &str = "/var/lib/spotter";
pub const SYSTEM_CONFIG_DIR: &str = "/etc/spotter";

/// Longest path a Unix socket address holds (`sun_path` is 108 bytes with the NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// How the daemon runs; decides every default location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Per login user, started by the TUI, state under the XDG directories.
    Personal,
    /// A system service under systemd, shared by a household.
    System,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Personal => "personal",
            Mode::System => "system",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a socket path came from; shown by `check-config` and `spotter status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketSource {
    /// The `SPOTTER_SOCKET` environment variable.
    Environment,
    /// The daemon's configuration file (`daemon.socket`).
    Config,
    /// The mode's default location.
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketLocation {
    pub path: PathBuf,
    pub source: SocketSource,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error(
        "socket path is {len} bytes long; Unix sockets allow at most {MAX_SOCKET_PATH}: choose a shorter {SOCKET_ENV}"
    )]
    SocketPathTooLong { len: usize },
    #[error("socket path must be absolute (got a relative path from {0})")]
    Relative(&'static str),
    #[error("cannot find the home directory: set HOME or the XDG_*_HOME variables")]
    NoHome,
}

/// The socket path for `mode`: `SPOTTER_SOCKET`, else `configured` (daemon config),
/// else the mode's default. The one function both binaries use.
pub fn resolve_socket(
    mode: Mode,
    configured: Option<&Path>,
) -> Result<SocketLocation, LocationError> {
    resolve_socket_from(env::var_os(SOCKET_ENV), mode, configured)
}

fn resolve_socket_from(
    env_value: Option<OsString>,
    mode: Mode,
    configured: Option<&Path>,
) -> Result<SocketLocation, LocationError> {
    let (path, source) = match (env_value.filter(|v| !v.is_empty()), configured) {
        (Some(v), _) => (PathBuf::from(v), SocketSource::Environment),
        (None, Some(p)) => (p.to_path_buf(), SocketSource::Config),
        (None, None) => (runtime_dir(mode).join(SOCKET_FILE), SocketSource::Default),
    };
    if !path.is_absolute() {
        return Err(LocationError::Relative(match source {
            SocketSource::Environment => SOCKET_ENV,
            SocketSource::Config => "daemon.socket",
            SocketSource::Default => "XDG_RUNTIME_DIR",
        }));
    }
    let len = path.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(LocationError::SocketPathTooLong { len });
    }
    Ok(SocketLocation { path, source })
}

/// The mode a client should assume: the system daemon when its socket exists and no
/// override is set, otherwise personal (which the TUI may start on demand).
pub fn client_mode() -> Mode {
    if env::var_os(SOCKET_ENV).is_none_or(|v| v.is_empty())
        && Path::new(SYSTEM_RUNTIME_DIR).join(SOCKET_FILE).exists()
    {
        Mode::System
    } else {
        Mode::Personal
    }
}

/// Directory that holds the socket.
///
/// Personal: `$XDG_RUNTIME_DIR/spotter`; when `XDG_RUNTIME_DIR` is unset (no systemd
/// login session, e.g. some containers) the fallback is `/tmp/spotter-<uid>`, which the
/// daemon creates 0700 and refuses to use if another user owns it.
pub fn runtime_dir(mode: Mode) -> PathBuf {
    match mode {
        Mode::System => PathBuf::from(SYSTEM_RUNTIME_DIR),
        Mode::Personal => match env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir).join(APP_DIR),
            None => {
                env::temp_dir().join(format!("{APP_DIR}-{}", rustix::process::getuid().as_raw()))
            }
        },
    }
}

/// Per-mode directories for configuration (and generated keys), data and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Configuration file and, in personal mode, generated keys. Never the data dir,
    /// so a copy of the data directory alone does not carry the key.
    pub config: PathBuf,
    /// The database.
    pub data: PathBuf,
    /// Logs of a TUI-started daemon, the TUI's refresh token.
    pub state: PathBuf,
}

impl Dirs {
    pub fn for_mode(mode: Mode) -> Result<Self, LocationError> {
        match mode {
            Mode::System => Ok(Dirs {
                config: PathBuf::from(SYSTEM_CONFIG_DIR),
                data: PathBuf::from(SYSTEM_STATE_DIR),
                state: PathBuf::from(SYSTEM_STATE_DIR),
            }),
            Mode::Personal => Ok(Dirs {
                config: dirs::config_dir()
                    .ok_or(LocationError::NoHome)?
                    .join(APP_DIR),
                data: dirs::data_dir().ok_or(LocationError::NoHome)?.join(APP_DIR),
                state: dirs::state_dir()
                    .or_else(|| dirs::home_dir().map(|h| h.join(".local/state")))
                    .ok_or(LocationError::NoHome)?
                    .join(APP_DIR),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_wins_over_config_and_default() {
        let loc = resolve_socket_from(
            Some("/tmp/x.sock".into()),
            Mode::System,
            Some(Path::new("/srv/other.sock")),
        )
        .unwrap();
        assert_eq!(loc.path, PathBuf::from("/tmp/x.sock"));
        assert_eq!(loc.source, SocketSource::Environment);
    }

    #[test]
    fn config_wins_over_default_and_empty_env_is_ignored() {
        let loc = resolve_socket_from(
            Some("".into()),
            Mode::System,
            Some(Path::new("/srv/s.sock")),
        )
        .unwrap();
        assert_eq!(loc.path, PathBuf::from("/srv/s.sock"));
        assert_eq!(loc.source, SocketSource::Config);
    }

    #[test]
    fn system_default_is_under_run() {
        let loc = resolve_socket_from(None, Mode::System, None).unwrap();
        assert_eq!(loc.path, PathBuf::from("/run/spotter/spotterd.sock"));
        assert_eq!(loc.source, SocketSource::Default);
    }

    #[test]
    fn relative_and_overlong_paths_are_refused() {
        assert_eq!(
            resolve_socket_from(Some("rel.sock".into()), Mode::Personal, None),
            Err(LocationError::Relative(SOCKET_ENV))
        );
        let long = format!("/{}", "a".repeat(200));
        assert!(matches!(
            resolve_socket_from(Some(long.into()), Mode::Personal, None),
            Err(LocationError::SocketPathTooLong { len: 201 })
        ));
    }
}
