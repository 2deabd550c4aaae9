//! `spotter import FILE...`: one `Import` call per file. The file is read and sent
//! in 256 KiB chunks while the daemon's progress is read back, so neither side
//! ever holds the whole file. A file that fails is reported and the next one runs.

use std::{fmt::Write as _, io::IsTerminal as _, path::Path};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spotter_proto::v1::{ImportProgress, ImportStart};

use super::{
    args::ImportArgs,
    output::{Outcome, Stdout},
    session::{Failure, Session, client_failure, status_failure},
};
use crate::{
    client::{ClientError, upload::file_messages},
    safe_text::{eprint_message, escape_controls},
    socket::SocketTarget,
};

pub(super) async fn run(target: &SocketTarget, args: &ImportArgs) -> Result<Outcome, String> {
    let mut session = Session::open(target).await?;
    let mut out = Stdout::new();
    let mut failed = false;
    let min_play_ms = match args.min_play {
        None => 0,
        // 0 on the wire is "the daemon's default": the shortest real threshold
        // keeps every play.
        Some(0) => 1,
        Some(seconds) => seconds.saturating_mul(1000),
    };
    for path in &args.files {
        let shown = path.display().to_string();
        let result = import_file(&mut session, path, args.format.name(), min_play_ms).await;
        match result {
            Ok(report) => {
                if !out.write_text(&summary(&shown, &report))? {
                    // Nobody reads the summaries any more; the imports still count.
                    continue;
                }
                out.flush()?;
            }
            Err(FileFailure::File(message)) => {
                failed = true;
                eprint_message(format_args!("spotter: {shown}: {message}"));
            }
            Err(FileFailure::Session(message)) => {
                // No file after this one could fare better.
                eprint_message(format_args!("spotter: {shown}: not imported"));
                return Err(message);
            }
        }
    }
    Ok(if failed {
        Outcome::Failed
    } else {
        Outcome::Done
    })
}

/// Why one file was not imported.
#[derive(Debug)]
enum FileFailure {
    /// This file: unreadable, refused by the daemon.
    File(Failure),
    /// The session or the connection: the remaining files would fail the same way.
    Session(Failure),
}

async fn import_file(
    session: &mut Session,
    path: &Path,
    format: &str,
    min_play_ms: u32,
) -> Result<ImportProgress, FileFailure> {
    let mut retried = false;
    loop {
        session.ensure_fresh().await.map_err(FileFailure::Session)?;
        match upload(session, path, format, min_play_ms).await {
            Err(Upload::Unauthenticated) if !retried => {
                // The token ran out between the check and the call: the daemon read
                // nothing, so the file starts over.
                retried = true;
                session.refresh().await.map_err(FileFailure::Session)?;
            }
            Err(Upload::Unauthenticated) => {
                return Err(FileFailure::Session(
                    "spotterd did not accept the session's token".into(),
                ));
            }
            Err(Upload::Failed(f)) => return Err(f),
            Ok(report) => return Ok(report),
        }
    }
}

enum Upload {
    Unauthenticated,
    Failed(FileFailure),
}

async fn upload(
    session: &Session,
    path: &Path,
    format: &str,
    min_play_ms: u32,
) -> Result<ImportProgress, Upload> {
    let file_error =
        |e: std::io::Error| Upload::Failed(FileFailure::File(format!("cannot read it: {e}")));
    let file = tokio::fs::File::open(path).await.map_err(file_error)?;
    let meta = file.metadata().await.map_err(file_error)?;
    if meta.is_dir() {
        return Err(Upload::Failed(FileFailure::File(
            "is a directory, not an export file".into(),
        )));
    }
    let size = if meta.is_file() { meta.len() } else { 0 };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());

    let bar = progress_bar(&file_name, size);
    let start = ImportStart {
        file_name: file_name.clone(),
        format: format.to_owned(),
        size,
        min_play_ms,
    };
    let (rx, read) = {
        let bar = bar.clone();
        file_messages(file, start, move |total| bar.set_position(total))
    };
    let mut producer = tokio::spawn(read);

    let client = session.client();
    let call = async {
        let mut history = client.history();
        let request = session.auth().authorize(rx);
        let mut stream =
            match tokio::time::timeout(client.timeouts().call, history.import(request)).await {
                Ok(Ok(response)) => response.into_inner(),
                Ok(Err(status)) if status.code() == tonic::Code::Unauthenticated => {
                    return Err(Upload::Unauthenticated);
                }
                Ok(Err(status)) => return Err(refusal(client, &file_name, &status)),
                Err(_) => {
                    return Err(Upload::Failed(FileFailure::Session(client_failure(
                        &ClientError::Timeout {
                            path: client.socket().to_path_buf(),
                            during: "Import",
                            after: client.timeouts().call,
                        },
                    ))));
                }
            };
        loop {
            match stream.message().await {
                Ok(Some(progress)) => {
                    bar.set_message(progress_note(&progress));
                    if progress.done {
                        return Ok(progress);
                    }
                }
                Ok(None) => {
                    return Err(Upload::Failed(FileFailure::File(
                        "spotterd ended the import without its final report; \
                         importing the file again adds what is missing"
                            .into(),
                    )));
                }
                Err(status) => return Err(refusal(client, &file_name, &status)),
            }
        }
    };
    tokio::pin!(call);
    let mut reading = true;
    let result = loop {
        tokio::select! {
            done = &mut producer, if reading => {
                reading = false;
                match done {
                    Ok(Ok(())) => {}
                    // Dropping the call cancels it: the daemon stops at once.
                    Ok(Err(err)) => break Err(Upload::Failed(FileFailure::File(format!(
                        "cannot read it: {err} (the import was stopped; what spotterd \
                         already stored stays, and importing the file again adds the rest)"
                    )))),
                    Err(err) => break Err(Upload::Failed(FileFailure::File(format!(
                        "reading it failed: {err}"
                    )))),
                }
            }
            result = &mut call => break result,
        }
    };
    producer.abort();
    bar.finish_and_clear();
    result
}

