//! The playlists domain's queries (`impl Store` blocks): playlist rows, entries and
//! their edits, manual choices.

pub mod edits;
mod entries;
pub mod playlists;

pub use crate::store::Result;

/// An entry worth a look, as SQL over `playlist_entries e`: unmatched with a
/// candidate, a fuzzy match under 0.85, or a match of another version.
pub const NEEDS_REVIEW: &str = "((e.method = 'none' AND e.best_candidate > 0) \
     OR (e.method = 'fuzzy' AND e.confidence < 0.85) OR e.version_differs = 1)";
