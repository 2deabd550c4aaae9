//! Connecting a user's provider accounts (SECURITY.md T5), and handing the sync jobs
//! working credentials.
//!
//! Browser approvals (Spotify authorization code with PKCE, Last.fm desktop auth) are
//! [`PendingFlow`]s held in memory: the state is 32 random bytes, handed out once,
//! valid for [`FLOW_TTL`], bound to the user **and** the session that started it, and
//! removed when used. The map is keyed by the SHA-256 of the state and the stored
//! state is compared in constant time, so neither lookups nor comparisons leak it.
//! A restart forgets pending flows: the user starts again.
//!
//! Credentials are stored sealed (`provider_credentials`) next to a displayable
//! `connections` row; Spotify tokens are refreshed [`spotify::REFRESH_MARGIN`] before
//! they expire and the new ones stored sealed before they are used.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{TryRngCore, rngs::OsRng};
use sha2::{Digest, Sha256};
use spotter_proto::v1::event::connection_changed::State as Changed;
use subtle::ConstantTimeEq;
use tokio::sync::{RwLock, mpsc};
use zeroize::Zeroizing;

use super::store::Connection;
use crate::domains::identity::service::Identity;
use crate::service::{Result, ServiceError};
use crate::{
    crypto::{Keyring, SecretString},
    events::{self, EventBus},
    providers::{
        ProviderError,
        clients::ProviderClients,
        spotify::{self, PkceVerifier, SpotifyTokens},
    },
    store::{Provider, Store, now},
};

/// How long a browser approval may take.
pub const FLOW_TTL: Duration = Duration::from_secs(10 * 60);
/// Pending approvals one user may have at once (older ones are dropped).
pub const MAX_FLOWS_PER_USER: usize = 4;
/// Longest pasted URL or token accepted (SECURITY.md T9).
pub const MAX_INPUT_LEN: usize = 2048;

/// The one message for every state problem, so a probe learns nothing.
const BAD_STATE: &str = "this approval is unknown, was already used, expired or belongs to another session; start again";

#[derive(Clone)]
enum FlowSecret {
    Spotify(PkceVerifier),
    LastFm(Zeroizing<String>),
}

struct PendingFlow {
    state: Zeroizing<[u8; 32]>,
    user_id: i64,
    session_id: String,
    provider: Provider,
    expires: Instant,
    secret: FlowSecret,
}

/// What the user needs to approve in a browser.
#[derive(Debug, Clone)]
pub struct BeganFlow {
    pub authorize_url: String,
    pub flow_id: String,
    pub expires_at: i64,
    pub instructions: String,
}

/// A provider as one user sees it.
#[derive(Debug, Clone)]
pub struct ConnectionView {
    pub provider: Provider,
    pub connection: Option<Connection>,
    /// `Err(reason)` when this instance does not offer the provider.
    pub offered: std::result::Result<(), String>,
}

pub struct Connections {
    store: Store,
    /// Checks of someone's password share sign-in's rate limit and lockout.
    identity: Arc<Identity>,
    keyring: Arc<RwLock<Keyring>>,
    events: Arc<EventBus>,
    clients: Arc<ProviderClients>,
    flows: Mutex<HashMap<[u8; 32], PendingFlow>>,
    /// Tells the scheduler a user's jobs are due now (after a (re)connect).
    wake: mpsc::UnboundedSender<i64>,
    /// Held while a Spotify token is refreshed (history and playlist sync both use it).
    spotify_refresh: tokio::sync::Mutex<()>,
}

fn state_key(state: &[u8]) -> [u8; 32] {
    Sha256::digest(state).into()
}

/// Maps a provider failure at connect time to what the user is told.
pub fn connect_error(provider: Provider, e: ProviderError) -> ServiceError {
    match e {
        ProviderError::Invalid { detail } => ServiceError::InvalidArgument(detail),
        ProviderError::Unauthorized { .. } => ServiceError::InvalidArgument(format!(
            "{} refused the credentials",
            display_name(provider)
        )),
        ProviderError::RateLimited { .. }
        | ProviderError::Unavailable { .. }
        | ProviderError::Malformed { .. } => {
            tracing::warn!(provider = provider.as_str(), error = %e, "provider call failed while connecting");
            ServiceError::Unavailable(format!(
                "{} cannot be reached right now; try again later",
                display_name(provider)
            ))
        }
        ProviderError::Refused { .. } => {
            tracing::warn!(provider = provider.as_str(), error = %e, "provider request refused");
            ServiceError::FailedPrecondition(format!(
                "this instance cannot reach {}; see the daemon log",
                display_name(provider)
            ))
        }
    }
}

