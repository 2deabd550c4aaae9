//! A file uploaded over a client stream (History.Import, Playlists.ImportPlaylist):
//! after the message naming the file, each message is one of these.

use std::time::Duration;

use super::ServiceError;

/// Largest chunk of file data accepted in one message.
pub const MAX_CHUNK: usize = 1 << 20;

/// One message of an upload after its start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// File data.
    Chunk(Vec<u8>),
    /// Anything but file data.
    Unexpected,
    /// The upload broke off (the client's stream failed).
    Interrupted,
}

/// Why an upload that sent nothing for `idle` was ended.
pub fn stalled_text(idle: Duration) -> String {
    format!(
        "the upload stalled: no data for {} s",
        idle.as_secs().max(1)
    )
}

/// An upload that sent nothing for `idle`.
pub fn stalled(idle: Duration) -> ServiceError {
    ServiceError::DeadlineExceeded(stalled_text(idle))
}
