//! Library: the mirror of a user's Navidrome library (artists, albums, tracks). The
//! sync domain's library job fills it; history reads its size and album names; the
//! playlists matcher reads every song (and the generation a changed library bumps).
//! No rpc of its own yet.

pub mod store;
