//! Domain logic: no tonic, no SQL strings. Called by `rpc`, `jobs` and the offline
//! admin commands alike.

pub mod rotation;
