//! Identity: first-run setup, sign-in (local and Navidrome passthrough), token issue
//! and refresh, sign-out, password change, and the per-request access check.
//! SECURITY.md T3–T7 live here.

use std::{num::NonZeroU32, path::PathBuf, sync::Arc};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use spotter_proto::locations::Mode;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::service::{Result, ServiceError};
use crate::{
    auth::{
        self, LOCKOUT_THRESHOLD, LOCKOUT_TIERS_SECS, MAX_DEVICE_LABEL_CHARS, MAX_USERNAME_CHARS,
        jwt::{AUDIENCE, Claims, ISSUER, JwtSecret, TokenError, TokenSigner},
        password,
    },
    config::AuthSettings,
    crypto::{Keyring, SecretString},
    domains::identity::{
        caller::Caller,
        store::{Account, Audit, NewSession, RefreshOutcome},
        users::Role,
    },
    providers::subsonic::SubsonicClient,
    store::{Store, now},
};

/// The message for every failed sign-in, whether or not the account exists.
pub const SIGN_IN_FAILED: &str = "sign-in failed: wrong username or password";
/// Name of the one-time setup code file in the state directory (system mode).
pub const SETUP_CODE_FILE: &str = "setup-code";
const SETUP_COMPLETED: &str = "setup_completed";

/// How a sign-in proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Local,
    Navidrome,
}

/// Tokens handed to a client after sign-in, setup or refresh.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub access_expires_at: i64,
    pub refresh_token: Zeroizing<String>,
    pub refresh_expires_at: i64,
    pub account: Account,
    pub session_id: String,
}

/// Why a request's token or session does not hold: a reason safe to show the
/// client, or a failed check (logged, never shown).
#[derive(Debug)]
pub enum Refusal {
    Unauthenticated(&'static str),
    Check(crate::store::StoreError),
}

pub struct Identity {
    store: Store,
    keyring: Arc<tokio::sync::RwLock<Keyring>>,
    signer: TokenSigner,
    secret: JwtSecret,
    settings: AuthSettings,
    mode: Mode,
    navidrome: Option<SubsonicClient>,
    limiter: DefaultKeyedRateLimiter<u32>,
    /// Where passwords are hashed and checked (bounded threads and memory).
    passwords: password::PasswordWorkers,
    /// System mode before setup: the one-time code and where it was written.
    setup_code: Option<(Zeroizing<String>, PathBuf)>,
}

pub struct IdentityConfig {
    pub store: Store,
    pub keyring: Arc<tokio::sync::RwLock<Keyring>>,
    pub secret: JwtSecret,
    pub settings: AuthSettings,
    pub mode: Mode,
    pub navidrome: Option<SubsonicClient>,
    pub state_dir: PathBuf,
}

impl Identity {
    pub async fn new(c: IdentityConfig) -> Result<Identity> {
        let per_minute =
            NonZeroU32::new(c.settings.sign_in_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        let mut identity = Identity {
            signer: TokenSigner::new(&c.secret),
            secret: c.secret,
            store: c.store,
            keyring: c.keyring,
            settings: c.settings,
            mode: c.mode,
            navidrome: c.navidrome,
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute)),
            passwords: password::PasswordWorkers::new(password::PasswordWorkers::default_count()),
            setup_code: None,
        };
        if identity.mode == Mode::System && !identity.setup_completed().await? {
            identity.setup_code = Some(write_setup_code(&c.state_dir)?);
        }
        Ok(identity)
    }

    pub fn navidrome_available(&self) -> bool {
        self.navidrome.is_some()
    }

    pub async fn setup_completed(&self) -> Result<bool> {
        Ok(self.store.setting(SETUP_COMPLETED).await?.as_deref() == Some("1"))
    }

    pub fn setup_code_required(&self) -> bool {
        self.mode == Mode::System
    }

