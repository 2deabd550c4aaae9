//! The client's side of sessions. [`Authenticator`] holds the access token (in
//! memory only), attaches it to every authenticated request — the one place that
//! does — and runs the token exchanges: setup, sign-in, refresh and sign-out.
//!
//! Refresh reads the refresh token from the session file and writes the rotated one
//! back before releasing the file lock: the daemon rotates on every use and treats
//! an old token as theft, so the newest one must never exist only in memory.
//!
//! The live event stream runs beside the effect runner; it reads the access token
//! through an [`AccessToken`] handle and never refreshes it itself.

use std::io;

use spotter_proto::v1::{
    RefreshRequest, SetupRequest, SignInMethod, SignInRequest, SignInResponse, SignOutRequest,
};
use tokio::sync::watch;
use tonic::metadata::MetadataValue;
use zeroize::Zeroizing;

use super::{connection::DaemonClient, error::ClientError};
use crate::{
    identity::Identity,
    secret::Secret,
    session_file::{SessionFile, StoredSession},
};

/// Longest device label the daemon accepts.
pub const MAX_DEVICE_LABEL_CHARS: usize = 255;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The daemon said no; its message is meant for the user.
    #[error("{message}")]
    Rejected { code: tonic::Code, message: String },
    /// Nothing is stored for this daemon.
    #[error("not signed in")]
    NoSession,
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot use the session file {path}: {source}")]
    Storage { path: String, source: io::Error },
}

/// What signing out achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOutResult {
    /// The daemon ended the session.
    Ended,
    /// Nothing was stored.
    NotSignedIn,
    /// The daemon had already ended it.
    AlreadyEnded,
}

/// How this device is named in session lists: "spotter on <hostname>".
pub fn device_label() -> String {
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let label = format!("spotter on {host}");
    label.chars().take(MAX_DEVICE_LABEL_CHARS).collect()
}

/// A refresh was refused because the session itself is over (revoked, expired,
/// replayed, the user disabled), as opposed to the daemon being unwell.
pub fn session_is_dead(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
    )
}

/// Wraps a message for an authenticated call: `authorization: Bearer <access>`.
/// Without a token the request goes out bare and the daemon answers
/// UNAUTHENTICATED, which starts a refresh.
fn authorize_with<T>(token: Option<&Secret>, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(token) = token {
        let header = Zeroizing::new(format!("Bearer {}", token.expose()));
        if let Ok(mut value) = MetadataValue::try_from(header.as_str()) {
            // Keeps it out of any debug output of the headers.
            value.set_sensitive(true);
            request.metadata_mut().insert("authorization", value);
        }
    }
    request
}

/// A read-only view of the current access token for tasks beside the effect
/// runner (the live event stream). Cheap to clone.
#[derive(Debug, Clone)]
pub struct AccessToken(watch::Receiver<Option<Secret>>);

impl AccessToken {
    /// Like [`Authenticator::authorize`], with whatever token is current.
    pub fn authorize<T>(&self, message: T) -> tonic::Request<T> {
        authorize_with(self.0.borrow().as_ref(), message)
    }

    /// Marks the current token as seen; [`changed`](Self::changed) then waits for
    /// the next one.
    pub fn mark_seen(&mut self) {
        self.0.mark_unchanged();
    }

