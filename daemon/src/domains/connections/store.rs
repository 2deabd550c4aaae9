//! Provider connections: what may be shown about each (state, account, last sync,
//! last error) next to the sealed credential in `provider_credentials`. Connecting and
//! disconnecting change both in one transaction.

use sqlx::FromRow;

use super::credentials::put_credential_in;
use crate::crypto::{Keyring, SecretString};
use crate::store::{Provider, Result, Store, now};

/// Longest error text kept for display.
pub const MAX_ERROR_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Connected,
    /// The provider refused the credentials: nothing runs until the user reconnects.
    NeedsReconnect,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub provider: Provider,
    pub state: ConnectionState,
    pub external_user: String,
    pub connected_at: i64,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_fatal: bool,
    pub submit_listens: bool,
}

#[derive(FromRow)]
struct Row {
    provider: String,
    state: String,
    external_user: String,
    connected_at: i64,
    last_sync_at: Option<i64>,
    last_error: Option<String>,
    last_error_fatal: bool,
    submit_listens: bool,
}

impl Row {
    fn into_connection(self) -> Option<Connection> {
        Some(Connection {
            provider: Provider::parse(&self.provider)?,
            state: match self.state.as_str() {
                "connected" => ConnectionState::Connected,
                _ => ConnectionState::NeedsReconnect,
            },
            external_user: self.external_user,
            connected_at: self.connected_at,
            last_sync_at: self.last_sync_at,
            last_error: self.last_error,
            last_error_fatal: self.last_error_fatal,
            submit_listens: self.submit_listens,
        })
    }
}

/// The selected columns, as a literal so queries stay static strings.
macro_rules! select_connection {
    ($rest:literal) => {
        concat!(
            "SELECT provider, state, external_user, connected_at, last_sync_at, last_error, \
             last_error_fatal, submit_listens FROM connections ",
            $rest
        )
    };
}

fn truncate(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}

impl Store {
    /// A Navidrome sign-in is also the user's Navidrome connection: a healthy one only
    /// gets the (maybe changed) password; a missing or parked one is (re)connected.
    pub async fn navidrome_signed_in(
        &self,
        keyring: &Keyring,
        user_id: i64,
        username: &str,
        secret: &SecretString,
    ) -> Result<()> {
        let healthy = self
            .connection(user_id, Provider::Navidrome)
            .await?
            .is_some_and(|c| c.state == ConnectionState::Connected);
        if healthy {
            self.update_connection_secret(keyring, user_id, Provider::Navidrome, secret)
                .await
        } else {
            self.connect(keyring, user_id, Provider::Navidrome, username, secret)
                .await
        }
    }

    /// Connects (or reconnects) `provider` for `user_id`: stores the credential sealed,
    /// marks the connection healthy and makes the user's jobs due now (a reconnect
    /// clears a fatal state).
    pub async fn connect(
        &self,
        keyring: &Keyring,
        user_id: i64,
        provider: Provider,
        external_user: &str,
        secret: &SecretString,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        put_credential_in(&mut tx, keyring, user_id, provider, secret).await?;
        let t = now();
        sqlx::query(
            "INSERT INTO connections (user_id, provider, state, external_user, connected_at) \
             VALUES (?, ?, 'connected', ?, ?) \
             ON CONFLICT (user_id, provider) DO UPDATE SET state = 'connected', \
               external_user = excluded.external_user, connected_at = excluded.connected_at, \
               last_error = NULL, last_error_fatal = 0",
        )
        .bind(user_id)
        .bind(provider.as_str())
        .bind(external_user)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        // Due now; the failure count stays (other sources may still be failing).
        sqlx::query("UPDATE job_schedules SET next_run_at = min(next_run_at, ?) WHERE user_id = ?")
            .bind(t)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the credential of an existing connection (a refreshed OAuth token)
    /// without touching its state.
    pub async fn update_connection_secret(
        &self,
        keyring: &Keyring,
        user_id: i64,
        provider: Provider,
        secret: &SecretString,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM connections WHERE user_id = ? AND provider = ?")
                .bind(user_id)
                .bind(provider.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            // Disconnected meanwhile: never resurrect the credential.
            return Err(crate::store::StoreError::NotFound);
        }
        put_credential_in(&mut tx, keyring, user_id, provider, secret).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the connection, its sealed credential and its sync watermark; the
    /// listens already synced stay. True when there was a connection.
    pub async fn disconnect(&self, user_id: i64, provider: Provider) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM provider_credentials WHERE user_id = ? AND provider = ?")
            .bind(user_id)
            .bind(provider.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sync_watermarks WHERE user_id = ? AND source = ?")
            .bind(user_id)
            .bind(provider.as_str())
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM connections WHERE user_id = ? AND provider = ?")
            .bind(user_id)
            .bind(provider.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn connections(&self, user_id: i64) -> Result<Vec<Connection>> {
        let rows: Vec<Row> =
            sqlx::query_as(select_connection!("WHERE user_id = ? ORDER BY provider"))
                .bind(user_id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows.into_iter().filter_map(Row::into_connection).collect())
    }

    pub async fn connection(&self, user_id: i64, provider: Provider) -> Result<Option<Connection>> {
        let row: Option<Row> =
            sqlx::query_as(select_connection!("WHERE user_id = ? AND provider = ?"))
                .bind(user_id)
                .bind(provider.as_str())
                .fetch_optional(self.pool())
                .await?;
        Ok(row.and_then(Row::into_connection))
    }

    /// Users with at least one healthy connection, for the scheduler.
    pub async fn users_with_connections(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT c.user_id FROM connections c JOIN users u ON u.id = c.user_id \
             WHERE c.state = 'connected' AND u.disabled = 0 ORDER BY c.user_id",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Records a successful sync of `provider`.
    pub async fn connection_synced(&self, user_id: i64, provider: Provider) -> Result<()> {
        sqlx::query(
            "UPDATE connections SET last_sync_at = ?, last_error = NULL, last_error_fatal = 0 \
             WHERE user_id = ? AND provider = ?",
        )
        .bind(now())
        .bind(user_id)
        .bind(provider.as_str())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Records a failed sync; a fatal one stops the connection until reconnect.
    pub async fn connection_failed(
        &self,
        user_id: i64,
        provider: Provider,
        message: &str,
        fatal: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE connections SET last_error = ?, last_error_fatal = ?, \
               state = CASE WHEN ? THEN 'needs_reconnect' ELSE state END \
             WHERE user_id = ? AND provider = ?",
        )
        .bind(truncate(message))
        .bind(fatal)
        .bind(fatal)
        .bind(user_id)
        .bind(provider.as_str())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    /// Opts in or out of submitting other sources' listens to ListenBrainz.
    pub async fn set_submit_listens(&self, user_id: i64, enabled: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE connections SET submit_listens = ? WHERE user_id = ? AND provider = 'listenbrainz'",
        )
        .bind(enabled)
        .bind(user_id)
        .execute(self.writer())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