    /// First-run setup: creates the owner, exactly once.
    #[allow(clippy::too_many_arguments)]
    pub async fn setup(
        &self,
        method: Method,
        username: &str,
        password: &str,
        setup_code: &str,
        device_label: &str,
        peer_uid: u32,
    ) -> Result<Issued> {
        let username = self.admit(username, password, device_label, peer_uid)?;
        if self.setup_completed().await? {
            return Err(ServiceError::FailedPrecondition(
                "setup has already been completed".into(),
            ));
        }
        if self.mode == Mode::System {
            let Some((code, _)) = &self.setup_code else {
                return Err(ServiceError::FailedPrecondition(
                    "setup has already been completed".into(),
                ));
            };
            let ok: bool = code.as_bytes().ct_eq(setup_code.trim().as_bytes()).into();
            if !ok {
                let _ = self
                    .store
                    .audit(
                        "setup_failed",
                        None,
                        None,
                        Some(peer_uid),
                        "wrong setup code",
                    )
                    .await;
                return Err(ServiceError::PermissionDenied("wrong setup code".into()));
            }
        }
        let (hash, linked) = match method {
            Method::Local => {
                password::check_new(password, &username, self.settings.min_password_length)
                    .map_err(|e| ServiceError::InvalidArgument(e.to_string()))?;
                (Some(self.hash_password(password).await?), false)
            }
            Method::Navidrome => {
                self.check_navidrome(&username, password)
                    .await?
                    .map_err(|_| ServiceError::Unauthenticated(SIGN_IN_FAILED.into()))?;
                (None, true)
            }
        };
        // The marker and the owner are written together; the marker is checked again
        // inside the transaction, so two racing setups cannot both win.
        let account = self
            .store
            .complete_setup(SETUP_COMPLETED, &username, hash.as_deref(), linked)
            .await?
            .ok_or_else(|| {
                ServiceError::FailedPrecondition("setup has already been completed".into())
            })?;
        if let Some((_, path)) = &self.setup_code {
            let _ = std::fs::remove_file(path);
        }
        if linked {
            self.store_navidrome_password(&account, password).await?;
        }
        tracing::info!(user_id = account.id, "first-run setup completed");
        let detail = format!("owner {username} created");
        let audit = Audit {
            kind: "setup",
            actor: Some(account.id),
            subject: Some(account.id),
            peer_uid: Some(peer_uid),
            detail: &detail,
        };
        self.issue(account, device_label, peer_uid, Some(audit), None)
            .await
    }

    /// Sign-in by either method. Failures are counted per account (known or not) and
    /// answered with one message; success clears the count.
    pub async fn sign_in(
        &self,
        method: Method,
        username: &str,
        password: &str,
        device_label: &str,
        peer_uid: u32,
    ) -> Result<Issued> {
        let username = self.admit(username, password, device_label, peer_uid)?;
        if !self.setup_completed().await? {
            return Err(ServiceError::FailedPrecondition(
                "first-run setup has not been completed yet".into(),
            ));
        }
        let (key, failures) = self.unlocked_account_key(&username).await?;

        let account = match method {
            Method::Local => {
                let account = self.store.account_by_name(&username).await?;
                // Unknown users and users without a local password verify against the
                // dummy hash: same work, same time, same answer.
                let hash = account.as_ref().and_then(|a| a.password_hash.as_deref());
                let ok = self
                    .passwords
                    .verify(password, hash.unwrap_or_else(|| password::dummy_hash()))
                    .await
                    .map_err(internal)?;
                match account {
                    Some(a) if ok && a.password_hash.is_some() => a,
                    _ => return Err(self.failed(&key, method_name(method), peer_uid).await),
                }
            }
            Method::Navidrome => match self.check_navidrome(&username, password).await? {
                Ok(()) => self.navidrome_account(&username, peer_uid).await?,
                Err(()) => return Err(self.failed(&key, method_name(method), peer_uid).await),
            },
        };
        if account.disabled {
            return Err(self.refuse(Some(account.id), peer_uid, "disabled").await);
        }
        if account.role() != Role::Owner && !self.store.may_sign_in(&account.username).await? {
            return Err(self
                .refuse(Some(account.id), peer_uid, "not on the sign-in allowlist")
                .await);
        }
        if method == Method::Navidrome {
            // Only once the account may sign in: a disabled one keeps nothing new.
            self.store_navidrome_password(&account, password).await?;
        }
        let detail = format!("method={}", method_name(method));
        let audit = Audit {
            kind: "sign_in",
            actor: Some(account.id),
            subject: Some(account.id),
            peer_uid: Some(peer_uid),
            detail: &detail,
        };
        // The session, its audit event and the end of past failures: one write.
        let forget = failures.then_some(key.as_str());
        self.issue(account, device_label, peer_uid, Some(audit), forget)
            .await
    }

