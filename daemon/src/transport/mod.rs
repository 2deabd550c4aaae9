//! The daemon's only listener: a Unix socket.
//!
//! Either handed over by systemd (`LISTEN_FDS`, socket activation: systemd owns the
//! path) or bound here: the directory is made private (personal 0700; system mode uses
//! systemd's `RuntimeDirectory`), a stale socket left by a dead daemon is removed, a live
//! daemon on the path is refused, and the socket gets mode 0600 (personal) or 0660
//! (system, shared with the `spotter` group). A bound socket is removed on drop.
//!
//! [`connections`] admits what is accepted on it (SECURITY.md T12).

use std::{
    fs, io,
    os::unix::fs::{FileTypeExt, PermissionsExt},
    path::{Path, PathBuf},
};

use spotter_proto::locations::Mode;
use tokio::net::UnixListener;

pub mod connections;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(
        "spotterd is already running on {0} (a live daemon answered); not starting a second one"
    )]
    AlreadyRunning(PathBuf),
    #[error("{0} exists and is not a socket; refusing to replace it")]
    NotASocket(PathBuf),
    #[error("cannot prepare socket directory {path}: {err}")]
    Directory { path: PathBuf, err: io::Error },
    #[error("cannot bind socket {path}: {err}")]
    Bind { path: PathBuf, err: io::Error },
    #[error("cannot check existing socket {path}: {err}")]
    Probe { path: PathBuf, err: io::Error },
    #[error("socket activation: {0}")]
    Activation(io::Error),
}

/// The listening socket, with the path to clean up if we bound it.
#[derive(Debug)]
pub struct Listener {
    pub listener: UnixListener,
    /// Where clients connect (for activated sockets, the configured path, informational).
    pub path: PathBuf,
    pub activated: bool,
}

/// Refuses when a live daemon answers on `path`; removes a stale socket file.
pub fn claim_path(path: &Path) -> Result<(), TransportError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => {
            return Err(TransportError::Probe {
                path: path.into(),
                err,
            });
        }
    };
    if !meta.file_type().is_socket() {
        return Err(TransportError::NotASocket(path.into()));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(TransportError::AlreadyRunning(path.into())),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(socket = %path.display(), "removing stale socket (nobody listening)");
            fs::remove_file(path).map_err(|err| TransportError::Probe {
                path: path.into(),
                err,
            })
        }
        Err(err) => Err(TransportError::Probe {
            path: path.into(),
            err,
        }),
    }
}

/// The socket systemd passed us, if any (`LISTEN_FDS`/`LISTEN_PID`).
pub fn activated(path: &Path) -> Result<Option<Listener>, TransportError> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    let std_listener = fds
        .take_unix_listener(0)
        .map_err(TransportError::Activation)?;
    let Some(std_listener) = std_listener else {
        return Ok(None);
    };
    std_listener
        .set_nonblocking(true)
        .map_err(TransportError::Activation)?;
    let listener = UnixListener::from_std(std_listener).map_err(TransportError::Activation)?;
    Ok(Some(Listener {
        listener,
        path: path.into(),
        activated: true,
    }))
}

/// Binds `path` (call [`claim_path`] first) with the mode's permissions.
pub fn bind(path: &Path, mode: Mode) -> Result<Listener, TransportError> {
    let (dir_mode, socket_mode) = match mode {
        Mode::Personal => (0o700, 0o600),
        Mode::System => (0o750, 0o660),
    };
    if let Some(dir) = path.parent() {
        crate::fsutil::ensure_dir_mode(dir, dir_mode).map_err(|err| TransportError::Directory {
            path: dir.into(),
            err,
        })?;
    }
    let listener = UnixListener::bind(path).map_err(|err| TransportError::Bind {
        path: path.into(),
        err,
    })?;
    // The directory already keeps others out while the mode is being set.
    fs::set_permissions(path, fs::Permissions::from_mode(socket_mode)).map_err(|err| {
        TransportError::Bind {
            path: path.into(),
            err,
        }
    })?;
    Ok(Listener {
        listener,
        path: path.into(),
        activated: false,
    })
}

/// Removes the socket file if we bound it.
pub fn remove(listener_path: &Path, activated: bool) {
    if !activated
        && let Err(e) = fs::remove_file(listener_path)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(socket = %listener_path.display(), error = %e, "could not remove socket");
    }
}
