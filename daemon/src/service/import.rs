//! Importing export files sent over the socket, streamed end to end:
//!
//! ```text
//! gRPC chunks ─▶ channel (4 chunks) ─▶ blocking thread: history_import::Reader
//!     ─▶ channel (2 pages of PAGE plays) ─▶ Store::record_listens(…, "import", …)
//! ```
//!
//! Both channels are bounded, so memory stays at a few chunks and pages whatever the
//! file's size, and a slow database slows the upload (HTTP/2 flow control) instead
//! of buffering it. Parsing runs on its own thread while the previous page is
//! written, so the two cores share the work.
//!
//! Each page is one transaction through the same dedupe as sync: a re-import finds
//! every play already known, and an import that stops half way (client gone, daemon
//! stopped) keeps the pages it committed; importing the file again adds the rest.

use std::{io::Read, sync::Arc, time::Duration};

use spotter_proto::v1;
use tokio::sync::{Semaphore, mpsc};
use tokio_stream::{StreamExt, wrappers::ReceiverStream};
use tonic::{Status, Streaming};

use crate::{
    events::{self, EventBus},
    history_import::{self, Format, ImportOptions, Item},
    providers::RemoteListen,
    store::{Store, listens::IMPORT_SOURCE},
};

/// Plays per transaction.
pub const PAGE: usize = 5_000;
/// Bad rows reported line by line (all are counted).
pub const MAX_BAD_ROWS: usize = 100;
/// Largest chunk accepted.
pub const MAX_CHUNK: usize = 1 << 20;
/// Imports running at once across all users; more wait their turn.
pub const MAX_IMPORTS: usize = 2;
/// Progress messages are sent at most this often (and at the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct Importer {
    store: Store,
    events: Arc<EventBus>,
    min_play_ms: u64,
    running: Arc<Semaphore>,
}

/// What the reader thread hands over: a page of plays and what it saw on the way.
struct Parsed {
    plays: Vec<RemoteListen>,
    skipped: u64,
    bad: Vec<v1::BadRow>,
    bad_count: u64,
    bytes_read: u64,
    format: Format,
}