    /// The lockout key of `username`, unless that account is locked out now (then why).
    /// Sign-in and every other check of someone's password go through here first
    /// (SECURITY.md T4).
    /// Also whether the account has failures on record (a success forgets them).
    pub(crate) async fn unlocked_account_key(&self, username: &str) -> Result<(String, bool)> {
        let key = auth::lockout_key(&self.secret, username);
        let row = self.store.lockout(&key).await?;
        if let Some(row) = &row
            && row.locked_until > now()
        {
            let minutes = (row.locked_until - now() + 59) / 60;
            return Err(ServiceError::Unauthenticated(format!(
                "too many failed sign-ins for this account; try again in {minutes} min"
            )));
        }
        Ok((key, row.is_some()))
    }

    /// A password check of the account `key` succeeded: its failures are forgotten.
    pub(crate) async fn succeeded(&self, key: &str) -> Result<()> {
        Ok(self.store.clear_lockout(key).await.map(drop)?)
    }

    /// Counts a failure, locks when the threshold is reached, logs one parseable line.
    /// `method` names what checked the password (`local`, `navidrome`, …).
    pub(crate) async fn failed(&self, key: &str, method: &str, peer_uid: u32) -> ServiceError {
        let row = match self
            .store
            .record_failure(key, LOCKOUT_THRESHOLD, &LOCKOUT_TIERS_SECS)
            .await
        {
            Ok(r) => r,
            Err(e) => return ServiceError::Internal(Box::new(e)),
        };
        // One line per failure for fail2ban-style tools: no password, no username
        // (people type passwords into the username field), the account's opaque key.
        tracing::warn!(
            "spotter auth failure: uid={peer_uid} method={method} account={key} failures={}",
            row.failures
        );
        let _ = self
            .store
            .audit(
                "sign_in_failed",
                None,
                None,
                Some(peer_uid),
                &format!("account={key}"),
            )
            .await;
        if row.locked_until > now() && row.failures == 0 {
            let minutes = (row.locked_until - now()) / 60;
            tracing::warn!(
                "spotter auth lockout: uid={peer_uid} account={key} tier={} minutes={minutes}",
                row.tier
            );
            let _ = self
                .store
                .audit(
                    "lockout",
                    None,
                    None,
                    Some(peer_uid),
                    &format!("account={key} tier={} minutes={minutes}", row.tier),
                )
                .await;
        }
        ServiceError::Unauthenticated(SIGN_IN_FAILED.into())
    }

    /// Audits a refused sign-in of an account that proved its password, and says why.
    async fn refuse(&self, subject: Option<i64>, peer_uid: u32, why: &str) -> ServiceError {
        match self
            .store
            .audit("sign_in_refused", None, subject, Some(peer_uid), why)
            .await
        {
            Ok(()) => ServiceError::PermissionDenied(format!("this account is {why}")),
            Err(e) => e.into(),
        }
    }

    /// `Ok(Ok(()))` when Navidrome accepts the credentials, `Ok(Err(()))` when it
    /// refuses them, `Err` when it cannot be asked.
    async fn check_navidrome(&self, username: &str, password: &str) -> Result<Result<(), ()>> {
        let Some(client) = &self.navidrome else {
            return Err(ServiceError::FailedPrecondition(
                "Navidrome sign-in is not configured (navidrome.base_url)".into(),
            ));
        };
        match client.ping(username, &SecretString::new(password)).await {
            Ok(()) => Ok(Ok(())),
            Err(e) if e.is_wrong_credentials() => Ok(Err(())),
            Err(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "Navidrome unreachable during sign-in");
                Err(ServiceError::Unavailable(
                    "Navidrome is unreachable; try again later or sign in with a local account"
                        .into(),
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, "Navidrome refused the sign-in check");
                Err(ServiceError::Unavailable(
                    "Navidrome could not check the credentials".into(),
                ))
            }
        }
    }

    /// The account for a Navidrome user who just proved their password: created on
    /// first sign-in (closed registration permitting). The caller stores the password
    /// once the account may sign in.
    async fn navidrome_account(&self, username: &str, peer_uid: u32) -> Result<Account> {
        let account = match self.store.account_by_name(username).await? {
            Some(a) if a.navidrome_linked => a,
            Some(_) => {
                return Err(ServiceError::FailedPrecondition(
                    "this account signs in with a local password".into(),
                ));
            }
            None => {
                if !self.store.may_sign_in(username).await? {
                    return Err(self
                        .refuse(None, peer_uid, "not on the sign-in allowlist")
                        .await);
                }
                let a = self
                    .store
                    .create_account(username, Role::User, None, true)
                    .await?;
                self.store
                    .audit(
                        "user_created",
                        None,
                        Some(a.id),
                        Some(peer_uid),
                        "first Navidrome sign-in",
                    )
                    .await?;
                a
            }
        };
        Ok(account)
    }

