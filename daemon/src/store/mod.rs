//! The store: SQLite through sqlx, the only place with SQL. WAL, foreign keys, a busy
//! timeout, migrations embedded and run at open; the file is created 0600 in a 0700
//! directory.

pub mod connections;
mod credentials;
pub mod history;
#[cfg(test)]
mod history_tests;
pub mod identity;
pub mod jobs;
pub mod library;
pub mod listens;
pub mod sealed;
mod secrets;
pub mod stats;
mod users;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    ConnectOptions, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use credentials::Provider;
pub use sealed::{SealedValue, UnregisteredSealed};
pub use users::{Role, User};

/// How long a writer waits for another before SQLITE_BUSY.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections in the pool (SQLite serialises writers; readers run in parallel in WAL).
pub const MAX_CONNECTIONS: u32 = 8;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

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
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies migrations.
    pub async fn open(path: &Path) -> Result<Store> {
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
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A transaction that takes SQLite's write lock at once (`BEGIN IMMEDIATE`). A
    /// plain `BEGIN` that reads before it writes cannot wait for another writer: it
    /// fails with SQLITE_BUSY at its first write instead of waiting [`BUSY_TIMEOUT`].
    /// Every transaction that writes starts here.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Highest applied migration version.
    pub async fn schema_version(&self) -> Result<i64> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Latest migration version compiled into this binary.
    pub fn expected_schema_version() -> i64 {
        MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
