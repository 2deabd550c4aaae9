//! Where a signed-in session survives between runs: the refresh token, in a 0600
//! file in the personal state directory (0700), one file per daemon socket.
//!
//! The access token never touches disk. The file is the single source of truth for
//! the refresh token: every refresh reads it, presents it and writes the rotated one
//! back under an exclusive lock, so two `spotter`s on the same socket share one
//! session instead of tripping the daemon's replay detection (presenting an already
//! rotated token ends the session).

use std::{
    fs::{self, DirBuilder, File, OpenOptions},
    io::{self, Read as _, Write as _},
    os::unix::{
        ffi::OsStrExt as _,
        fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _},
    },
    path::{Path, PathBuf},
};

use rustix::fs::{FlockOperation, OFlags, flock};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use spotter_proto::locations::{Dirs, LocationError, Mode};

use crate::secret::Secret;

/// Refresh the access token this long before it expires, so no call races the
/// expiry (the TUI and the subcommands alike).
pub const REFRESH_MARGIN_SECONDS: i64 = 60;

/// What is kept on disk for one daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub refresh_token: Secret,
    pub username: String,
    pub session_id: String,
}

/// The on-disk form. Only exists briefly while (de)serialising; the token string is
/// moved into a [`Secret`] straight away.
#[derive(Serialize, Deserialize)]
struct OnDisk {
    refresh_token: String,
    username: String,
    session_id: String,
}

/// The session file for one socket (and its lock file beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFile {
    path: PathBuf,
}

/// Held while a refresh reads, rotates and rewrites the token; released on drop.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

impl SessionFile {
    /// The file for `socket` in the personal state directory. Personal even when the
    /// daemon is the system one: the token belongs to the user, and only the user's
    /// own directory can hold it privately.
    pub fn for_socket(socket: &Path) -> Result<Self, LocationError> {
        Ok(Self::in_dir(&Dirs::for_mode(Mode::Personal)?.state, socket))
    }

    /// `session-<first 16 hex digits of sha256(socket path)>.json` in `dir`.
    pub fn in_dir(dir: &Path, socket: &Path) -> Self {
        let digest = Sha256::digest(socket.as_os_str().as_bytes());
        let name = format!("session-{}.json", &hex::encode(digest)[..16]);
        SessionFile {
            path: dir.join(name),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored session, or `None` when there is none (or it is unreadable as
    /// JSON, which is as good as none: the user signs in again).
    pub fn load(&self) -> io::Result<Option<StoredSession>> {
        let mut file = match OpenOptions::new()
            .read(true)
            // A planted symlink must not redirect us to someone else's file.
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(&self.path)
        {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut text = zeroize::Zeroizing::new(String::new());
        file.read_to_string(&mut text)?;
        let Ok(disk) = serde_json::from_str::<OnDisk>(&text) else {
            return Ok(None);
        };
        Ok(Some(StoredSession {
            refresh_token: Secret::from(disk.refresh_token),
            username: disk.username,
            session_id: disk.session_id,
        }))
    }

    /// Replaces the file atomically: a 0600 temporary file in the same directory,
    /// synced, then renamed over the old one. A crash leaves the old or the new
    /// token, never half of one.
    pub fn save(&self, session: &StoredSession) -> io::Result<()> {
        let dir = self.ensure_dir()?;
        let text = zeroize::Zeroizing::new(
            serde_json::to_string(&OnDisk {
                refresh_token: session.refresh_token.expose().to_owned(),
                username: session.username.clone(),
                session_id: session.session_id.clone(),
            })
            .map_err(io::Error::other)?,
        );
        let temp = dir.join(format!(".{}.tmp-{}", self.file_name(), std::process::id()));
        let result = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(OFlags::NOFOLLOW.bits() as i32)
                .open(&temp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)?;
            // Make the rename itself durable.
            File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Removes the stored session; a missing file is fine.
    pub fn delete(&self) -> io::Result<()> {
        match fs::remove_file(&self.path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    /// Takes the exclusive lock that serialises refreshes between processes.
    /// Blocking: call it off the async runtime.
    pub fn lock(&self) -> io::Result<SessionLock> {
        self.ensure_dir()?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(OFlags::NOFOLLOW.bits() as i32)
            .open(self.path.with_extension("lock"))?;
        flock(&file, FlockOperation::LockExclusive)?;
        Ok(SessionLock { _file: file })
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Creates the directory 0700, or tightens it to 0700 when it exists looser
    /// (it is our own application directory, shared with the daemon's log).
    fn ensure_dir(&self) -> io::Result<PathBuf> {
        let dir = self
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        let meta = fs::metadata(&dir)?;
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(dir)
    }
}

#[cfg(test)]
mod tests;