pub fn display_name(provider: Provider) -> &'static str {
    spotter_proto::v1::Provider::from(provider).display_name()
}

fn check_len(what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(ServiceError::InvalidArgument(format!("{what} is empty")));
    }
    if value.len() > MAX_INPUT_LEN {
        return Err(ServiceError::InvalidArgument(format!(
            "{what} is longer than {MAX_INPUT_LEN} bytes"
        )));
    }
    Ok(())
}

impl Connections {
    pub fn new(
        store: Store,
        identity: Arc<Identity>,
        keyring: Arc<RwLock<Keyring>>,
        events: Arc<EventBus>,
        clients: Arc<ProviderClients>,
        wake: mpsc::UnboundedSender<i64>,
    ) -> Self {
        Connections {
            store,
            identity,
            keyring,
            events,
            clients,
            flows: Mutex::new(HashMap::new()),
            wake,
            spotify_refresh: tokio::sync::Mutex::new(()),
        }
    }

    pub fn clients(&self) -> &ProviderClients {
        &self.clients
    }

    fn offered(&self, provider: Provider) -> std::result::Result<(), String> {
        let c = &self.clients;
        match provider {
            Provider::Navidrome => c.navidrome.as_ref().map(drop),
            Provider::Spotify => c.spotify.as_ref().map(drop),
            Provider::LastFm => c.lastfm.as_ref().map(drop),
            Provider::ListenBrainz => c.listenbrainz.as_ref().map(drop),
        }
        .map_err(Clone::clone)
    }

    fn require_offered(&self, provider: Provider) -> Result<()> {
        self.offered(provider)
            .map_err(ServiceError::FailedPrecondition)
    }

    /// Every provider for `user_id`.
    pub async fn list(&self, user_id: i64) -> Result<Vec<ConnectionView>> {
        let mut existing = self.store.connections(user_id).await?;
        Ok(Provider::ALL
            .into_iter()
            .map(|provider| ConnectionView {
                provider,
                connection: existing
                    .iter()
                    .position(|c| c.provider == provider)
                    .map(|i| existing.swap_remove(i)),
                offered: self.offered(provider),
            })
            .collect())
    }

    async fn view(&self, user_id: i64, provider: Provider) -> Result<ConnectionView> {
        Ok(ConnectionView {
            provider,
            connection: self.store.connection(user_id, provider).await?,
            offered: self.offered(provider),
        })
    }

    /// Starts a browser approval for Spotify or Last.fm.
    pub async fn begin(
        &self,
        user_id: i64,
        session_id: &str,
        provider: Provider,
    ) -> Result<BeganFlow> {
        self.require_offered(provider)?;
        let mut state = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(state.as_mut())
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        let flow_id = URL_SAFE_NO_PAD.encode(state.as_ref());
        let (authorize_url, secret, instructions) = match provider {
            Provider::Spotify => {
                let client = self
                    .clients
                    .spotify
                    .as_ref()
                    .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
                let verifier = PkceVerifier::generate();
                let url = client.authorize_url(&flow_id, &verifier.challenge());
                (
                    url.to_string(),
                    FlowSecret::Spotify(verifier),
                    "Open this address in any browser and approve. The browser then \
                     goes to an address that may not load; copy that whole address \
                     and paste it here."
                        .to_string(),
                )
            }
            Provider::LastFm => {
                let client = self
                    .clients
                    .lastfm
                    .as_ref()
                    .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
                let token = client
                    .get_token()
                    .await
                    .map_err(|e| connect_error(provider, e))?;
                let url = client.authorize_url(&token);
                (
                    url.to_string(),
                    FlowSecret::LastFm(Zeroizing::new(token)),
                    "Open this address in any browser, allow access, then come back \
                     and confirm."
                        .to_string(),
                )
            }
            Provider::ListenBrainz | Provider::Navidrome => {
                return Err(ServiceError::InvalidArgument(format!(
                    "{} is connected with a token or password, not in a browser",
                    display_name(provider)
                )));
            }
        };
        let expires = Instant::now() + FLOW_TTL;
        let mut flows = self.flows.lock().unwrap_or_else(|p| p.into_inner());
        let now_i = Instant::now();
        flows.retain(|_, f| f.expires > now_i);
        // Bound memory per user: drop that user's oldest flows beyond the cap.
        let mut mine: Vec<([u8; 32], Instant)> = flows
            .iter()
            .filter(|(_, f)| f.user_id == user_id)
            .map(|(k, f)| (*k, f.expires))
            .collect();
        mine.sort_by_key(|(_, e)| *e);
        while mine.len() >= MAX_FLOWS_PER_USER {
            let (k, _) = mine.remove(0);
            flows.remove(&k);
        }
        flows.insert(
            state_key(state.as_ref()),
            PendingFlow {
                state,
                user_id,
                session_id: session_id.to_owned(),
                provider,
                expires,
                secret,
            },
        );
        Ok(BeganFlow {
            authorize_url,
            flow_id,
            expires_at: now() + FLOW_TTL.as_secs() as i64,
            instructions,
        })
    }

