//! A failure as the user sees it: what happened, how to fix it, and any evidence
//! (the daemon's last log lines). Plain data, so the app state stays free of error
//! types and the screens can be tested with fixed text.

use spotter_proto::locations::LocationError;

use crate::{
    client::ClientError,
    daemon_launch::{LaunchError, ReachError},
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub reason: String,
    pub hint: String,
    /// Supporting lines, oldest first (e.g. the tail of the daemon log).
    pub details: Vec<String>,
}

impl Problem {
    pub fn new(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        Problem {
            reason: reason.into(),
            hint: hint.into(),
            details: Vec::new(),
        }
    }
}

impl std::fmt::Display for Problem {
    /// The form printed on stderr by the scriptable subcommands.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.reason)?;
        if !self.details.is_empty() {
            writeln!(f, "last lines of the daemon log:")?;
            for line in &self.details {
                writeln!(f, "  {line}")?;
            }
        }
        write!(f, "hint: {}", self.hint)
    }
}

impl From<&ClientError> for Problem {
    fn from(err: &ClientError) -> Self {
        Problem::new(err.to_string(), err.hint())
    }
}

impl From<&LaunchError> for Problem {
    fn from(err: &LaunchError) -> Self {
        Problem {
            reason: format!("could not start spotterd: {err}"),
            hint: err.hint(),
            details: err.log_tail().to_vec(),
        }
    }
}

impl From<&ReachError> for Problem {
    fn from(err: &ReachError) -> Self {
        match err {
            ReachError::Client(e) => e.into(),
            ReachError::Launch(e) => e.into(),
        }
    }
}

impl From<&LocationError> for Problem {
    fn from(err: &LocationError) -> Self {
        Problem::new(
            format!("cannot determine the daemon socket: {err}"),
            "pass an absolute path with --socket, or fix SPOTTER_SOCKET / XDG_RUNTIME_DIR",
        )
    }
}
