//! Thin tonic services: validate, authorise, convert. Domain work happens in
//! `service`; errors become `Status` in one place ([`status`]) that never leaks SQL,
//! paths or upstream bodies.

mod peer;
mod status;
pub mod upload;
pub mod wire;

pub use peer::{Peer, peer_uid};

/// The generated tonic server `$server` for `$service`, with the daemon's message
/// limits: every service is built through here, so the limits are set in one place.
macro_rules! server {
    ($server:ident, $service:expr) => {
        $server::new($service).max_decoding_message_size(spotter_proto::MAX_MESSAGE_BYTES)
    };
}
pub(crate) use server;
pub use status::internal;
