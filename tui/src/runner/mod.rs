//! Runs the app's [`Effect`]s against the daemon on a background task and feeds the
//! results back as [`Action`]s, so the UI loop never blocks on the network.
//!
//! Effects run one at a time in arrival order, so a refresh and the calls retried
//! after it cannot overtake each other. The connection is kept between effects and
//! rebuilt after any failure, which is how the TUI recovers when the daemon
//! restarts; the [`Authenticator`] (and with it the access token) outlives
//! reconnections.
//!
//! The live event stream is the exception to "one at a time": it runs beside the
//! runner on its own connection ([`events`]) and sends its actions down the same
//! channel. So does an import (History's `import_stream`), which may take minutes.

pub mod events;

use tokio::{sync::mpsc, task::JoinHandle};

use events::{EventStream, EventTiming};

use crate::{
    app::{Action, Call, CallError, Effect, SetupState},
    client::{
        AuthError, Authenticator, ClientError, DaemonClient, Timeouts, connect_and_handshake,
    },
    component::rejection_text,
    daemon_launch::{ReachError, connect_or_start},
    problem::Problem,
    session_file::SessionFile,
    socket::SocketTarget,
    tabs::history::import_stream,
};

/// Starts the runner; send effects in, receive actions out. It stops when the
/// effect sender is dropped.
pub fn spawn(
    target: SocketTarget,
    session_file: SessionFile,
) -> (
    mpsc::UnboundedSender<Effect>,
    mpsc::UnboundedReceiver<Action>,
) {
    let (effects_tx, effects_rx) = mpsc::unbounded_channel();
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let runner = EffectRunner {
        target,
        client: None,
        auth: Authenticator::new(session_file),
        actions: actions_tx,
        events: None,
        import: None,
    };
    tokio::spawn(runner.run(effects_rx));
    (effects_tx, actions_rx)
}

struct EffectRunner {
    target: SocketTarget,
    client: Option<DaemonClient>,
    auth: Authenticator,
    actions: mpsc::UnboundedSender<Action>,
    /// Open while signed in; dropping it ends the stream.
    events: Option<EventStream>,
    /// The import running beside the runner, and its id.
    import: Option<(u64, JoinHandle<()>)>,
}

impl EffectRunner {
    async fn run(mut self, mut effects: mpsc::UnboundedReceiver<Effect>) {
        while let Some(effect) = effects.recv().await {
            let action = match effect {
                Effect::FetchStatus { may_start_daemon } => {
                    self.fetch_status(may_start_daemon).await;
                    continue;
                }
                Effect::GetSetupState => self.setup_state().await,
                Effect::Setup {
                    method,
                    username,
                    password,
                    setup_code,
                } => match self.connected().await {
                    Ok(client) => {
                        let result = self
                            .auth
                            .setup(&client, method, &username, &password, &setup_code)
                            .await;
                        self.signed_in(result)
                    }
                    Err(err) => self.unreachable(&err),
                },
                Effect::SignIn {
                    method,
                    username,
                    password,
                } => match self.connected().await {
                    Ok(client) => {
                        let result = self
                            .auth
                            .sign_in(&client, method, &username, &password)
                            .await;
                        self.signed_in(result)
                    }
                    Err(err) => self.unreachable(&err),
                },
                Effect::ResumeSession => self.refresh(true).await,
                Effect::RefreshTokens => self.refresh(false).await,
                Effect::Call { call, retried } => self.call(call, retried).await,
                Effect::SignOut => self.sign_out().await,
                Effect::StartEvents => {
                    if self.events.is_none() {
                        self.events = Some(events::start(
                            self.target.clone(),
                            self.auth.access_token(),
                            self.actions.clone(),
                            EventTiming::default(),
                        ));
                    }
                    continue;
                }
                Effect::StopEvents => {
                    // Signed out: the session's import stops too.
                    self.events = None;
                    self.stop_import(None);
                    continue;
                }
                Effect::Import { id, path, format } => {
                    self.stop_import(None);
                    let actions = self.actions.clone();
                    let task = import_stream::spawn(
                        self.target.clone(),
                        self.auth.access_token(),
                        path,
                        format,
                        move |event| {
                            // The UI has gone away: nothing left to tell.
                            let _ = actions.send(Action::Import { id, event });
                        },
                    );
                    self.import = Some((id, task));
                    continue;
                }
                Effect::CancelImport { id } => {
                    self.stop_import(Some(id));
                    continue;
                }
            };
            self.send(action);
        }
    }

    /// Aborts the running import (only if it is `id`, when given): dropping the
    /// call tells the daemon, which keeps what it stored.
    fn stop_import(&mut self, id: Option<u64>) {
        if let Some((running, task)) = self.import.take() {
            if id.is_none_or(|id| id == running) {
                task.abort();
            } else {
                self.import = Some((running, task));
            }
        }
    }

    fn send(&self, action: Action) {
        // The UI has gone away; nothing left to tell.
        let _ = self.actions.send(action);
    }

