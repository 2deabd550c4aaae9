//! The TUI's state and every way it changes: `update(Action) -> Vec<Effect>`.
//!
//! Pure on purpose: no I/O, no clocks, no terminal, no tokens. Keys arrive as
//! [`Command`]s and typed characters (via `keymap`), daemon results and the clock as
//! [`Action`]s (via `client::effects` and the event loop), and whatever must happen
//! outside is returned as [`Effect`]s for the effect runner.
//!
//! [`auth`] is the way in (setup, sign-in, resuming, token refresh policy,
//! sign-out); [`shell`] is what is behind it: the tabs (each a component in its
//! folder under `tabs/`), the overlay stack, the session and the live events, with
//! every reply routed to the tab that asked; [`effect`] is what the app asks of
//! the outside world.
//!
//! While signed in the app asks for the live event stream ([`Effect::StartEvents`])
//! and drops it on the way out; the client keeps it open and reports back.

pub mod auth;
pub mod auth_state;
pub mod effect;
pub mod shell;

use std::path::PathBuf;

use spotter_proto::{PROTOCOL_VERSION, locations::Mode, v1::Event};

pub use auth_state::{AuthState, SetupState};
pub use effect::Effect;
pub use shell::Main;

pub use crate::{
    component::{CallError, Command, ImportEvent, Scope, Tab},
    dates::Zone,
    identity::Identity,
    tabs::{Call, Reply},
};
use crate::{problem::Problem, socket::SocketTarget, status::DaemonStatus};

/// Everything that can happen to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Command(Command),
    /// A character typed into the focused form field.
    Input(char),
    /// Text pasted into the terminal at once (bracketed paste): typed into the
    /// focused field, line breaks dropped so a paste never submits by itself.
    Paste(String),
    /// The slow clock, with the time in Unix seconds: keeps status fresh, retries a
    /// lost daemon, refreshes tokens before they expire, ages relative times.
    Tick {
        now: i64,
    },
    StatusLoaded(DaemonStatus),
    StatusFailed {
        problem: Problem,
        /// Nobody listens on the socket (as opposed to a daemon that misbehaves).
        daemon_absent: bool,
    },
    /// Nobody was listening, so a personal daemon is being started.
    DaemonStarting {
        log: PathBuf,
    },
    DaemonLaunchFailed(Problem),
    SetupStateLoaded(SetupState),
    /// Setup, sign-in or a resumed session produced tokens (kept by the client).
    SignedIn(Identity),
    /// The daemon refused a setup or sign-in; its message is for the user.
    SignInRejected(String),
    /// No session is stored for this daemon.
    NoStoredSession,
    TokensRefreshed(Identity),
    /// The daemon no longer accepts the session (revoked, expired, replayed); the
    /// stored token is already gone. Carries the daemon's reason.
    SessionEnded(String),
    /// An auth step could not be asked at all (daemon gone, too old, …).
    AuthUnavailable(Problem),
    /// Sign-out finished; `warning` says what could not be done.
    SignedOut {
        warning: Option<String>,
    },
    CallDone(Reply),
    CallFailed {
        call: Call,
        retried: bool,
        error: CallError,
    },
    /// An event from the live stream (heartbeats are kept by the client).
    LiveEvent(Event),
    /// The live stream opened (true) or broke and is being reopened (false).
    LiveStream(bool),
    /// The live stream was refused for the access token: refresh it (the stream
    /// retries with the new one).
    LiveStreamUnauthenticated,
    /// How the import `id` is going.
    Import {
        id: u64,
        event: ImportEvent,
    },
}

/// How things stand with the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    StartingDaemon { log: PathBuf },
    Connected(DaemonStatus),
    Unreachable { problem: Problem, failures: u32 },
}

#[derive(Debug, Clone)]
pub struct App {
    pub socket: SocketTarget,
    pub client_protocol_version: u32,
    /// False when `NO_COLOR` is set: the UI then styles with bold/reverse only.
    pub colour: bool,
    /// Local time: [`Zone::System`] in the TUI, fixed in tests.
    pub zone: Zone,
    pub connection: Connection,
    pub auth: AuthState,
    /// What the daemon said about setup; decides which sign-in methods are offered.
    pub setup: SetupState,
    /// Unix seconds, from the last tick.
    pub now: i64,
    pub show_help: bool,
    should_quit: bool,
    fetch_in_flight: bool,
    /// Set after a failed start so a broken daemon is not restarted every tick;
    /// cleared by an explicit refresh.
    launch_failed: bool,
}

