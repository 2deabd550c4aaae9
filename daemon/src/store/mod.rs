//! The store: SQLite through sqlx, the only place with SQL. WAL, foreign keys, a busy
//! timeout, migrations embedded and run at open; the file is created 0600 in a 0700
//! directory.
//!
//! Two pools on the one file. Readers ([`Store::pool`]) are many and `query_only`: a
//! write through them fails loudly instead of racing for the lock. Every write goes
//! through the writer ([`Store::writer`], [`Store::begin_write`]): one connection,
//! handed out first come, first served. SQLite lets one writer in at a time anyway,
//! but a writer kept out by another polls with growing sleeps and can be starved by
//! a busy one that commits and begins again at once (an import page after page); in
//! the queue an interactive write waits for at most the transactions ahead of it.

mod provider;
pub mod sealed;
mod secrets;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    ConnectOptions, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use provider::Provider;
pub use sealed::{SealedValue, UnregisteredSealed};

/// How long a writer waits for another before SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Reading connections (readers run in parallel in WAL mode).
pub const MAX_CONNECTIONS: u32 = 8;
/// How long a write waits for its turn at the writer before failing.
pub const WRITE_QUEUE_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot prepare database file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    Conflict,
    #[error(transparent)]
    Seal(#[from] crate::crypto::SealError),
    #[error(transparent)]
    Open(#[from] crate::crypto::OpenError),
    #[error(
        "the listening history has reached this server's limit of {limit} listens \
         (history.max_listens_per_user); nothing more was added"
    )]
    ListenQuota { limit: u64 },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub struct Store {
    readers: SqlitePool,
    writer: SqlitePool,
    /// Listens one user may hold; a page that would start past it is refused.
    pub(crate) listen_quota: u64,
    auth_changes: tokio::sync::broadcast::Sender<AuthChange>,
}

/// A committed change to who may act as a user (a session revoked, the token version
/// moved, the account disabled, its role or password changed, or it was deleted).
/// Whatever keeps a user's session alive outside a request, such as an open event
/// stream, checks it again when it hears of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthChange {
    User(i64),
    Deleted(i64),
}

/// Changes kept for a listener that falls behind (it then rechecks everyone).
const AUTH_CHANGES_BUFFER: usize = 256;

/// What [`Store::open_with`] may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    pub listen_quota: u64,
}

/// Listens per user unless configured otherwise (`history.max_listens_per_user`).
pub const DEFAULT_LISTEN_QUOTA: u64 = 10_000_000;

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            listen_quota: DEFAULT_LISTEN_QUOTA,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, StoreOptions::default()).await
    }

    /// [`Store::open`] with options.
    pub async fn open_with(path: &Path, opts: StoreOptions) -> Result<Store> {
        if let Some(dir) = path.parent() {
            crate::fsutil::ensure_private_dir(dir)?;
        }
        // Create the file ourselves so it is 0600 from its first byte; SQLite gives the
        // -wal and -shm files the database file's mode.
        crate::fsutil::ensure_private_file(path)?;
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .log_statements(log::LevelFilter::Trace);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(WRITE_QUEUE_TIMEOUT)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options.pragma("query_only", "ON"))
            .await?;
        Ok(Store {
            readers,
            writer,
            listen_quota: opts.listen_quota,
            auth_changes: tokio::sync::broadcast::channel(AUTH_CHANGES_BUFFER).0,
        })
    }

    /// The reading connections (`query_only`).
    pub fn pool(&self) -> &SqlitePool {
        &self.readers
    }

    /// The one writing connection, first come, first served. Statements that write
    /// outside an explicit transaction run here; transactions use [`Store::begin_write`].
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`). A
    /// plain `BEGIN` that reads before it writes cannot wait for another writer: it
    /// fails with SQLITE_BUSY at its first write instead of waiting [`BUSY_TIMEOUT`].
    /// Every transaction that writes starts here.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Hears every [`AuthChange`] committed from now on.
    pub fn auth_changes(&self) -> tokio::sync::broadcast::Receiver<AuthChange> {
        self.auth_changes.subscribe()
    }

    /// Announces a committed change (nobody listening is fine).
    pub(crate) fn auth_changed(&self, change: AuthChange) {
        let _ = self.auth_changes.send(change);
    }

    /// Highest applied migration version.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.readers)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Latest migration version compiled into this binary.
    pub fn expected_schema_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    };

    use super::*;

    /// Issue 10, finding 1: during an import every other writer failed after the busy
    /// timeout, because the import committed and began again before a polling waiter
    /// could get in. In the writer's queue a write waits for the transaction in
    /// progress and no more.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_gets_its_turn_behind_a_writer_that_never_pauses() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(AtomicU64::new(0));
        let busy = {
            let (store, stop, commits) = (store.clone(), stop.clone(), commits.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let mut tx = store.begin_write().await.unwrap();
                    sqlx::query(
                        "INSERT INTO instance_settings (name, value, updated_at) VALUES ('busy', '1', 0) \
                         ON CONFLICT (name) DO UPDATE SET updated_at = updated_at + 1",
                    )
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                    // A page's worth of work while holding the lock.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    tx.commit().await.unwrap();
                    commits.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        while commits.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        for _ in 0..5 {
            let before = commits.load(Ordering::SeqCst);
            sqlx::query(
                "INSERT INTO instance_settings (name, value, updated_at) VALUES ('edit', '1', 0) \
                 ON CONFLICT (name) DO UPDATE SET updated_at = updated_at + 1",
            )
            .execute(store.writer())
            .await
            .expect("the write gets its turn");
            let waited_for = commits.load(Ordering::SeqCst) - before;
            // The transaction in progress, and at most one that began before we asked.
            assert!(waited_for <= 2, "waited behind {waited_for} transactions");
        }
        stop.store(true, Ordering::Relaxed);
        busy.await.unwrap();
    }

    #[tokio::test]
    async fn the_reading_pool_refuses_writes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let e = sqlx::query("DELETE FROM instance_settings")
            .execute(store.pool())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("readonly"), "{e}");
    }
}
