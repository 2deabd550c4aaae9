//! The stored session, as `spotter sign-in` left it, for one command: a connection,
//! an access token from the refresh token, and a fresh one whenever it runs out
//! (a long export or a `--limit 0` listing can outlive one).

use std::{future::Future, pin::Pin};

use spotter_proto::{locations::Mode, v1::history_client::HistoryClient};
use tonic::transport::Channel;

use crate::{
    client::{AuthError, Authenticator, ClientError, DaemonClient, session_is_dead},
    component::rejection_text,
    daemon_launch::connect_or_start,
    problem::Problem,
    safe_text::eprint_message,
    session_file::{REFRESH_MARGIN_SECONDS, SessionFile},
    socket::SocketTarget,
};

/// What a command says when nothing is stored.
pub const NOT_SIGNED_IN: &str =
    "not signed in: run `spotter sign-in --username NAME` first (the TUI's sign-in counts too)";

/// A failure, as the sentence printed after "spotter: ".
pub type Failure = String;

/// A boxed call future (`HistoryClient` calls borrow the client mutably, so each
/// call gets its own clone moved in).
pub type CallFuture<T> =
    Pin<Box<dyn Future<Output = Result<tonic::Response<T>, tonic::Status>> + Send>>;

#[derive(Debug)]
pub struct Session {
    client: DaemonClient,
    auth: Authenticator,
    username: String,
    access_expires_at: i64,
}

impl Session {
    /// Reads the stored session (failing at once, without a daemon, when there is
    /// none), connects (starting a personal daemon when none runs, as sign-in
    /// does) and gets an access token.
    pub async fn open(target: &SocketTarget) -> Result<Session, Failure> {
        let file =
            SessionFile::for_socket(&target.path).map_err(|e| Problem::from(&e).to_string())?;
        let stored = match file.load() {
            Ok(Some(stored)) => stored,
            Ok(None) => return Err(NOT_SIGNED_IN.into()),
            Err(err) => {
                return Err(format!(
                    "cannot read the stored session {}: {err}",
                    file.path().display()
                ));
            }
        };
        let (client, _) = connect_or_start(target, target.mode == Mode::Personal, |log| {
            eprint_message(format_args!(
                "spotter: starting spotterd (log: {})",
                log.display()
            ));
        })
        .await
        .map_err(|e| Problem::from(&e).to_string())?;
        let mut session = Session {
            client,
            auth: Authenticator::new(file),
            username: stored.username,
            access_expires_at: 0,
        };
        session.refresh().await?;
        Ok(session)
    }

    pub fn client(&self) -> &DaemonClient {
        &self.client
    }

    pub fn auth(&self) -> &Authenticator {
        &self.auth
    }

    /// Exchanges the refresh token for a new access token.
    pub async fn refresh(&mut self) -> Result<(), Failure> {
        match self.auth.refresh(&self.client).await {
            Ok(identity) => {
                self.access_expires_at = identity.access_expires_at;
                self.username = identity.user.username;
                Ok(())
            }
            Err(AuthError::NoSession) => Err(NOT_SIGNED_IN.into()),
            Err(AuthError::Rejected { code, message }) if session_is_dead(code) => {
                let name = if self.username.is_empty() {
                    "NAME"
                } else {
                    &self.username
                };
                Err(format!(
                    "the stored session has ended ({}): sign in again with \
                     `spotter sign-in --username {name}`",
                    rejection_text(code, &message)
                ))
            }
            Err(AuthError::Rejected { code, message }) => Err(rejection_text(code, &message)),
            Err(AuthError::Client(err)) => Err(client_failure(&err)),
            Err(err @ AuthError::Storage { .. }) => Err(err.to_string()),
        }
    }

    /// Refreshes when the access token is about to run out.
    pub async fn ensure_fresh(&mut self) -> Result<(), Failure> {
        if crate::dates::now() + REFRESH_MARGIN_SECONDS >= self.access_expires_at {
            self.refresh().await?;
        }
        Ok(())
    }

    /// One unary History call under the call deadline, refreshed and retried once
    /// when the daemon says the token is no longer good.
    pub async fn history_call<Req, Resp>(
        &mut self,
        name: &'static str,
        request: Req,
        call: impl Fn(HistoryClient<Channel>, tonic::Request<Req>) -> CallFuture<Resp>,
    ) -> Result<Resp, Failure>
    where
        Req: Clone,
    {
        self.call(name, request, DaemonClient::history, call).await
    }

    /// One unary call of the service `service` picks, the same way.
    pub async fn call<S, Req, Resp>(
        &mut self,
        name: &'static str,
        request: Req,
        service: impl Fn(&DaemonClient) -> S,
        call: impl Fn(S, tonic::Request<Req>) -> CallFuture<Resp>,
    ) -> Result<Resp, Failure>
    where
        Req: Clone,
    {
        match self.try_call(name, request, service, call).await? {
            Ok(response) => Ok(response),
            Err(err) => Err(client_failure(&err)),
        }
    }

    /// The same, with the call's own failure kept as it is (its code matters to
    /// the caller); the outer error is the session's.
    pub async fn try_call<S, Req, Resp>(
        &mut self,
        name: &'static str,
        request: Req,
        service: impl Fn(&DaemonClient) -> S,
        call: impl Fn(S, tonic::Request<Req>) -> CallFuture<Resp>,
    ) -> Result<Result<Resp, ClientError>, Failure>
    where
        Req: Clone,
    {
        self.ensure_fresh().await?;
        let mut retried = false;
        loop {
            let future = call(service(&self.client), self.auth.authorize(request.clone()));
            match self.client.within_deadline(name, future).await {
                Ok(response) => return Ok(Ok(response)),
                Err(ClientError::Rpc {
                    code: tonic::Code::Unauthenticated,
                    ..
                }) if !retried => {
                    retried = true;
                    self.refresh().await?;
                }
                Err(err) => return Ok(Err(err)),
            }
        }
    }
}

/// A failed call as one sentence: the daemon's own message for a refusal, the
/// problem and its fix for a connection that failed.
pub fn client_failure(err: &ClientError) -> Failure {
    match err {
        ClientError::Rpc { code, message } => rejection_text(*code, message),
        other => Problem::from(other).to_string(),
    }
}

/// A failed streaming call (whose status did not go through `within_deadline`).
pub fn status_failure(client: &DaemonClient, status: &tonic::Status) -> Failure {
    client_failure(&ClientError::from_status(
        client.socket().to_path_buf(),
        status,
    ))
}
