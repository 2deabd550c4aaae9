//! The TUI's state and every way it changes: `update(Action) -> Vec<Effect>`.
//!
//! Pure on purpose: no I/O, no clocks, no terminal, no tokens. Keys arrive as
//! [`Command`]s and typed characters (via `keymap`), daemon results and the clock as
//! [`Action`]s (via `client::effects` and the event loop), and whatever must happen
//! outside is returned as [`Effect`]s for the effect runner.
//!
//! Submodules own one concern each: [`auth`] the way in (setup, sign-in, resuming,
//! token refresh policy, sign-out), [`signed_in`] the tabs behind it, [`lists`]
//! the list tabs' keys and answers, [`connections`] and [`connect`] the provider
//! connections, [`jobs`] its tab, [`history`] the history browser and its import
//! dialog, [`stats`] and [`stats_tab`] the Stats tab ([`dates`]: local dates for
//! both), [`live`] the live events,
//! [`dialogs`] the confirmations, choosers and small forms on top, [`form`] and
//! [`rows`] the building blocks, [`calls`] the authenticated calls as data.
//!
//! While signed in the app asks for the live event stream ([`Effect::StartEvents`])
//! and drops it on the way out; the client keeps it open and reports back.

pub mod auth;
pub mod calls;
pub mod connect;
pub mod connections;
pub mod dialogs;
pub mod form;
pub mod history;
pub mod jobs;
pub mod lists;
pub mod live;
pub mod providers;
pub mod rows;
pub mod signed_in;
pub mod stats;
pub mod stats_tab;

use std::path::PathBuf;

use spotter_proto::{
    PROTOCOL_VERSION,
    locations::Mode,
    v1::{Event, SignInMethod},
};

pub use crate::dates::Zone;
pub use auth::{AuthState, Identity, SetupState};
pub use calls::{Call, CallError, Reply};
pub use history::import::ImportEvent;
pub use signed_in::{Main, Tab};

use crate::{problem::Problem, secret::Secret, socket::SocketTarget, status::DaemonStatus};

/// What a user can ask for. The keymap binds keys to these; the footer and the
/// help screen are generated from the bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    /// Close whatever is open on top (help, a dialog), or quit when nothing is.
    Back,
    Refresh,
    ToggleHelp,
    ShowTab(Tab),
    NextTab,
    SignOut,
    Up,
    Down,
    PageUp,
    PageDown,
    Revoke,
    RevokeOthers,
    Filter,
    ChangeRole,
    ToggleDisabled,
    DeleteUser,
    NewUser,
    /// Users: which Navidrome account the selected user may connect.
    NavidromeAccount,
    ClearLockout,
    OlderPage,
    Connect,
    Disconnect,
    ToggleSubmission,
    RunJob,
    /// History sync from each source's very first listen.
    SyncEverything,
    CancelJob,
    /// History: search as you type.
    Search,
    /// History: filter by artist, album, title, source, dates.
    FilterHistory,
    JumpToDate,
    ClearFilters,
    Import,
    /// History: the selected listen in full.
    Details,
    /// History: back to the newest listen.
    Newest,
    /// Stats: the period.
    PeriodWeek,
    PeriodMonth,
    PeriodYear,
    PeriodAllTime,
    NextPeriod,
    NextField,
    PrevField,
    SwitchMethod,
    DeleteChar,
    Submit,
    Yes,
    No,
}

