//! `spotter export`: the `Export` stream to stdout, or to a file that appears only
//! once complete (a 0600 temporary file beside it, renamed at the end).
//!
//! On stdout the stream may meet a terminal: JSON lines always have their DEL and C1
//! controls escaped (the same JSON, decoded), CSV only when stdout is a terminal
//! (escaping would change the data a pipe or file must get exactly). Files get the
//! bytes as they are.

use std::{
    io::{self, IsTerminal as _},
    os::unix::fs::OpenOptionsExt as _,
    path::{Path, PathBuf},
};

use spotter_proto::v1::{ExportRequest, export_request};
use tokio::io::AsyncWriteExt as _;

use super::{
    args::{ExportArgs, ExportFormat},
    output::{Outcome, Stdout},
    session::{Session, client_failure, status_failure},
};
use crate::{client::ClientError, dates, safe_text::SafeStream, socket::SocketTarget};

/// The request for `args`, dates resolved in `tz`.
pub(super) fn request(args: &ExportArgs, tz: &jiff::tz::TimeZone) -> Result<ExportRequest, String> {
    let format = match args.format {
        ExportFormat::Jsonl => export_request::Format::Jsonl,
        ExportFormat::Csv => export_request::Format::Csv,
    };
    Ok(ExportRequest {
        format: format as i32,
        filter: Some(args.filter.to_filter(tz)?),
    })
}

/// Where the bytes go: stdout, through the escaping its format needs there.
enum Sink {
    Stdout(Stdout, Option<SafeStream>),
    File(PartFile),
}

pub(super) async fn run(target: &SocketTarget, args: &ExportArgs) -> Result<Outcome, String> {
    let tz = dates::system_zone();
    let request = request(args, &tz)?;
    let output = args
        .output
        .as_ref()
        .filter(|p| p.as_os_str() != "-")
        .cloned();
    let mut session = Session::open(target).await?;
    // Created before the call so a directory we cannot write to fails first.
    let mut sink = match &output {
        Some(path) => Sink::File(PartFile::create(path).await?),
        None => {
            let safe = match args.format {
                ExportFormat::Jsonl => Some(SafeStream::json()),
                ExportFormat::Csv if io::stdout().is_terminal() => Some(SafeStream::lines()),
                ExportFormat::Csv => None,
            };
            Sink::Stdout(Stdout::new(), safe)
        }
    };
    let result = tokio::select! {
        result = stream_into(&mut session, request, &mut sink) => result,
        _ = tokio::signal::ctrl_c() => Err("interrupted".to_owned()),
    };
    match (result, sink) {
        (Ok(()), Sink::File(part)) => {
            let path = output.unwrap_or_default();
            part.commit(&path)
                .await
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(Outcome::Done)
        }
        (Ok(()), Sink::Stdout(..)) => Ok(Outcome::Done),
        (Err(message), Sink::File(part)) => {
            part.discard().await;
            let path = output.unwrap_or_default();
            Err(format!("{message} ({} was not written)", path.display()))
        }
        (Err(message), Sink::Stdout(..)) => Err(message),
    }
}

async fn stream_into(
    session: &mut Session,
    request: ExportRequest,
    sink: &mut Sink,
) -> Result<(), String> {
    session.ensure_fresh().await?;
    let mut retried = false;
    let mut stream = loop {
        let client = session.client();
        let mut history = client.history();
        let call = history.export(session.auth().authorize(request.clone()));
        match tokio::time::timeout(client.timeouts().call, call).await {
            Ok(Ok(response)) => break response.into_inner(),
            Ok(Err(status)) if status.code() == tonic::Code::Unauthenticated && !retried => {
                retried = true;
                session.refresh().await?;
            }
            Ok(Err(status)) => return Err(status_failure(client, &status)),
            Err(_) => {
                return Err(client_failure(&ClientError::Timeout {
                    path: client.socket().to_path_buf(),
                    during: "Export",
                    after: client.timeouts().call,
                }));
            }
        }
    };
    loop {
        let chunk = match stream.message().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(status) => {
                return Err(format!(
                    "the export stopped: {}",
                    status_failure(session.client(), &status)
                ));
            }
        };
        match sink {
            Sink::Stdout(out, safe) => {
                let written = match safe {
                    Some(safe) => out.write(safe.push(&chunk.data).as_bytes())?,
                    None => out.write(&chunk.data)?,
                };
                if !written {
                    // The reader went away (`| head`): stop asking for more.
                    return Ok(());
                }
            }
            Sink::File(part) => part
                .file
                .write_all(&chunk.data)
                .await
                .map_err(|e| format!("cannot write {}: {e}", part.path.display()))?,
        }
    }
    if let Sink::Stdout(out, safe) = sink {
        if let Some(safe) = safe {
            out.write(safe.finish().as_bytes())?;
        }
        out.flush()?;
    }
    Ok(())
}

