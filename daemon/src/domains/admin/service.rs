//! Administration: users and roles with owner protections, anyone's sessions,
//! lockouts, the allowlist, the audit log and online key rotation. Every function
//! takes the checked [`Caller`] and repeats the role check the access layer did.

use std::sync::Arc;

use crate::domains::identity::service::check_username;
use crate::service::{Result, ServiceError, clamp_page};
use crate::{
    auth::password,
    crypto::{Key, KeySource, Keyring},
    domains::{
        admin::rotation::{
            discard_staged_key, install_new_key, rotate_encryption_key, stage_new_key,
        },
        identity::{
            caller::{Access, Caller},
            service::Identity,
            store::{Account, AuditRow, LockoutRow, SessionRow},
            users::Role,
        },
    },
    store::Store,
};

pub struct Admin {
    store: Store,
    identity: Arc<Identity>,
    keyring: Arc<tokio::sync::RwLock<Keyring>>,
    key_source: KeySource,
    min_password_length: usize,
}

fn owner_only() -> ServiceError {
    ServiceError::PermissionDenied("only the owner acts on administrators and owners".into())
}

/// Only the owner acts on an admin or an owner.
fn require_owner_for(caller: &Caller, target: Role) -> Result<()> {
    if target >= Role::Admin && caller.role != Role::Owner {
        return Err(owner_only());
    }
    Ok(())
}

/// Page size bounds (SECURITY.md T9).
pub const MAX_USERS_PAGE: u32 = 200;
pub const DEFAULT_USERS_PAGE: u32 = 50;
pub const MAX_AUDIT_PAGE: u32 = 500;
pub const DEFAULT_AUDIT_PAGE: u32 = 100;

/// Outcome of an online rotation.
#[derive(Debug)]
pub struct OnlineRotation {
    pub new_key_id: String,
    pub old_key_id: String,
    pub resealed: u64,
    pub next_step: String,
}

impl Admin {
    pub fn new(
        store: Store,
        identity: Arc<Identity>,
        keyring: Arc<tokio::sync::RwLock<Keyring>>,
        key_source: KeySource,
        min_password_length: usize,
    ) -> Self {
        Admin {
            store,
            identity,
            keyring,
            key_source,
            min_password_length,
        }
    }

    pub async fn list_users(
        &self,
        caller: &Caller,
        query: &str,
        page_size: u32,
        after_id: i64,
    ) -> Result<(Vec<Account>, i64)> {
        caller.require(Access::Admin)?;
        if query.chars().count() > 255 {
            return Err(ServiceError::InvalidArgument(
                "query is longer than 255 characters".into(),
            ));
        }
        // SQLite's LIKE stops at a NUL, which would turn the pattern into "match all".
        if query.chars().any(char::is_control) {
            return Err(ServiceError::InvalidArgument(
                "query contains control characters".into(),
            ));
        }
        let limit = i64::from(clamp_page(page_size, DEFAULT_USERS_PAGE, MAX_USERS_PAGE));
        let users = self
            .store
            .list_accounts(query, after_id.max(0), limit + 1)
            .await?;
        let more = users.len() as i64 > limit;
        let users: Vec<_> = users.into_iter().take(limit as usize).collect();
        let next = if more {
            users.last().map(|u| u.id).unwrap_or(0)
        } else {
            0
        };
        Ok((users, next))
    }

