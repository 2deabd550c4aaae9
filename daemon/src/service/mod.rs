//! Domain logic: no tonic, no SQL strings. Called by `rpc`, `jobs` and the offline
//! admin commands alike.

mod error;
pub mod slots;
pub mod upload;

pub use error::{Result, ServiceError};

/// A requested page size: 0 means `default`, anything over `max` is `max`.
pub fn clamp_page(requested: u32, default: u32, max: u32) -> u32 {
    if requested == 0 {
        default
    } else {
        requested.min(max)
    }
}