impl Command {
    /// A word or two for the footer; `None` keeps it out of the footer (help
    /// still lists it).
    pub fn label(self) -> Option<&'static str> {
        Some(match self {
            Command::Quit => "quit",
            Command::Back => "back",
            Command::Refresh => "refresh",
            Command::ToggleHelp => "help",
            Command::SignOut => "sign out",
            Command::Revoke => "revoke",
            Command::RevokeOthers => "revoke others",
            Command::Filter => "filter",
            Command::ChangeRole => "role",
            Command::ToggleDisabled => "disable",
            Command::DeleteUser => "delete",
            Command::NewUser => "new user",
            Command::ClearLockout => "clear",
            Command::OlderPage => "older",
            Command::Connect => "connect",
            Command::Disconnect => "disconnect",
            Command::ToggleSubmission => "submission",
            Command::RunJob => "sync now",
            Command::SyncEverything => "sync all history",
            Command::CancelJob => "cancel",
            Command::Search => "search",
            Command::FilterHistory => "filter",
            Command::JumpToDate => "go to date",
            Command::ClearFilters => "clear",
            Command::Import => "import",
            Command::Details => "details",
            Command::NextPeriod => "period",
            Command::NextField => "next field",
            Command::SwitchMethod => "method",
            Command::Submit => "submit",
            Command::Yes => "yes",
            Command::No => "no",
            Command::ShowTab(_)
            | Command::NextTab
            | Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::PrevField
            | Command::NavidromeAccount
            | Command::DeleteChar
            | Command::Newest
            | Command::PeriodWeek
            | Command::PeriodMonth
            | Command::PeriodYear
            | Command::PeriodAllTime => return None,
        })
    }

    /// One line for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "quit spotter (the daemon keeps running)",
            Command::Back => "close what is open, or quit",
            Command::Refresh => "refresh now; retry reaching the daemon",
            Command::ToggleHelp => "show or hide this help",
            Command::ShowTab(_) => "switch to that tab",
            Command::NextTab => "next tab",
            Command::SignOut => "sign out of this session",
            Command::Up => "select the row above",
            Command::Down => "select the row below (loads older rows at the end)",
            Command::PageUp => "up one page",
            Command::PageDown => "down one page (loads older rows at the end)",
            Command::Revoke => "revoke the selected session (asks first)",
            Command::RevokeOthers => "revoke every other session (asks first)",
            Command::Filter => "filter users by name",
            Command::ChangeRole => "change the selected user's role",
            Command::ToggleDisabled => "disable or re-enable the selected user",
            Command::DeleteUser => "delete the selected user (asks first)",
            Command::NewUser => "create a local user",
            Command::NavidromeAccount => {
                "let the selected user connect a Navidrome account not named like them"
            }
            Command::ClearLockout => "clear the selected lockout (asks first)",
            Command::OlderPage => "load the next, older page",
            Command::Connect => "connect or reconnect the selected provider",
            Command::Disconnect => "disconnect the selected provider (asks first)",
            Command::ToggleSubmission => "ListenBrainz: submit your other listens, or stop",
            Command::RunJob => "run the selected job now",
            Command::SyncEverything => "history sync from the very first listen of every source",
            Command::CancelJob => "cancel the selected job's run",
            Command::Search => "search artist, album and title as you type",
            Command::FilterHistory => "filter by artist, album, title, source or dates",
            Command::JumpToDate => "go to a date (YYYY-MM-DD) and older",
            Command::ClearFilters => "clear the search, filters and date",
            Command::Import => "import a Last.fm, ListenBrainz or Spotify export",
            Command::Details => "the selected listen in full (Esc closes)",
            Command::Newest => "back to the newest listen",
            Command::PeriodWeek => "the last 7 days",
            Command::PeriodMonth => "the last 30 days",
            Command::PeriodYear => "the last 365 days",
            Command::PeriodAllTime => "all time",
            Command::NextPeriod => "the next period",
            Command::NextField => "next field",
            Command::PrevField => "previous field",
            Command::SwitchMethod => "switch Local / Navidrome (on the method field)",
            Command::DeleteChar => "delete the last character",
            Command::Submit => "submit",
            Command::Yes => "yes, do it",
            Command::No => "no, cancel",
        }
    }
}

/// The groups of keys that can be live. The app says which are live right now
/// ([`App::key_scopes`]), most specific first; the keymap binds keys per scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Live everywhere, even while typing (Ctrl-C).
    Always,
    /// Any screen that is not taking typed text.
    Screen,
    /// The signed-in screens: switching tabs, signing out.
    Tabs,
    /// Moving through a list.
    List,
    Sessions,
    Users,
    Lockouts,
    Audit,
    Connections,
    Jobs,
    History,
    Stats,
    /// A form taking typed text; unbound characters are typed into it.
    Form,
    Confirm,
    Chooser,
    /// A browser approval waiting for the user to say it is done (Last.fm).
    Approval,
    /// The import dialog when it has finished (Enter or Esc closes).
    Import,
    /// The import dialog while the import runs (Esc cancels it).
    ImportRunning,
}

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

/// Work the app asks the outside world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Call `System.GetStatus`, (re)connecting first if needed; when nobody listens,
    /// start a daemon only if `may_start_daemon`.
    FetchStatus {
        may_start_daemon: bool,
    },
    GetSetupState,
    Setup {
        method: SignInMethod,
        username: String,
        password: Secret,
        setup_code: Secret,
    },
    SignIn {
        method: SignInMethod,
        username: String,
        password: Secret,
    },
    /// Refresh the stored session, if there is one.
    ResumeSession,
    RefreshTokens,
    /// An authenticated call; `retried` once it follows a refresh.
    Call {
        call: Call,
        retried: bool,
    },
    /// End the session at the daemon and forget the stored token.
    SignOut,
    /// Keep the live event stream open (on its own connection, resuming after
    /// breaks) until [`Effect::StopEvents`].
    StartEvents,
    StopEvents,
    /// Stream the file at `path` (`~` expanded by the client) through
    /// `History.Import`, reporting back with [`Action::Import`], beside the other
    /// effects.
    Import {
        id: u64,
        path: String,
        format: String,
    },
    /// Stop the import `id` (what the daemon has stored stays).
    CancelImport {
        id: u64,
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
mod tests;
