//! The import dialog (`i` on the History tab): a file and a format, then the
//! upload's progress as the daemon reports it, then a summary with the first bad
//! rows. The client reads and streams the file on a task of its own and reports
//! back with [`ImportEvent`]s, so the screen keeps drawing while it runs.

use spotter_proto::v1::ImportProgress;

use crate::component::{
    ImportEvent,
    form::{FieldId, Form},
};

/// The formats `History.Import` reads, for the form's hint.
pub const FORMATS: &str = "auto, lastfm-csv, lastfm-json, listenbrainz, spotify, spotify-extended";

#[derive(Debug, Clone, PartialEq)]
pub enum ImportPhase {
    /// Choosing the file.
    Choosing,
    /// Sent to the client; `progress` is the daemon's latest count.
    Running {
        progress: Option<ImportProgress>,
    },
    Done(ImportProgress),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImportDialog {
    /// Tells this import's events from an earlier one's.
    pub id: u64,
    /// Kept through the run, so a failed import can be tried again as it was.
    pub form: Form,
    /// The file as the client opened it (as typed until then).
    pub path: String,
    /// Its size in bytes, once open.
    pub size: u64,
    pub phase: ImportPhase,
}

impl ImportDialog {
    pub fn new(id: u64) -> Self {
        let mut form = Form::new(vec![
            Form::plain(FieldId::Path, "File"),
            Form::plain(FieldId::Format, "Format"),
        ]);
        form.set_text(FieldId::Format, "auto");
        ImportDialog {
            id,
            form,
            path: String::new(),
            size: 0,
            phase: ImportPhase::Choosing,
        }
    }

    /// Takes the form's values: the file and format to import, or why not (shown
    /// in the form).
    pub fn start(&mut self, id: u64) -> Option<(String, String)> {
        let path = self.form.text(FieldId::Path).trim().to_owned();
        let format = match self.form.text(FieldId::Format).trim() {
            "" => "auto".to_owned(),
            format => format.to_ascii_lowercase(),
        };
        if path.is_empty() {
            self.form.error = Some("Enter the path of the file to import.".into());
            self.form.focus_on(FieldId::Path);
            return None;
        }
        self.id = id;
        self.form.error = None;
        self.path = path.clone();
        self.size = 0;
        self.phase = ImportPhase::Running { progress: None };
        Some((path, format))
    }

    /// Applies an event of this import; returns the final count when it finished.
    pub fn apply(&mut self, event: ImportEvent) -> Option<ImportProgress> {
        if !matches!(self.phase, ImportPhase::Running { .. }) {
            return None;
        }
        match event {
            ImportEvent::Started { path, size } => {
                self.path = path;
                self.size = size;
            }
            ImportEvent::Progress(progress) if progress.done => {
                self.phase = ImportPhase::Done(progress.clone());
                return Some(progress);
            }
            ImportEvent::Progress(progress) => {
                self.phase = ImportPhase::Running {
                    progress: Some(progress),
                };
            }
            ImportEvent::Failed(error) => self.phase = ImportPhase::Failed(error),
        }
        None
    }

    /// Back to the form after a failure, with what was typed.
    pub fn retry(&mut self) {
        self.phase = ImportPhase::Choosing;
    }

    pub fn running(&self) -> bool {
        matches!(self.phase, ImportPhase::Running { .. })
    }

    /// How far the daemon has read, as a fraction (when the size is known).
    pub fn ratio(&self) -> Option<f64> {
        let (read, size) = match &self.phase {
            ImportPhase::Running { progress } => (
                progress.as_ref().map_or(0, |p| p.bytes_read),
                progress
                    .as_ref()
                    .map_or(self.size, |p| p.size.max(self.size)),
            ),
            ImportPhase::Done(_) => return Some(1.0),
            _ => return None,
        };
        (size > 0).then(|| read.min(size) as f64 / size as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progress(bytes_read: u64, added: u64, done: bool) -> ImportProgress {
        ImportProgress {
            format: "listenbrainz".into(),
            bytes_read,
            size: 1_000,
            plays: added,
            added,
            done,
            ..ImportProgress::default()
        }
    }

    #[test]
    fn a_path_is_needed() {
        let mut dialog = ImportDialog::new(1);
        assert_eq!(dialog.start(2), None);
        assert!(dialog.form.error.as_deref().unwrap().contains("path"));
        assert_eq!(dialog.phase, ImportPhase::Choosing);
    }

    #[test]
    fn runs_then_finishes_with_the_last_count() {
        let mut dialog = ImportDialog::new(1);
        dialog.form.set_text(FieldId::Path, "~/listens.jsonl");
        dialog.form.set_text(FieldId::Format, " ListenBrainz ");
        assert_eq!(
            dialog.start(2),
            Some(("~/listens.jsonl".into(), "listenbrainz".into()))
        );
        assert_eq!(dialog.id, 2);
        assert_eq!(dialog.ratio(), None, "size not known yet");
        dialog.apply(ImportEvent::Started {
            path: "/home/ann/listens.jsonl".into(),
            size: 1_000,
        });
        assert_eq!(dialog.ratio(), Some(0.0));
        assert_eq!(
            dialog.apply(ImportEvent::Progress(progress(250, 10, false))),
            None
        );
        assert_eq!(dialog.ratio(), Some(0.25));
        let last = progress(1_000, 20, true);
        assert_eq!(
            dialog.apply(ImportEvent::Progress(last.clone())),
            Some(last)
        );
        assert!(!dialog.running());
        // Nothing moves a finished dialog.
        dialog.apply(ImportEvent::Failed("late".into()));
        assert!(matches!(dialog.phase, ImportPhase::Done(_)));
    }

    #[test]
    fn a_failure_can_be_retried_with_the_same_values() {
        let mut dialog = ImportDialog::new(1);
        dialog.form.set_text(FieldId::Path, "/nope");
        dialog.start(1);
        dialog.apply(ImportEvent::Failed("cannot open /nope".into()));
        assert_eq!(
            dialog.phase,
            ImportPhase::Failed("cannot open /nope".into())
        );
        dialog.retry();
        assert_eq!(dialog.form.text(FieldId::Path), "/nope");
        assert_eq!(dialog.phase, ImportPhase::Choosing);
    }
}
