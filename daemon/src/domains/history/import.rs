//! Importing export files sent over the socket, streamed end to end:
//!
//! ```text
//! upload chunks ─▶ channel (4 chunks) ─▶ blocking thread: history_import::Reader
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
//!
//! Bounds, so that one user's upload can neither exhaust the daemon nor keep others
//! waiting (issue 10, finding 1): a page is at most [`PAGE`] plays *and* about
//! [`PAGE_BYTES`] of text (names are cut to 1,024 bytes when parsed), so memory stays
//! flat whatever the file holds and a page's transaction stays short; each user runs
//! one import at a time and at most `history.max_concurrent_imports` run in all (a
//! further one is refused, never queued); an upload that sends nothing for
//! `history.import_idle_timeout_secs` is ended, releasing its slot.

use std::{io::Read, sync::Arc, time::Duration};

use futures::Stream;
use tokio::sync::mpsc;
use tokio_stream::{StreamExt, wrappers::ReceiverStream};

use crate::{
    domains::history::{
        formats::{self as history_import, Format, ImportOptions, Item},
        store::listens::IMPORT_SOURCE,
    },
    events::{self, EventBus},
    providers::RemoteListen,
    service::{
        ServiceError,
        slots::UserSlots,
        upload::{MAX_CHUNK, Upload, stalled_text},
    },
    store::Store,
};

/// Plays per transaction at most.
pub const PAGE: usize = 1_000;
/// Text per transaction at most (names, ids and a fixed allowance per play): a page
/// of long names is fewer plays, so a transaction never holds much more than this.
pub const PAGE_BYTES: usize = 1 << 20;
/// What a play costs in a page besides its text.
const PLAY_OVERHEAD_BYTES: usize = 64;
/// Bad rows reported line by line (all are counted).
pub const MAX_BAD_ROWS: usize = 100;
/// Progress messages are sent at most this often (and at the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// How many imports may run and how long an upload may stall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportLimits {
    /// Imports running at once, all users together.
    pub max_running: usize,
    /// An upload that sends nothing for this long is ended.
    pub idle_timeout: Duration,
}

/// What an upload's first message says about the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportStart {
    pub file_name: String,
    /// A format name, or empty for "recognise it".
    pub format: String,
    pub size: u64,
    /// Spotify: plays shorter than this are skipped; 0 = the configured default.
    pub min_play_ms: u32,
}

/// A bad row, or a play imported with a name cut, by line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// How an import is going; the last report of a finished one is `done`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub format: String,
    pub bytes_read: u64,
    pub size: u64,
    pub plays: u64,
    pub added: u64,
    pub merged: u64,
    pub duplicates: u64,
    pub skipped: u64,
    pub bad: u64,
    pub bad_rows: Vec<BadRow>,
    pub done: bool,
    pub cut: u64,
}

/// An import's reports as it goes; it ends with a `done` report or an error.
pub type Reports = ReceiverStream<Result<ImportReport, ServiceError>>;

#[derive(Clone)]
pub struct Importer {
    store: Store,
    events: Arc<EventBus>,
    min_play_ms: u64,
    limits: ImportLimits,
    /// One import per user and `max_running` in all.
    slots: Arc<UserSlots>,
}

/// What the reader thread hands over: a page of plays and what it saw on the way.
struct Parsed {
    plays: Vec<RemoteListen>,
    /// Text held by `plays`, as counted against [`PAGE_BYTES`].
    bytes: usize,
    skipped: u64,
    /// Bad rows, and plays imported with a name cut, by line (the first few).
    bad: Vec<BadRow>,
    bad_count: u64,
    cut_count: u64,
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
    pub fn new(
        store: Store,
        events: Arc<EventBus>,
        min_play_ms: u64,
        limits: ImportLimits,
    ) -> Self {
        Importer {
            store,
            events,
            min_play_ms,
            limits,
            slots: Arc::new(UserSlots::new("an import", "imports", limits.max_running)),
        }
    }

    /// How long an upload may send nothing (its first message included).
    pub fn idle_timeout(&self) -> Duration {
        self.limits.idle_timeout
    }

