//! `spotter playlists import` (the file streamed through `ImportPlaylist`, a
//! progress bar on stderr) and `export` (the `ExportPlaylist` stream to stdout or
//! a file that appears only once complete).

use std::{
    fmt::Write as _,
    io::IsTerminal as _,
    path::{Path, PathBuf},
};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spotter_proto::v1::{ExportPlaylistRequest, ImportPlaylistProgress, Playlist};
use tokio::io::AsyncWriteExt as _;

use super::args::{PlaylistExportFormat, PlaylistFileFormat};
use crate::{
    client::ClientError,
    history_cli::{
        export::PartFile,
        listing::truncate,
        output::{Outcome, Stdout},
        session::{Session, client_failure, status_failure},
    },
    safe_text::{SafeStream, escape_controls},
    tabs::playlists::calls::playlist_file_messages,
};

pub(super) async fn import(
    session: &mut Session,
    path: &Path,
    name: Option<String>,
    format: PlaylistFileFormat,
) -> Result<Outcome, String> {
    let shown = path.display().to_string();
    let mut retried = false;
    let report = loop {
        session.ensure_fresh().await?;
        match upload(session, path, name.clone().unwrap_or_default(), format).await {
            Err(status) if status.code() == tonic::Code::Unauthenticated && !retried => {
                // The daemon read nothing: the file starts over.
                retried = true;
                session.refresh().await?;
            }
            Err(status) => {
                return Err(format!(
                    "{}: {}",
                    escape_controls(&shown),
                    status_failure(session.client(), &status)
                ));
            }
            Ok(report) => break report,
        }
    };
    let mut out = Stdout::new();
    out.write_text(&summary(&shown, &report))?;
    out.flush()?;
    Ok(Outcome::Done)
}

/// The file through one `ImportPlaylist` call; local failures as a status too.
async fn upload(
    session: &Session,
    path: &Path,
    name: String,
    format: PlaylistFileFormat,
) -> Result<ImportPlaylistProgress, tonic::Status> {
    let local = |e: std::io::Error| tonic::Status::invalid_argument(format!("cannot read it: {e}"));
    let file = tokio::fs::File::open(path).await.map_err(local)?;
    let meta = file.metadata().await.map_err(local)?;
    if meta.is_dir() {
        return Err(tonic::Status::invalid_argument(
            "is a directory, not a playlist file",
        ));
    }
    let size = if meta.is_file() { meta.len() } else { 0 };
    let bar = progress_bar(path, size);
    let (stream, read) = playlist_file_messages(file, path, size, format.name(), name);
    let producer = tokio::spawn(read);
    let client = session.client();
    let result = async {
        let mut service = client.playlists();
        let call = service.import_playlist(session.auth().authorize(stream));
        let mut messages = match tokio::time::timeout(client.timeouts().call, call).await {
            Ok(response) => response?.into_inner(),
            Err(_) => return Err(tonic::Status::deadline_exceeded("spotterd did not answer")),
        };
        while let Some(progress) = messages.message().await? {
            bar.set_position(progress.bytes_read);
            bar.set_message(format!(
                "{} entries, {} bad",
                progress.entries, progress.bad
            ));
            if progress.done {
                return Ok(progress);
            }
        }
        Err(tonic::Status::aborted(
            "spotterd ended the import without its final count",
        ))
    }
    .await;
    producer.abort();
    bar.finish_and_clear();
    result
}

fn progress_bar(path: &Path, size: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(size), target);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{bar:20}] {bytes}/{total_bytes} {wide_msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    bar.set_prefix(truncate(&escape_controls(&name), 24));
    bar
}

/// The summary printed for an imported file, bad rows listed (escaped).
pub fn summary(file: &str, p: &ImportPlaylistProgress) -> String {
    let mut s = format!(
        "{}: {}, {} entries, {} matched, {} bad → playlist {}\n",
        escape_controls(file),
        if p.format.is_empty() {
            "empty".into()
        } else {
            escape_controls(&p.format)
        },
        p.entries,
        p.matched,
        p.bad,
        p.playlist_id
    );
    for row in &p.bad_rows {
        let _ = writeln!(s, "  line {}: {}", row.line, escape_controls(&row.reason));
    }
    let listed = p.bad_rows.len() as u64;
    if p.bad > listed {
        let _ = writeln!(s, "  (and {} more)", p.bad - listed);
    }
    s
}

pub(super) async fn export(
    session: &mut Session,
    p: &Playlist,
    format: PlaylistExportFormat,
    output: Option<&Path>,
) -> Result<Outcome, String> {
    let output: Option<PathBuf> = output
        .filter(|p| p.as_os_str() != "-")
        .map(Path::to_path_buf);
    // Created before the call so a directory we cannot write to fails first.
    let part = match &output {
        Some(path) => Some(PartFile::create(path).await?),
        None => None,
    };
    let data = match fetch(session, p.id, format).await {
        Ok(data) => data,
        Err(message) => {
            if let Some(part) = part {
                part.discard().await;
            }
            return Err(message);
        }
    };
    match (part, output) {
        (Some(mut part), Some(path)) => {
            let written = part.file.write_all(&data).await;
            let result = match written {
                Ok(()) => part.commit(&path).await,
                Err(e) => {
                    part.discard().await;
                    Err(e)
                }
            };
            result.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        _ => {
            let mut out = Stdout::new();
            // Stored names may carry escape sequences: a terminal gets them
            // escaped, a pipe or file the bytes as they are.
            if std::io::stdout().is_terminal() {
                let mut safe = SafeStream::lines();
                let mut text = safe.push(&data);
                text.push_str(&safe.finish());
                out.write(text.as_bytes())?;
            } else {
                out.write(&data)?;
            }
            out.flush()?;
        }
    }
    Ok(Outcome::Done)
}

async fn fetch(
    session: &mut Session,
    id: i64,
    format: PlaylistExportFormat,
) -> Result<Vec<u8>, String> {
    session.ensure_fresh().await?;
    let client = session.client();
    let request = session.auth().authorize(ExportPlaylistRequest {
        id,
        format: format.wire() as i32,
    });
    let mut service = client.playlists();
    let call = service.export_playlist(request);
    let mut stream = match tokio::time::timeout(client.timeouts().call, call).await {
        Ok(Ok(response)) => response.into_inner(),
        Ok(Err(status)) => return Err(status_failure(client, &status)),
        Err(_) => {
            return Err(client_failure(&ClientError::Timeout {
                path: client.socket().to_path_buf(),
                during: "ExportPlaylist",
                after: client.timeouts().call,
            }));
        }
    };
    let mut data = Vec::new();
    while let Some(chunk) = stream
        .message()
        .await
        .map_err(|s| format!("the export stopped: {}", status_failure(client, &s)))?
    {
        data.extend_from_slice(&chunk.data);
    }
    Ok(data)
}
