//! The playlists domain's queries (`impl Store` blocks): entries and their matches
//! here; playlists, sources and Navidrome state in their own files.

mod entries;
pub mod navidrome;
pub mod sources;

pub use entries::{EntryMatch, MatchRow};