/// A refused or broken call: the daemon's message without the file name it puts
/// first (it is printed before it anyway). A lost connection ends the command.
fn refusal(
    client: &crate::client::DaemonClient,
    file_name: &str,
    status: &tonic::Status,
) -> Upload {
    let text = status_failure(client, status);
    let text = match text
        .strip_prefix(file_name)
        .and_then(|t| t.strip_prefix(": "))
    {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if ClientError::from_status(client.socket().to_path_buf(), status).daemon_absent()
        || matches!(
            status.code(),
            tonic::Code::Unauthenticated | tonic::Code::PermissionDenied
        )
    {
        return Upload::Failed(FileFailure::Session(text));
    }
    Upload::Failed(FileFailure::File(text))
}

fn progress_bar(file_name: &str, size: u64) -> ProgressBar {
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
    bar.set_prefix(super::listing::truncate(&escape_controls(file_name), 24));
    bar
}

/// The bar's message: what the daemon made of the file so far.
pub(super) fn progress_note(p: &ImportProgress) -> String {
    format!(
        "{} added, {} already there, {} bad",
        p.added,
        p.merged + p.duplicates,
        p.bad
    )
}

/// The summary printed on stdout for an imported file, with the bad rows listed.
/// The reasons may quote the file: every text is escaped.
pub(super) fn summary(file: &str, p: &ImportProgress) -> String {
    let mut s = format!(
        "{}: {}, {} plays: {} added, {} merged, {} already there, {} skipped, {} bad{}\n",
        escape_controls(file),
        if p.format.is_empty() {
            "empty".into()
        } else {
            escape_controls(&p.format)
        },
        p.plays,
        p.added,
        p.merged,
        p.duplicates,
        p.skipped,
        p.bad,
        if p.cut > 0 {
            format!(", {} with a name cut to 1024 bytes", p.cut)
        } else {
            String::new()
        }
    );
    for row in &p.bad_rows {
        let _ = writeln!(s, "  line {}: {}", row.line, escape_controls(&row.reason));
    }
    let listed = p.bad_rows.len() as u64;
    let noted = p.bad + p.cut;
    if noted > listed {
        let _ = writeln!(s, "  (and {} more)", noted - listed);
    }
    s
}

#[cfg(test)]
mod tests {
    use spotter_proto::v1::BadRow;

    use super::*;

    fn report() -> ImportProgress {
        ImportProgress {
            format: "listenbrainz".into(),
            bytes_read: 400,
            size: 400,
            plays: 3,
            added: 2,
            merged: 1,
            duplicates: 0,
            skipped: 0,
            bad: 1,
            bad_rows: vec![BadRow {
                line: 4,
                reason: "missing listened_at".into(),
            }],
            done: true,
            cut: 0,
        }
    }

    #[test]
    fn the_summary_counts_everything_and_lists_bad_rows() {
        assert_eq!(
            summary("exports/lb.jsonl", &report()),
            "exports/lb.jsonl: listenbrainz, 3 plays: 2 added, 1 merged, 0 already there, \
             0 skipped, 1 bad\n  line 4: missing listened_at\n"
        );
    }

    #[test]
    fn more_bad_rows_than_listed_are_counted() {
        let mut p = report();
        p.bad = 250;
        p.bad_rows = (1..=100)
            .map(|line| BadRow {
                line,
                reason: "not a listen".into(),
            })
            .collect();
        let text = summary("big.json", &p);
        assert_eq!(text.lines().count(), 1 + 100 + 1);
        assert!(text.contains("\n  line 100: not a listen\n"), "{text}");
        assert!(text.ends_with("  (and 150 more)\n"), "{text}");
    }

    #[test]
    fn plays_with_a_name_cut_are_counted_and_listed() {
        let mut p = report();
        p.cut = 3;
        p.bad_rows.push(BadRow {
            line: 9,
            reason: "imported with a name cut to 1024 bytes".into(),
        });
        let text = summary("long.jsonl", &p);
        assert!(
            text.contains("1 bad, 3 with a name cut to 1024 bytes\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  line 9: imported with a name cut to 1024 bytes\n"),
            "{text}"
        );
        assert!(text.ends_with("  (and 2 more)\n"), "{text}");
    }

    #[test]
    fn an_empty_file_says_so() {
        let p = ImportProgress {
            done: true,
            cut: 0,
            ..Default::default()
        };
        assert_eq!(
            summary("empty.json", &p),
            "empty.json: empty, 0 plays: 0 added, 0 merged, 0 already there, 0 skipped, 0 bad\n"
        );
    }

    #[test]
    fn the_progress_note_sums_what_was_known() {
        let mut p = report();
        p.duplicates = 5;
        assert_eq!(progress_note(&p), "2 added, 6 already there, 1 bad");
    }

    #[test]
    fn reasons_quoting_the_file_are_shown_escaped() {
        let mut p = report();
        p.format = "listen\u{9b}brainz".into();
        p.bad_rows[0].reason = "unreadable date \"\u{1b}[2J\"".into();
        let text = summary("evil\u{7}.jsonl", &p);
        assert!(
            !text.contains(|c: char| c.is_control() && c != '\n'),
            "{}",
            text.escape_debug()
        );
        assert!(
            text.starts_with("evil\\x07.jsonl: listen\\u{9b}brainz, "),
            "{text}"
        );
        assert!(
            text.contains("line 4: unreadable date \"\\x1b[2J\"\n"),
            "{text}"
        );
    }
}
