//! The `spotter` binary: parses flags and hands over to the library.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand};
use spotter_tui::{
    client::DAEMON_USER_ENV,
    event_loop,
    history_cli::{self, ExportArgs, HistoryArgs, ImportArgs, StatsArgs},
    playlists_cli::{self, PlaylistsArgs, SyncArgs},
    problem::Problem,
    safe_text::eprint_message,
    session_command, socket, status_command,
};

/// Terminal client for spotterd. Without a subcommand, opens the TUI (starting a
/// personal daemon when none is running).
#[derive(Debug, Parser)]
#[command(name = "spotter", version)]
struct Cli {
    /// Daemon socket; overrides SPOTTER_SOCKET and the default location.
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,

    /// The user the system service runs as (a name or a uid; default `spotter`).
    /// The system socket is trusted only when served by this user or root, a
    /// --socket / SPOTTER_SOCKET path also when served by you; the personal
    /// socket only when served by you.
    #[arg(long, global = true, value_name = "USER", env = DAEMON_USER_ENV)]
    daemon_user: Option<String>,

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
    /// Print listens, newest first: aligned columns, or JSON lines with --json.
    /// Uses the session stored by `spotter sign-in`.
    History(HistoryArgs),
    /// Print top artists, albums and tracks, activity and discoveries for a period.
    Stats(StatsArgs),
    /// Import export files (Last.fm, ListenBrainz, Spotify); a summary line per
    /// file on stdout. Exit 1 when any file could not be imported.
    Import(ImportArgs),
    /// Write the listening history (or the filtered part) as JSON lines or CSV,
    /// which `spotter import` reads back.
    Export(ExportArgs),
    /// Playlists: list, show, import and export files, push to Navidrome, match
    /// again. PLAYLIST is an id or an exact name.
    Playlists(PlaylistsArgs),
    /// Run a job now (history, library or playlists sync); with --wait, wait for
    /// its end and exit 1 when it failed or was cancelled.
    Sync(SyncArgs),
}

// One thread is plenty for a client, and keeps the footprint small over SSH.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let target = match socket::locate(cli.socket, cli.daemon_user.as_deref()) {
        Ok(target) => target,
        Err(err) => {
            eprint_message(format_args!("spotter: {}", Problem::from(&err)));
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
        Some(Subcommands::History(args)) => history_cli::history(&target, &args).await,
        Some(Subcommands::Stats(args)) => history_cli::stats(&target, &args).await,
        Some(Subcommands::Import(args)) => history_cli::import(&target, &args).await,
        Some(Subcommands::Export(args)) => history_cli::export(&target, &args).await,
        Some(Subcommands::Playlists(args)) => playlists_cli::playlists(&target, &args).await,
        Some(Subcommands::Sync(args)) => playlists_cli::sync(&target, &args).await,
        None => match event_loop::run(target).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprint_message(format_args!("spotter: {err:#}"));
                ExitCode::FAILURE
            }
        },
    }
}
