//! The playlists domain's queries.

mod entries;