impl App {
    pub fn new(socket: SocketTarget, colour: bool, now: i64) -> Self {
        App {
            socket,
            client_protocol_version: PROTOCOL_VERSION,
            colour,
            zone: Zone::Utc,
            connection: Connection::Connecting,
            auth: AuthState::Unknown,
            setup: SetupState::default(),
            now,
            show_help: false,
            should_quit: false,
            fetch_in_flight: false,
            launch_failed: false,
        }
    }

    /// The effects to run when the app starts.
    pub fn init(&mut self) -> Vec<Effect> {
        self.fetch_status()
    }

    pub fn should_quit(&self) -> bool {
        self.should_quit
    }

    /// The signed-in state, when signed in.
    pub fn main(&self) -> Option<&Main> {
        match &self.auth {
            AuthState::SignedIn(main) => Some(main),
            _ => None,
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        let was_signed_in = self.main().is_some();
        let mut effects = self.apply(action);
        // Live events follow the session, however it starts or ends.
        match (was_signed_in, self.main().is_some()) {
            (false, true) => effects.push(Effect::StartEvents),
            (true, false) => effects.push(Effect::StopEvents),
            _ => {}
        }
        effects
    }

    fn apply(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Command(command) => self.command(command),
            Action::Input(c) => {
                self.input(c);
                self.after_input()
            }
            Action::Paste(text) => {
                // Only where a key would have typed (not under help, not on lists).
                if !self.show_help && self.screen_scopes().contains(&Scope::Form) {
                    text.chars()
                        .filter(|c| !c.is_control())
                        .for_each(|c| self.input(c));
                    return self.after_input();
                }
                Vec::new()
            }
            Action::Tick { now } => {
                self.now = now;
                let mut effects = self.fetch_status();
                effects.extend(self.refresh_if_due());
                let connected = matches!(self.connection, Connection::Connected(_));
                if let AuthState::SignedIn(main) = &mut self.auth {
                    effects.extend(main.tick(now, connected));
                }
                effects
            }
            Action::StatusLoaded(status) => {
                self.fetch_in_flight = false;
                self.connection = Connection::Connected(status);
                self.check_auth_if_needed()
            }
            Action::StatusFailed {
                problem,
                daemon_absent,
            } => {
                self.fetch_in_flight = false;
                match &mut self.connection {
                    // After a failed start, "no daemon socket" on each retry is true
                    // but useless: keep showing why the start failed (and its log).
                    Connection::Unreachable { failures, .. }
                        if self.launch_failed && daemon_absent =>
                    {
                        *failures += 1;
                    }
                    _ => self.fail(problem),
                }
                Vec::new()
            }
            Action::DaemonStarting { log } => {
                self.connection = Connection::StartingDaemon { log };
                Vec::new()
            }
            Action::DaemonLaunchFailed(problem) => {
                self.fetch_in_flight = false;
                self.launch_failed = true;
                self.fail(problem);
                Vec::new()
            }
            Action::SetupStateLoaded(state) => self.setup_state_loaded(state),
            Action::SignedIn(identity) => self.signed_in(identity),
            Action::SignInRejected(message) => {
                self.sign_in_rejected(message);
                Vec::new()
            }
            Action::NoStoredSession => {
                self.show_sign_in(None, None);
                Vec::new()
            }
            Action::TokensRefreshed(identity) => self.tokens_refreshed(identity),
            Action::SessionEnded(reason) => {
                self.session_ended(&reason);
                Vec::new()
            }
            Action::AuthUnavailable(problem) => self.auth_unavailable(problem),
            Action::SignedOut { warning } => {
                if let (AuthState::SignIn(form), Some(warning)) = (&mut self.auth, warning) {
                    form.info = None;
                    form.error = Some(warning);
                }
                Vec::new()
            }
            Action::CallDone(reply) => match &mut self.auth {
                AuthState::SignedIn(main) => main.call_done(reply),
                _ => Vec::new(),
            },
            Action::CallFailed {
                call,
                retried,
                error,
            } => self.call_failed(call, retried, error),
            Action::LiveEvent(event) => {
                let now = self.now;
                match &mut self.auth {
                    AuthState::SignedIn(main) => main.live_event(event, now),
                    _ => Vec::new(),
                }
            }
            Action::LiveStream(live) => match &mut self.auth {
                AuthState::SignedIn(main) => main.live_changed(live),
                _ => Vec::new(),
            },
            Action::LiveStreamUnauthenticated => match &mut self.auth {
                AuthState::SignedIn(main) => main.start_refresh(),
                _ => Vec::new(),
            },
            Action::Import { id, event } => match &mut self.auth {
                AuthState::SignedIn(main) => main.import_event(id, event),
                _ => Vec::new(),
            },
        }
    }

