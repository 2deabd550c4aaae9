//! A playlist file uploaded over the socket, streamed in like `History.Import`: the
//! first message names the file, chunks of at most 1 MiB follow, progress streams
//! back. A playlist file is small (`playlists.max_import_bytes`, 16 MiB by default),
//! so it is gathered up to that cap and read on a blocking thread; only then is the
//! new FILE playlist made, its entries written in one transaction, and matched. An
//! upload that is too large, breaks off, stalls, or holds more entries than a
//! playlist may leaves nothing behind.

use std::{sync::Arc, time::Duration};

use futures::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{
    files::{self, BadRow, FileError, Format},
    model::Source,
    service::{Playlists, check_name},
};
use crate::{
    music_text::clean_name,
    service::{
        ServiceError,
        slots::UserSlots,
        upload::{MAX_CHUNK, Upload, stalled_text},
    },
};

/// Progress messages are sent at most this often while the file arrives.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// What an upload's first message says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportStart {
    pub file_name: String,
    /// A format name; empty or "auto" recognises it.
    pub format: String,
    pub size: u64,
    /// The playlist's name; empty: the file's title, else its stem.
    pub name: String,
}

/// How an import is going; the last one is `done`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub format: String,
    pub bytes_read: u64,
    pub size: u64,
    pub entries: u64,
    pub bad: u64,
    pub bad_rows: Vec<BadRow>,
    pub done: bool,
    pub playlist_id: i64,
    pub matched: u64,
}

pub type Reports = ReceiverStream<Result<ImportReport, ServiceError>>;

/// The file's base name without its extension.
fn stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    }
}

fn too_large(limit: u64) -> ServiceError {
    ServiceError::ResourceExhausted(format!(
        "the file is larger than {limit} bytes, the most this server imports \
         (playlists.max_import_bytes); nothing was imported"
    ))
}

impl From<FileError> for ServiceError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Invalid(m) => ServiceError::InvalidArgument(m),
            too @ FileError::TooManyEntries { .. } => {
                ServiceError::ResourceExhausted(too.to_string())
            }
        }
    }
}

impl Playlists {
    /// Starts importing the file `start` describes; progress streams back.
    pub async fn import<S>(
        self: &Arc<Self>,
        running: &UserSlots,
        idle: Duration,
        user_id: i64,
        start: ImportStart,
        input: S,
    ) -> Result<Reports, ServiceError>
    where
        S: Stream<Item = Upload> + Send + Unpin + 'static,
    {
        let format = Format::parse_name(&start.format)?;
        let name = match start.name.trim() {
            "" => None,
            n => Some(check_name(n)?.to_owned()),
        };
        let limit = self.settings.max_import_bytes;
        if start.size > limit {
            return Err(too_large(limit));
        }
        let slot = running.claim(user_id)?;
        let (tx, rx) = mpsc::channel(8);
        let _ = tx.try_send(Ok(ImportReport {
            format: format.map(|f| f.to_string()).unwrap_or_default(),
            size: start.size,
            ..ImportReport::default()
        }));
        let this = self.clone();
        tokio::spawn(async move {
            let result = this
                .run(user_id, &start, format, name, input, idle, &tx)
                .await;
            drop(slot);
            match &result {
                Ok(r) => tracing::info!(
                    user_id,
                    playlist_id = r.playlist_id,
                    entries = r.entries,
                    matched = r.matched,
                    bad = r.bad,
                    "playlist import finished"
                ),
                Err(e) => tracing::info!(user_id, error = %e, "playlist import stopped"),
            }
            let _ = tokio::time::timeout(idle, tx.send(result)).await;
        });
        Ok(ReceiverStream::new(rx))
    }

    #[allow(clippy::too_many_arguments)]
    async fn run<S>(
        &self,
        user_id: i64,
        start: &ImportStart,
        format: Option<Format>,
        name: Option<String>,
        mut input: S,
        idle: Duration,
        progress: &mpsc::Sender<Result<ImportReport, ServiceError>>,
    ) -> Result<ImportReport, ServiceError>
    where
        S: Stream<Item = Upload> + Send + Unpin + 'static,
    {
        let limit = self.settings.max_import_bytes;
        let mut report = ImportReport {
            size: start.size,
            ..ImportReport::default()
        };
        let mut data = Vec::new();
        let mut last_sent = tokio::time::Instant::now();
        loop {
            let next = tokio::time::timeout(idle, input.next())
                .await
                .map_err(|_| {
                    ServiceError::DeadlineExceeded(format!(
                        "{}; nothing was imported",
                        stalled_text(idle)
                    ))
                })?;
            match next {
                None => break,
                Some(Upload::Chunk(chunk)) if chunk.len() <= MAX_CHUNK => {
                    if (data.len() + chunk.len()) as u64 > limit {
                        return Err(too_large(limit));
                    }
                    data.extend_from_slice(&chunk);
                    report.bytes_read = data.len() as u64;
                    if last_sent.elapsed() >= PROGRESS_EVERY {
                        last_sent = tokio::time::Instant::now();
                        let _ = progress.try_send(Ok(report.clone()));
                    }
                }
                Some(Upload::Chunk(_) | Upload::Unexpected) => {
                    return Err(ServiceError::InvalidArgument(
                        "the upload stopped early: expected file data of at most 1 MiB per \
                         message; nothing was imported"
                            .into(),
                    ));
                }
                Some(Upload::Interrupted) => {
                    return Err(ServiceError::Aborted(
                        "the upload was interrupted; nothing was imported".into(),
                    ));
                }
            }
        }
        if start.size > 0 && data.len() as u64 != start.size {
            return Err(ServiceError::Aborted(format!(
                "the upload ended after {} of the {} bytes announced; nothing was imported",
                data.len(),
                start.size
            )));
        }
        let file_name = start.file_name.clone();
        let max_entries = self.settings.max_entries;
        let parsed = tokio::task::spawn_blocking(move || {
            files::parse(&data, format, &file_name, max_entries)
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))??;
        report.format = parsed.format.to_string();
        report.entries = parsed.entries.len() as u64;
        report.bad = parsed.bad;
        report.bad_rows = parsed.bad_rows;
        let name = name
            .or(parsed.title)
            .or_else(|| Some(clean_name(stem(&start.file_name)).text.into_owned()))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Imported playlist".to_owned());
        let id = self
            .store
            .create_playlist(
                user_id,
                &name,
                "",
                Source::File,
                self.settings.max_playlists_per_user,
            )
            .await?;
        if let Err(e) = self
            .store
            .replace_entries(user_id, id, &parsed.entries)
            .await
        {
            // Nothing half-made stays behind.
            let _ = self.store.delete_playlist(user_id, id).await;
            return Err(e.into());
        }
        report.playlist_id = id;
        match self.matcher.match_playlist(user_id, id).await {
            Ok(m) => report.matched = u64::from(m.matched),
            // The entries are kept; a later re-match finds their songs.
            Err(e) => tracing::warn!(user_id, playlist_id = id, error = %e, "matching failed"),
        }
        report.done = true;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_name_is_the_base_name_without_extension() {
        assert_eq!(stem("/home/ann/Road Trip.m3u8"), "Road Trip");
        assert_eq!(stem("C:\\x\\weekly.jspf"), "weekly");
        assert_eq!(stem(".hidden"), ".hidden");
        assert_eq!(stem("plain"), "plain");
    }
}
