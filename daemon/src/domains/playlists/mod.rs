//! Playlists (issue 12): imported from Spotify, ListenBrainz, Navidrome and files, or
//! created here; every entry matched to a song of the user's whole library mirror;
//! pushed to Navidrome and kept in sync.

pub mod matcher;
pub mod model;
pub mod store;