    /// Waits until the token changes (refreshed, or dropped at sign-out). Never
    /// returns if the authenticator is gone.
    pub async fn changed(&mut self) {
        if self.0.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
impl AccessToken {
    /// A token a test controls through the returned sender.
    pub fn for_tests(token: &str) -> (watch::Sender<Option<Secret>>, AccessToken) {
        let (tx, rx) = watch::channel(Some(Secret::new(token)));
        (tx, AccessToken(rx))
    }
}

#[derive(Debug)]
pub struct Authenticator {
    file: SessionFile,
    access: watch::Sender<Option<Secret>>,
}

impl Authenticator {
    pub fn new(file: SessionFile) -> Self {
        Authenticator {
            file,
            access: watch::Sender::new(None),
        }
    }

    pub fn file(&self) -> &SessionFile {
        &self.file
    }

    /// Wraps a message for an authenticated call: `authorization: Bearer <access>`.
    /// Without a token the request goes out bare and the daemon answers
    /// UNAUTHENTICATED, which starts a refresh.
    pub fn authorize<T>(&self, message: T) -> tonic::Request<T> {
        authorize_with(self.access.borrow().as_ref(), message)
    }

    /// A handle on the access token that follows every refresh.
    pub fn access_token(&self) -> AccessToken {
        AccessToken(self.access.subscribe())
    }

    pub async fn setup(
        &mut self,
        client: &DaemonClient,
        method: SignInMethod,
        username: &str,
        password: &Secret,
        setup_code: &Secret,
    ) -> Result<Identity, AuthError> {
        let request = SetupRequest {
            method: method as i32,
            username: username.to_owned(),
            password: password.expose().to_owned(),
            setup_code: setup_code.expose().to_owned(),
            device_label: device_label(),
        };
        let response = client
            .within_deadline("Setup", client.auth().setup(request))
            .await
            .map_err(rejected)?;
        self.accept(response)
    }

    pub async fn sign_in(
        &mut self,
        client: &DaemonClient,
        method: SignInMethod,
        username: &str,
        password: &Secret,
    ) -> Result<Identity, AuthError> {
        let request = SignInRequest {
            method: method as i32,
            username: username.to_owned(),
            password: password.expose().to_owned(),
            device_label: device_label(),
        };
        let response = client
            .within_deadline("SignIn", client.auth().sign_in(request))
            .await
            .map_err(rejected)?;
        self.accept(response)
    }

    /// Exchanges the stored refresh token for new tokens and stores the rotated
    /// one. When the daemon refuses the session, the stored token is deleted.
    pub async fn refresh(&mut self, client: &DaemonClient) -> Result<Identity, AuthError> {
        let file = self.file.clone();
        // Another spotter may be refreshing the same session: wait for it, then
        // read the token it stored.
        let _lock = tokio::task::spawn_blocking(move || file.lock())
            .await
            .map_err(io::Error::other)
            .and_then(|locked| locked)
            .map_err(|e| self.storage(e))?;
        let stored = self
            .file
            .load()
            .map_err(|e| self.storage(e))?
            .ok_or(AuthError::NoSession)?;
        let request = RefreshRequest {
            refresh_token: stored.refresh_token.expose().to_owned(),
        };
        match client
            .within_deadline("Refresh", client.auth().refresh(request))
            .await
        {
            Ok(response) => self.accept(response),
            Err(ClientError::Rpc { code, message }) if session_is_dead(code) => {
                self.access.send_replace(None);
                self.file.delete().map_err(|e| self.storage(e))?;
                Err(AuthError::Rejected { code, message })
            }
            Err(err) => Err(rejected(err)),
        }
    }

    /// Ends the session at the daemon and forgets it here. The stored token is
    /// deleted whatever the daemon says: the user asked to be signed out.
    pub async fn sign_out(&mut self, client: &DaemonClient) -> Result<SignOutResult, AuthError> {
        let signed_in = self.access.borrow().is_some();
        if !signed_in {
            // `spotter sign-out` starts without an access token: get one first.
            match self.refresh(client).await {
                Ok(_) => {}
                Err(AuthError::NoSession) => return Ok(SignOutResult::NotSignedIn),
                Err(AuthError::Rejected { .. }) => return Ok(SignOutResult::AlreadyEnded),
                Err(err) => {
                    self.forget()?;
                    return Err(err);
                }
            }
        }
        let result = client
            .within_deadline(
                "SignOut",
                client.auth().sign_out(self.authorize(SignOutRequest {})),
            )
            .await;
        self.forget()?;
        match result {
            Ok(_) => Ok(SignOutResult::Ended),
            Err(ClientError::Rpc {
                code: tonic::Code::Unauthenticated,
                ..
            }) => Ok(SignOutResult::AlreadyEnded),
            Err(err) => Err(rejected(err)),
        }
    }

    /// Drops the access token and deletes the stored session.
    pub fn forget(&mut self) -> Result<(), AuthError> {
        self.access.send_replace(None);
        self.file.delete().map_err(|e| self.storage(e))
    }

    /// Keeps new tokens: the refresh token on disk first (so a crash cannot lose
    /// the only valid one), then the access token in memory.
    fn accept(&mut self, response: SignInResponse) -> Result<Identity, AuthError> {
        let SignInResponse {
            access_token,
            access_expires_at,
            refresh_token,
            user,
            session_id,
            ..
        } = response;
        let user = user.unwrap_or_default();
        self.file
            .save(&StoredSession {
                refresh_token: Secret::from(refresh_token),
                username: user.username.clone(),
                session_id: session_id.clone(),
            })
            .map_err(|e| self.storage(e))?;
        self.access.send_replace(Some(Secret::from(access_token)));
        Ok(Identity {
            user,
            session_id,
            access_expires_at,
        })
    }

    fn storage(&self, source: io::Error) -> AuthError {
        AuthError::Storage {
            path: self.file.path().display().to_string(),
            source,
        }
    }
}

/// A refusal by the daemon is the user's business; anything else is the
/// connection's.
fn rejected(err: ClientError) -> AuthError {
    match err {
        ClientError::Rpc { code, message } => AuthError::Rejected { code, message },
        other => AuthError::Client(other),
    }
}