    /// A Navidrome sign-in is also the user's Navidrome connection (library and
    /// last-played sync). A healthy connection only gets the (maybe changed)
    /// password; a missing or parked one is (re)connected, which makes its jobs due.
    async fn store_navidrome_password(&self, account: &Account, password: &str) -> Result<()> {
        let ring = self.keyring.read().await;
        let secret = SecretString::new(password);
        self.store
            .navidrome_signed_in(&ring, account.id, &account.username, &secret)
            .await?;
        Ok(())
    }

    /// A new session for `account`, with its first tokens; `audit` and the lockout row
    /// `clear_lockout` are written in the same transaction.
    async fn issue(
        &self,
        account: Account,
        device_label: &str,
        peer_uid: u32,
        audit: Option<Audit<'_>>,
        clear_lockout: Option<&str>,
    ) -> Result<Issued> {
        let session_id = auth::random_id();
        let (refresh, hash) = auth::new_refresh_token();
        let refresh_expires_at = now() + self.session_ttl();
        let label = if device_label.trim().is_empty() {
            "unnamed device"
        } else {
            device_label.trim()
        };
        self.store
            .create_session(&NewSession {
                id: &session_id,
                user_id: account.id,
                device_label: label,
                peer_uid,
                expires_at: refresh_expires_at,
                refresh_hash: &hash,
                clear_lockout,
                audit,
            })
            .await?;
        let (access_token, access_expires_at) =
            self.access_token(&account, &session_id, peer_uid)?;
        Ok(Issued {
            access_token,
            access_expires_at,
            refresh_token: refresh,
            refresh_expires_at,
            account,
            session_id,
        })
    }

    fn session_ttl(&self) -> i64 {
        (self.settings.session_ttl_days * 24 * 3600) as i64
    }