    /// Which key groups are live, most specific first.
    pub fn key_scopes(&self) -> Vec<Scope> {
        if self.show_help {
            return vec![Scope::Screen, Scope::Always];
        }
        self.screen_scopes()
    }

    /// The key groups of the screen itself, help overlay or not (help lists these).
    pub fn screen_scopes(&self) -> Vec<Scope> {
        let plain = vec![Scope::Screen, Scope::Always];
        if !matches!(self.connection, Connection::Connected(_)) {
            return plain;
        }
        match &self.auth {
            // While a submission is out the form takes no keys but Ctrl-C.
            AuthState::Setup(form) | AuthState::SignIn(form) if form.busy => {
                vec![Scope::Always]
            }
            AuthState::Setup(_) | AuthState::SignIn(_) => vec![Scope::Form, Scope::Always],
            AuthState::SignedIn(main) => main.key_scopes(),
            _ => plain,
        }
    }

    fn command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Quit => {
                self.should_quit = true;
                return Vec::new();
            }
            Command::ToggleHelp => {
                self.show_help = !self.show_help;
                return Vec::new();
            }
            Command::Back if self.show_help => {
                self.show_help = false;
                return Vec::new();
            }
            Command::Refresh => {
                self.launch_failed = false;
                let mut effects = self.fetch_status();
                effects.extend(self.refresh_screen());
                return effects;
            }
            _ => {}
        }
        if !matches!(self.connection, Connection::Connected(_)) {
            if command == Command::Back {
                self.should_quit = true;
            }
            return Vec::new();
        }
        match &mut self.auth {
            AuthState::Setup(_) | AuthState::SignIn(_) => self.form_command(command),
            AuthState::SignedIn(main) => {
                let outcome = main.command(command);
                if outcome.quit {
                    self.should_quit = true;
                }
                if outcome.signed_out {
                    self.sign_out_locally();
                }
                outcome.effects
            }
            _ => {
                if command == Command::Back {
                    self.should_quit = true;
                }
                Vec::new()
            }
        }
    }

    fn input(&mut self, c: char) {
        match &mut self.auth {
            AuthState::Setup(form) | AuthState::SignIn(form) if !form.busy => form.type_char(c),
            AuthState::SignedIn(main) => main.input(c),
            _ => {}
        }
    }

    /// What typing changed beyond the text (the history search follows it).
    fn after_input(&mut self) -> Vec<Effect> {
        match &mut self.auth {
            AuthState::SignedIn(main) => main.after_input(),
            _ => Vec::new(),
        }
    }

    /// One fetch at a time: ticks during a slow call or a daemon start are dropped.
    fn fetch_status(&mut self) -> Vec<Effect> {
        if self.fetch_in_flight {
            return Vec::new();
        }
        self.fetch_in_flight = true;
        vec![Effect::FetchStatus {
            may_start_daemon: self.socket.mode == Mode::Personal && !self.launch_failed,
        }]
    }

    fn fail(&mut self, problem: Problem) {
        let failures = match &self.connection {
            Connection::Unreachable { failures, .. } => failures + 1,
            _ => 1,
        };
        self.connection = Connection::Unreachable { problem, failures };
    }
}

#[cfg(test)]
pub(crate) mod tests;
