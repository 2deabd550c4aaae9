//! Thin tonic services: validate, authorise, convert. Domain work happens in
//! `service`; errors become `Status` in one place ([`status`]) that never leaks SQL,
//! paths or upstream bodies.

pub mod events;
mod peer;
mod status;
pub mod system;
pub mod wire;

pub use peer::{Peer, peer_uid};
pub use status::internal;
