//! `History.Import` for the TUI's import dialog: reads the file in 256 KiB chunks
//! and streams them while reading the daemon's progress at the same time, on a
//! task of its own (and a connection of its own), so neither the screen nor the
//! other calls wait for it. Every step is reported as an [`ImportEvent`].
//!
//! A file that cannot be read, or a daemon that refuses it (an unrecognised
//! format, say), ends the import with [`ImportEvent::Failed`]; reading errors
//! mid-way cancel the call, so the daemon never takes a cut-off file for whole.

use std::path::{Path, PathBuf};

use spotter_proto::v1::ImportStart;
use tokio::task::JoinHandle;

use crate::{
    client::{AccessToken, ClientError, DaemonClient, Timeouts, upload::file_messages},
    component::{CallError, ImportEvent},
    socket::SocketTarget,
};

/// `~` and `~/…` from the home directory; anything else as it is.
pub fn expand_tilde(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home.to_path_buf(),
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

/// Starts importing the file at `path` (as typed); `report` hears every step.
pub fn spawn(
    target: SocketTarget,
    token: AccessToken,
    path: String,
    format: String,
    report: impl Fn(ImportEvent) + Send + Sync + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
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
