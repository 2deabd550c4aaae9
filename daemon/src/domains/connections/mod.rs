//! Connections: a user's links to upstream providers (Spotify, Last.fm,
//! ListenBrainz, Navidrome), their sealed credentials and the connect flows. Sync
//! asks this domain for credentials; nothing else reads them.

pub mod credentials;
pub mod rpc;
pub mod service;
pub mod store;
