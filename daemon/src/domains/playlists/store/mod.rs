//! The playlists domain's queries (`impl Store` blocks): entries and their matches
//! here; playlist rows in [`playlists`], the shown entries and their edits, manual
//! choices and the library search in [`edits`]; sources and Navidrome state in their
//! own files.

pub mod edits;
mod entries;
pub mod navidrome;
pub mod playlists;
pub mod sources;

pub use crate::store::Result;
pub use entries::{EntryMatch, MatchRow};

/// An entry worth a look, as SQL over `playlist_entries e`: unmatched with a
/// candidate, a fuzzy match under 0.85, or a match of another version.
pub const NEEDS_REVIEW: &str = "((e.method = 'none' AND e.best_candidate > 0) \
     OR (e.method = 'fuzzy' AND e.confidence < 0.85) OR e.version_differs = 1)";

#[cfg(test)]
mod tests;
