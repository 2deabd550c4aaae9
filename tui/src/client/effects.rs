//! Runs the app's [`Effect`]s against the daemon on a background task and feeds the
//! results back as [`Action`]s, so the UI loop never blocks on the network.
//!
//! Effects run one at a time in arrival order (the app never has two fetches in
//! flight anyway). The connection is kept between effects and rebuilt after any
//! failure, which is how the TUI recovers when the daemon restarts.

use tokio::sync::mpsc;

use crate::{
    app::{Action, Effect},
    client::DaemonClient,
    daemon_launch::{ReachError, connect_or_start},
    problem::Problem,
    socket::SocketTarget,
};

/// Starts the runner; send effects in, receive actions out. It stops when the
/// effect sender is dropped.
pub fn spawn(
    target: SocketTarget,
) -> (
    mpsc::UnboundedSender<Effect>,
    mpsc::UnboundedReceiver<Action>,
) {
    let (effects_tx, effects_rx) = mpsc::unbounded_channel();
    let (actions_tx, actions_rx) = mpsc::unbounded_channel();
    let runner = EffectRunner {
        target,
        client: None,
        actions: actions_tx,
    };
    tokio::spawn(runner.run(effects_rx));
    (effects_tx, actions_rx)
}

struct EffectRunner {
    target: SocketTarget,
    client: Option<DaemonClient>,
    actions: mpsc::UnboundedSender<Action>,
}

impl EffectRunner {
    async fn run(mut self, mut effects: mpsc::UnboundedReceiver<Effect>) {
        while let Some(effect) = effects.recv().await {
            match effect {
                Effect::FetchStatus { may_start_daemon } => {
                    self.fetch_status(may_start_daemon).await
                }
            }
        }
    }

    fn send(&self, action: Action) {
        // The UI has gone away; nothing left to tell.
        let _ = self.actions.send(action);
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
mod tests {
    use spotter_proto::locations::Mode;

    use super::*;
    use crate::{
        socket::SocketOrigin,
        test_support::{FakeDaemon, sample_response, sample_status},
    };

    #[tokio::test]
    async fn recovers_when_the_daemon_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("d.sock");
        let target = SocketTarget {
            path: socket.clone(),
            origin: SocketOrigin::Flag,
            mode: Mode::System,
        };
        let (effects, mut actions) = spawn(target);
        let fetch = Effect::FetchStatus {
            may_start_daemon: false,
        };

        let daemon = FakeDaemon::start(&socket, sample_response());
        effects.send(fetch).unwrap();
        assert_eq!(
            actions.recv().await,
            Some(Action::StatusLoaded(sample_status()))
        );

        drop(daemon);
        effects.send(fetch).unwrap();
        match actions.recv().await {
            Some(Action::StatusFailed {
                problem,
                daemon_absent,
            }) => {
                assert!(problem.reason.contains("stale socket"), "{problem:?}");
                assert!(daemon_absent);
            }
            other => panic!("expected a failure, got {other:?}"),
        }

        std::fs::remove_file(&socket).unwrap();
        let mut restarted = sample_response();
        restarted.pid = 7;
        let _daemon = FakeDaemon::start(&socket, restarted.clone());
        effects.send(fetch).unwrap();
        assert_eq!(
            actions.recv().await,
            Some(Action::StatusLoaded(restarted.into()))
        );
    }
}
