//! Which socket the client talks to and where that choice came from.
//!
//! Resolution itself belongs to `spotter_proto::locations` (shared with the daemon);
//! this module only adds the `--socket` flag on top, because the flag cannot be turned
//! into `SPOTTER_SOCKET` for our own process (`set_var` is unsafe in edition 2024),
//! and the rule for who may serve the socket ([`PeerRule`], see [`crate::peer`]).

use std::path::PathBuf;

use spotter_proto::locations::{self, LocationError, MAX_SOCKET_PATH, Mode, SocketSource};

use crate::peer::{PeerRule, Trust};

/// Where the socket path came from, as shown by the status screen and `spotter status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocketOrigin {
    /// The `--socket` command-line option.
    Flag,
    /// The `SPOTTER_SOCKET` environment variable.
    Environment,
    /// A configured path (only the daemon has a configuration file today).
    Config,
    /// The default location for the client's mode.
    Default,
}

impl SocketOrigin {
    /// Which servers a socket from here may have (see [`crate::peer`]).
    pub fn trust(self, mode: Mode) -> Trust {
        match (self, mode) {
            (SocketOrigin::Default, Mode::Personal) => Trust::Own,
            (SocketOrigin::Default, Mode::System) => Trust::Service,
            // Only the daemon reads a configuration file, but a configured path would
            // be chosen too.
            (SocketOrigin::Flag | SocketOrigin::Environment | SocketOrigin::Config, _) => {
                Trust::Chosen
            }
        }
    }
}

impl SocketOrigin {
    /// Stable machine-readable name (`socket_source` in `spotter status --json`).
    pub fn as_str(self) -> &'static str {
        match self {
            SocketOrigin::Flag => "flag",
            SocketOrigin::Environment => "env",
            SocketOrigin::Config => "config",
            SocketOrigin::Default => "default",
        }
    }

    /// Human explanation for the status screen.
    pub fn describe(self) -> &'static str {
        match self {
            SocketOrigin::Flag => "--socket option",
            SocketOrigin::Environment => "SPOTTER_SOCKET",
            SocketOrigin::Config => "configuration",
            SocketOrigin::Default => "default",
        }
    }
}

impl From<SocketSource> for SocketOrigin {
    fn from(source: SocketSource) -> Self {
        match source {
            SocketSource::Environment => SocketOrigin::Environment,
            SocketSource::Config => SocketOrigin::Config,
            SocketSource::Default => SocketOrigin::Default,
        }
    }
}

/// The socket to connect to, its origin, the mode the client assumes, and who may
/// serve it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketTarget {
    pub path: PathBuf,
    pub origin: SocketOrigin,
    /// Personal mode allows starting a daemon on demand; system mode never does.
    pub mode: Mode,
    /// The server uids every connection to `path` accepts.
    pub peer: PeerRule,
}

impl SocketTarget {
    /// A target with the trust its origin and mode call for.
    pub fn new(
        path: PathBuf,
        origin: SocketOrigin,
        mode: Mode,
        daemon_user: Option<&str>,
    ) -> SocketTarget {
        SocketTarget {
            path,
            origin,
            mode,
            peer: PeerRule::resolve(origin.trust(mode), daemon_user),
        }
    }
}

/// Resolves the socket: `--socket` (`flag`) wins, then the shared resolution
/// (`SPOTTER_SOCKET`, then the mode's default). `daemon_user` (`--daemon-user`,
/// `SPOTTER_DAEMON_USER`) names the system service's user.
pub fn locate(
    flag: Option<PathBuf>,
    daemon_user: Option<&str>,
) -> Result<SocketTarget, LocationError> {
    match flag {
        // An explicit socket behaves like SPOTTER_SOCKET, which `client_mode` treats
        // as personal: the user chose the socket, so we may start a daemon on it.
        Some(path) => Ok(SocketTarget::new(
            validate_flag(path)?,
            SocketOrigin::Flag,
            Mode::Personal,
            daemon_user,
        )),
        None => {
            let mode = locations::client_mode();
            let location = locations::resolve_socket(mode, None)?;
            Ok(SocketTarget::new(
                location.path,
                location.source.into(),
                mode,
                daemon_user,
            ))
        }
    }
}

/// The same checks `resolve_socket` applies to `SPOTTER_SOCKET`.
fn validate_flag(path: PathBuf) -> Result<PathBuf, LocationError> {
    if !path.is_absolute() {
        return Err(LocationError::Relative("--socket"));
    }
    let len = path.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(LocationError::SocketPathTooLong { len });
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_follows_where_the_socket_came_from() {
        use SocketOrigin::*;
        assert_eq!(Default.trust(Mode::Personal), Trust::Own);
        assert_eq!(Default.trust(Mode::System), Trust::Service);
        for origin in [Flag, Environment, Config] {
            for mode in [Mode::Personal, Mode::System] {
                assert_eq!(origin.trust(mode), Trust::Chosen);
            }
        }
    }

    #[test]
    fn flag_wins_and_means_personal_mode() {
        let target = locate(Some(PathBuf::from("/tmp/x/spotterd.sock")), Some("4242")).unwrap();
        assert_eq!(target.path, PathBuf::from("/tmp/x/spotterd.sock"));
        assert_eq!(target.origin, SocketOrigin::Flag);
        assert_eq!(target.mode, Mode::Personal);
        assert_eq!(target.peer.trust, Trust::Chosen);
        assert_eq!(target.peer.service.uid, Some(4242));
    }

    #[test]
    fn flag_is_validated_like_the_environment_variable() {
        assert_eq!(
            locate(Some(PathBuf::from("rel.sock")), None),
            Err(LocationError::Relative("--socket"))
        );
        let long = PathBuf::from(format!("/{}", "s".repeat(MAX_SOCKET_PATH)));
        assert_eq!(
            locate(Some(long), None),
            Err(LocationError::SocketPathTooLong {
                len: MAX_SOCKET_PATH + 1
            })
        );
    }

    #[test]
    fn origin_names_are_stable() {
        let names: Vec<_> = [
            SocketOrigin::Flag,
            SocketOrigin::Environment,
            SocketOrigin::Config,
            SocketOrigin::Default,
        ]
        .map(SocketOrigin::as_str)
        .into();
        assert_eq!(names, ["flag", "env", "config", "default"]);
    }
}
