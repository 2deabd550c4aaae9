//! The `spotter` binary: parses flags and hands over to the library.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use spotter_tui::{event_loop, problem::Problem, session_command, socket, status_command};

/// Terminal client for spotterd. Without a subcommand, opens the TUI (starting a
/// personal daemon when none is running).
#[derive(Debug, Parser)]
#[command(name = "spotter", version)]
struct Cli {
    /// Daemon socket; overrides SPOTTER_SOCKET and the default location.
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,

    #[command(subcommand)]
    command: Option<Subcommands>,
}

#[derive(Debug, Subcommand)]
enum Subcommands {
    /// Print the daemon's status and exit (non-zero when it cannot be reached).
    Status {
        /// Print one JSON object instead of `key: value` lines.
        #[arg(long)]
        json: bool,
        /// Start a personal daemon if none is running (off by default so scripts see
        /// whether one really is).
        #[arg(long)]
        start: bool,
    },
    /// Sign in and keep the session for the TUI and later commands. The password is
    /// read from stdin when it is not a terminal, else prompted for without echo.
    /// Starts a personal daemon when none is running.
    SignIn {
        #[arg(long)]
        username: String,
        /// Check the password against Navidrome instead of a local account.
        #[arg(long)]
        navidrome: bool,
    },
    /// End the stored session for this socket and delete it (exit 0 when there
    /// was none).
    SignOut,
}

// One thread is plenty for a client, and keeps the footprint small over SSH.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let target = match socket::locate(cli.socket) {
        Ok(target) => target,
        Err(err) => {
            eprintln!("spotter: {}", Problem::from(&err));
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Some(Subcommands::Status { json, start }) => {
            status_command::run(&target, json, start).await
        }
        Some(Subcommands::SignIn {
            username,
            navidrome,
        }) => session_command::sign_in(&target, &username, navidrome).await,
        Some(Subcommands::SignOut) => session_command::sign_out(&target).await,
        None => match event_loop::run(target).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("spotter: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}
