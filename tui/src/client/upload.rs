//! Streams a file through `History.Import` (or `Playlists.ImportPlaylist`) as
//! the daemon wants it: a start message, then the file in chunks, read only as
//! fast as the call sends them (the TUI's import dialogs and `spotter import` /
//! `spotter playlists import` use it).

use futures::{SinkExt as _, Stream};
use spotter_proto::v1::{ImportRequest, ImportStart, import_request::Part};
use tokio::io::AsyncReadExt as _;

/// Bytes per message (the daemon takes up to 1 MiB).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The messages of one `History.Import` call for `file`: `start`, then the file in
/// [`CHUNK_BYTES`] chunks. The returned future feeds the stream: it reads the file
/// only as fast as the call sends it (one chunk waits besides the one in flight), so
/// memory stays at a few chunks; it ends with the file, or early when the call
/// stopped taking messages (the daemon refused the file: its answer says why), and
/// fails with a read error. `sent` hears the bytes handed over so far.
pub fn file_messages(
    file: tokio::fs::File,
    start: ImportStart,
    sent: impl Fn(u64) + Send + 'static,
) -> (
    impl Stream<Item = ImportRequest> + Send + 'static,
    impl Future<Output = std::io::Result<()>> + Send + 'static,
) {
    let start = ImportRequest {
        part: Some(Part::Start(start)),
    };
    let chunk = |bytes| ImportRequest {
        part: Some(Part::Chunk(bytes)),
    };
    chunked_messages(file, start, chunk, sent)
}

/// The same for any import call whose messages are `start`, then `chunk(bytes)`.
pub fn chunked_messages<M: Send + 'static>(
    mut file: tokio::fs::File,
    start: M,
    chunk: impl Fn(Vec<u8>) -> M + Send + 'static,
    sent: impl Fn(u64) + Send + 'static,
) -> (
    impl Stream<Item = M> + Send + 'static,
    impl Future<Output = std::io::Result<()>> + Send + 'static,
) {
    let wrap = chunk;
    let (mut tx, rx) = futures::channel::mpsc::channel(1);
    let read = async move {
        if tx.send(start).await.is_err() {
            return Ok(());
        }
        let mut total = 0;
        loop {
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            (&mut file)
                .take(CHUNK_BYTES as u64)
                .read_to_end(&mut chunk)
                .await?;
            if chunk.is_empty() {
                return Ok(());
            }
            total += chunk.len() as u64;
            if tx.send(wrap(chunk)).await.is_err() {
                return Ok(());
            }
            sent(total);
        }
        // Dropping `tx` ends the upload: the daemon then finishes.
    };
    (rx, read)
}
