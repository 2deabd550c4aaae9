//! The wire side of an upload: the client stream's first message (the start) and the
//! rest as [`Upload`]s, for every RPC that takes a file.

use std::time::Duration;

use futures::{Stream, StreamExt};
use tonic::{Status, Streaming};

use crate::service::upload::{Upload, stalled};

/// Waits at most `idle` for the upload's first message and takes its start with
/// `start` (INVALID_ARGUMENT when it is none); the rest of the stream comes back as
/// [`Upload`]s, file data picked out by `chunk`.
pub async fn receive<M, S>(
    mut input: Streaming<M>,
    idle: Duration,
    start: impl FnOnce(M) -> Option<S>,
    chunk: fn(M) -> Option<Vec<u8>>,
) -> Result<(S, impl Stream<Item = Upload> + Send + Unpin + 'static), Status>
where
    M: Send + 'static,
{
    let first = tokio::time::timeout(idle, input.message())
        .await
        .map_err(|_| stalled(idle))??;
    let start = first.and_then(start).ok_or_else(|| {
        Status::invalid_argument("an import starts with a message naming the file")
    })?;
    let rest = input.map(move |message| match message {
        Ok(m) => chunk(m).map_or(Upload::Unexpected, Upload::Chunk),
        Err(_) => Upload::Interrupted,
    });
    Ok((start, rest))
}