    /// Starts the import of the file `start` describes, whose data `input` brings;
    /// progress streams back on the returned stream.
    pub async fn start<S>(
        &self,
        user_id: i64,
        start: ImportStart,
        input: S,
    ) -> Result<Reports, ServiceError>
    where
        S: Stream<Item = Upload> + Send + Unpin + 'static,
    {
        let format: Format = match start.format.as_str() {
            "" => Format::Auto,
            name => name.parse().map_err(|_| {
                ServiceError::InvalidArgument(format!(
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
        let slot = self.slots.claim(user_id)?;
        let (progress_tx, progress_rx) = mpsc::channel(8);
        // The first message says the import has its slot and is under way.
        let _ = progress_tx.try_send(Ok(ImportReport {
            format: match format {
                Format::Auto => String::new(),
                known => known.to_string(),
            },
            size: start.size,
            ..Default::default()
        }));
        let this = self.clone();
        let file = base_name(&start.file_name).to_owned();
        tokio::spawn(async move {
            let result = this
                .run(user_id, input, options, start.size, &progress_tx)
                .await;
            drop(slot);
            // A client that stopped reading cannot keep this task (or anything else)
            // waiting for room for the last message.
            let send_last = |last| async {
                let _ =
                    tokio::time::timeout(this.limits.idle_timeout, progress_tx.send(last)).await;
            };
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
                            .publish(user_id, events::imported_listens(report.added));
                    }
                    send_last(Ok(report)).await;
                }
                Err(error) => {
                    tracing::info!(user_id, error = %error, "import stopped");
                    let error = match error {
                        ServiceError::InvalidArgument(m) => {
                            ServiceError::InvalidArgument(format!("{file}: {m}"))
                        }
                        other => other,
                    };
                    send_last(Err(error)).await;
                }
            }
        });
        Ok(ReceiverStream::new(progress_rx))
    }

    async fn run<S>(
        &self,
        user_id: i64,
        mut input: S,
        options: ImportOptions,
        size: u64,
        progress: &mpsc::Sender<Result<ImportReport, ServiceError>>,
    ) -> Result<ImportReport, ServiceError>
    where
        S: Stream<Item = Upload> + Send + Unpin + 'static,
    {
        let (chunk_tx, chunk_rx) = mpsc::channel(4);
        let idle = self.limits.idle_timeout;
        // Upload: chunks from the client into the reader's channel. Only the wait for
        // the client counts towards the idle timeout; waiting for room in the channel
        // (the database is slower than the upload) does not.
        let upload = tokio::spawn(async move {
            loop {
                let Ok(next) = tokio::time::timeout(idle, input.next()).await else {
                    let _ = chunk_tx
                        .send(Err(std::io::Error::other(stalled_text(idle))))
                        .await;
                    return;
                };
                let item = match next {
                    None => return,
                    Some(Upload::Chunk(chunk)) if chunk.len() <= MAX_CHUNK => Ok(chunk),
                    Some(Upload::Chunk(_) | Upload::Unexpected) => Err(std::io::Error::other(
                        "the upload stopped early: expected file data of at most 1 MiB per message",
                    )),
                    Some(Upload::Interrupted) => Err(std::io::Error::other(
                        "the upload stopped early: it was interrupted",
                    )),
                };
                let stop = item.is_err();
                if chunk_tx.send(item).await.is_err() || stop {
                    return;
                }
            }
        });
        let (page_tx, mut page_rx) = mpsc::channel::<Result<Parsed, ServiceError>>(2);
        let reader = tokio::task::spawn_blocking(move || read_pages(chunk_rx, options, page_tx));
        let mut report = ImportReport {
            size,
            ..Default::default()
        };
        let mut last_sent = tokio::time::Instant::now();
        let mut failure = None;
        while let Some(parsed) = page_rx.recv().await {
            let parsed = match parsed {
                Ok(p) => p,
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            };
            report.format = parsed.format.to_string();
            report.bytes_read = parsed.bytes_read;
            report.plays += parsed.plays.len() as u64;
            report.skipped += parsed.skipped;
            report.bad += parsed.bad_count;
            report.cut += parsed.cut_count;
            let room = MAX_BAD_ROWS.saturating_sub(report.bad_rows.len());
            report.bad_rows.extend(parsed.bad.into_iter().take(room));
            if !parsed.plays.is_empty() {
                let outcome = self
                    .store
                    .record_listens(user_id, IMPORT_SOURCE, &parsed.plays, None)
                    .await
                    .map_err(ServiceError::Store)?;
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
        if let Some(error) = failure {
            return Err(error);
        }
        report.done = true;
        Ok(report)
    }
}

/// The reader thread: parses the file and hands over pages of plays.
fn read_pages(
    chunks: mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
    options: ImportOptions,
    pages: mpsc::Sender<Result<Parsed, ServiceError>>,
) {
    let input = ChunkReader {
        rx: chunks,
        chunk: Vec::new(),
        pos: 0,
    };
    let mut reader = match history_import::Reader::new(input, options) {
        Ok(r) => r,
        Err(history_import::ImportError::Io(e)) => {
            // The upload broke off before the file could even be recognised.
            let _ = pages.blocking_send(Err(ServiceError::Aborted(format!(
                "{e}; nothing was imported"
            ))));
            return;
        }
        Err(e) => {
            let _ = pages.blocking_send(Err(ServiceError::InvalidArgument(e.to_string())));
            return;
        }
    };
    let format = reader.format();
    let fresh = || Parsed {
        plays: Vec::new(),
        bytes: 0,
        skipped: 0,
        bad: Vec::new(),
        bad_count: 0,
        cut_count: 0,
        bytes_read: 0,
        format,
    };
    let mut page = fresh();
    loop {
        let item = reader.next();
        let end = item.is_none();
        match item {
            Some(Item::Play { listen, cut, line }) => {
                if cut {
                    page.cut_count += 1;
                    if page.bad.len() < MAX_BAD_ROWS {
                        page.bad.push(BadRow {
                            line,
                            reason: format!(
                                "imported with a name cut to {} bytes",
                                crate::music_text::MAX_NAME_BYTES
                            ),
                        });
                    }
                }
                page.bytes += play_bytes(&listen);
                page.plays.push(listen);
            }
            Some(Item::Skipped { .. }) => page.skipped += 1,
            Some(Item::Bad { line, reason }) => {
                page.bad_count += 1;
                if page.bad.len() < MAX_BAD_ROWS {
                    page.bad.push(BadRow { line, reason });
                }
            }
            None => {}
        }
        if end || page.plays.len() >= PAGE || page.bytes >= PAGE_BYTES {
            page.bytes_read = reader.bytes_read();
            if pages.blocking_send(Ok(page)).is_err() {
                return;
            }
            if end {
                // The upload broke off: what was committed stays, but the import did
                // not finish, and must not say so.
                if let Some(e) = reader.take_io_error() {
                    let _ = pages.blocking_send(Err(ServiceError::Aborted(format!(
                        "{e}; what was read so far is imported, and importing the file again adds the rest"
                    ))));
                }
                return;
            }
            page = fresh();
        }
    }
}

/// What a play weighs in a page.
fn play_bytes(l: &RemoteListen) -> usize {
    let opt = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    l.artist.len()
        + l.title.len()
        + opt(&l.album)
        + opt(&l.isrc)
        + opt(&l.recording_mbid)
        + l.source_ref.len()
        + PLAY_OVERHEAD_BYTES
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

    /// Issue 10, finding 1: a page is bounded by bytes as well as plays, and names are
    /// cut when parsed, so what a page holds in memory (and in one transaction) stays
    /// small whatever the rows hold.
    #[test]
    fn pages_are_bounded_by_bytes_and_long_names_are_cut_and_reported() {
        let long = "x".repeat(8 * 1024);
        let mut file = String::new();
        for i in 0..1200 {
            file.push_str(&format!(
                "{{\"listened_at\": {}, \"track_metadata\": {{\"artist_name\": \"A{i}\", \"track_name\": \"{long}\", \"release_name\": \"{}\"}}}}\n",
                1_600_000_000 + i,
                "é".repeat(700)
            ));
        }
        let (chunk_tx, chunk_rx) = mpsc::channel(4);
        let (page_tx, mut page_rx) = mpsc::channel(1);
        let reader = std::thread::spawn(move || {
            read_pages(chunk_rx, ImportOptions::default(), page_tx);
        });
        let feeder = std::thread::spawn(move || {
            for chunk in file.into_bytes().chunks(256 * 1024) {
                chunk_tx.blocking_send(Ok(chunk.to_vec())).unwrap();
            }
        });
        let (mut plays, mut cut, mut pages) = (0, 0, 0);
        while let Some(page) = page_rx.blocking_recv() {
            let page = page.unwrap();
            let bytes: usize = page.plays.iter().map(play_bytes).sum();
            let largest = page.plays.iter().map(play_bytes).max().unwrap_or(0);
            assert!(bytes < PAGE_BYTES + largest, "a page of {bytes} bytes");
            assert!(
                page.plays
                    .iter()
                    .all(|p| p.title.len() == crate::music_text::MAX_NAME_BYTES)
            );
            assert!(
                page.bad
                    .iter()
                    .all(|b| b.reason.contains("cut to 1024 bytes"))
            );
            plays += page.plays.len();
            cut += page.cut_count;
            pages += 1;
        }
        feeder.join().unwrap();
        reader.join().unwrap();
        assert_eq!((plays, cut), (1200, 1200));
        assert!(pages > 1, "{pages} pages");
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
