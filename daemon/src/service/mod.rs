//! Domain logic: no tonic, no SQL strings. Called by `rpc`, `jobs` and the offline
//! admin commands alike.

pub mod admin;
pub mod connections;
mod error;
pub mod export;
pub mod identity;
pub mod import;
pub mod normalize;
pub mod rotation;
pub mod sync;

pub use error::{Result, ServiceError};
