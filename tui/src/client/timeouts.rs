//! How long the client waits: to open the socket, and for one call.

use std::time::Duration;

/// How long opening the socket may take; a local socket answers at once or never.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one call may take before the daemon counts as hung.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Timeouts for one connection; tests shorten them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub call: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: CONNECT_TIMEOUT,
            call: CALL_TIMEOUT,
        }
    }
}
