//! The real `spotterd` binary as a child process on a [`TestDirs`] tree, for the tests
//! that kill it (SIGKILL) and start it again on the same directories, and the checks
//! they make on the database file it leaves behind.

use std::{
    fs,
    os::unix::process::ExitStatusExt,
    path::{Path, PathBuf},
    process::{Child, Stdio},
    time::Duration,
};

use nix::sys::signal::Signal;
use sqlx::{ConnectOptions, SqliteConnection, sqlite::SqliteConnectOptions};

use crate::{TestDirs, bin, signal, wait_exit, wait_ready};

/// How long a killed or stopped daemon may take to exit.
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(20);

/// A `spotterd` child process; killed on drop, its log printed if the test failed.
pub struct Daemon {
    pub child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts `spotterd` with the configuration file `config`, its log in
    /// `spotterd-<n>.log`, and waits until it answers on the socket.
    pub async fn start(dirs: &TestDirs, config: &Path, n: u32) -> Daemon {
        let log = dirs.path(&format!("spotterd-{n}.log"));
        let mut cmd = dirs.command(&bin("spotterd"));
        cmd.env("SPOTTER_CONFIG", config)
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap());
        let mut daemon = Daemon {
            child: cmd.spawn().expect("spawn spotterd"),
            log,
        };
        if let Err(e) = wait_ready(&dirs.socket(), Some(&mut daemon.child)).await {
            panic!("{e}\n{}", daemon.logs());
        }
        daemon
    }

    pub fn logs(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, and waits until the process is gone (it died of the signal, not of
    /// something else first).
    pub async fn kill(mut self) {
        signal(&self.child, Signal::SIGKILL);
        let status = wait_exit(&mut self.child, EXIT_TIMEOUT).await;
        assert_eq!(
            status.signal(),
            Some(Signal::SIGKILL as i32),
            "{status}\n{}",
            self.logs()
        );
    }

    /// SIGTERM, and a clean exit.
    pub async fn stop(mut self) {
        signal(&self.child, Signal::SIGTERM);
        let status = wait_exit(&mut self.child, EXIT_TIMEOUT).await;
        assert!(status.success(), "{status}\n{}", self.logs());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- {} ----\n{}\n---- end ----",
                self.log.display(),
                self.logs()
            );
        }
    }
}

/// The database as left on disk, read-only (SQLite replays a crashed writer's WAL
/// for this connection without writing to the file).
pub async fn open_db(path: &Path) -> SqliteConnection {
    SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

/// Asserts that `PRAGMA integrity_check` is ok and that no row lost its parent.
pub async fn assert_integrity(db: &mut SqliteConnection) {
    let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *db)
        .await
        .expect("integrity_check");
    assert_eq!(found, ["ok"], "PRAGMA integrity_check");
    // (table, rowid, parent table, constraint index) of each row whose parent is gone.
    let orphans: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&mut *db)
            .await
            .expect("foreign_key_check");
    assert!(orphans.is_empty(), "rows without their parent: {orphans:?}");
}
