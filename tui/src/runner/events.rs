//! The live event stream: one `Events.Subscribe` kept open while signed in, and
//! reopened after every break (daemon restart, lost socket, silence) with a short
//! backoff, resuming from the last sequence number and epoch seen so the daemon
//! can replay what was missed, or say `resync_required`.
//!
//! It runs on a connection of its own: HTTP/2 flow control is per connection, so a
//! stream the client is slow to read must not share one with the calls. Events go
//! to the app through the effect runner's action channel; heartbeats only keep the
//! idle timer honest and are not passed on (they would only cause redraws).

use std::time::Duration;

use spotter_proto::v1::{Event, SubscribeRequest, event::Kind};
use tokio::{sync::mpsc, task::JoinHandle, time::timeout};

use crate::client::{AccessToken, DaemonClient, Timeouts};
use crate::{app::Action, socket::SocketTarget};

/// Timings of the stream; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventTiming {
    /// Wait after the first failure; doubles per failure up to `max_retry`.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// Silence after which the stream counts as dead: three of the daemon's
    /// 15-second heartbeats.
    pub idle: Duration,
    pub timeouts: Timeouts,
}

impl Default for EventTiming {
    fn default() -> Self {
        EventTiming {
            first_retry: Duration::from_millis(250),
            max_retry: Duration::from_secs(5),
            idle: Duration::from_secs(45),
            timeouts: Timeouts::default(),
        }
    }
}

/// Where to resume: the last sequence number seen, and the epoch it belongs to
/// (0 and 0 before any event: only new events are sent then).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resume {
    pub after_seq: u64,
    pub epoch: u64,
}

impl Resume {
    pub fn note(&mut self, event: &Event) {
        // Sequence numbers restart in a new epoch (the daemon restarted).
        if event.epoch != 0 && event.epoch != self.epoch {
            self.epoch = event.epoch;
            self.after_seq = 0;
        }
        match &event.kind {
            // "Resume after it once refreshed": the app reloads on this event.
            Some(Kind::ResyncRequired(resync)) => self.after_seq = resync.current_seq,
            _ if event.seq > 0 => self.after_seq = event.seq,
            _ => {}
        }
    }

    fn request(self) -> SubscribeRequest {
        SubscribeRequest {
            after_seq: self.after_seq,
            epoch: self.epoch,
        }
    }
}

/// The running stream. Dropping it ends the stream and closes its connection.
#[derive(Debug)]
pub struct EventStream {
    task: JoinHandle<()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Opens the stream to the daemon at `target`, authenticated with `token`, and
/// keeps it open until the returned handle is dropped.
pub fn start(
    target: SocketTarget,
    token: AccessToken,
    actions: mpsc::UnboundedSender<Action>,
    timing: EventTiming,
) -> EventStream {
    let follower = Follower {
        target,
        token,
        actions,
        timing,
        resume: Resume::default(),
        retry: timing.first_retry,
    };
    EventStream {
        task: tokio::spawn(follower.run()),
    }
}

/// How one subscription ended.
enum End {
    /// The daemon refused the access token: wait for a refreshed one.
    Unauthenticated,
    /// Could not connect, or the stream broke, ended or went silent.
    Broken,
}

struct Follower {
    target: SocketTarget,
    token: AccessToken,
    actions: mpsc::UnboundedSender<Action>,
    timing: EventTiming,
    resume: Resume,
    retry: Duration,
}

impl Follower {
    async fn run(mut self) {
        loop {
            let end = self.follow().await;
            if self.actions.is_closed() {
                return;
            }
            if let End::Unauthenticated = end {
                // The app refreshes; the new token wakes us (or the wait runs out,
                // so a refresh that never comes does not stop the stream for good).
                self.send(Action::LiveStreamUnauthenticated);
                let _ = timeout(self.timing.max_retry, self.token.changed()).await;
            }
            tokio::time::sleep(self.retry).await;
            self.retry = (self.retry * 2).min(self.timing.max_retry);
        }
    }

    /// One subscription, from connecting to its end.
    async fn follow(&mut self) -> End {
        let Ok(client) = DaemonClient::connect(&self.target, self.timing.timeouts).await else {
            return End::Broken;
        };
        // A refresh from here on counts as new for the wait after a refusal.
        self.token.mark_seen();
        let request = self.token.authorize(self.resume.request());
        let mut stream = match timeout(
            self.timing.timeouts.call,
            client.events().subscribe(request),
        )
        .await
        {
            Ok(Ok(response)) => response.into_inner(),
            Ok(Err(status)) if status.code() == tonic::Code::Unauthenticated => {
                return End::Unauthenticated;
            }
            _ => return End::Broken,
        };
        self.retry = self.timing.first_retry;
        self.send(Action::LiveStream(true));
        let end = loop {
            match timeout(self.timing.idle, stream.message()).await {
                Ok(Ok(Some(event))) => {
                    self.resume.note(&event);
                    if !matches!(event.kind, Some(Kind::Heartbeat(_)) | None) {
                        self.send(Action::LiveEvent(event));
                    }
                }
                Ok(Err(status)) if status.code() == tonic::Code::Unauthenticated => {
                    break End::Unauthenticated;
                }
                // Ended (daemon shutting down), failed, or silent for too long.
                _ => break End::Broken,
            }
        };
        self.send(Action::LiveStream(false));
        end
    }

    fn send(&self, action: Action) {
        // The UI has gone away; `run` notices and stops.
        let _ = self.actions.send(action);
    }
}

#[cfg(test)]
mod tests;
