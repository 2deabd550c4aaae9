//! The job kinds as the TUI names them (the names live in the proto crate).

use spotter_proto::v1::JobKind;

/// The job's name ("History sync").
pub fn job_name(kind: JobKind) -> &'static str {
    match kind {
        JobKind::Unspecified => "A job",
        known => known.display_name(),
    }
}