/// A file being written beside its destination: `.NAME.spotter-export-PID-N`,
/// created 0600 and never over anything that exists.
/// A file written beside its destination (0600) and renamed over it once whole.
pub(crate) struct PartFile {
    pub(crate) path: PathBuf,
    pub(crate) file: tokio::fs::File,
}

impl PartFile {
    pub(crate) async fn create(destination: &Path) -> Result<PartFile, String> {
        let name = destination
            .file_name()
            .ok_or_else(|| format!("{} is not a file name", destination.display()))?
            .to_string_lossy()
            .into_owned();
        let dir = match destination.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut attempt = 0u32;
        loop {
            let path = dir.join(format!(
                ".{name}.spotter-export-{}-{attempt}",
                std::process::id()
            ));
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true).mode(0o600);
            match tokio::fs::OpenOptions::from(options).open(&path).await {
                Ok(file) => return Ok(PartFile { path, file }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => {
                    return Err(format!("cannot write {}: {e}", destination.display()));
                }
            }
        }
    }

    /// Flushes, syncs and renames over `destination`.
    pub(crate) async fn commit(mut self, destination: &Path) -> io::Result<()> {
        let result = async {
            self.file.flush().await?;
            self.file.sync_all().await?;
            tokio::fs::rename(&self.path, destination).await
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&self.path).await;
        }
        result
    }

    pub(crate) async fn discard(self) {
        drop(self.file);
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::history_cli::{FilterArgs, Source, parse_date};

    #[test]
    fn the_request_carries_format_and_filter() {
        let args = ExportArgs {
            format: ExportFormat::Csv,
            output: None,
            filter: FilterArgs {
                artist: Some("Björk".into()),
                sources: vec![Source::Import],
                to: Some(parse_date("2021-01-08").unwrap()),
                ..Default::default()
            },
        };
        let r = request(&args, &jiff::tz::TimeZone::UTC).unwrap();
        assert_eq!(r.format, export_request::Format::Csv as i32);
        let f = r.filter.unwrap();
        assert_eq!(f.artist, "Björk");
        assert!(f.imported);
        assert!(f.sources.is_empty());
        assert_eq!((f.from, f.to), (0, 1_610_064_000));
        let args = ExportArgs {
            format: ExportFormat::Jsonl,
            ..args
        };
        assert_eq!(
            request(&args, &jiff::tz::TimeZone::UTC).unwrap().format,
            export_request::Format::Jsonl as i32
        );
    }

    #[tokio::test]
    async fn a_part_file_appears_only_when_committed_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("history.csv");
        std::fs::write(&dest, "old").unwrap();
        let mut part = PartFile::create(&dest).await.unwrap();
        part.file.write_all(b"uts,artist\n").await.unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        let part_path = part.path.clone();
        assert_eq!(
            std::fs::metadata(&part_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        part.commit(&dest).await.unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "uts,artist\n");
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(!part_path.exists());

        // A failed export leaves the destination as it was and no part file.
        let part = PartFile::create(&dest).await.unwrap();
        let part_path = part.path.clone();
        part.discard().await;
        assert!(!part_path.exists());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "uts,artist\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn an_unwritable_directory_is_reported() {
        let err = PartFile::create(Path::new("/nonexistent-dir/x.csv"))
            .await
            .err()
            .unwrap();
        assert!(err.contains("cannot write /nonexistent-dir/x.csv"), "{err}");
    }
}
