//! `spotter status [--json] [--start]`: the status screen's facts for scripts.
//!
//! Unlike the TUI it does not start a daemon unless asked (`--start`), so a script
//! sees whether one is really running.

use std::{io::Write as _, process::ExitCode};

use crate::{
    daemon_launch::connect_or_start, problem::Problem, safe_text::eprint_message,
    socket::SocketTarget, status::StatusReport,
};

/// Connects (starting a personal daemon first if `allow_start`), handshakes and
/// returns the report. Progress notes go to stderr so stdout stays parseable.
pub async fn fetch_report(
    target: &SocketTarget,
    allow_start: bool,
) -> Result<StatusReport, Problem> {
    let (_client, status) = connect_or_start(target, allow_start, |log| {
        eprint_message(format_args!(
            "spotter: starting spotterd (log: {})",
            log.display()
        ));
    })
    .await
    .map_err(|err| Problem::from(&err))?;
    Ok(StatusReport::new(status, target))
}

/// Runs the subcommand: the report on stdout and exit 0, or the problem and its
/// fix on stderr and exit 1.
pub async fn run(target: &SocketTarget, json: bool, allow_start: bool) -> ExitCode {
    match fetch_report(target, allow_start).await {
        Ok(report) => {
            let text = if json {
                format!("{}\n", report.to_json())
            } else {
                report.to_plain()
            };
            // A closed pipe (`spotter status | head -1`) is not worth a panic.
            let _ = std::io::stdout().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprint_message(format_args!(
                "spotter: cannot get the daemon status: {problem}"
            ));
            ExitCode::FAILURE
        }
    }
}
