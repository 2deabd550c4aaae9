//! Library: the mirror of a user's Navidrome library (artists, albums, tracks). The
//! sync domain's library job fills it; history reads its size and album names; the
//! coming track matching will read the tracks. No rpc of its own yet.

pub mod store;
