//! Live events from the daemon (the client keeps the stream open on its own
//! connection and resumes it after breaks): job progress moves the Jobs tab in
//! place, new listens and connection changes reload what is on screen, errors
//! show for a while, and a resync (events were missed) reloads the visible tab.
//! Also the slow clock's work for the signed-in screens.

use spotter_proto::v1::{
    Event, JobKind, Provider,
    event::{self, Kind, connection_changed, error::Origin, session_changed},
};

use super::{
    Effect,
    calls::Call,
    jobs::job_name,
    providers,
    signed_in::{Main, Notice, Tab},
};

/// How long an event's notice stays in the status line.
pub const NOTICE_SECONDS: i64 = 10;

/// Whether live events are arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveState {
    /// Not open yet since sign-in.
    Connecting,
    Live,
    /// Was open, broke; the client is reopening it.
    Lost,
}

impl Main {
    pub(super) fn live_event(&mut self, event: Event, now: i64) -> Vec<Effect> {
        let Some(kind) = event.kind else {
            return Vec::new();
        };
        match kind {
            Kind::Heartbeat(_) => Vec::new(),
            Kind::ResyncRequired(_) => self.reload_tab(),
            Kind::Session(change) => self.session_changed(&change),
            Kind::JobProgress(progress) => self.job_progress(&progress, event.at),
            Kind::NewListens(new) => self.new_listens(new.count),
            Kind::Connection(change) => self.connection_changed(&change, now),
            Kind::Error(error) => {
                self.notice = Some(Notice::transient(
                    error_text(&error),
                    true,
                    now + NOTICE_SECONDS,
                ));
                Vec::new()
            }
        }
    }

    /// The stream opened (`live`) or broke.
    pub(super) fn live_changed(&mut self, live: bool) -> Vec<Effect> {
        let was = self.live;
        self.live = if live {
            LiveState::Live
        } else {
            LiveState::Lost
        };
        // A resume replays only what the daemon still holds, and nothing from
        // before the first event seen: reload what is on screen to be sure.
        if live && was == LiveState::Lost {
            self.reload_tab()
        } else {
            Vec::new()
        }
    }

    /// The slow clock: transient notices expire, and without live events a
    /// running job is re-read.
    pub(super) fn tick(&mut self, now: i64, connected: bool) -> Vec<Effect> {
        if self
            .notice
            .as_ref()
            .and_then(|n| n.until)
            .is_some_and(|until| now >= until)
        {
            self.notice = None;
        }
        if connected {
            self.poll_jobs(now)
        } else {
            Vec::new()
        }
    }

    fn session_changed(&mut self, change: &event::SessionChanged) -> Vec<Effect> {
        let ours = &self.identity.session_id;
        let revoked_here = match change.change() {
            session_changed::Change::SessionRevoked => change.session_id == *ours,
            // `session_id` is the one that was kept.
            session_changed::Change::OtherSessionsRevoked => change.session_id != *ours,
            _ => false,
        };
        if revoked_here {
            // The refresh fails and returns to sign-in with the daemon's reason.
            return self.start_refresh();
        }
        if self.tab == Tab::Sessions {
            vec![self.call(Call::ListSessions)]
        } else {
            Vec::new()
        }
    }

    fn connection_changed(&mut self, change: &event::ConnectionChanged, now: i64) -> Vec<Effect> {
        if change.state() == connection_changed::State::NeedsReconnect {
            self.notice = Some(Notice::transient(
                format!(
                    "{} refused the stored credentials: reconnect it on the Connections tab \
                     to resume.",
                    providers::name(change.upstream())
                ),
                true,
                now + NOTICE_SECONDS,
            ));
        }
        match self.tab {
            Tab::Connections => vec![self.call(Call::ListConnections)],
            // A job may be blocked or unblocked by it.
            Tab::Jobs => vec![self.call(Call::ListJobs)],
            _ => Vec::new(),
        }
    }
}

/// "Spotify: token refused", with what to do when the error stops the work.
fn error_text(error: &event::Error) -> String {
    let source = match error.origin {
        Some(Origin::JobKind(kind)) => job_name(JobKind::try_from(kind).unwrap_or_default()),
        Some(Origin::Provider(p)) => providers::name(Provider::try_from(p).unwrap_or_default()),
        None => "Something",
    };
    let message = if error.message.is_empty() {
        "failed"
    } else {
        &error.message
    };
    if error.fatal {
        format!("{source}: {message}. Stopped until you act: reconnect on the Connections tab.")
    } else {
        format!("{source}: {message}")
    }
}