    pub async fn create_user(
        &self,
        caller: &Caller,
        username: &str,
        password_text: &str,
    ) -> Result<Account> {
        caller.require(Access::Admin)?;
        let username = check_username(username)?;
        password::check_new(password_text, &username, self.min_password_length)
            .map_err(|e| ServiceError::InvalidArgument(e.to_string()))?;
        let hash = self.identity.hash_password(password_text).await?;
        let account = self
            .store
            .create_account(&username, Role::User, Some(&hash), false)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::Conflict => {
                    ServiceError::AlreadyExists("a user with that name exists".into())
                }
                other => other.into(),
            })?;
        self.store
            .audit(
                "user_created",
                Some(caller.user_id),
                Some(account.id),
                Some(caller.peer_uid),
                &username,
            )
            .await?;
        Ok(account)
    }

    async fn target(&self, user_id: i64) -> Result<Account> {
        self.store
            .account(user_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// A user whose sessions, lockout and account `caller` may act on: anyone for the
    /// owner, plain users only for an admin (issue 10, finding 7: a rogue admin kept
    /// ending the owner's sessions, or cleared a lockout to keep guessing).
    async fn manageable(&self, caller: &Caller, user_id: i64) -> Result<Account> {
        let target = self.target(user_id).await?;
        require_owner_for(caller, target.role())?;
        Ok(target)
    }

    pub async fn set_role(&self, caller: &Caller, user_id: i64, role: Role) -> Result<Account> {
        caller.require(Access::Admin)?;
        let target = self.target(user_id).await?;
        // Only the owner grants, removes or touches admin and owner roles.
        if (role >= Role::Admin || target.role() >= Role::Admin) && caller.role != Role::Owner {
            return Err(ServiceError::PermissionDenied(
                "only the owner changes administrators".into(),
            ));
        }
        if target.role() == Role::Owner
            && role != Role::Owner
            && self.store.count_owners().await? <= 1
        {
            return Err(ServiceError::FailedPrecondition(
                "the last owner cannot be demoted".into(),
            ));
        }
        self.store.set_role(user_id, role).await?;
        let detail = format!("{} → {}", target.role().as_str(), role.as_str());
        self.store
            .audit(
                "role_change",
                Some(caller.user_id),
                Some(user_id),
                Some(caller.peer_uid),
                &detail,
            )
            .await?;
        self.target(user_id).await
    }

    pub async fn set_disabled(
        &self,
        caller: &Caller,
        user_id: i64,
        disabled: bool,
    ) -> Result<Account> {
        caller.require(Access::Admin)?;
        let target = self.target(user_id).await?;
        if target.role() == Role::Owner {
            return Err(ServiceError::FailedPrecondition(
                "an owner cannot be disabled".into(),
            ));
        }
        if target.role() == Role::Admin && caller.role != Role::Owner {
            return Err(ServiceError::PermissionDenied(
                "only the owner changes administrators".into(),
            ));
        }
        self.store.set_disabled(user_id, disabled).await?;
        let kind = if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        };
        self.store
            .audit(
                kind,
                Some(caller.user_id),
                Some(user_id),
                Some(caller.peer_uid),
                &target.username,
            )
            .await?;
        self.target(user_id).await
    }

    pub async fn delete_user(&self, caller: &Caller, user_id: i64) -> Result<()> {
        caller.require(Access::Admin)?;
        let target = self.target(user_id).await?;
        if target.role() >= Role::Admin && caller.role != Role::Owner {
            return Err(ServiceError::PermissionDenied(
                "only the owner removes administrators".into(),
            ));
        }
        if target.role() == Role::Owner && self.store.count_owners().await? <= 1 {
            return Err(ServiceError::FailedPrecondition(
                "the last owner cannot be removed".into(),
            ));
        }
        self.store.delete_user(user_id).await?;
        self.store
            .audit(
                "user_deleted",
                Some(caller.user_id),
                Some(user_id),
                Some(caller.peer_uid),
                &target.username,
            )
            .await?;
        Ok(())
    }

    /// Lets `user_id` connect the Navidrome account `name` instead of the one named
    /// like them (`""`: only their own again). Audited.
    pub async fn set_navidrome_account(
        &self,
        caller: &Caller,
        user_id: i64,
        name: &str,
    ) -> Result<Account> {
        caller.require(Access::Admin)?;
        let target = self.manageable(caller, user_id).await?;
        let name = match name.trim() {
            "" => None,
            other => Some(check_username(other)?),
        };
        self.store
            .set_navidrome_account(user_id, name.as_deref())
            .await?;
        self.store
            .audit(
                "navidrome_account_set",
                Some(caller.user_id),
                Some(user_id),
                Some(caller.peer_uid),
                &format!(
                    "{} may connect Navidrome account {}",
                    target.username,
                    name.as_deref().unwrap_or("(their own name)")
                ),
            )
            .await?;
        self.target(user_id).await
    }

    pub async fn user_sessions(&self, caller: &Caller, user_id: i64) -> Result<Vec<SessionRow>> {
        caller.require(Access::Admin)?;
        self.manageable(caller, user_id).await?;
        Ok(self.store.list_sessions(user_id).await?)
    }

    pub async fn revoke_user_session(
        &self,
        caller: &Caller,
        user_id: i64,
        session_id: &str,
    ) -> Result<u32> {
        caller.require(Access::Admin)?;
        self.manageable(caller, user_id).await?;
        if !self
            .store
            .revoke_session(user_id, session_id, "revoked by an administrator")
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        self.store
            .audit(
                "session_revoked",
                Some(caller.user_id),
                Some(user_id),
                Some(caller.peer_uid),
                &format!("session {session_id}"),
            )
            .await?;
        Ok(1)
    }

    pub async fn lockouts(&self, caller: &Caller) -> Result<Vec<LockoutRow>> {
        caller.require(Access::Admin)?;
        Ok(self.store.list_lockouts().await?)
    }

    /// Clears by lockout id or by username (hashed the same way as at sign-in).
    pub async fn clear_lockout(
        &self,
        caller: &Caller,
        id: Option<&str>,
        username: Option<&str>,
    ) -> Result<bool> {
        caller.require(Access::Admin)?;
        let key = match (id, username) {
            (Some(id), _) if !id.is_empty() => id.to_string(),
            (_, Some(name)) if !name.trim().is_empty() => self.identity.lockout_key(name),
            _ => {
                return Err(ServiceError::InvalidArgument(
                    "give a lockout id or a username".into(),
                ));
            }
        };
        // Lockout rows are keyed by a keyed hash, never by name: an admin's or an
        // owner's is recognised by hashing their names the same way.
        if caller.role != Role::Owner {
            for name in self.store.privileged_usernames().await? {
                if self.identity.lockout_key(&name) == key {
                    return Err(owner_only());
                }
            }
        }
        let cleared = self.store.clear_lockout(&key).await?;
        if cleared {
            self.store
                .audit(
                    "lockout_cleared",
                    Some(caller.user_id),
                    None,
                    Some(caller.peer_uid),
                    &format!("account={key}"),
                )
                .await?;
        }
        Ok(cleared)
    }

    pub async fn allowlist(&self, caller: &Caller) -> Result<(bool, Vec<String>)> {
        caller.require(Access::Admin)?;
        Ok(self.store.allowlist().await?)
    }

    pub async fn set_allowlist(
        &self,
        caller: &Caller,
        enabled: bool,
        usernames: &[String],
    ) -> Result<(bool, Vec<String>)> {
        caller.require(Access::Admin)?;
        if usernames.len() > 10_000 {
            return Err(ServiceError::InvalidArgument(
                "at most 10,000 usernames".into(),
            ));
        }
        let names = usernames
            .iter()
            .map(|u| check_username(u))
            .collect::<Result<Vec<_>>>()?;
        self.store.set_allowlist(enabled, &names).await?;
        let detail = format!("enabled={enabled} entries={}", names.len());
        self.store
            .audit(
                "allowlist_change",
                Some(caller.user_id),
                None,
                Some(caller.peer_uid),
                &detail,
            )
            .await?;
        Ok(self.store.allowlist().await?)
    }

    pub async fn audit(
        &self,
        caller: &Caller,
        before_id: i64,
        page_size: u32,
        kind: &str,
    ) -> Result<Vec<AuditRow>> {
        caller.require(Access::Admin)?;
        if kind.len() > 64 {
            return Err(ServiceError::InvalidArgument(
                "kind is longer than 64 characters".into(),
            ));
        }
        let limit = i64::from(clamp_page(page_size, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE));
        let kind = (!kind.is_empty()).then_some(kind);
        Ok(self.store.list_audit(before_id, limit, kind).await?)
    }

    /// Online rotation (owner only): re-seals everything under `new_key` with the same
    /// verified transaction as the offline command, then makes it the primary key
    /// (the old one stays in the keyring to open anything sealed meanwhile).
    pub async fn rotate_key(&self, caller: &Caller, new_key_text: &str) -> Result<OnlineRotation> {
        caller.require(Access::Owner)?;
        let new_key = Key::parse(new_key_text)
            .map_err(|e| ServiceError::InvalidArgument(format!("new key is unusable: {e}")))?;
        // Writers that seal take the read lock; holding the write lock keeps them out
        // until the keyring has switched.
        let mut ring = self.keyring.write().await;
        let old_id = ring.primary_id();
        // The new key is on disk before the database commits (see `rotation`).
        stage_new_key(&self.key_source, &new_key).map_err(|e| {
            tracing::error!(error = %e, "cannot stage the new encryption key; nothing was changed");
            ServiceError::FailedPrecondition(
                "key rotation failed; nothing was changed (see the daemon log)".into(),
            )
        })?;
        let report = rotate_encryption_key(&self.store, &ring, &new_key).await.map_err(|e| {
            discard_staged_key(&self.key_source, &new_key);
            match e {
                crate::domains::admin::rotation::RotationError::SameKey(_) => {
                    ServiceError::InvalidArgument("the new key is the key already in use".into())
                }
                other => {
                    tracing::error!(error = %other, "online key rotation failed; nothing was changed");
                    ServiceError::FailedPrecondition("key rotation failed; nothing was changed (see the daemon log)".into())
                }
            }
        })?;
        let old = std::mem::replace(&mut *ring, Keyring::new(new_key.clone()));
        *ring = ring.clone().with_keyring(old);
        drop(ring);
        let next_step = install_new_key(&self.key_source, &new_key)
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        let detail = format!("{old_id} → {} ({} values)", new_key.id(), report.total());
        self.store
            .audit(
                "key_rotation",
                Some(caller.user_id),
                None,
                Some(caller.peer_uid),
                &detail,
            )
            .await?;
        tracing::info!(old_key_id = %old_id, new_key_id = %new_key.id(), values = report.total(), "encryption key rotated online");
        Ok(OnlineRotation {
            new_key_id: new_key.id().to_string(),
            old_key_id: old_id.to_string(),
            resealed: report.total() as u64,
            next_step,
        })
    }
}