    /// Takes the flow for `state` if it is the caller's, live and for `provider`;
    /// a flow that fails the check is consumed too (single use).
    fn take_flow(
        &self,
        state: &str,
        user_id: i64,
        session_id: &str,
        provider: Provider,
        keep_for_retry: bool,
    ) -> Result<FlowSecret> {
        let bytes = URL_SAFE_NO_PAD
            .decode(state.trim())
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or_else(|| ServiceError::InvalidArgument(BAD_STATE.into()))?;
        let key = state_key(&bytes);
        let mut flows = self.flows.lock().unwrap_or_else(|p| p.into_inner());
        let Some(flow) = flows.remove(&key) else {
            return Err(ServiceError::InvalidArgument(BAD_STATE.into()));
        };
        let same_state: bool = flow.state.as_ref().ct_eq(bytes.as_slice()).into();
        let same_session: bool = flow
            .session_id
            .as_bytes()
            .ct_eq(session_id.as_bytes())
            .into();
        if !same_state
            || !same_session
            || flow.user_id != user_id
            || flow.provider != provider
            || flow.expires <= Instant::now()
        {
            return Err(ServiceError::InvalidArgument(BAD_STATE.into()));
        }
        let secret = flow.secret.clone();
        if keep_for_retry {
            flows.insert(key, flow);
        }
        Ok(secret)
    }

    fn forget_flow(&self, state: &str) {
        if let Ok(bytes) = URL_SAFE_NO_PAD.decode(state.trim()) {
            let mut flows = self.flows.lock().unwrap_or_else(|p| p.into_inner());
            flows.remove(&state_key(&bytes));
        }
    }

    /// Finishes a browser approval (see the proto for the inputs per provider).
    pub async fn complete(
        &self,
        user_id: i64,
        session_id: &str,
        provider: Provider,
        flow_id: &str,
        redirected_url: &str,
    ) -> Result<ConnectionView> {
        self.require_offered(provider)?;
        match provider {
            Provider::Spotify => {
                check_len("the pasted address", redirected_url)?;
                let client = self
                    .clients
                    .spotify
                    .as_ref()
                    .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
                let redirect = spotify::parse_redirect(redirected_url, client.redirect_uri())
                    .map_err(|e| connect_error(provider, e))?;
                let FlowSecret::Spotify(verifier) =
                    self.take_flow(&redirect.state, user_id, session_id, provider, false)?
                else {
                    return Err(ServiceError::InvalidArgument(BAD_STATE.into()));
                };
                let tokens = client
                    .exchange_code(&redirect.code, &verifier)
                    .await
                    .map_err(|e| connect_error(provider, e))?;
                let profile = client
                    .me(&tokens.access_token)
                    .await
                    .map_err(|e| connect_error(provider, e))?;
                self.store_connection(
                    user_id,
                    provider,
                    &profile.id,
                    &SecretString::new(tokens.to_json()),
                )
                .await
            }
            Provider::LastFm => {
                check_len("the approval id", flow_id)?;
                let client = self
                    .clients
                    .lastfm
                    .as_ref()
                    .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
                // Kept until it succeeds or fails for good: "not approved yet" may be
                // retried within the ten minutes.
                let FlowSecret::LastFm(token) =
                    self.take_flow(flow_id, user_id, session_id, provider, true)?
                else {
                    return Err(ServiceError::InvalidArgument(BAD_STATE.into()));
                };
                let session = match client.get_session(&token).await {
                    Ok(s) => s,
                    Err(e) => {
                        if !matches!(
                            e,
                            ProviderError::Invalid { .. }
                                | ProviderError::Unavailable { .. }
                                | ProviderError::RateLimited { .. }
                        ) {
                            self.forget_flow(flow_id);
                        }
                        return Err(connect_error(provider, e));
                    }
                };
                self.forget_flow(flow_id);
                self.store_connection(user_id, provider, &session.name, &session.key)
                    .await
            }
            Provider::ListenBrainz | Provider::Navidrome => {
                Err(ServiceError::InvalidArgument(format!(
                    "{} is connected with a token or password, not in a browser",
                    display_name(provider)
                )))
            }
        }
    }

