//! `History.Import` for the TUI's import dialog: reads the file in 256 KiB chunks
//! and streams them while reading the daemon's progress at the same time, on a
//! task of its own (and a connection of its own), so neither the screen nor the
//! other calls wait for it. Every step comes back as an [`Action::Import`].
//!
//! A file that cannot be read, or a daemon that refuses it (an unrecognised
//! format, say), ends the import with [`ImportEvent::Failed`]; reading errors
//! mid-way cancel the call, so the daemon never takes a cut-off file for whole.

use std::path::{Path, PathBuf};

use futures::{SinkExt as _, Stream};
use spotter_proto::v1::{ImportRequest, ImportStart, import_request::Part};
use tokio::{io::AsyncReadExt as _, sync::mpsc, task::JoinHandle};

use super::{AccessToken, ClientError, DaemonClient, Timeouts};
use crate::{
    app::{Action, CallError, ImportEvent},
    socket::SocketTarget,
};

/// Bytes per message (the daemon takes up to 1 MiB).
pub const CHUNK_BYTES: usize = 256 * 1024;

/// The messages of one `History.Import` call for `file`: `start`, then the file in
/// [`CHUNK_BYTES`] chunks. The returned future feeds the stream: it reads the file
/// only as fast as the call sends it (one chunk waits besides the one in flight), so
/// memory stays at a few chunks; it ends with the file, or early when the call
/// stopped taking messages (the daemon refused the file: its answer says why), and
/// fails with a read error. `sent` hears the bytes handed over so far.
pub fn file_messages(
    mut file: tokio::fs::File,
    start: ImportStart,
    sent: impl Fn(u64) + Send + 'static,
) -> (
    impl Stream<Item = ImportRequest> + Send + 'static,
    impl Future<Output = std::io::Result<()>> + Send + 'static,
) {
    let (mut tx, rx) = futures::channel::mpsc::channel(1);
    let read = async move {
        let start = ImportRequest {
            part: Some(Part::Start(start)),
        };
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
            let request = ImportRequest {
                part: Some(Part::Chunk(chunk)),
            };
            if tx.send(request).await.is_err() {
                return Ok(());
            }
            sent(total);
        }
        // Dropping `tx` ends the upload: the daemon then finishes.
    };
    (rx, read)
}

/// `~` and `~/…` from the home directory; anything else as it is.
pub fn expand_tilde(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

/// Starts the import `id` of the file at `path` (as typed).
pub fn spawn(
    target: SocketTarget,
    token: AccessToken,
    id: u64,
    path: String,
    format: String,
    actions: mpsc::UnboundedSender<Action>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let report = |event| {
            // The UI has gone away: nothing left to tell.
            let _ = actions.send(Action::Import { id, event });
        };
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let path = expand_tilde(&path, home.as_deref());
        if let Err(error) = run(&target, &token, &path, &format, &report).await {
            report(ImportEvent::Failed(error));
        }
    })
}

async fn run(
    target: &SocketTarget,
    token: &AccessToken,
    path: &Path,
    format: &str,
    report: &impl Fn(ImportEvent),
) -> Result<(), String> {
    let shown = path.display().to_string();
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("Cannot open {shown}: {e}"))?;
    let metadata = file
        .metadata()
        .await
        .map_err(|e| format!("Cannot read {shown}: {e}"))?;
    if !metadata.is_file() {
        return Err(format!("{shown} is not a file."));
    }
    let size = metadata.len();
    report(ImportEvent::Started {
        path: shown.clone(),
        size,
    });
    let client = DaemonClient::connect(target, Timeouts::default())
        .await
        .map_err(|e| CallError::from(e).text())?;

    let start = ImportStart {
        file_name: shown.clone(),
        format: format.to_owned(),
        size,
        min_play_ms: 0,
    };
    let (stream, upload) = file_messages(file, start, |_| {});
    let failed = |status: tonic::Status| {
        CallError::from(ClientError::from_status(target.path.clone(), &status)).text()
    };
    let progress = async {
        let response = client
            .history()
            .import(token.authorize(stream))
            .await
            .map_err(failed)?;
        let mut messages = response.into_inner();
        while let Some(progress) = messages.message().await.map_err(failed)? {
            let done = progress.done;
            report(ImportEvent::Progress(progress));
            if done {
                return Ok(());
            }
        }
        Err("spotterd ended the import without a final count.".to_owned())
    };
    tokio::pin!(upload, progress);
    let mut uploading = true;
    loop {
        tokio::select! {
            read = &mut upload, if uploading => {
                uploading = false;
                // Returning drops the call, which the daemon sees as an interrupted
                // upload: it keeps what it stored and reads no further.
                read.map_err(|e| format!("Reading {shown} failed: {e}"))?;
            }
            done = &mut progress => return done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let home = Path::new("/home/ann");
        assert_eq!(
            expand_tilde("~/exports/a.csv", Some(home)),
            Path::new("/home/ann/exports/a.csv")
        );
        assert_eq!(expand_tilde("~", Some(home)), home);
        assert_eq!(
            expand_tilde("~bob/a.csv", Some(home)),
            Path::new("~bob/a.csv")
        );
        assert_eq!(
            expand_tilde("/tmp/a.csv", Some(home)),
            Path::new("/tmp/a.csv")
        );
        assert_eq!(expand_tilde("~/a.csv", None), Path::new("~/a.csv"));
    }
}
