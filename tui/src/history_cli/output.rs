//! How a subcommand ends, and its stdout.

use std::io::{self, Write};

use crate::safe_text::escape_controls_in_lines;

/// How a command ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    Done,
    /// Something failed and was already reported.
    Failed,
}

/// Writes to stdout; a reader that went away (`| head`) ends the command quietly.
pub(crate) struct Stdout {
    out: io::BufWriter<io::Stdout>,
    closed: bool,
}

impl Stdout {
    pub(crate) fn new() -> Self {
        Stdout {
            out: io::BufWriter::new(io::stdout()),
            closed: false,
        }
    }

    /// Human-readable lines: the fields were escaped already, and whatever slipped
    /// through is escaped here, line breaks kept.
    pub(crate) fn write_text(&mut self, text: &str) -> Result<bool, String> {
        self.write(escape_controls_in_lines(text).as_bytes())
    }

    /// False once the reader is gone; an error other than that is returned. The
    /// bytes must be terminal-safe already (JSON from `json_line`, a `SafeStream`).
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<bool, String> {
        if self.closed {
            return Ok(false);
        }
        match self.out.write_all(bytes) {
            Ok(()) => Ok(true),
            Err(err) => self.failed(err),
        }
    }

    pub(crate) fn flush(&mut self) -> Result<bool, String> {
        if self.closed {
            return Ok(false);
        }
        match self.out.flush() {
            Ok(()) => Ok(true),
            Err(err) => self.failed(err),
        }
    }

    pub(crate) fn failed(&mut self, err: io::Error) -> Result<bool, String> {
        if err.kind() == io::ErrorKind::BrokenPipe {
            self.closed = true;
            Ok(false)
        } else {
            Err(format!("cannot write to stdout: {err}"))
        }
    }
}
