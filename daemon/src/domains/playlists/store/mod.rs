//! The playlists domain's queries.

mod entries;
pub mod navidrome;
pub mod sources;