/// `Read` over chunks arriving on a channel; ends when the sender does.
struct ChunkReader {
    rx: mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.chunk.len() {
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The file's base name, for messages only.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

impl Importer {
    pub fn new(store: Store, events: Arc<EventBus>, min_play_ms: u64) -> Self {
        Importer {
            store,
            events,
            min_play_ms,
            running: Arc::new(Semaphore::new(MAX_IMPORTS)),
        }
    }

    /// Reads the first message (the file's description) and starts the import;
    /// progress streams back on the returned stream.
    pub async fn start(
        &self,
        user_id: i64,
        mut input: Streaming<v1::ImportRequest>,
    ) -> Result<ReceiverStream<Result<v1::ImportProgress, Status>>, Status> {
        let start = match input.message().await? {
            Some(v1::ImportRequest {
                part: Some(v1::import_request::Part::Start(start)),
            }) => start,
            _ => {
                return Err(Status::invalid_argument(
                    "an import starts with a message naming the file",
                ));
            }
        };
        let format: Format = match start.format.as_str() {
            "" => Format::Auto,
            name => name.parse().map_err(|_| {
                Status::invalid_argument(format!(
                    "unknown import format {:?}: use auto, lastfm-csv, lastfm-json, \
                     listenbrainz, spotify or spotify-extended",
                    name.chars().take(40).collect::<String>()
                ))
            })?,
        };
        let options = ImportOptions {
            min_play_ms: match start.min_play_ms {
                0 => self.min_play_ms,
                ms => u64::from(ms),
            },
            format,
        };
        let (progress_tx, progress_rx) = mpsc::channel(8);
        let this = self.clone();
        let file = base_name(&start.file_name).to_owned();
        tokio::spawn(async move {
            let Ok(_permit) = this.running.clone().acquire_owned().await else {
                return;
            };
            let result = this
                .run(user_id, input, options, start.size, &progress_tx)
                .await;
            match result {
                Ok(report) => {
                    tracing::info!(
                        user_id,
                        added = report.added,
                        merged = report.merged,
                        duplicates = report.duplicates,
                        skipped = report.skipped,
                        bad = report.bad,
                        "import finished"
                    );
                    if report.added > 0 {
                        this.events
                            .publish(user_id, events::new_listens(IMPORT_SOURCE, report.added));
                    }
                    let _ = progress_tx.send(Ok(report)).await;
                }
                Err(status) => {
                    tracing::info!(user_id, code = ?status.code(), "import stopped");
                    let status = if status.code() == tonic::Code::InvalidArgument {
                        Status::invalid_argument(format!("{file}: {}", status.message()))
                    } else {
                        status
                    };
                    let _ = progress_tx.send(Err(status)).await;
                }
            }
        });
        Ok(ReceiverStream::new(progress_rx))
    }

    async fn run(
        &self,
        user_id: i64,
        mut input: Streaming<v1::ImportRequest>,
        options: ImportOptions,
        size: u64,
        progress: &mpsc::Sender<Result<v1::ImportProgress, Status>>,
    ) -> Result<v1::ImportProgress, Status> {
        let (chunk_tx, chunk_rx) = mpsc::channel(4);
        // Upload: chunks from the client into the reader's channel.
        let upload = tokio::spawn(async move {
            loop {
                let item = match input.next().await {
                    None => return,
                    Some(Ok(v1::ImportRequest {
                        part: Some(v1::import_request::Part::Chunk(chunk)),
                    })) if chunk.len() <= MAX_CHUNK => Ok(chunk),
                    Some(Ok(_)) => Err(std::io::Error::other(
                        "expected file data of at most 1 MiB per message",
                    )),
                    Some(Err(_)) => Err(std::io::Error::other("the upload was interrupted")),
                };
                let stop = item.is_err();
                if chunk_tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        let (page_tx, mut page_rx) = mpsc::channel::<Result<Parsed, Status>>(2);
        let reader = tokio::task::spawn_blocking(move || read_pages(chunk_rx, options, page_tx));
        let mut report = v1::ImportProgress {
            size,
            ..Default::default()
        };
        let mut last_sent = tokio::time::Instant::now();
        let mut failure = None;
        while let Some(parsed) = page_rx.recv().await {
            let parsed = match parsed {
                Ok(p) => p,
                Err(status) => {
                    failure = Some(status);
                    break;
                }
            };
            report.format = parsed.format.to_string();
            report.bytes_read = parsed.bytes_read;
            report.plays += parsed.plays.len() as u64;
            report.skipped += parsed.skipped;
            report.bad += parsed.bad_count;
            let room = MAX_BAD_ROWS.saturating_sub(report.bad_rows.len());
            report.bad_rows.extend(parsed.bad.into_iter().take(room));
            if !parsed.plays.is_empty() {
                let outcome = self
                    .store
                    .record_listens(user_id, IMPORT_SOURCE, &parsed.plays, None)
                    .await?;
                report.added += outcome.added;
                report.merged += outcome.merged;
                report.duplicates += outcome.known;
            }
            if last_sent.elapsed() >= PROGRESS_EVERY {
                last_sent = tokio::time::Instant::now();
                // A client that stopped reading progress still gets its file imported.
                let _ = progress.try_send(Ok(report.clone()));
            }
        }
        upload.abort();
        let _ = reader.await;
        if let Some(status) = failure {
            return Err(status);
        }
        report.done = true;
        Ok(report)
    }
}

/// The reader thread: parses the file and hands over pages of plays.
fn read_pages(
    chunks: mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
    options: ImportOptions,
    pages: mpsc::Sender<Result<Parsed, Status>>,
) {
    let input = ChunkReader {
        rx: chunks,
        chunk: Vec::new(),
        pos: 0,
    };
    let mut reader = match history_import::Reader::new(input, options) {
        Ok(r) => r,
        Err(e) => {
            let _ = pages.blocking_send(Err(Status::invalid_argument(e.to_string())));
            return;
        }
    };
    let format = reader.format();
    let fresh = || Parsed {
        plays: Vec::with_capacity(PAGE),
        skipped: 0,
        bad: Vec::new(),
        bad_count: 0,
        bytes_read: 0,
        format,
    };
    let mut page = fresh();
    loop {
        let item = reader.next();
        let end = item.is_none();
        match item {
            Some(Item::Play { listen, .. }) => page.plays.push(listen),
            Some(Item::Skipped { .. }) => page.skipped += 1,
            Some(Item::Bad { line, reason }) => {
                page.bad_count += 1;
                if page.bad.len() < MAX_BAD_ROWS {
                    page.bad.push(v1::BadRow { line, reason });
                }
            }
            None => {}
        }
        if end || page.plays.len() >= PAGE {
            page.bytes_read = reader.bytes_read();
            if pages.blocking_send(Ok(page)).is_err() {
                return;
            }
            if end {
                // The upload broke off: what was committed stays, but the import did
                // not finish, and must not say so.
                if reader.take_io_error().is_some() {
                    let _ = pages.blocking_send(Err(Status::aborted(
                        "the upload stopped early (interrupted, or a message that was not file data of \
                         at most 1 MiB); importing the file again adds the rest",
                    )));
                }
                return;
            }
            page = fresh();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_base_name_is_kept() {
        assert_eq!(
            base_name("/home/ann/exports/StreamingHistory0.json"),
            "StreamingHistory0.json"
        );
        assert_eq!(base_name("C:\\Users\\x\\a.csv"), "a.csv");
        assert_eq!(base_name("plain.jsonl"), "plain.jsonl");
    }

    #[test]
    fn the_chunk_reader_reads_across_chunks_and_reports_errors() {
        let (tx, rx) = mpsc::channel(4);
        tx.try_send(Ok(b"ab".to_vec())).unwrap();
        tx.try_send(Ok(Vec::new())).unwrap();
        tx.try_send(Ok(b"cde".to_vec())).unwrap();
        tx.try_send(Err(std::io::Error::other("gone"))).unwrap();
        let mut r = ChunkReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        };
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert_eq!(r.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"cde");
        assert!(r.read(&mut buf).is_err());
    }
}
