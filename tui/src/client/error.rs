//! Why talking to the daemon failed, classified so each case gets its own fix.

use std::{error::Error as StdError, io, path::PathBuf, time::Duration};

use spotter_proto::PROTOCOL_VERSION;

use crate::peer::ForeignDaemon;

/// A failure to reach or use the daemon. Every variant has a [`hint`](Self::hint).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no daemon socket at {path}")]
    SocketMissing { path: PathBuf },

    #[error(
        "connection refused at {path}: the socket exists but no daemon is listening (stale socket)"
    )]
    Refused { path: PathBuf },

    #[error("permission denied opening {path}")]
    PermissionDenied { path: PathBuf },

    #[error("spotterd did not answer {during} within {}s ({path})", after.as_secs_f32())]
    Timeout {
        path: PathBuf,
        during: &'static str,
        after: Duration,
    },

    #[error(
        "incompatible protocol: spotterd speaks protocol {daemon} (serves clients {min}..={daemon}), \
         this spotter speaks {client}: upgrade spotter/spotterd so they match"
    )]
    Incompatible { daemon: u32, min: u32, client: u32 },

    #[error("cannot connect to {path}: {source}")]
    Connect { path: PathBuf, source: io::Error },

    #[error("spotterd answered {code:?}: {message}")]
    Rpc { code: tonic::Code, message: String },

    /// The socket is served by a uid the client does not trust (see `peer`).
    /// Boxed: it is the largest by far, and rare.
    #[error(transparent)]
    ForeignDaemon(Box<ForeignDaemon>),
}

impl ClientError {
    /// How to fix it, in one or two sentences.
    pub fn hint(&self) -> String {
        match self {
            ClientError::SocketMissing { .. } => {
                "start the daemon: `spotter` (or `spotter status --start`) starts a personal one, \
                 `systemctl start spotterd` starts the system service; \
                 check that --socket / SPOTTER_SOCKET point at it"
                    .into()
            }
            ClientError::Refused { path } => format!(
                "spotterd stopped without removing its socket: start it again \
                 (it replaces a stale socket), or remove {}",
                path.display()
            ),
            ClientError::PermissionDenied { .. } => "the socket belongs to another user or group: \
                 ask the administrator to add you to the `spotter` group (then log in again), \
                 or use your own daemon with --socket"
                .into(),
            ClientError::Timeout { .. } => {
                "the daemon is running but not answering: check its log \
                 (`journalctl -u spotterd`, or spotterd.log in your state directory) and restart it"
                    .into()
            }
            ClientError::Incompatible { .. } => {
                "upgrade spotter/spotterd so both speak the same protocol version".into()
            }
            ClientError::Connect { .. } => {
                "check that the socket path is right and is a Unix socket".into()
            }
            ClientError::Rpc { .. } => {
                "the daemon reported an error: see its log for details".into()
            }
            ClientError::ForeignDaemon(refusal) => refusal.hint(),
        }
    }

    /// True when nobody is listening at the socket, the one case where starting a
    /// daemon can help (a hung or foreign daemon must not get a second one).
    pub fn daemon_absent(&self) -> bool {
        matches!(
            self,
            ClientError::SocketMissing { .. } | ClientError::Refused { .. }
        )
    }

    /// The handshake verdict for a daemon's advertised protocol range.
    pub(crate) fn check_protocol(daemon: u32, min: u32) -> Result<(), ClientError> {
        if spotter_proto::compatible(daemon, min) {
            Ok(())
        } else {
            Err(ClientError::Incompatible {
                daemon,
                min,
                client: PROTOCOL_VERSION,
            })
        }
    }

    /// Classifies a failure to open the socket (or a call whose connection broke).
    pub(crate) fn from_transport(path: PathBuf, err: &(dyn StdError + 'static)) -> ClientError {
        if let Some(refusal) = find_refusal(err) {
            return ClientError::ForeignDaemon(Box::new(refusal.clone()));
        }
        match find_io_error(err) {
            Some(io) => ClientError::from_io(path, io.kind(), io.to_string()),
            None => ClientError::Connect {
                path,
                source: io::Error::other(error_chain(err)),
            },
        }
    }

    pub(crate) fn from_io(path: PathBuf, kind: io::ErrorKind, message: String) -> ClientError {
        match kind {
            io::ErrorKind::NotFound => ClientError::SocketMissing { path },
            io::ErrorKind::ConnectionRefused => ClientError::Refused { path },
            io::ErrorKind::PermissionDenied => ClientError::PermissionDenied { path },
            io::ErrorKind::TimedOut => ClientError::Timeout {
                path,
                during: "the connection",
                after: super::timeouts::CONNECT_TIMEOUT,
            },
            kind => ClientError::Connect {
                path,
                source: io::Error::new(kind, message),
            },
        }
    }

    /// Classifies a failed call: a broken connection is reported like a failed
    /// connect (so the daemon going away reads the same), anything else as an RPC error.
    pub(crate) fn from_status(path: PathBuf, status: &tonic::Status) -> ClientError {
        if let Some(refusal) = find_refusal(status) {
            return ClientError::ForeignDaemon(Box::new(refusal.clone()));
        }
        if let Some(io) = find_io_error(status) {
            return ClientError::from_io(path, io.kind(), io.to_string());
        }
        ClientError::Rpc {
            code: status.code(),
            message: status.message().to_owned(),
        }
    }
}

/// tonic wraps the connector's `io::Error` in several layers; find it.
fn find_io_error<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a io::Error> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io);
        }
        current = e.source();
    }
    None
}

