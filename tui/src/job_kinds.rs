//! The job kinds as the TUI names them.

use spotter_proto::v1::JobKind;

pub fn job_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::HistorySync => "History sync",
        JobKind::LibrarySync => "Library sync",
        JobKind::Unspecified => "A job",
    }
}

/// Events name job kinds as strings ("history_sync"); accept the enum spelling too.
pub fn parse_kind(text: &str) -> Option<JobKind> {
    let folded: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match folded.as_str() {
        "historysync" => Some(JobKind::HistorySync),
        "librarysync" => Some(JobKind::LibrarySync),
        _ => None,
    }
}