    /// Connects ListenBrainz with a user token, checked with validate-token first.
    pub async fn connect_listenbrainz(&self, user_id: i64, token: &str) -> Result<ConnectionView> {
        let provider = Provider::ListenBrainz;
        self.require_offered(provider)?;
        let token = token.trim();
        check_len("the token", token)?;
        let token = SecretString::new(token);
        let client = self
            .clients
            .listenbrainz
            .as_ref()
            .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
        let user_name = client
            .validate_token(&token)
            .await
            .map_err(|e| connect_error(provider, e))?;
        self.store_connection(user_id, provider, &user_name, &token)
            .await
    }

    /// Connects Navidrome with a user name and password, checked with ping first.
    ///
    /// A ping says whether a password is right, so this is a password check like a
    /// sign-in (issue 10, finding 4): only the account named like the caller, or the
    /// one an administrator allowed them, may be tried; attempts share sign-in's per-uid
    /// rate limit; failures count towards that account's lockout, and a locked account
    /// is not tried at all.
    pub async fn connect_navidrome(
        &self,
        user_id: i64,
        peer_uid: u32,
        username: &str,
        password: &str,
    ) -> Result<ConnectionView> {
        let provider = Provider::Navidrome;
        self.require_offered(provider)?;
        self.identity.rate_limit(peer_uid)?;
        let username = username.trim();
        check_len("the user name", username)?;
        if username.len() > 255 {
            return Err(ServiceError::InvalidArgument(
                "the user name is longer than 255 bytes".into(),
            ));
        }
        check_len("the password", password)?;
        let me = self.identity.account(user_id).await?;
        let allowed = me.navidrome_account.as_deref().unwrap_or(&me.username);
        if !username.eq_ignore_ascii_case(allowed) {
            return Err(ServiceError::PermissionDenied(format!(
                "you may connect the Navidrome account {allowed:?} only; an administrator can \
                 allow another (Admin.SetNavidromeAccount)"
            )));
        }
        let (key, failures) = self.identity.unlocked_account_key(username).await?;
        let password = SecretString::new(password);
        let client = self
            .clients
            .navidrome
            .as_ref()
            .map_err(|e| ServiceError::FailedPrecondition(e.clone()))?;
        match client.ping(username, &password).await {
            Ok(()) if failures => self.identity.succeeded(&key).await?,
            Ok(()) => {}
            Err(e) if e.is_wrong_credentials() => {
                self.identity
                    .failed(&key, "navidrome-connect", peer_uid)
                    .await;
                return Err(ServiceError::InvalidArgument(
                    "Navidrome refused this user name and password".into(),
                ));
            }
            Err(e) if e.is_unavailable() => {
                return Err(ServiceError::Unavailable(
                    "Navidrome cannot be reached right now; try again later".into(),
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "Navidrome ping failed while connecting");
                return Err(ServiceError::Unavailable(
                    "Navidrome answered unexpectedly; see the daemon log".into(),
                ));
            }
        }
        self.store_connection(user_id, provider, username, &password)
            .await
    }

    async fn store_connection(
        &self,
        user_id: i64,
        provider: Provider,
        external_user: &str,
        secret: &SecretString,
    ) -> Result<ConnectionView> {
        let external_user: String = external_user.chars().take(255).collect();
        {
            let ring = self.keyring.read().await;
            self.store
                .connect(&ring, user_id, provider, &external_user, secret)
                .await?;
        }
        self.store
            .audit(
                "provider_connected",
                Some(user_id),
                Some(user_id),
                None,
                provider.as_str(),
            )
            .await?;
        tracing::info!(user_id, provider = provider.as_str(), "provider connected");
        self.events.publish(
            user_id,
            events::connection_changed(provider.into(), Changed::Connected, &external_user),
        );
        let _ = self.wake.send(user_id);
        self.view(user_id, provider).await
    }

    /// Deletes the connection and its sealed credentials.
    pub async fn disconnect(&self, user_id: i64, provider: Provider) -> Result<bool> {
        let done = self.store.disconnect(user_id, provider).await?;
        if done {
            self.store
                .audit(
                    "provider_disconnected",
                    Some(user_id),
                    Some(user_id),
                    None,
                    provider.as_str(),
                )
                .await?;
            self.events.publish(
                user_id,
                events::connection_changed(provider.into(), Changed::Disconnected, ""),
            );
        }
        Ok(done)
    }

    pub async fn set_submission(&self, user_id: i64, enabled: bool) -> Result<ConnectionView> {
        if !self.store.set_submit_listens(user_id, enabled).await? {
            return Err(ServiceError::FailedPrecondition(
                "connect ListenBrainz first".into(),
            ));
        }
        self.view(user_id, Provider::ListenBrainz).await
    }

    /// The stored credential of a healthy connection.
    pub async fn credential(
        &self,
        user_id: i64,
        provider: Provider,
    ) -> std::result::Result<SecretString, ProviderError> {
        let ring = self.keyring.read().await;
        match self.store.credential(&ring, user_id, provider).await {
            Ok(Some(secret)) => Ok(secret),
            Ok(None) => Err(ProviderError::Unauthorized {
                reason: "not connected".into(),
            }),
            Err(e) => {
                // A credential sealed with a key this instance no longer has.
                tracing::warn!(user_id, provider = provider.as_str(), error = %e, "cannot open the stored credential");
                Err(ProviderError::Unauthorized {
                    reason: "the stored credential cannot be opened; reconnect".into(),
                })
            }
        }
    }

    /// A Spotify access token for `user_id`, refreshed (and the new tokens stored
    /// sealed) when it expires within the refresh margin.
    pub async fn spotify_access_token(
        &self,
        user_id: i64,
    ) -> std::result::Result<SecretString, ProviderError> {
        let client = self
            .clients
            .spotify
            .as_ref()
            .map_err(|e| ProviderError::Refused { detail: e.clone() })?;
        let read = || async {
            let stored = self.credential(user_id, Provider::Spotify).await?;
            SpotifyTokens::from_json(stored.expose()).map_err(|_| ProviderError::Unauthorized {
                reason: "the stored Spotify tokens are unreadable; reconnect".into(),
            })
        };
        let tokens = read().await?;
        if !tokens.needs_refresh(now()) {
            return Ok(tokens.access_token);
        }
        // One refresh at a time: Spotify may rotate the refresh token, and two jobs
        // refreshing with the same one would leave the second refused (and the
        // connection parked). The second waits and reads what the first stored.
        let _refreshing = self.spotify_refresh.lock().await;
        let tokens = read().await?;
        if !tokens.needs_refresh(now()) {
            return Ok(tokens.access_token);
        }
        let fresh = client.refresh(&tokens.refresh_token).await?;
        let ring = self.keyring.read().await;
        match self
            .store
            .update_connection_secret(
                &ring,
                user_id,
                Provider::Spotify,
                &SecretString::new(fresh.to_json()),
            )
            .await
        {
            Ok(()) => {}
            Err(crate::store::StoreError::NotFound) => {
                return Err(ProviderError::Unauthorized {
                    reason: "disconnected".into(),
                });
            }
            Err(e) => {
                return Err(ProviderError::Unavailable {
                    detail: format!("cannot store the refreshed tokens: {e}"),
                });
            }
        }
        tracing::debug!(user_id, "refreshed the Spotify access token");
        Ok(fresh.access_token)
    }

    /// Records a provider failure seen by a job: the connection shows it, and a fatal
    /// one parks the connection until the user reconnects.
    pub async fn record_failure(&self, user_id: i64, provider: Provider, error: &ProviderError) {
        let fatal = error.is_fatal();
        let message = error.to_string();
        if let Err(e) = self
            .store
            .connection_failed(user_id, provider, &message, fatal)
            .await
        {
            tracing::warn!(error = %e, "cannot record a connection failure");
        }
        if fatal {
            self.events.publish(
                user_id,
                events::connection_changed(provider.into(), Changed::NeedsReconnect, &message),
            );
        }
        self.events
            .publish(user_id, events::error(provider.into(), &message, fatal));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::clients::ProviderClients;

    async fn connections() -> (Connections, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        let off = "not offered in this test".to_string();
        let clients = ProviderClients {
            navidrome: Err(off.clone()),
            spotify: Err(off.clone()),
            lastfm: Err(off.clone()),
            listenbrainz: Err(off),
        };
        let (wake, _) = mpsc::unbounded_channel();
        let keyring = Arc::new(RwLock::new(Keyring::new(crate::crypto::Key::generate())));
        let identity = Identity::new(crate::domains::identity::service::IdentityConfig {
            store: store.clone(),
            keyring: keyring.clone(),
            secret: crate::auth::jwt::JwtSecret::parse(
                &crate::auth::jwt::JwtSecret::generate_text(),
            )
            .unwrap(),
            settings: Default::default(),
            mode: spotter_proto::locations::Mode::Personal,
            navidrome: None,
            state_dir: dir.path().to_path_buf(),
        })
        .await
        .unwrap();
        let c = Connections::new(
            store,
            Arc::new(identity),
            keyring,
            Arc::new(EventBus::new()),
            Arc::new(clients),
            wake,
        );
        (c, dir)
    }

    /// Registers a Last.fm flow for user 1, session "s1", and returns its state.
    fn pending(c: &Connections, expires_in: Duration) -> String {
        let mut state = Zeroizing::new([0u8; 32]);
        OsRng.try_fill_bytes(state.as_mut()).unwrap();
        let id = URL_SAFE_NO_PAD.encode(state.as_ref());
        c.flows.lock().unwrap().insert(
            state_key(state.as_ref()),
            PendingFlow {
                state,
                user_id: 1,
                session_id: "s1".into(),
                provider: Provider::LastFm,
                expires: Instant::now() + expires_in,
                secret: FlowSecret::LastFm(Zeroizing::new("tok".into())),
            },
        );
        id
    }

    fn refused(r: Result<FlowSecret>) -> bool {
        matches!(r, Err(ServiceError::InvalidArgument(m)) if m == BAD_STATE)
    }

    #[tokio::test]
    async fn a_live_flow_is_taken_once_by_its_own_session() {
        let (c, _dir) = connections().await;
        let id = pending(&c, FLOW_TTL);
        assert!(matches!(
            c.take_flow(&id, 1, "s1", Provider::LastFm, false),
            Ok(FlowSecret::LastFm(t)) if t.as_str() == "tok"
        ));
        assert!(
            refused(c.take_flow(&id, 1, "s1", Provider::LastFm, false)),
            "replayed"
        );
    }

    #[tokio::test]
    async fn wrong_user_session_provider_or_expired_state_is_refused_and_spent() {
        let (c, _dir) = connections().await;
        let cases: [(i64, &str, Provider, Duration); 4] = [
            (2, "s1", Provider::LastFm, FLOW_TTL),
            (1, "s2", Provider::LastFm, FLOW_TTL),
            (1, "s1", Provider::Spotify, FLOW_TTL),
            (1, "s1", Provider::LastFm, Duration::ZERO),
        ];
        for (user, session, provider, ttl) in cases {
            let id = pending(&c, ttl);
            assert!(refused(c.take_flow(&id, user, session, provider, false)));
            // The failed attempt used it up: not even the rightful owner can use it now.
            assert!(refused(c.take_flow(&id, 1, "s1", Provider::LastFm, false)));
        }
    }

    #[tokio::test]
    async fn unknown_or_malformed_states_are_refused_alike() {
        let (c, _dir) = connections().await;
        pending(&c, FLOW_TTL);
        let unknown = URL_SAFE_NO_PAD.encode([7u8; 32]);
        for state in [
            unknown.as_str(),
            "",
            "not base64!",
            "AAAA",
            &"A".repeat(5000),
        ] {
            assert!(
                refused(c.take_flow(state, 1, "s1", Provider::LastFm, false)),
                "{state:.20}"
            );
        }
        assert_eq!(
            c.flows.lock().unwrap().len(),
            1,
            "the real flow is untouched"
        );
    }

    #[tokio::test]
    async fn a_last_fm_flow_kept_for_retry_survives_one_check() {
        let (c, _dir) = connections().await;
        let id = pending(&c, FLOW_TTL);
        assert!(c.take_flow(&id, 1, "s1", Provider::LastFm, true).is_ok());
        assert!(c.take_flow(&id, 1, "s1", Provider::LastFm, false).is_ok());
        assert!(refused(c.take_flow(&id, 1, "s1", Provider::LastFm, false)));
    }

    #[tokio::test]
    async fn providers_this_instance_does_not_offer_are_refused_clearly() {
        let (c, _dir) = connections().await;
        let e = c.begin(1, "s1", Provider::Spotify).await.unwrap_err();
        assert!(matches!(e, ServiceError::FailedPrecondition(m) if m.contains("not offered")));
        let views = c.list(1).await.unwrap();
        assert_eq!(views.len(), 4);
        assert!(
            views
                .iter()
                .all(|v| v.offered.is_err() && v.connection.is_none())
        );
    }
}
