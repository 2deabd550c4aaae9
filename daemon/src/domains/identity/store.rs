//! Accounts, sessions (refresh families), revoked access tokens, lockouts, the
//! allowlist, instance flags and the audit log. Every query on user data takes the
//! user id it is scoped to (SECURITY.md T7).

use sqlx::{FromRow, SqliteConnection};

use super::users::Role;
use crate::store::{AuthChange, Result, Store, StoreError, now};

/// A user with the fields authentication needs.
#[derive(Debug, Clone, FromRow)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub created_at: i64,
    pub password_hash: Option<String>,
    pub navidrome_linked: bool,
    pub disabled: bool,
    pub token_version: i64,
    /// The Navidrome account an administrator allowed instead of the user's own name.
    pub navidrome_account: Option<String>,
}

impl Account {
    pub fn role(&self) -> Role {
        Role::parse(&self.role)
    }
}

const ACCOUNT_COLUMNS: &str = "id, username, role, created_at, password_hash, navidrome_linked, \
     disabled, token_version, navidrome_account";

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub user_id: i64,
    pub username: String,
    pub device_label: String,
    pub peer_uid: i64,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
}

/// What the access check needs about a token's session and user, in one query.
#[derive(Debug, Clone, FromRow)]
pub struct SessionAuth {
    pub role: String,
    pub disabled: bool,
    pub token_version: i64,
    pub session_revoked: bool,
    pub session_expires_at: i64,
    pub jti_revoked: bool,
}

/// The outcome of presenting a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    Rotated {
        session_id: String,
        user_id: i64,
    },
    /// A consumed token came back: the whole family has just been revoked.
    Replayed {
        session_id: String,
        user_id: i64,
    },
    Unknown,
    Revoked {
        reason: String,
    },
    Expired,
    WrongPeer,
}

/// A presented refresh token with its session and user.
#[derive(FromRow)]
struct PresentedRefresh {
    session_id: String,
    consumed_at: Option<i64>,
    user_id: i64,
    peer_uid: i64,
    revoked_at: Option<i64>,
    revoked_reason: Option<String>,
    expires_at: i64,
    disabled: bool,
}

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct LockoutRow {
    pub account_key: String,
    pub failures: i64,
    pub tier: i64,
    pub locked_until: i64,
    pub last_failure_at: i64,
}

#[derive(Debug, Clone, FromRow, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor_user_id: Option<i64>,
    pub subject_user_id: Option<i64>,
    pub peer_uid: Option<i64>,
    pub detail: String,
}

