//! Behind sign-in: the shell around the tabs. It owns the tab registry's
//! components, the session (identity, token refresh bookkeeping: one refresh at a
//! time; calls refused with UNAUTHENTICATED wait for it and are retried once), the
//! live event stream's state and the overlay stack, and routes each key, reply,
//! failure and event to the tab it belongs to. It knows no tab by name.

use spotter_proto::v1::{
    Event, JobKind, Provider,
    event::{self, Kind, error::Origin, session_changed},
};

use super::effect::Effect;
use crate::{
    component::{CallError, Command, ImportEvent, LiveState, Notice, Out, Scope, Start, Tab, View},
    dates::Zone,
    identity::Identity,
    job_kinds::job_name,
    problem::Problem,
    providers,
    session_file::REFRESH_MARGIN_SECONDS,
    tabs::{self, AnyTab, Call, Host, Overlay, Reply},
};

/// How long an event's notice stays in the status line.
pub const NOTICE_SECONDS: i64 = 10;

/// What a key did beyond effects: quitting, or signing out (the app then shows
/// the sign-in form).
#[derive(Debug, Default)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub quit: bool,
    pub signed_out: bool,
}

impl From<Vec<Effect>> for Outcome {
    fn from(effects: Vec<Effect>) -> Self {
        Outcome {
            effects,
            ..Outcome::default()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Main {
    pub identity: Identity,
    /// The tab on screen.
    pub tab: Tab,
    /// Every tab, in registry order.
    tabs: Vec<Box<dyn AnyTab>>,
    /// Local time, for the dates typed into forms.
    pub zone: Zone,
    /// Whether live events arrive (the Jobs tab says so, and polls without them).
    pub live: LiveState,
    /// What is open on top of the tab, newest last.
    pub overlays: Vec<Overlay>,
    pub notice: Option<Notice>,
    /// Unix seconds, from the last tick.
    now: i64,
    refresh_in_flight: bool,
    /// Calls refused with UNAUTHENTICATED, retried once the refresh lands.
    retry: Vec<Call>,
}

impl Main {
    /// Signed in at `now`, local time in `zone`.
    pub fn new(identity: Identity, zone: Zone, now: i64) -> Self {
        Main {
            identity,
            tab: tabs::ALL[0],
            tabs: tabs::all(Start { zone, now }),
            zone,
            live: LiveState::Connecting,
            overlays: Vec::new(),
            notice: None,
            now,
            refresh_in_flight: false,
            retry: Vec::new(),
        }
    }

    /// The tabs this user has, in order.
    pub fn tabs(&self) -> Vec<Tab> {
        let admin = self.identity.is_admin();
        tabs::ALL
            .iter()
            .copied()
            .filter(|t| admin || !t.admin_only)
            .collect()
    }

    /// The tab on screen, to draw.
    pub fn current(&self) -> &dyn AnyTab {
        self.component(self.tab)
    }

    fn component(&self, tab: Tab) -> &dyn AnyTab {
        self.tabs
            .iter()
            .find(|t| t.tab() == tab)
            .map(|t| &**t)
            .expect("every tab is registered")
    }

    /// A tab's state, by its type (tests and drawing look inside).
    pub fn state<C: 'static>(&self) -> Option<&C> {
        self.tabs.iter().find_map(|t| t.as_any().downcast_ref())
    }

    /// The overlay on top, if any.
    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlays.last()
    }

    pub fn draw_tab(&self, frame: &mut ratatui::Frame, area: ratatui::layout::Rect, view: &View) {
        self.current().draw(frame, area, view);
    }

    pub fn key_scopes(&self) -> Vec<Scope> {
        match self.overlays.last() {
            Some(Overlay::Confirm { .. }) => return vec![Scope::Confirm, Scope::Always],
            Some(Overlay::Dialog(dialog)) => {
                let mut scopes = dialog.scopes();
                scopes.push(Scope::Always);
                return scopes;
            }
            None => {}
        }
        let current = self.current();
        let mut scopes = Vec::new();
        if !tabs::keys(self.tab).is_empty() {
            scopes.push(Scope::Tab(self.tab));
        }
        if current.is_list() {
            scopes.push(Scope::List);
        }
        scopes.extend([Scope::Tabs, Scope::Screen, Scope::Always]);
        scopes
    }

    /// Runs `f` on the tab `tab` with the shell's facts lent to it, then turns what
    /// it asked for into effects.
    fn with(&mut self, tab: Tab, f: impl FnOnce(&mut dyn AnyTab, &mut Host)) -> Outcome {
        let mut out = Vec::new();
        let component = self
            .tabs
            .iter_mut()
            .find(|t| t.tab() == tab)
            .expect("every tab is registered");
        let mut host = Host {
            now: self.now,
            zone: self.zone,
            live: self.live,
            identity: &self.identity,
            shown: self.tab,
            notice: &mut self.notice,
            overlays: &mut self.overlays,
            out: &mut out,
        };
        f(&mut **component, &mut host);
        self.effects(out)
    }

    /// The same on the tab on screen.
    fn with_current(&mut self, f: impl FnOnce(&mut dyn AnyTab, &mut Host)) -> Vec<Effect> {
        self.with(self.tab, f).effects
    }

    /// The same on every tab in turn (live events, the clock).
    fn with_each(&mut self, f: impl Fn(&mut dyn AnyTab, &mut Host)) -> Vec<Effect> {
        let mut effects = Vec::new();
        for tab in tabs::ALL {
            effects.extend(self.with(*tab, &f).effects);
        }
        effects
    }

    fn effects(&mut self, out: Vec<Out<Call>>) -> Outcome {
        let mut outcome = Outcome::default();
        for asked in out {
            match asked {
                Out::Call(call) => outcome.effects.push(Effect::Call {
                    call,
                    retried: false,
                }),
                Out::SignOut => {
                    outcome.effects.push(Effect::SignOut);
                    outcome.signed_out = true;
                }
                Out::Import { id, path, format } => {
                    outcome.effects.push(Effect::Import { id, path, format });
                }
                Out::CancelImport { id } => outcome.effects.push(Effect::CancelImport { id }),
                Out::ListensChanged => {
                    for tab in &mut self.tabs {
                        tab.listens_changed();
                    }
                }
            }
        }
        outcome
    }

    pub fn command(&mut self, command: Command) -> Outcome {
        match self.overlays.last() {
            Some(Overlay::Confirm { .. }) => return self.confirm_command(command),
            Some(Overlay::Dialog(dialog)) => {
                let tab = dialog.tab();
                return self.with(tab, |t, host| t.dialog_command(command, host));
            }
            None => {}
        }
        match command {
            Command::Back if self.tab_closes_something() => Outcome::default(),
            Command::Back => Outcome {
                quit: true,
                ..Outcome::default()
            },
            Command::ShowTab(tab) if self.tabs().contains(&tab) => self.show(tab).into(),
            Command::ShowTab(_) => Outcome::default(),
            Command::NextTab => {
                let tabs = self.tabs();
                let here = tabs.iter().position(|&t| t == self.tab).unwrap_or(0);
                self.show(tabs[(here + 1) % tabs.len()]).into()
            }
            Command::SignOut => Outcome {
                effects: vec![Effect::SignOut],
                signed_out: true,
                ..Outcome::default()
            },
            Command::Up | Command::Down | Command::PageUp | Command::PageDown => {
                self.with(self.tab, |t, host| t.command(command, host))
            }
            other => {
                self.notice = None;
                self.with(self.tab, |t, host| t.command(other, host))
            }
        }
    }

    /// Esc on a tab: closes something of its own (History's details pane).
    fn tab_closes_something(&mut self) -> bool {
        let tab = self.tab;
        self.tabs
            .iter_mut()
            .find(|t| t.tab() == tab)
            .is_some_and(|t| t.back())
    }

    fn confirm_command(&mut self, command: Command) -> Outcome {
        match command {
            Command::Yes => {
                let Some(Overlay::Confirm { tab, confirm }) = self.overlays.pop() else {
                    return Outcome::default();
                };
                match confirm.on_yes {
                    Out::SignOut => self.effects(vec![Out::SignOut]),
                    on_yes => {
                        self.notice = Some(Notice::info("Working…"));
                        if let Out::Call(call) = &on_yes {
                            self.with(tab, |t, _| t.set_loading(call, true));
                        }
                        self.effects(vec![on_yes])
                    }
                }
            }
            Command::No | Command::Back => {
                self.overlays.pop();
                Outcome::default()
            }
            _ => Outcome::default(),
        }
    }

    pub fn input(&mut self, c: char) {
        if let Some(Overlay::Dialog(dialog)) = self.overlays.last() {
            let tab = dialog.tab();
            self.with(tab, |t, host| t.dialog_input(c, host));
        }
    }

    /// After typing or pasting: a dialog may follow what was typed (History's
    /// search box).
    pub fn after_input(&mut self) -> Vec<Effect> {
        match self.overlays.last() {
            Some(Overlay::Dialog(dialog)) => {
                let tab = dialog.tab();
                self.with(tab, |t, host| t.after_input(host)).effects
            }
            _ => Vec::new(),
        }
    }

    fn show(&mut self, tab: Tab) -> Vec<Effect> {
        self.tab = tab;
        self.notice = None;
        self.with_current(|t, host| t.show(host))
    }

    /// Loads the shown tab afresh.
    pub(super) fn reload_tab(&mut self) -> Vec<Effect> {
        self.with_current(|t, host| t.reload(host))
    }

    /// A call's answer, for the tab that asked.
    pub(super) fn call_done(&mut self, reply: Reply) -> Vec<Effect> {
        let tab = reply.tab();
        self.with(tab, |t, host| t.on_reply(reply, host)).effects
    }

    /// Shows why a call failed: the tab that asked decides where (a dialog or pane
    /// waiting for it, else the status line).
    pub(super) fn call_failed(&mut self, call: Call, error: CallError) -> Vec<Effect> {
        let tab = call.tab();
        self.with(tab, |t, host| {
            t.set_loading(&call, false);
            t.on_failure(call, &error, host);
        })
        .effects
    }

    /// How the import `id` is going, for the dialog that started it.
    pub(super) fn import_event(&mut self, id: u64, event: ImportEvent) -> Vec<Effect> {
        match self.overlays.last() {
            Some(Overlay::Dialog(dialog)) => {
                let tab = dialog.tab();
                self.with(tab, |t, host| t.on_import(id, event, host))
                    .effects
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn needs_refresh(&mut self, call: Call) -> Vec<Effect> {
        self.retry.push(call);
        self.start_refresh()
    }

    pub(super) fn refresh_if_due(&mut self, now: i64) -> Vec<Effect> {
        if now + REFRESH_MARGIN_SECONDS >= self.identity.access_expires_at {
            self.start_refresh()
        } else {
            Vec::new()
        }
    }

    pub(super) fn start_refresh(&mut self) -> Vec<Effect> {
        if self.refresh_in_flight {
            return Vec::new();
        }
        self.refresh_in_flight = true;
        vec![Effect::RefreshTokens]
    }

    pub(super) fn tokens_refreshed(&mut self, identity: Identity) -> Vec<Effect> {
        self.refresh_in_flight = false;
        self.identity = identity;
        // A demotion shows up here: leave tabs the user no longer has.
        if !self.tabs().contains(&self.tab) {
            self.tab = tabs::ALL[0];
        }
        self.retry
            .drain(..)
            .map(|call| Effect::Call {
                call,
                retried: true,
            })
            .collect()
    }

    /// The refresh could not reach the daemon: the waiting calls fail now, the next
    /// tick tries again.
    pub(super) fn refresh_unavailable(&mut self, problem: &Problem) -> Vec<Effect> {
        self.refresh_in_flight = false;
        let mut effects = Vec::new();
        for call in std::mem::take(&mut self.retry) {
            effects.extend(self.call_failed(call, CallError::Unreachable(problem.reason.clone())));
        }
        effects
    }

    /// An event from the live stream: the shell keeps the session and the errors;
    /// every tab hears the rest.
    pub(super) fn live_event(&mut self, event: Event, now: i64) -> Vec<Effect> {
        let Some(kind) = event.kind else {
            return Vec::new();
        };
        match &kind {
            Kind::Heartbeat(_) => Vec::new(),
            Kind::ResyncRequired(_) => self.reload_tab(),
            Kind::Session(change) if self.revoked_here(change) => {
                // The refresh fails and returns to sign-in with the daemon's reason.
                self.start_refresh()
            }
            Kind::Error(error) => {
                self.notice = Some(Notice::transient(
                    error_text(error),
                    true,
                    now + NOTICE_SECONDS,
                ));
                Vec::new()
            }
            _ => {
                self.now = now;
                let at = event.at;
                self.with_each(|t, host| t.on_event(&kind, at, host))
            }
        }
    }

    fn revoked_here(&self, change: &event::SessionChanged) -> bool {
        let ours = &self.identity.session_id;
        match change.change() {
            session_changed::Change::SessionRevoked => change.session_id == *ours,
            // `session_id` is the one that was kept.
            session_changed::Change::OtherSessionsRevoked => change.session_id != *ours,
            _ => false,
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

    /// The slow clock: transient notices expire, and the tabs hear it while the
    /// daemon is connected (without live events a running job is re-read).
    pub(super) fn tick(&mut self, now: i64, connected: bool) -> Vec<Effect> {
        self.now = now;
        if self
            .notice
            .as_ref()
            .and_then(|n| n.until)
            .is_some_and(|until| now >= until)
        {
            self.notice = None;
        }
        if connected {
            self.with_each(|t, host| t.tick(host))
        } else {
            Vec::new()
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
