//! Thin tonic services: validate, authorise, convert. Domain work happens in
//! `service`; errors become `Status` in one place ([`status`]) that never leaks SQL,
//! paths or upstream bodies.

pub mod admin;
pub mod auth;
mod convert;
pub mod events;
pub mod history;
mod peer;
pub mod sessions;
mod status;
pub mod sync;
pub mod system;

pub use peer::{Peer, peer_uid};
pub use status::internal;