/// Escapes `%`, `_` and the escape character itself for `LIKE … ESCAPE '\'`.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Store {
    pub async fn account_by_name(&self, username: &str) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE username = ?");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Allows `user_id` to connect the Navidrome account `name` (`None`: their own).
    pub async fn set_navidrome_account(&self, user_id: i64, name: Option<&str>) -> Result<()> {
        let done = sqlx::query("UPDATE users SET navidrome_account = ? WHERE id = ?")
            .bind(name)
            .bind(user_id)
            .execute(self.writer())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The names of every admin and owner.
    pub async fn privileged_usernames(&self) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT username FROM users WHERE role IN ('admin', 'owner')")
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = ?");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// First-run setup: creates the owner and sets the `marker` setting to "1" in one
    /// transaction that checks the marker first, so two racing setups cannot both
    /// win. `None` when the marker was already set.
    pub async fn complete_setup(
        &self,
        marker: &str,
        username: &str,
        password_hash: Option<&str>,
        navidrome_linked: bool,
    ) -> Result<Option<Account>> {
        let mut tx = self.begin_write().await?;
        let done: Option<String> =
            sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = ?")
                .bind(marker)
                .fetch_optional(&mut *tx)
                .await?;
        if done.as_deref() == Some("1") {
            return Ok(None);
        }
        let account = Store::insert_account(
            &mut tx,
            username,
            Role::Owner,
            password_hash,
            navidrome_linked,
        )
        .await?;
        Store::set_setting_in(&mut tx, marker, "1").await?;
        tx.commit().await?;
        Ok(Some(account))
    }

    /// Creates an account inside `conn` (a transaction when part of setup).
    pub async fn insert_account(
        conn: &mut SqliteConnection,
        username: &str,
        role: Role,
        password_hash: Option<&str>,
        navidrome_linked: bool,
    ) -> Result<Account> {
        let sql = format!(
            "INSERT INTO users (username, role, created_at, password_hash, navidrome_linked) \
             VALUES (?, ?, ?, ?, ?) RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username)
            .bind(role.as_str())
            .bind(now())
            .bind(password_hash)
            .bind(navidrome_linked)
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
                _ => StoreError::Database(e),
            })?;
        Ok(row)
    }

    pub async fn create_account(
        &self,
        username: &str,
        role: Role,
        password_hash: Option<&str>,
        navidrome_linked: bool,
    ) -> Result<Account> {
        let mut conn = self.writer().acquire().await?;
        Self::insert_account(&mut conn, username, role, password_hash, navidrome_linked).await
    }

    /// Changes the role and ends every outstanding access token of the user.
    pub async fn set_role(&self, user_id: i64, role: Role) -> Result<()> {
        let done = sqlx::query(
            "UPDATE users SET role = ?, token_version = token_version + 1 WHERE id = ?",
        )
        .bind(role.as_str())
        .bind(user_id)
        .execute(self.writer())
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.auth_changed(AuthChange::User(user_id));
        Ok(())
    }

    /// Disables (ending every session) or re-enables the user.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE users SET disabled = ?, token_version = token_version + 1 WHERE id = ?",
        )
        .bind(disabled)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            revoke_sessions_in(&mut tx, user_id, None, "account disabled").await?;
        }
        tx.commit().await?;
        self.auth_changed(AuthChange::User(user_id));
        Ok(())
    }

    pub async fn delete_user(&self, user_id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(user_id)
            .execute(self.writer())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.auth_changed(AuthChange::Deleted(user_id));
        Ok(())
    }

    /// New password; every outstanding token of the user dies.
    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()> {
        sqlx::query(
            "UPDATE users SET password_hash = ?, token_version = token_version + 1 WHERE id = ?",
        )
        .bind(hash)
        .bind(user_id)
        .execute(self.writer())
        .await?;
        self.auth_changed(AuthChange::User(user_id));
        Ok(())
    }

    pub async fn bump_token_version(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET token_version = token_version + 1 WHERE id = ?")
            .bind(user_id)
            .execute(self.writer())
            .await?;
        self.auth_changed(AuthChange::User(user_id));
        Ok(())
    }

    pub async fn count_owners(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'owner'")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Users whose name contains `query` (literally: `%` and `_` are escaped), by id.
    pub async fn list_accounts(
        &self,
        query: &str,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Account>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id > ? AND username LIKE ? ESCAPE '\\' \
             ORDER BY id LIMIT ?"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(after_id)
            .bind(format!("%{}%", like_escape(query)))
            .bind(limit)
            .fetch_all(self.pool())
            .await?)
    }

    // --- sessions and tokens -------------------------------------------------------

    /// A new session with its first refresh token.
    /// Opens a session with its first refresh token and, in the same transaction, what
    /// comes with a sign-in: its audit event and the account's failures forgotten.
    /// One transaction, so a sign-in waits its turn at the writer once (a busy import
    /// holds it a page at a time).
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let t = now();
        sqlx::query(
            "INSERT INTO sessions (id, user_id, device_label, peer_uid, created_at, last_used_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(new.id)
        .bind(new.user_id)
        .bind(new.device_label)
        .bind(i64::from(new.peer_uid))
        .bind(t)
        .bind(t)
        .bind(new.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)",
        )
        .bind(new.refresh_hash)
        .bind(new.id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        if let Some(key) = new.clear_lockout {
            sqlx::query("DELETE FROM login_lockouts WHERE account_key = ?")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(audit) = &new.audit {
            audit_in(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Signs a session out in one transaction: the session revoked, its access token
    /// blacklisted until it would have expired (expired entries dropped), the audit
    /// event written. False when the session was not live.
    pub async fn end_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: &str,
        jti: &str,
        jti_expires_at: i64,
        audit: &Audit<'_>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let t = now();
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ? \
             WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        )
        .bind(t)
        .bind(reason)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query("DELETE FROM revoked_access_tokens WHERE expires_at < ?")
            .bind(t)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)")
            .bind(jti)
            .bind(jti_expires_at)
            .execute(&mut *tx)
            .await?;
        audit_in(&mut tx, audit).await?;
        tx.commit().await?;
        self.auth_changed(AuthChange::User(user_id));
        Ok(ended)
    }

    /// Consumes the refresh token whose hash is `presented` and stores `next` in the
    /// same family, or detects a replay (and revokes the family). One immediate
    /// transaction, so two racing uses of one token cannot both succeed.
    pub async fn rotate_refresh(
        &self,
        presented: &[u8],
        next: &[u8],
        peer_uid: u32,
        session_ttl_secs: i64,
    ) -> Result<RefreshOutcome> {
        let mut tx = self.begin_write().await?;
        let t = now();
        let row: Option<PresentedRefresh> = sqlx::query_as(
            "SELECT s.id AS session_id, r.consumed_at, s.user_id, s.peer_uid, s.revoked_at, s.revoked_reason, \
                    s.expires_at, u.disabled \
             FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = s.user_id \
             WHERE r.token_hash = ?",
        )
        .bind(presented)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(PresentedRefresh {
            session_id,
            consumed_at,
            user_id,
            peer_uid: bound_uid,
            revoked_at,
            revoked_reason: reason,
            expires_at,
            disabled,
        }) = row
        else {
            return Ok(RefreshOutcome::Unknown);
        };
        if revoked_at.is_some() {
            return Ok(RefreshOutcome::Revoked {
                reason: reason.unwrap_or_else(|| "revoked".into()),
            });
        }
        if consumed_at.is_some() {
            revoke_session_in(&mut tx, &session_id, "refresh token reused").await?;
            tx.commit().await?;
            self.auth_changed(AuthChange::User(user_id));
            return Ok(RefreshOutcome::Replayed {
                session_id,
                user_id,
            });
        }
        if bound_uid != i64::from(peer_uid) {
            return Ok(RefreshOutcome::WrongPeer);
        }
        if disabled {
            return Ok(RefreshOutcome::Revoked {
                reason: "account disabled".into(),
            });
        }
        if expires_at <= t {
            return Ok(RefreshOutcome::Expired);
        }
        sqlx::query("UPDATE refresh_tokens SET consumed_at = ? WHERE token_hash = ?")
            .bind(t)
            .bind(presented)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)",
        )
        .bind(next)
        .bind(&session_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE sessions SET last_used_at = ?, expires_at = ? WHERE id = ?")
            .bind(t)
            .bind(t + session_ttl_secs)
            .bind(&session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(RefreshOutcome::Rotated {
            session_id,
            user_id,
        })
    }

    /// Revokes one session of `user_id`; false when it is not theirs or already ended.
    pub async fn revoke_session(
        &self,
        user_id: i64,
        session_id: &str,
        reason: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = ?, revoked_reason = ? \
             WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(reason)
        .bind(session_id)
        .bind(user_id)
        .execute(self.writer())
        .await?;
        let revoked = done.rows_affected() == 1;
        if revoked {
            self.auth_changed(AuthChange::User(user_id));
        }
        Ok(revoked)
    }

    /// Revokes every live session of `user_id`, except `keep`.
    pub async fn revoke_sessions(
        &self,
        user_id: i64,
        keep: Option<&str>,
        reason: &str,
    ) -> Result<u64> {
        let mut conn = self.writer().acquire().await?;
        let n = revoke_sessions_in(&mut conn, user_id, keep, reason).await?;
        drop(conn);
        if n > 0 {
            self.auth_changed(AuthChange::User(user_id));
        }
        Ok(n)
    }

    /// Live sessions of `user_id`, most recently used first.
    pub async fn list_sessions(&self, user_id: i64) -> Result<Vec<SessionRow>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.user_id, u.username, s.device_label, s.peer_uid, s.created_at, s.last_used_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ? \
             ORDER BY s.last_used_at DESC, s.created_at DESC",
        )
        .bind(user_id)
        .bind(now())
        .fetch_all(self.pool())
        .await?)
    }

    /// Everything the access check needs for one request, or `None` when the session
    /// does not belong to the user.
    pub async fn session_auth(
        &self,
        user_id: i64,
        session_id: &str,
        jti: &str,
    ) -> Result<Option<SessionAuth>> {
        Ok(sqlx::query_as(
            "SELECT u.role, u.disabled, u.token_version, s.revoked_at IS NOT NULL AS session_revoked, \
                    s.expires_at AS session_expires_at, \
                    EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = ?) AS jti_revoked \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ? AND u.id = ?",
        )
        .bind(jti)
        .bind(session_id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Blacklists an access token until it would have expired; drops expired entries.
    pub async fn revoke_access_token(&self, jti: &str, expires_at: i64) -> Result<()> {
        sqlx::query("DELETE FROM revoked_access_tokens WHERE expires_at < ?")
            .bind(now())
            .execute(self.writer())
            .await?;
        sqlx::query("INSERT OR IGNORE INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)")
            .bind(jti)
            .bind(expires_at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    // --- lockouts ------------------------------------------------------------------

    pub async fn lockout(&self, account_key: &str) -> Result<Option<LockoutRow>> {
        Ok(sqlx::query_as(
            "SELECT account_key, failures, tier, locked_until, last_failure_at FROM login_lockouts WHERE account_key = ?",
        )
        .bind(account_key)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Counts a failure; when `threshold` is reached, locks for the next tier's
    /// duration (from `tiers_secs`, the last one repeating) and restarts the count.
    pub async fn record_failure(
        &self,
        account_key: &str,
        threshold: i64,
        tiers_secs: &[i64],
    ) -> Result<LockoutRow> {
        let mut tx = self.begin_write().await?;
        let t = now();
        let current: Option<LockoutRow> = sqlx::query_as(
            "SELECT account_key, failures, tier, locked_until, last_failure_at FROM login_lockouts WHERE account_key = ?",
        )
        .bind(account_key)
        .fetch_optional(&mut *tx)
        .await?;
        let mut row = current.unwrap_or(LockoutRow {
            account_key: account_key.to_string(),
            failures: 0,
            tier: 0,
            locked_until: 0,
            last_failure_at: t,
        });
        row.failures += 1;
        row.last_failure_at = t;
        if row.failures >= threshold {
            let idx = (row.tier as usize).min(tiers_secs.len() - 1);
            row.locked_until = t + tiers_secs[idx];
            row.tier += 1;
            row.failures = 0;
        }
        sqlx::query(
            "INSERT INTO login_lockouts (account_key, failures, tier, locked_until, last_failure_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (account_key) DO UPDATE SET failures = excluded.failures, tier = excluded.tier, \
             locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at",
        )
        .bind(&row.account_key)
        .bind(row.failures)
        .bind(row.tier)
        .bind(row.locked_until)
        .bind(row.last_failure_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn clear_lockout(&self, account_key: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM login_lockouts WHERE account_key = ?")
            .bind(account_key)
            .execute(self.writer())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn list_lockouts(&self) -> Result<Vec<LockoutRow>> {
        Ok(sqlx::query_as(
            "SELECT account_key, failures, tier, locked_until, last_failure_at FROM login_lockouts \
             ORDER BY locked_until DESC, last_failure_at DESC LIMIT 500",
        )
        .fetch_all(self.pool())
        .await?)
    }

    // --- instance flags, allowlist -------------------------------------------------

    pub async fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = ?")
                .bind(name)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn set_setting_in(
        conn: &mut SqliteConnection,
        name: &str,
        value: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO instance_settings (name, value, updated_at) VALUES (?, ?, ?) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(now())
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    pub async fn allowlist(&self) -> Result<(bool, Vec<String>)> {
        let enabled = self.setting("allowlist_enabled").await?.as_deref() == Some("1");
        let names = sqlx::query_scalar("SELECT username FROM allowlist ORDER BY username")
            .fetch_all(self.pool())
            .await?;
        Ok((enabled, names))
    }

    pub async fn set_allowlist(&self, enabled: bool, usernames: &[String]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        Self::set_setting_in(
            &mut tx,
            "allowlist_enabled",
            if enabled { "1" } else { "0" },
        )
        .await?;
        sqlx::query("DELETE FROM allowlist")
            .execute(&mut *tx)
            .await?;
        for name in usernames {
            sqlx::query("INSERT OR IGNORE INTO allowlist (username) VALUES (?)")
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// True when the allowlist is off or lists `username`.
    pub async fn may_sign_in(&self, username: &str) -> Result<bool> {
        if self.setting("allowlist_enabled").await?.as_deref() != Some("1") {
            return Ok(true);
        }
        let listed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM allowlist WHERE username = ?")
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        Ok(listed.is_some())
    }

    // --- audit ---------------------------------------------------------------------

    pub async fn audit(
        &self,
        kind: &str,
        actor: Option<i64>,
        subject: Option<i64>,
        peer_uid: Option<u32>,
        detail: &str,
    ) -> Result<()> {
        let mut conn = self.writer().acquire().await?;
        audit_in(
            &mut conn,
            &Audit {
                kind,
                actor,
                subject,
                peer_uid,
                detail,
            },
        )
        .await
    }

    pub async fn list_audit(
        &self,
        before_id: i64,
        limit: i64,
        kind: Option<&str>,
    ) -> Result<Vec<AuditRow>> {
        let before = if before_id <= 0 { i64::MAX } else { before_id };
        Ok(sqlx::query_as(
            "SELECT id, at, kind, actor_user_id, subject_user_id, peer_uid, detail FROM audit_events \
             WHERE id < ? AND (? IS NULL OR kind = ?) ORDER BY id DESC LIMIT ?",
        )
        .bind(before)
        .bind(kind)
        .bind(kind)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }
}

/// One event of the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    pub kind: &'a str,
    pub actor: Option<i64>,
    pub subject: Option<i64>,
    pub peer_uid: Option<u32>,
    pub detail: &'a str,
}

/// A session to open; see [`Store::create_session`].
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub device_label: &'a str,
    pub peer_uid: u32,
    pub expires_at: i64,
    pub refresh_hash: &'a [u8],
    /// The lockout row to clear with it (a sign-in after failures).
    pub clear_lockout: Option<&'a str>,
    pub audit: Option<Audit<'a>>,
}

async fn audit_in(conn: &mut SqliteConnection, a: &Audit<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_events (at, kind, actor_user_id, subject_user_id, peer_uid, detail) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(now())
    .bind(a.kind)
    .bind(a.actor)
    .bind(a.subject)
    .bind(a.peer_uid.map(i64::from))
    .bind(a.detail)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn revoke_session_in(
    conn: &mut SqliteConnection,
    session_id: &str,
    reason: &str,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(now())
        .bind(reason)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn revoke_sessions_in(
    conn: &mut SqliteConnection,
    user_id: i64,
    keep: Option<&str>,
    reason: &str,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ? \
         WHERE user_id = ? AND revoked_at IS NULL AND (? IS NULL OR id <> ?)",
    )
    .bind(now())
    .bind(reason)
    .bind(user_id)
    .bind(keep)
    .bind(keep)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::like_escape;

    #[test]
    fn like_escape_escapes_wildcards_and_itself() {
        assert_eq!(like_escape(r"a%b_c\d"), r"a\%b\_c\\d");
        assert_eq!(like_escape("o'brien \"x\""), "o'brien \"x\"");
    }
}
