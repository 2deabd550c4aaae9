//! The TUI's state and every way it changes: `update(Action) -> Vec<Effect>`.
//!
//! Pure on purpose: no I/O, no clocks, no terminal. Keys arrive as [`Command`]s (via
//! `keymap`), daemon results as [`Action`]s (via `client::effects`), and whatever
//! must happen outside is returned as [`Effect`]s for the effect runner.

use std::path::PathBuf;

use spotter_proto::{PROTOCOL_VERSION, locations::Mode};

use crate::{problem::Problem, socket::SocketTarget, status::DaemonStatus};

/// What a user can ask for. The keymap binds keys to these and the help screen is
/// generated from [`Command::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    /// Close the help overlay, or quit when nothing is open.
    Back,
    Refresh,
    ToggleHelp,
}

impl Command {
    /// Every command, in help-screen order.
    pub const ALL: [Command; 4] = [
        Command::Quit,
        Command::Back,
        Command::Refresh,
        Command::ToggleHelp,
    ];

    /// One word for the footer.
    pub fn label(self) -> &'static str {
        match self {
            Command::Quit => "quit",
            Command::Back => "back",
            Command::Refresh => "refresh",
            Command::ToggleHelp => "help",
        }
    }

    /// One line for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Command::Quit => "quit spotter (the daemon keeps running)",
            Command::Back => "close help, or quit",
            Command::Refresh => "refresh now; retry starting the daemon",
            Command::ToggleHelp => "show or hide this help",
        }
    }
}

/// Everything that can happen to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Command(Command),
    /// The slow clock: keeps status and uptime fresh and retries a lost daemon.
    Tick,
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
}

/// Work the app asks the outside world to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Call `System.GetStatus`, (re)connecting first if needed; when nobody listens,
    /// start a daemon only if `may_start_daemon`.
    FetchStatus { may_start_daemon: bool },
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
    pub connection: Connection,
    pub show_help: bool,
    should_quit: bool,
    fetch_in_flight: bool,
    /// Set after a failed start so a broken daemon is not restarted every tick;
    /// cleared by an explicit refresh.
    launch_failed: bool,
}

impl App {
    pub fn new(socket: SocketTarget, colour: bool) -> Self {
        App {
            socket,
            client_protocol_version: PROTOCOL_VERSION,
            colour,
            connection: Connection::Connecting,
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

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Command(command) => self.command(command),
            Action::Tick => self.fetch_status(),
            Action::StatusLoaded(status) => {
                self.fetch_in_flight = false;
                self.connection = Connection::Connected(status);
                Vec::new()
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
        }
    }

    fn command(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Quit => self.should_quit = true,
            Command::Back if self.show_help => self.show_help = false,
            Command::Back => self.should_quit = true,
            Command::ToggleHelp => self.show_help = !self.show_help,
            Command::Refresh => {
                self.launch_failed = false;
                return self.fetch_status();
            }
        }
        Vec::new()
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