/// The peer check's refusal, wherever tonic wrapped the connector's `io::Error`
/// (a reconnect inside a call fails the same way as the first connect).
fn find_refusal<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a ForeignDaemon> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(refusal) = e.downcast_ref::<ForeignDaemon>() {
            return Some(refusal);
        }
        if let Some(inner) = e
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
            .and_then(|inner| inner.downcast_ref::<ForeignDaemon>())
        {
            return Some(inner);
        }
        current = e.source();
    }
    None
}

/// "outer: inner: innermost", because tonic's top-level message alone is vague.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        text.push_str(": ");
        text.push_str(&e.to_string());
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(kind: io::ErrorKind) -> ClientError {
        ClientError::from_io(PathBuf::from("/s.sock"), kind, "x".into())
    }

    #[test]
    fn io_errors_map_to_distinct_kinds() {
        assert!(matches!(
            classify(io::ErrorKind::NotFound),
            ClientError::SocketMissing { .. }
        ));
        assert!(matches!(
            classify(io::ErrorKind::ConnectionRefused),
            ClientError::Refused { .. }
        ));
        assert!(matches!(
            classify(io::ErrorKind::PermissionDenied),
            ClientError::PermissionDenied { .. }
        ));
        assert!(matches!(
            classify(io::ErrorKind::TimedOut),
            ClientError::Timeout { .. }
        ));
        assert!(matches!(
            classify(io::ErrorKind::InvalidInput),
            ClientError::Connect { .. }
        ));
    }

    #[test]
    fn only_an_absent_daemon_may_be_started() {
        assert!(classify(io::ErrorKind::NotFound).daemon_absent());
        assert!(classify(io::ErrorKind::ConnectionRefused).daemon_absent());
        assert!(!classify(io::ErrorKind::PermissionDenied).daemon_absent());
        assert!(!classify(io::ErrorKind::TimedOut).daemon_absent());
    }

    #[test]
    fn nested_io_error_is_found() {
        #[derive(Debug, thiserror::Error)]
        #[error("transport error")]
        struct Outer(#[source] io::Error);
        let err = Outer(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(matches!(
            ClientError::from_transport(PathBuf::from("/s"), &err),
            ClientError::Refused { .. }
        ));
    }

    #[test]
    fn a_refused_server_is_found_inside_the_transport_error_and_never_started_over() {
        #[derive(Debug, thiserror::Error)]
        #[error("transport error")]
        struct Outer(#[source] io::Error);
        let refusal = ForeignDaemon {
            path: PathBuf::from("/tmp/spotter-1000/spotterd.sock"),
            uid: 1001,
            name: None,
            expected: "you (uid 1000)".into(),
            trust: crate::peer::Trust::Own,
        };
        let err = Outer(io::Error::new(
            io::ErrorKind::PermissionDenied,
            refusal.clone(),
        ));
        let classified = ClientError::from_transport(PathBuf::from("/s"), &err);
        assert!(
            matches!(&classified, ClientError::ForeignDaemon(r) if **r == refusal),
            "{classified:?}"
        );
        assert!(!classified.daemon_absent());
        assert_eq!(classified.to_string(), refusal.to_string());
        assert_eq!(classified.hint(), refusal.hint());
    }

    #[test]
    fn incompatible_protocol_names_both_versions_and_the_fix() {
        let err =
            ClientError::check_protocol(PROTOCOL_VERSION + 5, PROTOCOL_VERSION + 1).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(&format!("protocol {}", PROTOCOL_VERSION + 5)),
            "{text}"
        );
        assert!(
            text.contains(&format!("speaks {PROTOCOL_VERSION}")),
            "{text}"
        );
        assert!(text.contains("upgrade spotter/spotterd"), "{text}");
        assert!(ClientError::check_protocol(PROTOCOL_VERSION, PROTOCOL_VERSION).is_ok());
    }
}