    /// The current connection, or a fresh one (never starting a daemon: only the
    /// status fetch does that).
    async fn connected(&mut self) -> Result<DaemonClient, ClientError> {
        if let Some(client) = &self.client {
            return Ok(client.clone());
        }
        let (client, _) = connect_and_handshake(&self.target, Timeouts::default()).await?;
        self.client = Some(client.clone());
        Ok(client)
    }

    /// Reports a lost connection and drops it, so the next effect reconnects.
    fn unreachable(&mut self, err: &ClientError) -> Action {
        self.client = None;
        Action::AuthUnavailable(Problem::from(err))
    }

    async fn setup_state(&mut self) -> Action {
        let client = match self.connected().await {
            Ok(client) => client,
            Err(err) => return self.unreachable(&err),
        };
        let request = spotter_proto::v1::GetSetupStateRequest {};
        match client
            .within_deadline("GetSetupState", client.auth().get_setup_state(request))
            .await
        {
            Ok(response) => Action::SetupStateLoaded(SetupState::from(response)),
            Err(err) => self.unreachable(&err),
        }
    }

    fn signed_in(&mut self, result: Result<crate::identity::Identity, AuthError>) -> Action {
        match result {
            Ok(identity) => Action::SignedIn(identity),
            Err(AuthError::Rejected { code, message }) => {
                Action::SignInRejected(rejection_text(code, &message))
            }
            Err(AuthError::Client(err)) => self.unreachable(&err),
            Err(err @ (AuthError::Storage { .. } | AuthError::NoSession)) => {
                Action::SignInRejected(err.to_string())
            }
        }
    }

    /// Refreshes the stored session: on start-up (`resuming`) or for the app's
    /// refresh policy.
    async fn refresh(&mut self, resuming: bool) -> Action {
        let client = match self.connected().await {
            Ok(client) => client,
            Err(err) => return self.unreachable(&err),
        };
        match self.auth.refresh(&client).await {
            Ok(identity) if resuming => Action::SignedIn(identity),
            Ok(identity) => Action::TokensRefreshed(identity),
            Err(AuthError::NoSession) if resuming => Action::NoStoredSession,
            Err(AuthError::NoSession) => {
                Action::SessionEnded("signed out in another spotter".into())
            }
            Err(AuthError::Rejected { code, message }) => {
                if crate::client::session_is_dead(code) {
                    Action::SessionEnded(message)
                } else {
                    Action::AuthUnavailable(Problem::new(
                        rejection_text(code, &message),
                        "try again in a moment",
                    ))
                }
            }
            Err(AuthError::Client(err)) => self.unreachable(&err),
            Err(err @ AuthError::Storage { .. }) => Action::AuthUnavailable(Problem::new(
                err.to_string(),
                "check the ownership and permissions of your state directory",
            )),
        }
    }

    async fn call(&mut self, call: Call, retried: bool) -> Action {
        let result = match self.connected().await {
            Ok(client) => call
                .clone()
                .run(&client, &self.auth)
                .await
                .map_err(CallError::from),
            Err(err) => Err(CallError::from(err)),
        };
        match result {
            Ok(reply) => Action::CallDone(reply),
            Err(error) => {
                if matches!(error, CallError::Unreachable(_)) {
                    self.client = None;
                }
                Action::CallFailed {
                    call,
                    retried,
                    error,
                }
            }
        }
    }

    async fn sign_out(&mut self) -> Action {
        let warning = match self.connected().await {
            Ok(client) => match self.auth.sign_out(&client).await {
                Ok(_) => None,
                Err(err) => Some(format!(
                    "Signed out here, but spotterd was not told ({err}); \
                     the session stays listed until it expires."
                )),
            },
            Err(err) => {
                self.client = None;
                let forgotten = self.auth.forget();
                Some(match forgotten {
                    Ok(()) => format!(
                        "Signed out here, but spotterd could not be reached ({err}); \
                         the session stays listed until it expires."
                    ),
                    Err(err) => format!("Could not delete the stored session: {err}"),
                })
            }
        };
        Action::SignedOut { warning }
    }

    async fn fetch_status(&mut self, may_start_daemon: bool) {
        if let Some(client) = self.client.as_mut() {
            match client.status().await {
                Ok(status) => return self.send(Action::StatusLoaded(status)),
                // The daemon may have restarted: reconnect from scratch below, which
                // also classifies the failure properly (missing, refused, …).
                Err(_) => self.client = None,
            }
        }
        let actions = self.actions.clone();
        let result = connect_or_start(&self.target, may_start_daemon, |log| {
            let _ = actions.send(Action::DaemonStarting {
                log: log.to_path_buf(),
            });
        })
        .await;
        match result {
            Ok((client, status)) => {
                self.client = Some(client);
                self.send(Action::StatusLoaded(status));
            }
            Err(ReachError::Launch(err)) => {
                self.send(Action::DaemonLaunchFailed(Problem::from(&err)))
            }
            Err(ReachError::Client(err)) => self.send(Action::StatusFailed {
                problem: Problem::from(&err),
                daemon_absent: err.daemon_absent(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