    fn access_token(
        &self,
        account: &Account,
        session_id: &str,
        peer_uid: u32,
    ) -> Result<(String, i64)> {
        let t = now() as u64;
        let ttl = self
            .settings
            .access_token_ttl_secs
            .min(auth::jwt::MAX_ACCESS_TTL_SECS);
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: account.id.to_string(),
            iat: t,
            nbf: t,
            exp: t + ttl,
            jti: auth::random_id(),
            role: account.role().as_str().into(),
            tv: account.token_version,
            sid: session_id.into(),
            uid: peer_uid,
        };
        let token = self.signer.sign(&claims).map_err(internal)?;
        Ok((token, claims.exp as i64))
    }

    /// Rotates a refresh token. A token presented twice revokes its whole family.
    pub async fn refresh(&self, refresh_token: &str, peer_uid: u32) -> Result<Issued> {
        let ended = |why: &str| {
            ServiceError::Unauthenticated(format!("session ended: {why}; sign in again"))
        };
        let presented = auth::refresh_token_hash(refresh_token)
            .ok_or_else(|| ended("unknown refresh token"))?;
        let (next, next_hash) = auth::new_refresh_token();
        match self
            .store
            .rotate_refresh(&presented, &next_hash, peer_uid, self.session_ttl())
            .await?
        {
            RefreshOutcome::Rotated {
                session_id,
                user_id,
            } => {
                let account = self
                    .store
                    .account(user_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                let (access_token, access_expires_at) =
                    self.access_token(&account, &session_id, peer_uid)?;
                Ok(Issued {
                    access_token,
                    access_expires_at,
                    refresh_token: next,
                    refresh_expires_at: now() + self.session_ttl(),
                    account,
                    session_id,
                })
            }
            RefreshOutcome::Replayed {
                session_id,
                user_id,
            } => {
                tracing::warn!(
                    "spotter auth replay: uid={peer_uid} user={user_id} session={session_id}"
                );
                self.store
                    .audit(
                        "refresh_replay",
                        None,
                        Some(user_id),
                        Some(peer_uid),
                        &format!("session {session_id} revoked"),
                    )
                    .await?;
                Err(ended(
                    "session revoked because an old refresh token was reused",
                ))
            }
            RefreshOutcome::Revoked { reason } => {
                Err(ended(&format!("session revoked ({reason})")))
            }
            RefreshOutcome::Expired => Err(ended("session expired")),
            RefreshOutcome::Unknown => Err(ended("unknown refresh token")),
            RefreshOutcome::WrongPeer => Err(ServiceError::Unauthenticated(
                "this session belongs to another Unix user".into(),
            )),
        }
    }

    /// The access check for one request: signature, claims, peer uid, live session,
    /// token version, enabled user, not signed out.
    pub async fn check_access(&self, token: &str, peer_uid: u32) -> Result<Caller, Refusal> {
        let claims = self.signer.verify(token).map_err(|e| match e {
            TokenError::Expired => Refusal::Unauthenticated("access token expired; refresh it"),
            _ => Refusal::Unauthenticated("invalid access token"),
        })?;
        if claims.uid != peer_uid {
            return Err(Refusal::Unauthenticated(
                "access token was issued to another Unix user",
            ));
        }
        let user_id = claims
            .user_id()
            .ok_or(Refusal::Unauthenticated("invalid access token"))?;
        let role = self
            .session_role(user_id, &claims.sid, &claims.jti, claims.tv)
            .await?;
        Ok(Caller {
            user_id,
            role,
            session_id: claims.sid,
            jti: claims.jti,
            access_expires_at: claims.exp as i64,
            peer_uid,
            token_version: claims.tv,
        })
    }

    /// Whether `caller`'s session still holds: what a stream that outlives its
    /// request asks again and again. The reason when it does not.
    pub async fn recheck(&self, caller: &Caller) -> Result<(), Refusal> {
        self.session_role(
            caller.user_id,
            &caller.session_id,
            &caller.jti,
            caller.token_version,
        )
        .await
        .map(drop)
    }

    /// The session's checks beyond the token itself: it exists, is neither revoked
    /// nor expired, the access token was not signed out, the user is enabled and
    /// still at `token_version`. The user's role when all hold.
    async fn session_role(
        &self,
        user_id: i64,
        session_id: &str,
        jti: &str,
        token_version: i64,
    ) -> Result<Role, Refusal> {
        let state = self
            .store
            .session_auth(user_id, session_id, jti)
            .await
            .map_err(Refusal::Check)?
            .ok_or(Refusal::Unauthenticated("session not found; sign in again"))?;
        if state.jti_revoked || state.session_revoked {
            return Err(Refusal::Unauthenticated("session revoked; sign in again"));
        }
        if state.disabled {
            return Err(Refusal::Unauthenticated("account disabled"));
        }
        if state.token_version != token_version {
            return Err(Refusal::Unauthenticated("access token revoked; refresh it"));
        }
        if state.session_expires_at <= now() {
            return Err(Refusal::Unauthenticated("session expired; sign in again"));
        }
        Ok(Role::parse(&state.role))
    }

    /// Ends the caller's session and blacklists their access token until it expires.
    pub async fn sign_out(&self, caller: &Caller) -> Result<u32> {
        let ended = self
            .store
            .end_session(
                caller.user_id,
                &caller.session_id,
                "signed out",
                &caller.jti,
                caller.access_expires_at,
                &Audit {
                    kind: "sign_out",
                    actor: Some(caller.user_id),
                    subject: Some(caller.user_id),
                    peer_uid: Some(caller.peer_uid),
                    detail: "",
                },
            )
            .await?;
        Ok(u32::from(ended))
    }

    /// Ends every session of the caller; outstanding access tokens die with the
    /// token version.
    pub async fn sign_out_everywhere(&self, caller: &Caller) -> Result<u32> {
        let n = self
            .store
            .revoke_sessions(caller.user_id, None, "signed out everywhere")
            .await?;
        self.store.bump_token_version(caller.user_id).await?;
        self.store
            .revoke_access_token(&caller.jti, caller.access_expires_at)
            .await?;
        self.store
            .audit(
                "sign_out_everywhere",
                Some(caller.user_id),
                Some(caller.user_id),
                Some(caller.peer_uid),
                &format!("{n} sessions"),
            )
            .await?;
        Ok(n as u32)
    }

    /// Changes a local password: every other session ends, this one gets fresh tokens.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        new: &str,
    ) -> Result<Issued> {
        let account = self
            .store
            .account(caller.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let Some(hash) = account.password_hash.clone() else {
            return Err(ServiceError::FailedPrecondition(
                "this account has no local password (it signs in through Navidrome)".into(),
            ));
        };
        let ok = self
            .passwords
            .verify(current, &hash)
            .await
            .map_err(internal)?;
        if !ok {
            return Err(ServiceError::PermissionDenied(
                "current password is wrong".into(),
            ));
        }
        password::check_new(new, &account.username, self.settings.min_password_length)
            .map_err(|e| ServiceError::InvalidArgument(e.to_string()))?;
        let new_hash = self.hash_password(new).await?;
        self.store.set_password_hash(account.id, &new_hash).await?;
        self.store
            .revoke_sessions(account.id, None, "password changed")
            .await?;
        self.store
            .audit(
                "password_change",
                Some(account.id),
                Some(account.id),
                Some(caller.peer_uid),
                "",
            )
            .await?;
        let account = self
            .store
            .account(caller.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let label = format!("after password change (uid {})", caller.peer_uid);
        self.issue(account, &label, caller.peer_uid, None, None)
            .await
    }

    /// A PHC hash of a new password, made on the password workers.
    pub async fn hash_password(&self, password: &str) -> Result<String> {
        self.passwords.hash(password).await.map_err(internal)
    }

    pub async fn account(&self, user_id: i64) -> Result<Account> {
        self.store
            .account(user_id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The lockout row key for a username (admin "clear lockout by name").
    pub fn lockout_key(&self, username: &str) -> String {
        auth::lockout_key(&self.secret, username)
    }

    /// The checks every setup or sign-in attempt passes first: the per-uid rate limit
    /// and the input bounds (SECURITY.md T4, T9). Returns the trimmed username.
    fn admit(
        &self,
        username: &str,
        password: &str,
        device_label: &str,
        peer_uid: u32,
    ) -> Result<String> {
        self.rate_limit(peer_uid)?;
        let username = check_username(username)?;
        check_device_label(device_label)?;
        if password.chars().count() > password::MAX_PASSWORD_CHARS {
            return Err(ServiceError::InvalidArgument("password is too long".into()));
        }
        Ok(username)
    }

    /// The per-uid limit on password checks, shared by sign-in and every other RPC
    /// that checks a password (SECURITY.md T4).
    pub(crate) fn rate_limit(&self, peer_uid: u32) -> Result<()> {
        self.limiter.check_key(&peer_uid).map_err(|_| {
            tracing::warn!("spotter auth rate limited: uid={peer_uid}");
            ServiceError::ResourceExhausted(
                "too many sign-in attempts from your Unix user; wait a minute".into(),
            )
        })
    }
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Local => "local",
        Method::Navidrome => "navidrome",
    }
}

pub(crate) fn check_username(username: &str) -> Result<String> {
    let u = username.trim();
    if u.is_empty() {
        return Err(ServiceError::InvalidArgument("username is empty".into()));
    }
    if u.chars().count() > MAX_USERNAME_CHARS {
        return Err(ServiceError::InvalidArgument(format!(
            "username is longer than {MAX_USERNAME_CHARS} characters"
        )));
    }
    if u.chars().any(|c| c.is_control()) {
        return Err(ServiceError::InvalidArgument(
            "username contains control characters".into(),
        ));
    }
    Ok(u.to_string())
}

fn check_device_label(label: &str) -> Result<()> {
    if label.chars().count() > MAX_DEVICE_LABEL_CHARS {
        return Err(ServiceError::InvalidArgument(format!(
            "device label is longer than {MAX_DEVICE_LABEL_CHARS} characters"
        )));
    }
    if label.chars().any(|c| c.is_control()) {
        return Err(ServiceError::InvalidArgument(
            "device label contains control characters".into(),
        ));
    }
    Ok(())
}

fn write_setup_code(state_dir: &std::path::Path) -> Result<(Zeroizing<String>, PathBuf)> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let code = Zeroizing::new(auth::random_id());
    crate::fsutil::ensure_private_dir(state_dir).map_err(internal)?;
    let path = state_dir.join(SETUP_CODE_FILE);
    let _ = std::fs::remove_file(&path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(internal)?;
    writeln!(file, "{}", code.as_str()).map_err(internal)?;
    tracing::warn!(path = %path.display(), "first-run setup needed: the one-time setup code is in this file");
    Ok((code, path))
}

fn internal<E: std::error::Error + Send + Sync + 'static>(e: E) -> ServiceError {
    ServiceError::Internal(Box::new(e))
}
